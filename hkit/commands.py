"""What the commands do, without click: the global state, the output writer, and the commands
that the fast lane (hkit.fast) runs too, so that both command lines share one implementation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from hkit.errors import HkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.catalog import SavedQuery
    from hkit.engines import EmbeddedEngine


class State:
    """What the global options chose, and the graph, loaded on first use."""

    def __init__(self, root: str | None, data: tuple[str, ...], timeout: float) -> None:
        self.root_option = root
        self.data = [Path(d) for d in data]
        self.timeout = timeout
        self._engine: EmbeddedEngine | None = None

    @property
    def root(self) -> Path:
        from hkit.graph import find_root

        return find_root(self.root_option)

    def queries(self) -> dict:
        from hkit.catalog import catalog
        from hkit.graph import QUERIES_DIR

        return catalog(self.root / QUERIES_DIR)

    def query(self, name: str):  # noqa: ANN201 - a hkit.catalog.SavedQuery
        from hkit.catalog import load
        from hkit.graph import QUERIES_DIR

        return load(self.root / QUERIES_DIR, name)

    def engine(self, endpoint: str | None = None, default_graphs: tuple[str, ...] = ()):  # noqa: ANN201 - an engine from hkit.engines.ENGINES
        if endpoint is not None:
            from hkit.engines import EndpointEngine

            if self.data:
                raise HkitError(
                    "--data adds files to the embedded graph; it cannot be used with --endpoint",
                    hint="load your files into the endpoint's store instead",
                )
            return EndpointEngine(endpoint, default_graphs)
        if default_graphs:
            raise HkitError("--default-graph needs --endpoint", hint="give --endpoint URL")
        if self._engine is None:
            from hkit.engines import EmbeddedEngine
            from hkit.graph import graph_files, open_store

            self._engine = EmbeddedEngine(open_store(graph_files(self.root, self.data)))
        return self._engine


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_output(text: str | bytes, output: str | None) -> None:
    """Print, or write the file atomically (a temporary file beside it, then rename)."""
    write_chunks([text.encode("utf-8") if isinstance(text, str) else text], output)


def write_chunks(chunks: Iterable[bytes], output: str | None) -> None:
    """Write ``chunks`` as they come: to stdout, or to the file ``output``.

    A regular file is written through a temporary file beside it that is renamed into place only
    when every chunk is written (and removed when anything fails or a SIGTERM or SIGHUP comes, so
    nothing is left half-written); it keeps an existing file's mode, and a symbolic link is
    written through, to the file it names. A file with other hard links is written in place once
    the whole output is ready, so that the links stay one file. A device, a FIFO or a socket is
    written to as it is, never replaced.
    """
    if output is None or output == "-":
        sys.stdout.flush()
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    import stat
    import tempfile

    if not output.strip():
        raise HkitError("the output file name is empty", hint="give a file name, or - for stdout")
    try:
        st = os.stat(output)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise HkitError(f"cannot write {output}: it is a folder", hint="give a file name")
    with _CleanupOnSignals():
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_in_place(chunks, output)
            return
        target = Path(os.path.realpath(output))
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        except OSError as exc:
            raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            if st is not None and st.st_nlink > 1:
                with open(tmp, "rb") as ready:
                    _write_in_place(iter(lambda: ready.read(1 << 20), b""), output)
                Path(tmp).unlink()
                return
            os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else _file_mode())
            if st is not None and os.geteuid() == 0:
                os.chown(tmp, st.st_uid, st.st_gid)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _write_in_place(chunks: Iterable[bytes], output: str) -> None:
    try:
        with open(output, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError as exc:
        raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc


class _CleanupOnSignals:
    """While writing a file, SIGTERM and SIGHUP end the process through Python's own exit, so
    that the temporary file is removed (their default action would leave it behind)."""

    SIGNALS = ("SIGTERM", "SIGHUP")

    def __enter__(self) -> None:
        import signal
        import threading

        self.saved: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for name in self.SIGNALS:
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) in (signal.SIG_DFL, None):
                self.saved[number] = signal.signal(number, _exit_on_signal)

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self.saved.items():
            signal.signal(number, handler)


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def queries_text(
    state: State, tag: str | None = None, fmt: str = "table", problems: list | None = None
) -> str:
    """The catalogue of saved queries as a table, JSON or Markdown. A bad query is left out and
    its error appended to ``problems`` (raised when no list is given)."""
    from hkit.catalog import catalog
    from hkit.graph import QUERIES_DIR

    every = catalog(state.root / QUERIES_DIR, problems).values()
    queries = [q for q in every if tag is None or tag in q.tags]
    if not queries and tag is not None:
        tags = sorted({t for q in every for t in q.tags})
        raise HkitError(f"no saved query has the tag '{tag}'", hint=f"tags: {', '.join(tags)}")
    if fmt == "json":
        import json

        return json.dumps([q.as_dict() for q in queries], indent=2, ensure_ascii=False) + "\n"
    lines = []
    if fmt == "md":
        lines += ["| query | what it answers | parameters | tags |", "|---|---|---|---|"]
        for q in queries:
            params = ", ".join(
                f"`{p.name}` ({p.type}{'' if p.required else ', optional'})" for p in q.params
            )
            lines.append(f"| `{q.name}` | {q.summary} | {params or '—'} | {', '.join(q.tags)} |")
        return "".join(line + "\n" for line in lines)
    width = max([len(q.name) for q in queries] + [4])
    for q in queries:
        params = " ".join(
            f"{p.name}=<{p.type}>" if p.required else f"[{p.name}=<{p.type}>]" for p in q.params
        )
        lines.append(f"{q.name.ljust(width)}  {q.summary}" + (f"  ({params})" if params else ""))
    return "".join(line + "\n" for line in lines)


#: The formats for people, in which a source document is shown by its name and date (the machine
#: formats keep its file name).
PEOPLE_FORMATS = ("table", "md")


def run_query(
    state: State,
    name: str,
    params: tuple[str, ...] = (),
    fmt: str | None = None,
    output: str | None = None,
    with_sources: bool = False,
    endpoint: str | None = None,
    default_graphs: tuple[str, ...] = (),
    wide: bool = False,
    file_names: bool = False,
) -> None:
    """Run a saved query with its parameters and write the answer (a table fits the terminal
    unless ``wide``)."""
    from hkit.catalog import bind_values, parse_param_options, with_values
    from hkit.engines import EmbeddedEngine
    from hkit.engines import with_sources as add_sources
    from hkit.results import output_format, render, terminal_width

    fmt = output_format(fmt, output)
    q = state.query(name)
    given = parse_param_options(params)
    engine = state.engine(endpoint, default_graphs)
    if any(
        p.suffix == "iri"
        and any(":" not in v and not v.startswith("<") for v in given.get(p.name, []))
        for p in q.params
    ):
        from hkit.explore import resolve_names  # only when a name is given for an IRI

        given = resolve_names(q, given, engine, state.timeout)
    text = with_values(q.text, bind_values(q, given))
    streamed = stream_result(engine, text, fmt, output, state.timeout, with_sources)
    if streamed is None:
        result = engine.run(text, state.timeout)
        if with_sources:
            result = add_sources(engine, result, state.timeout)
        if fmt in PEOPLE_FORMATS and not file_names and isinstance(engine, EmbeddedEngine):
            from hkit.sources import source_names, with_source_names

            result = with_source_names(result, source_names(engine, state.timeout))
        write_output(render(result, fmt, None if wide else terminal_width(output)), output)
    if (streamed if streamed is not None else len(result.rows)) == 0 and result_is_select(text):
        note_unmatched_values(q, given, engine, state.timeout)


def result_is_select(text: str) -> bool:
    from hkit.engines import query_form

    return query_form(text) == "SELECT"


def note_unmatched_values(
    query: SavedQuery, given: dict[str, list[str]], engine: Any, timeout: float | None
) -> None:
    """When a query with text parameters answers nothing, say on stderr which value matched
    nothing, and the nearest values the graph holds for it (from the query's own column of that
    name, asked without the parameter)."""
    import difflib

    from hkit.catalog import bind_values, with_values

    for param in query.params:
        values = given.get(param.name)
        if not values or param.type not in ("text", "text@en") or param.allowed:
            continue
        others = {k: v for k, v in given.items() if k != param.name}
        try:
            everything = engine.run(with_values(query.text, bind_values(query, others)), timeout)
        except HkitError:
            return  # the note is a courtesy: never let it fail the command
        if param.name not in everything.variables:
            continue
        known = sorted({row[param.name].value for row in everything.rows if param.name in row})
        for value in values:
            if value.casefold() in {k.casefold() for k in known}:
                continue
            nearest = difflib.get_close_matches(
                value.casefold(), [k.casefold() for k in known], n=3, cutoff=0.5
            )
            shown = [next(k for k in known if k.casefold() == n) for n in nearest]
            hint = (
                f"; nearest: {', '.join(shown)}"
                if shown
                else f"; it takes values such as {', '.join(known[:5])}"
            )
            sys.stderr.write(f"hkit: note: no rows: {param.name}={value!r} matches nothing{hint}\n")


def stream_result(
    engine: object,
    text: str,
    fmt: str,
    output: str | None,
    timeout: float | None,
    with_sources: bool = False,
) -> int | None:
    """Write a SELECT result row by row, as the embedded engine produces it, when the format
    allows (tsv, csv): a result larger than memory is never collected first. Return the number
    of rows written this way, or None when the result is not streamed. A file is written to a
    temporary name and renamed only when complete.
    """
    from hkit.engines import EmbeddedEngine, query_form
    from hkit.results import STREAMED_FORMATS, stream_lines

    if (
        fmt not in STREAMED_FORMATS
        or with_sources
        or not isinstance(engine, EmbeddedEngine)
        or query_form(text) != "SELECT"
    ):
        return None
    variables, rows = engine.stream(text, timeout)
    counted = [0]

    def counting(rows: Iterable[dict]) -> Iterable[dict]:
        for row in rows:
            counted[0] += 1
            yield row

    lines = stream_lines(fmt, variables, counting(rows))
    write_chunks((line.encode("utf-8") for line in lines), output)
    return counted[0]


def list_queries(state: State, tag: str | None, fmt: str) -> int:
    """Write the catalogue, then one line for each query that could not be read: one bad query
    never hides the others. Returns the exit code (2 when a query is bad)."""
    problems: list[HkitError] = []
    write_output(queries_text(state, tag, fmt, problems), None)
    for problem in problems:
        sys.stderr.write("".join(line + "\n" for line in problem.lines()))
    return 2 if problems else 0
