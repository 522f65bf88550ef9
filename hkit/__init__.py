"""hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

>>> import hkit
>>> kg = hkit.open()
>>> kg.query("funds-by-size", currency="HKD").variables[:4]
['initiative', 'label', 'qualifier', 'value']

``hkit.open()`` returns a :class:`hkit.api.KnowledgeGraph`; see :mod:`hkit.api`.

The public API is ``hkit.open`` and the modules in ``PUBLIC_MODULES``; the command line
(``CLI_MODULES``) is built on them alone, and the other modules may change without notice.
"""

from hkit import api
from hkit.core.version import __version__

#: The library's public modules: the graph and its queries and reports (api), errors and exit
#: codes (errors), the formats and their rendering (formats, results), writing files (output),
#: prefixes (vocab), the Python values of answers (values), the cache folder (cache).
PUBLIC_MODULES = (
    "hkit.api",
    "hkit.core.answers",
    "hkit.core.errors",
    "hkit.core.formats",
    "hkit.core.vocab",
    "hkit.core.values",
    "hkit.core.cache",
    "hkit.core.version",
    "hkit.core.progress",
    "hkit.present.results",
    "hkit.present.output",
    "hkit.web.app",
)
#: The command line: the click commands, the fast lane, the commands' work, the option table,
#: the error boundary.
CLI_MODULES = (
    "hkit.cli",
    "hkit.cli.group",
    "hkit.cli.fast",
    "hkit.cli.commands",
    "hkit.cli.options",
    "hkit.cli.boundary",
    "hkit.__main__",
)

__all__ = ["CLI_MODULES", "PUBLIC_MODULES", "KnowledgeGraph", "__version__", "open"]


def __getattr__(name: str) -> object:
    # the library is imported on first use, so that the command line's start-up does not pay
    if name in ("open", "KnowledgeGraph"):
        return getattr(api, name)
    raise AttributeError(f"module 'hkit' has no attribute {name!r}")
