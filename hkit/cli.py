"""The ``hkit`` command line: click commands only; the library does the work."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from hkit import __version__
from hkit.commands import (
    State,
    list_queries,
    run_query,
    stream_result,
    write_output,
)
from hkit.errors import (
    EXIT_INTERRUPTED,
    HkitError,
    Stopped,
    handle_stop_signals,
    quiet_broken_pipe,
    restore_signals,
    unexpected_lines,
)
from hkit.export import EXPORT_FORMATS

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DEFAULT_TIMEOUT = 30.0


class HkitGroup(click.Group):
    """Turns the project's errors, and click's usage errors, into one line on stderr (and a hint)
    with a documented exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001, ANN201
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
        try:
            return super().invoke(ctx)
        except HkitError as exc:
            if ctx.meta.get("hkit.debug"):
                traceback.print_exc()
            for line in exc.lines():
                click.echo(line, err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            quiet_broken_pipe()
        except (Exception, KeyboardInterrupt, Stopped) as exc:
            if ctx.meta.get("hkit.debug"):
                traceback.print_exc()
            lines, code = unexpected_lines(exc)
            for line in lines:
                click.echo(line, err=True)
            ctx.exit(code)


@click.group(cls=HkitGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="hkit")
@click.option(
    "--root",
    envvar="HKIT_ROOT",
    metavar="DIR",
    help="Folder with ontology/, data/ and queries/ (default: the checkout in the current "
    "directory, else the copy in the installed package). Env: HKIT_ROOT.",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    metavar="FILE",
    help="Add your own RDF file to the graph (.ttl, .nt, .rdf/.owl, .jsonld); repeatable.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds any one query may run.",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Print the traceback before the one-line error (the exit code is unchanged).",
)
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
    ctx.meta["hkit.debug"] = debug
    ctx.obj = State(root, data, timeout)


# -- the catalogue ------------


@main.command("queries")
@click.option("--tag", help="Only queries with this tag.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
    help="md: the Markdown catalogue that the README includes.",
)
@click.pass_obj
def queries_command(state: State, tag: str | None, fmt: str) -> None:
    """List the saved queries.

    Example:

        hkit queries --tag funding
    """
    code = list_queries(state, tag, fmt)
    if code:
        sys.exit(code)


def _show(state: State, name: str) -> None:
    import shlex

    q = state.query(name)
    click.echo(f"name:        {q.name}")
    click.echo(f"summary:     {q.summary}")
    click.echo(f"description: {q.description}")
    click.echo(f"tags:        {', '.join(q.tags)}")
    for p in q.params:
        extra = []
        if p.default is not None:
            extra.append(f"default {p.default}")
        if p.allowed:
            extra.append(f"one of {', '.join(p.allowed)}")
        required = "required" if p.required else "optional"
        click.echo(
            f"param:       {p.name} ({p.type}, {required}, repeatable{'; ' if extra else ''}"
            f"{'; '.join(extra)})"
        )
    for example in q.examples:
        args = " ".join(
            f"-p {shlex.quote(f'{k}={v}')}" for k, values in example.items() for v in values
        )
        click.echo(f"example:     hkit query {q.name}" + (f" {args}" if args else ""))
    click.echo("")
    click.echo(q.text.rstrip("\n"))


def _catalog_for_completion(ctx: click.Context) -> dict:
    """The saved queries of the --root being completed (or the default one); {} on any error:
    completion must never print an error into the user's shell."""
    import os

    from hkit.catalog import catalog
    from hkit.graph import QUERIES_DIR, find_root

    try:
        root = ctx.find_root().params.get("root") or os.environ.get("HKIT_ROOT")
        return catalog(find_root(root) / QUERIES_DIR)
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


@main.command("show")
@click.argument("name", shell_complete=_complete_names)
@click.pass_obj
def show_command(state: State, name: str) -> None:
    """Show a saved query's metadata and text.

    Example:

        hkit show funds-by-size
    """
    _show(state, name)


def _endpoint_options(command):  # noqa: ANN001 - a click command
    command = click.option(
        "--default-graph",
        "default_graphs",
        multiple=True,
        metavar="IRI",
        help="With --endpoint: a graph of the query's default graph (default-graph-uri); "
        "repeatable, the graphs are merged.",
    )(command)
    return click.option(
        "--endpoint",
        metavar="URL",
        envvar="HKIT_ENDPOINT",
        help="Run on this SPARQL 1.1 endpoint instead of the embedded graph. Credentials come "
        "from HKIT_ENDPOINT_USER and HKIT_ENDPOINT_PASSWORD, or HKIT_ENDPOINT_TOKEN. "
        "Env: HKIT_ENDPOINT.",
    )(command)


#: The --output option of every command that writes a report or a result.
_output_option = click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)


_wide_option = click.option(
    "--wide",
    is_flag=True,
    help="On a terminal, print each row on one line instead of fitting the table to its width.",
)


def _format_option():
    from hkit.results import FORMATS

    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(FORMATS)),
        default=None,
        help="table/md for people; json, xml, csv, tsv are the W3C SPARQL result formats; "
        "turtle/ntriples for CONSTRUCT and DESCRIBE. Default: what the -o file's extension "
        "says (.csv, .tsv, .json, .xml, .md, .ttl, .nt), else table.",
    )


@main.command("query")
@click.argument("name", shell_complete=_complete_names)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    shell_complete=_complete_params,
    help="A parameter value; repeat a name to bind several values.",
)
@_format_option()
@_output_option
@click.option(
    "--with-sources",
    is_flag=True,
    help="Add a column naming every document that any entity in the row cites (a query's own "
    "'source' column is the document of the row's fact).",
)
@click.option(
    "--show", is_flag=True, help="Show the query's metadata and text instead of running it."
)
@_wide_option
@click.option(
    "--file-names",
    is_flag=True,
    help="In table and md, show source documents by file name instead of by name and date.",
)
@_endpoint_options
@click.pass_obj
def query_command(
    state: State,
    name: str,
    params: tuple[str, ...],
    fmt: str,
    output: str | None,
    with_sources: bool,
    show: bool,
    wide: bool,
    file_names: bool,
    endpoint: str | None,
    default_graphs: tuple[str, ...],
) -> None:
    """Run a saved query, on the embedded graph or on a SPARQL endpoint.

    Example:

        hkit query unicorns-by-sector -p sector=fintech --with-sources

        hkit query funds-by-size --endpoint http://localhost:8890/sparql
        --default-graph https://w3id.org/hkit/ontology --default-graph https://w3id.org/hkit/data
    """

    if show:
        _show(state, name)
        return
    run_query(
        state, name, params, fmt, output, with_sources, endpoint, default_graphs, wide, file_names
    )


@main.command("sparql")
@click.argument("query", required=False)
@click.option(
    "-f", "--file", "file", type=click.Path(dir_okay=False), help="Read the query from FILE."
)
@_format_option()
@_output_option
@_wide_option
@_endpoint_options
@click.pass_obj
def sparql_command(
    state: State,
    query: str | None,
    file: str | None,
    fmt: str | None,
    output: str | None,
    wide: bool,
    endpoint: str | None,
    default_graphs: tuple[str, ...],
) -> None:
    """Run an ad-hoc read-only SPARQL query.

    Example:

        hkit sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """
    from hkit.results import output_format, render, terminal_width
    from hkit.sparql import check_prefixes, check_query, with_prefixes

    if (query is None) == (file is None):
        raise HkitError("give a query, or -f FILE, but not both", hint="hkit sparql --help")
    if file is not None:
        try:
            query = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise HkitError(f"{file}: cannot read ({exc})") from exc
    assert query is not None  # one of the two, as checked above
    check_query(query)
    query = with_prefixes(query)
    check_prefixes(query)
    fmt = output_format(fmt, output)
    engine = state.engine(endpoint, default_graphs)
    if stream_result(engine, query, fmt, output, state.timeout) is not None:
        return
    width = None if wide else terminal_width(output)
    write_output(render(engine.run(query, state.timeout), fmt, width), output)


@main.command("describe")
@click.argument("text_or_iri")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: {iri, label, types, alt_labels, notes, outgoing, incoming, figures, sources}.",
)
@click.pass_obj
def describe_command(state: State, text_or_iri: str, fmt: str) -> None:
    """Everything about one entity: labels, types, relations, figures, sources.

    TEXT_OR_IRI is a label or alternative label (any case; a part of one also matches), an IRI,
    or id:slug. When several entities match, they are listed.

    Example:

        hkit describe HKSTP
    """
    from hkit.explore import describe, find_entities

    engine = state.engine()
    matches = find_entities(engine, text_or_iri, state.timeout)
    if not matches:
        raise HkitError(
            f"nothing in the graph is called '{text_or_iri}'",
            hint="try part of the name, or an IRI",
        )
    if len(matches) > 1:
        click.echo(f"{len(matches)} entities match '{text_or_iri}'; describe one by IRI:")
        for iri, label in matches:
            click.echo(f"  {label}  <{iri}>")
        return
    iri, label = matches[0]
    click.echo(describe(engine, iri, label, state.timeout).render(fmt), nl=False)


@main.command("cache")
@click.option("--verify", is_flag=True, help="Open and read every store; exit 1 if one fails.")
@click.option("--clear", is_flag=True, help="Remove every store (they are rebuilt when needed).")
@click.pass_obj
def cache_command(state: State, verify: bool, clear: bool) -> None:
    """The on-disk stores hkit keeps for large inputs: where, how big, built from which files.

    A store is rebuilt whenever one of its files changes; --verify reads each one in full, and
    --clear removes them all.

    Example:

        hkit cache --verify
    """
    from hkit.errors import EXIT_CHECK_FAILED
    from hkit.graph import cache_dir, cached_stores, clear_cache

    if clear:
        click.echo(f"removed {clear_cache()} store(s) from {cache_dir() / 'stores'}")
        return
    stores = cached_stores()
    click.echo(f"cache folder: {cache_dir()}  ({len(stores)} store(s))")
    failed = 0
    for store in stores:
        status = "complete" if store.complete else "unfinished build"
        if verify:
            problem = store.verify()
            status = "verified" if problem is None else f"DAMAGED: {problem}"
            failed += problem is not None
        click.echo(f"  {store.folder.name}  {store.size / 1e6:,.1f} MB  {status}")
        for name in store.files:
            click.echo(f"      {name}")
    if failed:
        sys.exit(EXIT_CHECK_FAILED)


@main.command("stats")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: {triples, per_class: [[class, n]...], per_source: [[file, n]...]}.",
)
@click.pass_obj
def stats_command(state: State, fmt: str) -> None:
    """Triples, entities per class, and nodes per source document.

    Example:

        hkit stats
    """
    from hkit.explore import stats

    click.echo(stats(state.engine(), state.timeout).render(fmt), nl=False)


# -- export ------------


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default=None,
    help="nquads and trig keep the named graphs (the ontology, the data); the others hold "
    "their union. Default: what the -o file's extension says (.ttl, .nt, .nq, .trig, "
    ".jsonld/.json, .rdf/.owl/.xml), else turtle.",
)
@_output_option
@click.pass_obj
def export_command(state: State, fmt: str | None, output: str | None) -> None:
    """Write the ontology and the data (and any --data files) for another triple store.

    The output is deterministic (the same bytes on every run) and lossless (every literal exactly
    as written). In TriG and N-Quads the ontology is in the graph
    <https://w3id.org/hkit/ontology> and the data in <https://w3id.org/hkit/data>.

    Example:

        hkit export -o hkit.nq
    """
    from hkit.export import export
    from hkit.results import output_format

    by_suffix = {spec.suffix: name for name, spec in EXPORT_FORMATS.items()}
    extra = {".owl": "rdfxml", ".xml": "rdfxml", ".json": "jsonld", ".n3": "turtle"}
    fmt = output_format(fmt, output, {**by_suffix, **extra}, "turtle")
    write_output(export(state.root, fmt, state.data), output)


# -- ontology review ------------


@main.command("review")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default=None,
    help="json: an object with a 'findings' array of {severity, check, term, label, message}. "
    "Default: what the -o file's extension says (.md, .json), else text.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warn", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding of this severity or worse is not explained.",
)
@_output_option
@click.pass_obj
def review_command(state: State, fmt: str | None, fail_on: str, output: str | None) -> None:
    """The ontology quality report: ROBOT report's checks, OOPS! pitfalls, terms the data and
    saved queries use but the ontology does not declare (and the reverse), alignment coverage.

    Findings explained in ontology/review-notes.tsv are listed apart and do not fail.

    Example:

        hkit review --fail-on warn
    """
    from hkit.errors import EXIT_CHECK_FAILED
    from hkit.results import output_format
    from hkit.review import review_root

    fmt = output_format(fmt, output, {".md": "md", ".json": "json"}, "text")
    report = review_root(state.root, state.data)
    write_output(report.render(fmt), output)
    if report.fails(fail_on):
        sys.exit(EXIT_CHECK_FAILED)


@main.command("docs")
@click.option(
    "-o", "--output", metavar="DIR", required=True, help="The folder to write the pages into."
)
@click.pass_obj
def docs_command(state: State, output: str) -> None:
    """Write HTML documentation of the ontology that opens from disk: metadata, every class and
    property with examples from the data, the concept schemes, the saved queries as competency
    questions, and a diagram (Graphviz dot when installed).

    Example:

        hkit docs --output site && xdg-open site/index.html
    """
    from hkit.docs import write_docs
    from hkit.errors import Progress

    progress = Progress("docs")
    progress.step("writing the pages and the diagram")
    try:
        written = write_docs(state.root, Path(output), tuple(state.data))
    finally:
        progress.done()
    for path in written:
        click.echo(str(path))


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    show_default=True,
    help="md: for a pull request or a changelog; json: {added, removed, changed, axioms_added, "
    "axioms_removed}.",
)
@click.pass_obj
def diff_command(state: State, old: str, new: str, fmt: str) -> None:
    """The terms and axioms added, removed and changed between two versions of an ontology.

    Terms are shown by label; class expressions are compared by content. Exit 0 whether or not
    there are changes, 2 when a file cannot be read.

    Example:

        hkit diff old/hkit.ttl ontology/hkit.ttl --format md
    """
    from hkit.diff import diff_files

    click.echo(diff_files(Path(old), Path(new)).render(fmt), nl=False)


# -- quality gates ------------


@main.command("validate")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "ttl"]),
    default=None,
    help="text: grouped by shape and node, with labels; json; ttl: the W3C SHACL report graph. "
    "Default: what the -o file's extension says (.json, .ttl), else text.",
)
@click.option(
    "--shapes", metavar="FILE", help="Validate against these shapes (default: ontology/shapes.ttl)."
)
@_output_option
@click.pass_obj
def validate_command(state: State, fmt: str | None, shapes: str | None, output: str | None) -> None:
    """Check the ontology, the data and any --data files against the SHACL shapes.

    Exit 0 when the graph conforms, 1 when there are violations, 2 when it cannot run.

    Example:

        hkit --data mine.ttl validate --format json
    """
    from hkit.errors import EXIT_CHECK_FAILED
    from hkit.graph import SHAPES, graph_files, load_rdflib, load_rdflib_strict
    from hkit.results import output_format
    from hkit.validate import validate

    fmt = output_format(fmt, output, {".json": "json", ".ttl": "ttl"}, "text")
    root = state.root
    files = graph_files(root, state.data)
    shapes_path = Path(shapes) if shapes else root / SHAPES
    if not shapes_path.is_file():
        raise HkitError(f"{shapes_path}: no such file", hint="check the --shapes path")
    from hkit.errors import Progress

    progress = Progress("validate")
    try:
        # one graph, ontology included, parsed by pyoxigraph (strict, and fast on large data)
        progress.step("reading the graph")
        graph = load_rdflib_strict(files)
        progress.step("pyshacl is checking the shapes")
        report = validate(graph, load_rdflib([shapes_path]))
    finally:
        progress.done()
    write_output(report.render(fmt), output)
    if not report.conforms:
        sys.exit(EXIT_CHECK_FAILED)


@main.command("reason")
@click.option(
    "--timeout",
    "timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds the reasoner may run (default: the global --timeout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
@click.pass_obj
def reason_command(state: State, timeout: float | None, fmt: str) -> None:
    """Run the OWL 2 reasoner (HermiT, through owlready2) on the ontology and the data.

    Reports consistency, unsatisfiable classes, the class memberships and subclass axioms it
    infers that are not asserted, and the literals it had to set aside (xsd:date and other types
    outside the OWL 2 datatype map, which SHACL checks instead). Needs Java. Exit 0 when
    consistent with every class satisfiable, 1 when not, 2 when the reasoner cannot run.

    Example:

        hkit reason --timeout 120
    """
    from hkit.errors import EXIT_CHECK_FAILED, Progress
    from hkit.graph import graph_files, load_rdflib
    from hkit.reason import run_hermit

    progress = Progress("reason")
    try:
        progress.step("reading the graph")
        graph = load_rdflib(graph_files(state.root, state.data))
        progress.step("HermiT is reasoning")
        report = run_hermit(graph, timeout=timeout or state.timeout)
    finally:
        progress.done()
    click.echo(report.render(fmt), nl=False)
    if not report.ok:
        sys.exit(EXIT_CHECK_FAILED)


@main.command("check")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["parse", "shacl", "reason", "checks"]),
    help="Leave out a gate; repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the summary table, then the problems; json for programs.",
)
@click.option("--list", "list_checks", is_flag=True, help="List the violation checks and stop.")
@click.pass_obj
def check_command(state: State, skip: tuple[str, ...], fmt: str, list_checks: bool) -> None:
    """Run every quality gate: strict parse, SHACL, the reasoner, the violation checks.

    The violation checks are the SPARQL queries in queries/checks/*-violation.rq. The global
    --timeout bounds each check query and the reasoner. Exit 0 when every gate passes, 1 when one
    fails, 2 when one cannot run.

    Example:

        hkit check --skip reason
    """
    from hkit.checks import CHECKS_DIR, GateReport, read_checks, run_gates

    if list_checks:
        checks = read_checks(state.root / CHECKS_DIR)
        width = max([len(c.name) for c in checks] + [5])
        for c in checks:
            click.echo(f"{c.name.ljust(width)}  {c.summary}")
        return
    from hkit.errors import Progress

    progress = Progress("check")
    try:
        report = GateReport(
            run_gates(
                state.root,
                state.data,
                skip=skip,
                query_timeout=state.timeout,
                reasoner_timeout=state.timeout,
                progress=progress.step,
            )
        )
    finally:
        progress.done()
    click.echo(report.render(fmt), nl=False)
    if report.exit_code:
        sys.exit(report.exit_code)
