"""What each command does, on the library's public API (hkit.api): parse nothing, call the
library, render. The click commands (hkit.cli) and the fast lane (hkit.cli.fast) both call these
functions, by the command's name, with the values that the option table (hkit.cli.options) parsed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hkit.api import (
    KnowledgeGraph,
    cache_dir,
    cached_stores,
    check_sources,
    clear_cache,
    register_document,
)
from hkit.api import diff as diff_files
from hkit.core.errors import EXIT_CHECK_FAILED, HkitError, QueryError
from hkit.core.formats import ANSWERS, EXPORT, GRAPH, REPORT, names, output_format, render
from hkit.core.limits import DEFAULT_TIMEOUT
from hkit.core.progress import Progress
from hkit.present.layout import table as fitted_table
from hkit.present.layout import wrap_report
from hkit.present.output import write_chunks, write_output
from hkit.present.results import stream_lines, terminal_width
from hkit.present.view import with_view

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hkit.api import KnowledgeGraph
    from hkit.core.catalog import SavedQuery


#: The library's rule of where the graph comes from (:func:`hkit.api.check_sources`), in the
#: words of the options that break it.
SOURCE_RULES = {
    "data": (
        "--data adds files to the embedded graph; it cannot be used with --endpoint",
        "load your files into the endpoint's store instead",
    ),
    "default_graphs": ("--default-graph needs --endpoint", "give --endpoint URL"),
    "asserted": (
        "--asserted chooses what the embedded graph infers; an endpoint's store decides its own",
        "leave out --endpoint, or turn off inference in the endpoint's store",
    ),
}


class State:
    """What the global options chose, and the graph, opened on first use."""

    def __init__(
        self,
        root: str | None,
        data: tuple[str, ...] = (),
        timeout: float = DEFAULT_TIMEOUT,
        debug: bool = False,
    ) -> None:
        self.root_option = root
        self.data = tuple(data)
        self.timeout = timeout
        self.debug = debug
        self._graph: KnowledgeGraph | None = None

    def graph(
        self,
        endpoint: str | None = None,
        default_graphs: tuple[str, ...] = (),
        asserted: bool = False,
    ) -> KnowledgeGraph:
        """The graph the command works on: the embedded one (opened once; with what the ontology
        entails unless ``asserted``), or an endpoint."""

        check_sources(self.data, endpoint, default_graphs, SOURCE_RULES, asserted)
        if endpoint is not None:
            return KnowledgeGraph(
                root=self.root_option,
                endpoint=endpoint,
                default_graphs=default_graphs,
                timeout=self.timeout,
            )
        if self._graph is None or self._graph.asserted != asserted:
            self._graph = KnowledgeGraph(
                root=self.root_option, data=self.data, timeout=self.timeout, asserted=asserted
            )
        return self._graph


def echo(text: str) -> None:
    """Write ``text`` to stdout as it is (it ends with its own newline)."""
    sys.stdout.write(text)
    sys.stdout.flush()


# -- the catalogue ------------


def queries_text(
    kg: KnowledgeGraph, tag: str | None, fmt: str, problems: list, terminal: int | None = None
) -> str:
    """The catalogue of saved queries as a table, JSON or Markdown. A bad query is left out and
    its error appended to ``problems``. The table fits ``terminal`` columns (else the terminal's
    width, when writing to one)."""
    every = kg.read_queries(problems).values()
    # tags match ignoring case: --tag InnoHK is the innohk tag
    chosen = [q for q in every if tag is None or tag.casefold() in {t.casefold() for t in q.tags}]
    if not chosen and tag is not None:
        tags = sorted({t for q in every for t in q.tags})
        raise HkitError(f"no saved query has the tag '{tag}'", hint=f"tags: {', '.join(tags)}")
    if fmt == "json":
        import json

        return json.dumps([q.as_dict() for q in chosen], indent=2, ensure_ascii=False) + "\n"
    lines = []
    if fmt == "md":
        lines += ["| query | what it answers | parameters | tags |", "|---|---|---|---|"]
        for q in chosen:
            params = ", ".join(
                f"`{p.name}` ({p.type}{'' if p.required else ', optional'})" for p in q.params
            )
            lines.append(f"| `{q.name}` | {q.summary} | {params or '—'} | {', '.join(q.tags)} |")
        return "".join(line + "\n" for line in lines)
    width = max([len(q.name) for q in chosen] + [4])
    rows = []
    for q in chosen:
        params = " ".join(
            f"{p.name}=<{p.type}>" if p.required else f"[{p.name}=<{p.type}>]" for p in q.params
        )
        rows.append([q.name, q.summary + (f"  ({params})" if params else "")])
        lines.append(f"{q.name.ljust(width)}  {rows[-1][1]}")
    fits = terminal if terminal is not None else terminal_width()
    if fits is not None and max(len(line) for line in lines) > fits:
        # on a terminal too narrow for a line a query, the summaries wrap beside the names
        lines = fitted_table(["query", "summary"], rows, [False, False], fits, heading=False)
    return "".join(line + "\n" for line in lines)


def queries(state: State, tag: str | None, fmt: str) -> int:
    """Write the catalogue, then one line for each query that could not be read: one bad query
    never hides the others. Returns the exit code (2 when a query is bad)."""
    problems: list[HkitError] = []
    write_output(queries_text(state.graph(), tag, fmt, problems), None)
    for problem in problems:
        sys.stderr.write("".join(line + "\n" for line in problem.lines()))
    return 2 if problems else 0


def show_text(saved: SavedQuery) -> str:
    """A saved query's metadata and text, as ``hkit show`` prints them."""
    import shlex

    lines = [
        f"name:        {saved.name}",
        f"summary:     {saved.summary}",
        f"description: {saved.description}",
        f"tags:        {', '.join(saved.tags)}",
    ]
    for p in saved.params:
        extra = []
        if p.default is not None:
            extra.append(f"default {p.default}")
        if p.allowed:
            extra.append(f"one of {', '.join(p.allowed)}")
        required = "required" if p.required else "optional"
        lines.append(
            f"param:       {p.name} ({p.type}, {required}, repeatable{'; ' if extra else ''}"
            f"{'; '.join(extra)})"
        )
    for example in saved.examples:
        args = " ".join(
            f"-p {shlex.quote(f'{k}={v}')}" for k, values in example.items() for v in values
        )
        lines.append(f"example:     hkit query {saved.name}" + (f" {args}" if args else ""))
    return "\n".join(lines) + "\n\n" + saved.text.rstrip("\n") + "\n"


def show(state: State, name: str) -> int:
    """``hkit show``: a saved query's metadata and text."""
    echo(show_text(state.graph().saved_query(name)))
    return 0


# -- queries ------------


def parse_params(options: tuple[str, ...]) -> dict[str, list[str]]:
    """``-p name=value`` options (repeatable) as a mapping of name to values."""

    given: dict[str, list[str]] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise QueryError(
                f"parameter '{option}' is not name=value", hint="e.g. -p sector=fintech"
            )
        given.setdefault(name.strip(), []).append(value)
    return given


def query(
    state: State,
    name: str,
    params: tuple[str, ...] = (),
    fmt: str | None = None,
    output: str | None = None,
    with_sources: bool = False,
    show: bool = False,
    wide: bool = False,
    file_names: bool = False,
    endpoint: str | None = None,
    default_graphs: tuple[str, ...] = (),
    asserted: bool = False,
) -> int:
    """Run a saved query with its parameters and write the answer (a table fits the terminal
    unless ``wide``); say on stderr which text value matched nothing when there are no rows."""

    kg = state.graph(endpoint, default_graphs, asserted)
    if show:
        echo(show_text(kg.saved_query(name)))
        return 0
    fmt = output_format(fmt, output, ANSWERS, GRAPH)
    given = parse_params(params)
    text = kg.prepare(name, **given)
    streamed = None if with_sources else write_stream(kg, text, fmt, output)
    if streamed is None:
        result = kg.run(text)
        if with_sources:
            result = kg.with_sources(result)
        # the formats for people show the query's view, a source document as a citation key
        # and, in the legend, by its name and date (the machine formats keep every column and
        # the file name)
        if fmt in names(ANSWERS, people=True):
            view = kg.saved_query(name).view
            result = with_view(result, view, None if file_names else kg.engine, kg.timeout)
            if not view and not file_names:
                result = kg.with_source_names(result)
        write_output(render(result, fmt, None if wide else terminal_width(output)), output)
        streamed = len(result.rows) if result.form == "SELECT" else None
    if streamed == 0:
        for note in kg.unmatched(name, **given):
            sys.stderr.write(f"hkit: note: no rows: {note}\n")
    return 0


def write_stream(kg: KnowledgeGraph, text: str, fmt: str, output: str | None) -> int | None:
    """Write a SELECT result row by row, as the embedded engine produces it, when the format
    allows (tsv, csv): a result larger than memory is never collected first. Return the number
    of rows written this way, or None when the result is not streamed. A file is written to a
    temporary name and renamed only when complete."""

    if fmt not in names(ANSWERS, streams=True):
        return None
    stream = kg.stream(text)
    if stream is None:
        return None
    variables, rows = stream
    counted = [0]

    def counting(rows: Iterator[dict]) -> Iterator[dict]:
        for row in rows:
            counted[0] += 1
            yield row

    lines = stream_lines(fmt, variables, counting(rows))
    write_chunks((line.encode("utf-8") for line in lines), output)
    return counted[0]


def sparql(
    state: State,
    query: str | None,
    file: str | None = None,
    fmt: str | None = None,
    output: str | None = None,
    wide: bool = False,
    endpoint: str | None = None,
    default_graphs: tuple[str, ...] = (),
    asserted: bool = False,
) -> int:
    """Run an ad-hoc read-only query, from the command line or a file."""

    if (query is None) == (file is None):
        raise HkitError("give a query, or -f FILE, but not both", hint="hkit sparql --help")
    if file is not None:
        try:
            query = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise HkitError(f"{file}: cannot read ({exc})") from exc
    assert query is not None  # one of the two, as checked above
    kg = state.graph(endpoint, default_graphs, asserted)
    text = kg.checked(query)
    fmt = output_format(fmt, output, ANSWERS, GRAPH)
    if write_stream(kg, text, fmt, output) is None:
        width = None if wide else terminal_width(output)
        write_output(render(kg.run(text), fmt, width), output)
    return 0


# -- exploring ------------


def describe(state: State, text_or_iri: str, fmt: str = "text", asserted: bool = False) -> int:
    """``hkit describe``: one entity, or the list of those that match."""
    kg = state.graph(asserted=asserted)
    matches = kg.match(text_or_iri)
    if len(matches) > 1:
        lines = [f"{len(matches)} entities match '{text_or_iri}'; describe one by IRI:"]
        lines += [f"  {label}  <{iri}>" for iri, label in matches]
        echo("".join(line + "\n" for line in lines))
        return 0
    text = kg.describe(matches[0][0]).render(fmt)
    echo(wrap_report(text, terminal_width()) if fmt == "text" else text)
    return 0


def stats(state: State, fmt: str = "text", asserted: bool = False) -> int:
    """``hkit stats``: triples, entities per class, nodes per source."""
    echo(state.graph(asserted=asserted).stats().render(fmt))
    return 0


def cache(state: State, verify: bool = False, clear: bool = False) -> int:
    """``hkit cache``: the on-disk stores; verify or clear them."""

    if clear:
        echo(f"removed {clear_cache()} store(s) from {cache_dir() / 'stores'}\n")
        return 0
    stores = cached_stores()
    lines = [f"cache folder: {cache_dir()}  ({len(stores)} store(s))"]
    failed = 0
    for store in stores:
        status = "complete" if store.complete else "unfinished build"
        if verify:
            problem = store.verify()
            status = "verified" if problem is None else f"DAMAGED: {problem}"
            failed += problem is not None
        lines.append(f"  {store.folder.name}  {store.size / 1e6:,.1f} MB  {status}")
        lines += [f"      {name}" for name in store.files]
    echo("".join(line + "\n" for line in lines))
    return EXIT_CHECK_FAILED if failed else 0


# -- export, review, docs, diff ------------


def export(
    state: State, fmt: str | None = None, output: str | None = None, inferred: bool = False
) -> int:
    """``hkit export``: the ontology and the data for another store (and what they entail)."""

    fmt = output_format(fmt, output, EXPORT)
    write_chunks(state.graph(asserted=True).export_chunks(fmt, inferred=inferred), output)
    return 0


def review(
    state: State, fmt: str | None = None, fail_on: str = "error", output: str | None = None
) -> int:
    """``hkit review``: the ontology quality report; 1 when it fails ``fail_on``."""

    fmt = output_format(fmt, output, REPORT, report="review")
    report = state.graph().review()
    write_output(report.render(fmt), output)
    return EXIT_CHECK_FAILED if report.fails(fail_on) else 0


def docs(state: State, output: str) -> int:
    """``hkit docs``: the HTML documentation, written into a folder."""
    progress = Progress("docs")
    progress.step("writing the pages and the diagram")
    try:
        written = state.graph().write_docs(output)
    finally:
        progress.done()
    echo("".join(f"{path}\n" for path in written))
    return 0


def diff(state: State, old: str, new: str, fmt: str = "text", fail_on: str = "breaking") -> int:
    """``hkit diff``: what changed between two versions of an ontology (files or git refs); 1
    when the changes fail ``fail_on``."""

    report = diff_files(old, new, root=state.root_option, git=True)
    echo(report.render(fmt))
    return EXIT_CHECK_FAILED if report.fails(fail_on) else 0


# -- quality gates ------------


def validate(
    state: State, fmt: str | None = None, shapes: str | None = None, output: str | None = None
) -> int:
    """``hkit validate``: the SHACL report; 1 when the graph does not conform."""

    fmt = output_format(fmt, output, REPORT, report="validate")
    kg = state.graph()
    progress = Progress("validate")
    try:
        report = kg.validate(shapes, progress=progress.step)
    finally:
        progress.done()
    write_output(report.render(fmt), output)
    return 0 if report.conforms else EXIT_CHECK_FAILED


def reason(state: State, timeout: float | None = None, fmt: str = "text") -> int:
    """``hkit reason``: the OWL 2 reasoner's verdict; 1 when inconsistent."""
    progress = Progress("reason")
    try:
        report = state.graph().reason(timeout, progress=progress.step)
    finally:
        progress.done()
    echo(report.render(fmt))
    return 0 if report.ok else EXIT_CHECK_FAILED


def check(
    state: State,
    skip: tuple[str, ...] = (),
    fmt: str = "text",
    list_checks: bool = False,
    sources: str | None = None,
) -> int:
    """``hkit check``: every quality gate, or the list of violation checks."""
    kg = state.graph()
    if list_checks:
        checks = kg.checks
        width = max([len(c.name) for c in checks] + [5])
        echo("".join(f"{c.name.ljust(width)}  {c.summary}\n" for c in checks))
        return 0
    progress = Progress("check")
    try:
        report = kg.check(skip, progress=progress.step, sources=sources)
    finally:
        progress.done()
    echo(report.render(fmt))
    return report.exit_code


def ledger(
    state: State, add: str | None = None, sources: str | None = None, fmt: str = "text"
) -> int:
    """``hkit ledger``: the claims ledger against the documents; 1 when a sentence has neither
    nodes nor a reason, or a row does not hold. With ``add``, a new document's rows to fill."""
    if add is not None:
        if fmt != "text":
            raise HkitError("--format is for the ledger's report; --add prints Turtle")
        echo(register_document(add, root=state.root_option, sources=sources).as_text())
        return 0
    report = state.graph().ledger(sources)
    echo(report.render(fmt))
    return report.exit_code


# -- the web ------------


def serve(
    state: State,
    host: str = "127.0.0.1",
    port: int = 7878,
    cors: str | None = None,
    max_queries: int = 4,
    max_rows: int = 10000,
    allow_hosts: tuple[str, ...] = (),
    max_bytes: int = 16_000_000,
    request_timeout: float = 5.0,
    asserted: bool = False,
    workers: int | None = None,
) -> int:
    """``hkit serve``: the endpoint, the API and the pages, until Ctrl-C or SIGTERM."""
    try:
        # imports jinja2, mimeparse, starlette: not on the start-up path
        from hkit.web.app import serve as run_server
    except ImportError as exc:
        raise HkitError(
            f"hkit serve needs the serve extra ({exc.name} is not installed)",
            hint="pip install 'hkit[serve]'",
        ) from None
    kg = state.graph(asserted=asserted)
    kg.stats()  # load the graph before the first request, so that its errors show here
    run_server(
        kg,
        host,
        port,
        max_queries=max_queries,
        max_rows=max_rows,
        max_bytes=max_bytes,
        cors=cors,
        allow_hosts=tuple(allow_hosts),
        request_timeout=request_timeout,
        workers=workers,
    )
    return 0
