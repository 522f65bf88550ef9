"""The ``hkit`` command line: click commands only; the library does the work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import click

from hkit.api import KnowledgeGraph
from hkit.cli import commands
from hkit.cli.boundary import ErrorBoundary, handle_stop_signals, restore_signals
from hkit.cli.commands import State
from hkit.cli.options import COMMANDS, GLOBAL_OPTIONS, Argument, Option, choices_of
from hkit.core.errors import EXIT_INTERRUPTED
from hkit.core.version import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HkitGroup(click.Group):
    """Turns the project's errors, and click's usage errors, into one line on stderr (and a hint)
    with a documented exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001, ANN201
        """Run the command line; click's errors and aborts become one line and an exit code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        replaced = handle_stop_signals()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            click.echo(f"hkit: error: {exc.format_message()}", err=True)
            context = getattr(exc, "ctx", None)
            where = context.command_path if context is not None else "hkit"
            click.echo(f"hkit: hint: see '{where} --help'", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("hkit: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            restore_signals(replaced)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        """Run a command; hkit's errors and unexpected ones become one line and an exit code."""
        with ErrorBoundary(
            lambda: isinstance(ctx.obj, State) and ctx.obj.debug,
            passing=(click.exceptions.Exit, click.ClickException, click.Abort),
        ):
            return super().invoke(ctx)


class _Choice(click.Choice):
    """click's Choice over the choices of an option of the table, read from their registry when
    click first needs them (a registry's module may be heavy to import: review's is rdflib's)."""

    def __init__(self, spec: Option) -> None:  # click.Choice's own attributes, read lazily
        self.spec = spec
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]  # click's, read lazily
        return choices_of(self.spec)


def _parameters(specs: Iterable[Option | Argument]) -> Callable[[Callable], Callable]:
    """A decorator that gives a click command the options and arguments of ``specs``, in their
    order, from their lines in the option table."""
    decorators = []
    for spec in specs:
        completion = {"names": _complete_names, "params": _complete_params}.get(spec.complete or "")
        kind: click.ParamType | None = click.Path(dir_okay=False) if spec.kind == "file" else None
        if isinstance(spec, Argument):
            decorators.append(
                click.argument(
                    spec.dest, required=spec.required, type=kind, shell_complete=completion
                )
            )
            continue
        if spec.choices:
            kind = _Choice(spec)
        elif spec.kind == "seconds":
            kind = click.FloatRange(min=0, min_open=True)
        elif spec.kind == "count":
            kind = click.IntRange(min=1)
        elif spec.kind == "port":
            kind = click.IntRange(min=1, max=65535)
        decorators.append(
            click.option(
                *spec.flags,
                spec.dest,
                help=spec.help,
                type=kind,
                is_flag=spec.kind == "flag",
                multiple=spec.multiple,
                default=spec.default,
                envvar=spec.envvar,
                metavar=spec.metavar,
                show_default=spec.show_default,
                required=spec.required,
                shell_complete=completion,
            )
        )

    def decorate(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate


def _catalog_for_completion(ctx: click.Context) -> dict:
    """The saved queries of the --root being completed (or the default one); {} on any error:
    completion must never print an error into the user's shell."""
    import os

    try:
        root = ctx.find_root().params.get("root") or os.environ.get("HKIT_ROOT")
        return KnowledgeGraph(root=root).queries
    except Exception:
        return {}


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Saved-query names, for shell completion."""
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(name, help=q.summary)
        for name, q in sorted(_catalog_for_completion(ctx).items())
        if name.startswith(incomplete)
    ]


def _complete_params(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """NAME= for the parameters of the saved query being completed, then its allowed values."""
    import os

    from click.shell_completion import CompletionItem

    queries = _catalog_for_completion(ctx)
    # while completing, click may not have bound the NAME argument yet: read it from the words
    words = [ctx.params.get("name") or "", *os.environ.get("COMP_WORDS", "").split()]
    saved = next((queries[w] for w in words if w in queries), None)
    if saved is None:
        return []
    name, sep, _ = incomplete.partition("=")
    items = []
    for p in saved.params:
        if sep and p.name == name:
            items += [f"{p.name}={v}" for v in p.allowed]
        elif not sep:
            items.append(f"{p.name}=")
    return [CompletionItem(item) for item in items if item.startswith(incomplete)]


@click.group(cls=HkitGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="hkit")
@_parameters(GLOBAL_OPTIONS)
@click.pass_context
def main(
    ctx: click.Context, root: str | None, data: tuple[str, ...], timeout: float, debug: bool
) -> None:
    """hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

    The graph is an OWL ontology, SHACL shapes and Turtle data, every fact traced to the
    document it came from. Saved queries answer the common questions.

    Example:

        hkit query funds-by-size
    """
    ctx.obj = State(root, data, timeout, debug)


def _command(name: str) -> click.Command:
    """The click command ``name``: its grammar from the option table, its help below, its work
    done by the function of the same name in hkit.cli.commands."""
    spec = COMMANDS[name]
    work = getattr(commands, name)

    @click.pass_obj
    def callback(state: State, **values: object) -> None:
        code = work(state, **values)
        if code:
            sys.stdout.flush()
            sys.exit(code)

    callback = _parameters((*spec.arguments, *spec.options))(callback)
    return click.command(name, help=HELP[name], context_settings=CONTEXT_SETTINGS)(callback)


#: Each command's help, as `hkit COMMAND --help` shows it.
HELP = {
    "queries": """List the saved queries.

    Example:

        hkit queries --tag funding
    """,
    "show": """Show a saved query's metadata and text.

    Example:

        hkit show funds-by-size
    """,
    "query": """Run a saved query, on the embedded graph or on a SPARQL endpoint.

    Example:

        hkit query unicorns-by-sector -p sector=fintech --with-sources

        hkit query funds-by-size --endpoint http://localhost:8890/sparql
        --default-graph https://w3id.org/hkit/ontology --default-graph https://w3id.org/hkit/data
    """,
    "sparql": """Run an ad-hoc read-only SPARQL query.

    Example:

        hkit sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """,
    "describe": """Everything about one entity: labels, types, relations, figures, sources.

    TEXT_OR_IRI is a label or alternative label (any case; a part of one also matches), an IRI,
    or id:slug. When several entities match, they are listed.

    Example:

        hkit describe HKSTP
    """,
    "cache": """The on-disk stores hkit keeps for large inputs: where, how big, built from
    which files.

    A store is rebuilt whenever one of its files changes; --verify reads each one in full, and
    --clear removes them all.

    Example:

        hkit cache --verify
    """,
    "stats": """Triples, entities per class, and nodes per source document.

    Example:

        hkit stats
    """,
    "export": """Write the ontology and the data (and any --data files) for another triple store.

    The output is deterministic (the same bytes on every run) and lossless (every literal exactly
    as written). In TriG and N-Quads the ontology is in the graph
    <https://w3id.org/hkit/ontology> and the data in <https://w3id.org/hkit/data>.

    Example:

        hkit export -o hkit.nq
    """,
    "review": """The ontology quality report: ROBOT report's checks, OOPS! pitfalls, terms the
    data and saved queries use but the ontology does not declare (and the reverse), alignment
    coverage.

    Findings explained in ontology/review-notes.tsv are listed apart and do not fail.

    Example:

        hkit review --fail-on warn
    """,
    "docs": """Write HTML documentation of the ontology that opens from disk: metadata, every
    class and property with examples from the data, the concept schemes, the saved queries as
    competency questions, and a diagram (Graphviz dot when installed).

    Example:

        hkit docs --output site && xdg-open site/index.html
    """,
    "diff": """The terms and axioms added, removed and changed between two versions of an ontology.

    Terms are shown by label; class expressions are compared by content. Exit 0 whether or not
    there are changes, 2 when a file cannot be read.

    Example:

        hkit diff old/hkit.ttl ontology/hkit.ttl --format md
    """,
    "validate": """Check the ontology, the data and any --data files against the SHACL shapes.

    Exit 0 when the graph conforms, 1 when there are violations, 2 when it cannot run.

    Example:

        hkit --data mine.ttl validate --format json
    """,
    "reason": """Run the OWL 2 reasoner (HermiT, through owlready2) on the ontology and the data.

    Reports consistency, unsatisfiable classes, the class memberships and subclass axioms it
    infers that are not asserted, and the literals it had to set aside (xsd:date and other types
    outside the OWL 2 datatype map, which SHACL checks instead). Needs Java. Exit 0 when
    consistent with every class satisfiable, 1 when not, 2 when the reasoner cannot run.

    Example:

        hkit reason --timeout 120
    """,
    "serve": """Serve the graph on the web, read-only: a SPARQL 1.1 endpoint at /sparql, the saved
    queries as an API at /api/queries (described at /api/openapi.json), and pages to browse: a
    home page with search, a page per saved query and per entity (/id/NAME), and the ontology's
    documentation at /ontology. Needs the serve extra: pip install 'hkit[serve]'.

    Example:

        hkit serve --port 7878
    """,
    "check": """Run every quality gate: strict parse, SHACL, the reasoner, the violation checks.

    The violation checks are the SPARQL queries in queries/checks/*-violation.rq. The global
    --timeout bounds each check query and the reasoner. Exit 0 when every gate passes, 1 when one
    fails, 2 when one cannot run.

    Example:

        hkit check --skip reason
    """,
}

for _name in COMMANDS:
    main.add_command(_command(_name))
