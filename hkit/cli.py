"""The ``hkit`` command line: click commands only; the library does the work."""

from __future__ import annotations

import click

from hkit import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="hkit")
def main() -> None:
    """hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

    The graph is an OWL ontology, SHACL shapes and Turtle data, every fact traced to the
    document it came from.

    Example:

        hkit --version
    """
