"""Where a query runs. The embedded engine is pyoxigraph, in process, on the loaded files."""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from hkit.errors import AnswerTooLarge, EndpointError, HkitError, QueryFailed, QueryTimeout
from hkit.vocab import XSD

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, Protocol

    import pyoxigraph

    class Engine(Protocol):
        """Where a query runs: the embedded store, rdflib or an endpoint (for the type checker;
        typing is not imported at run time, to keep start-up short)."""

        name: str

        def run(self, text: str, timeout: float | None = None) -> Result: ...


class Term(namedtuple("Term", "kind value datatype lang", defaults=(None, None))):
    """An RDF term, engine-neutral: kind is 'uri', 'literal' or 'bnode'.

    (A named tuple rather than a dataclass: dataclasses imports inspect, which would cost
    ``hkit query`` a sizeable share of its start-up time.)
    """

    __slots__ = ()


class Result:
    """A query's answer: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE."""

    __slots__ = ("boolean", "form", "rows", "triples", "variables")

    def __init__(
        self,
        form: str,
        variables: list[str] | None = None,
        rows: list[dict[str, Term]] | None = None,
        boolean: bool | None = None,
        triples: list[tuple[Term, Term, Term]] | None = None,
    ) -> None:
        self.form = form
        self.variables = variables if variables is not None else []
        self.rows = rows if rows is not None else []
        self.boolean = boolean
        self.triples = triples if triples is not None else []

    def _key(self) -> tuple:
        return (self.form, self.variables, self.rows, self.boolean, self.triples)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, so not hashable

    def __repr__(self) -> str:
        return (
            f"Result(form={self.form!r}, variables={self.variables!r}, rows={self.rows!r}, "
            f"boolean={self.boolean!r}, triples={self.triples!r})"
        )

    def __iter__(self):
        """The rows of a SELECT answer as dicts of Python values (``Decimal``, ``int``,
        ``datetime.date``, ``str``, :class:`hkit.values.IRI`...); an unbound variable is absent
        from its row. ``rows`` keeps the RDF terms."""
        from hkit.values import to_python

        for row in self.rows:
            yield {var: to_python(term) for var, term in row.items()}

    def __len__(self) -> int:
        """The number of rows (of triples, for CONSTRUCT and DESCRIBE)."""
        return len(self.triples) if self.form in ("CONSTRUCT", "DESCRIBE") else len(self.rows)

    def render(self, fmt: str = "table") -> str:
        """The answer in one of the command line's formats (``table``, ``csv``, ``tsv``, ``json``,
        ``xml``, ``md``; ``turtle`` and ``ntriples`` for graph answers)."""
        from hkit.results import render

        return render(self, fmt)

    def to_pandas(self) -> Any:  # a pandas.DataFrame (pandas is imported only here)
        """The rows as a ``pandas.DataFrame``, one column per variable, Python values in the
        cells. Needs pandas (``pip install 'hkit[pandas]'``), imported only here."""
        try:
            import pandas
        except ImportError as exc:
            raise HkitError(
                "to_pandas() needs pandas, which is not installed",
                hint="pip install 'hkit[pandas]'",
            ) from exc
        return pandas.DataFrame(list(self), columns=self.variables)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _term(node: Any) -> Term:
    import pyoxigraph

    if isinstance(node, pyoxigraph.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, pyoxigraph.BlankNode):
        return Term("bnode", node.value)
    lang = node.language
    datatype = None if lang else node.datatype.value
    return Term("literal", node.value, None if datatype == XSD_STRING else datatype, lang)


#: Datatypes whose values order_rows compares as the engine does, by how it reads the value.
_ORDERED_AS = {
    XSD_STRING: "string",
    XSD + "integer": "number",
    XSD + "decimal": "number",
    XSD + "double": "double",
    XSD + "date": "temporal",
    XSD + "dateTime": "temporal",
    XSD + "gYear": "temporal",
    XSD + "gYearMonth": "temporal",
}


def order_rows(rows: list[dict[str, Term]], keys: list[tuple[str, bool]]) -> bool:
    """Sort ``rows`` in place by ``keys`` ((variable, descending) pairs) as SPARQL's ORDER BY
    does on the embedded engine: unbound first, then blank nodes, IRIs and literals, IRIs and
    strings by code point, numbers by value. Rows equal on every key keep their order. Return
    False, rows untouched, when a key holds literals this does not order exactly as the engine:
    of more than one kind (strings and numbers, two languages, integers and doubles), of
    another datatype (floats, booleans, times with a time zone...), or outside its datatype."""
    columns = []
    for variable, _ in keys:
        column: list[tuple[int, Any]] = []
        kind: object = None  # of the column's literals: all must be of one
        for row in rows:
            term = row.get(variable)
            if term is None:
                column.append((0, ""))
            elif term.kind != "literal":
                column.append((1 if term.kind == "bnode" else 2, term.value))
            else:
                this = (
                    ("@", term.lang)
                    if term.lang
                    else _ORDERED_AS.get(term.datatype or XSD_STRING, term.datatype)
                )
                if kind is None:
                    kind = this
                elif this != kind:
                    return False
                value = _ordered_value(term, this)
                if value is None:
                    return False
                column.append((3, value))
        columns.append(column)
    order = list(range(len(rows)))
    for column, (_, descending) in reversed(list(zip(columns, keys, strict=True))):
        order.sort(key=column.__getitem__, reverse=descending)  # stable, also when reversed
    rows[:] = [rows[i] for i in order]
    return True


# Digits within what the engine holds exactly (a 64-bit integer, a decimal of 18 places), so
# that a value it could not read as a number, and orders by its text, is never ordered here.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_TEMPORAL = re.compile(
    r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?)?)?"
)
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF")


def _ordered_value(term: Term, kind: object) -> Any:
    """The value by which the engine orders a literal of this kind (a string, a string in one
    language, a decimal or integer, a double, a date or time without a time zone), or None when
    order_rows cannot order it exactly (another datatype, a value outside its datatype, NaN)."""
    lexical = term.value
    if kind == "string" or isinstance(kind, tuple):
        return lexical
    if kind == "number" and (_DECIMAL if term.datatype == XSD + "decimal" else _INTEGER).fullmatch(
        lexical
    ):
        import decimal

        return decimal.Decimal(lexical)
    if kind == "double" and _DOUBLE.fullmatch(lexical):
        return float(lexical.replace("INF", "inf"))
    if kind == "temporal" and _TEMPORAL.fullmatch(lexical):
        # In these forms the text orders as the value does, and values of two datatypes are
        # ordered by their text, then their datatype, as the engine orders them.
        return lexical, term.datatype
    return None


class EmbeddedEngine:
    """pyoxigraph on an in-memory store."""

    name = "embedded"

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.store = store

    def _evaluate(
        self,
        text: str,
        order_here: bool = True,
        caps: tuple[int, int | None] | None = None,
        base: str | None = None,
    ) -> Result:
        """The answer to ``text``; with ``caps`` (rows, bytes), AnswerTooLarge as soon as the
        answer has more rows, or more bytes of terms, than they allow (before it is all read).
        ``base`` is the IRI that relative IRIs in the text resolve against (a BASE in the text
        is resolved against it in turn); without one, a relative IRI is an error."""
        import pyoxigraph

        from hkit.sparql import final_order

        max_bytes = caps[1] if caps is not None else None
        size = 0

        # A final ORDER BY over returned variables is applied here, on the rows read, where it
        # orders them as the engine would (order_rows): pyoxigraph 0.5.13 reads both sort keys'
        # text back from the store at every comparison, half the time of a large answer.
        order = final_order(text) if order_here else None
        answer = self.store.query(order[0] if order else text, base_iri=base)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return Result("ASK", boolean=bool(answer))
        if isinstance(answer, pyoxigraph.QuerySolutions):
            variables = [v.value for v in answer.variables]
            indexed = list(enumerate(variables))
            # Values repeat (a currency, a unit, a class): convert each distinct one once.
            terms: dict[object, Term] = {}
            rows = []
            directed = False  # a string with a base direction, which a Term does not carry
            for solution in answer:
                row = {}
                for i, v in indexed:
                    value = solution[i]
                    if value is not None:
                        term = terms.get(value)
                        if term is None:
                            term = terms[value] = _term(value)
                            directed |= term.lang is not None and value.direction is not None
                        row[v] = term
                        if max_bytes is not None:
                            size += _term_size(term)
                rows.append(row)
                if caps is not None:
                    _within(len(rows), size, caps)
            if order and (directed or not order_rows(rows, order[1])):
                # the engine orders these keys
                return self._evaluate(text, order_here=False, caps=caps, base=base)
            return Result("SELECT", variables=variables, rows=rows)
        triples = []
        for t in answer:
            triple = (_term(t.subject), _term(t.predicate), _term(t.object))
            triples.append(triple)
            if caps is not None:
                if max_bytes is not None:
                    size += sum(_term_size(term) for term in triple)
                _within(len(triples), size, caps)
        return Result("CONSTRUCT", triples=triples)

    def run(
        self,
        text: str,
        timeout: float | None = None,
        *,
        max_rows: int | None = None,
        max_bytes: int | None = None,
        base: str | None = None,
    ) -> Result:
        """Evaluate a query, bounded by ``timeout`` seconds (and, where the system can fork, by
        the memory limit of :func:`query_memory_limit`, in a child process: see
        :class:`_Child`). With ``max_rows`` or ``max_bytes``, an answer larger than that is
        refused (:class:`hkit.errors.AnswerTooLarge`) where it is read, in the child, so that it
        never reaches this process. The timeout covers the whole answer, its unpacking here
        included. Relative IRIs in the text resolve against ``base`` (an absolute IRI), when
        given."""
        import time

        _refuse_outreach(text)
        caps = None
        if max_rows is not None or max_bytes is not None:
            caps = (max_rows if max_rows is not None else -1, max_bytes)
        started = time.monotonic()
        if _can_fork():
            work = lambda send: send(  # noqa: E731
                ("result", _pack(self._evaluate(text, caps=caps, base=base)))
            )
            child = _Child(work, timeout, offline=might_reach_network(text))
            with child:
                result = _unpack(child.receive()[1])
        else:
            result = _bounded(lambda: self._evaluate(text, caps=caps, base=base), timeout)
        if timeout is not None and time.monotonic() - started > timeout:
            raise QueryTimeout(
                f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
            )
        return result

    def stream(
        self, text: str, timeout: float | None = None, batch: int = 1000
    ) -> tuple[list[str], Iterator[dict[str, Term]]]:
        """A SELECT query's variables and an iterator over its rows, produced as they are read
        (at most a few batches held in memory), the whole bounded by ``timeout`` seconds."""
        _refuse_outreach(text)
        if _can_fork():
            return self._stream_in_child(text, timeout, batch)
        import queue
        import time

        channel: queue.Queue = queue.Queue(maxsize=4)
        done = object()

        def work() -> None:
            try:
                produced = self._rows(text, batch)
                channel.put(("variables", next(produced)))
                for rows in produced:
                    channel.put(("rows", rows))
                channel.put(("end", done))
            except BaseException as exc:  # handed back to the reading thread
                channel.put(("error", exc))

        deadline = None if timeout is None else time.monotonic() + timeout
        threading.Thread(target=work, daemon=True, name="hkit-query").start()

        def take() -> tuple[str, object]:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                kind, value = channel.get(timeout=remaining)
            except queue.Empty:
                raise QueryTimeout(
                    f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
                ) from None
            if kind == "error":
                _raise_engine_error(value)  # the same messages as run()
            return kind, value

        _, variables = take()

        def rows() -> Iterator[dict[str, Term]]:
            while True:
                kind, value = take()
                if kind == "end":
                    return
                yield from value  # type: ignore[misc]  # a batch of rows

        return list(variables), rows()  # type: ignore[call-overload]  # the variables' names

    def _solutions(self, text: str) -> pyoxigraph.QuerySolutions:
        import pyoxigraph

        answer = self.store.query(text)
        if not isinstance(answer, pyoxigraph.QuerySolutions):
            raise QueryFailed("only a SELECT query's rows can be streamed")
        return answer

    def _rows(self, text: str, batch: int) -> Iterator[Any]:
        """The variables, then the rows in batches of ``batch``."""
        from hkit.sparql import final_order

        if final_order(text):  # every row is read before the first is known: see _evaluate
            result = self._evaluate(text)
            yield result.variables
            for start in range(0, len(result.rows), batch):
                yield result.rows[start : start + batch]
            return
        answer = self._solutions(text)
        variables = [v.value for v in answer.variables]
        yield variables
        terms: dict[object, Term] = {}
        rows = []
        for solution in answer:
            row = {}
            for i, v in enumerate(variables):
                value = solution[i]
                if value is not None:
                    term = terms.get(value)
                    if term is None:
                        if len(terms) > 100_000:
                            terms.clear()  # keep the memo bounded too
                        term = terms[value] = _term(value)
                    row[v] = term
            rows.append(row)
            if len(rows) >= batch:
                yield rows
                rows = []
        yield rows

    def _stream_in_child(self, text: str, timeout: float | None, batch: int):
        def work(send: Callable[[tuple], None]) -> None:
            produced = self._rows(text, batch)
            send(("variables", next(produced)))
            for rows in produced:
                send(("rows", [_pack_row(row) for row in rows]))
            send(("end", None))

        child = _Child(work, timeout, offline=might_reach_network(text))
        child.__enter__()
        try:
            _, variables = child.receive()
        except BaseException:
            child.__exit__(None, None, None)
            raise

        def rows():  # an iterator of rows
            try:
                while True:
                    kind, value = child.receive()
                    if kind == "end":
                        return
                    for row in value:
                        yield {var: Term(*term) for var, term in row.items()}
            finally:
                child.__exit__(None, None, None)

        return variables, rows()


# -- queries in a child process --------------------------------------------------------------
#
# An embedded query runs in a forked child where the system allows it: a timeout kills it (no
# thread is left running in a library caller), a memory limit stops a runaway query before it
# exhausts the machine, and a crash of the engine (pyoxigraph aborts on some inputs) ends only
# the child. The child shares the loaded store with the parent (copy-on-write) and sends its
# answer back through a pipe with marshal, which needs no import on the query path.

#: Environment variable: the memory, in megabytes, that one query may use (default: half the
#: machine's memory, at most 8 GB); HKIT_IN_PROCESS=1 runs queries in a thread instead.
ENV_QUERY_MEMORY = "HKIT_QUERY_MEMORY_MB"


def _can_fork() -> bool:
    import os

    return hasattr(os, "fork") and not os.environ.get("HKIT_IN_PROCESS")


def query_memory_limit() -> int:
    """The bytes one query may use beyond what the process already holds."""
    import os

    given = os.environ.get(ENV_QUERY_MEMORY)
    if given:
        try:
            megabytes = int(given)
        except ValueError:
            megabytes = 0
        if megabytes < 1:
            raise HkitError(
                f"{ENV_QUERY_MEMORY} is '{given[:40]}', not a number of megabytes",
                hint="give a whole number of megabytes, for example 2048",
            )
        return megabytes * 1024 * 1024
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 * 1024**3
    return min(physical // 2, 8 * 1024**3)


def _term_size(term: Term) -> int:
    """About how many bytes a term takes in an answer (its text, datatype and language)."""
    return len(term.value) + len(term.datatype or "") + len(term.lang or "") + 8


def _within(count: int, size: int, caps: tuple[int, int | None]) -> None:
    """Raise AnswerTooLarge when ``count`` rows (or triples) of ``size`` bytes pass ``caps``."""
    max_rows, max_bytes = caps
    if 0 <= max_rows < count:
        raise AnswerTooLarge(
            f"the answer has more than {max_rows:,} rows, the most this server sends",
            hint="add a LIMIT",
        )
    if max_bytes is not None and size > max_bytes:
        raise AnswerTooLarge(
            f"the answer is larger than {max_bytes:,} bytes, the most this server sends",
            hint="add a LIMIT, or return shorter values",
        )


def _pack_row(row: dict[str, Term]) -> dict[str, tuple]:
    return {var: tuple(term) for var, term in row.items()}


def _pack(result: Result) -> tuple:
    return (
        result.form,
        result.variables,
        [_pack_row(row) for row in result.rows],
        result.boolean,
        [tuple(tuple(t) for t in triple) for triple in result.triples],
    )


def _unpack(packed: tuple) -> Result:
    form, variables, rows, boolean, triples = packed
    return Result(
        form,
        variables=list(variables),
        rows=[{var: Term(*term) for var, term in row.items()} for row in rows],
        boolean=boolean,
        triples=[(Term(*s), Term(*p), Term(*o)) for s, p, o in triples],
    )


class _Child:
    """A forked child that runs ``work(send)``; ``receive()`` gives what it sent, one message at
    a time, bounded by the deadline. Errors in the child come back as hkit's errors; a child that
    dies (out of memory, a crash) or outlasts the deadline is reported in one line. Leaving the
    ``with`` block kills the child if it still runs."""

    def __init__(
        self,
        work: Callable[[Callable[[tuple], None]], None],
        timeout: float | None,
        offline: bool = False,
        keep_stderr: bool = False,
        what: str = "the query's text names SERVICE, and the engine",
    ) -> None:
        import os
        import time

        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.limit = query_memory_limit()
        self.buffer = b""
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read_end)
            _child_main(work, write_end, self.limit, offline, keep_stderr, what)
        os.close(write_end)
        self.fd: int | None = read_end

    def __enter__(self) -> _Child:
        return self

    def __exit__(self, *exc: object) -> None:
        import contextlib
        import os
        import signal

        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _read(self, size: int) -> bytes:
        import os
        import select
        import time

        fd = self.fd
        if fd is None:
            raise QueryFailed("the query's answer was already read to its end")
        while len(self.buffer) < size:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise self._timed_out()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise self._timed_out()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise self._died()
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self) -> tuple:
        import marshal

        size = int.from_bytes(self._read(8), "big")
        message = marshal.loads(self._read(size))
        if message[0] == "error":
            _, kind, text, hint = message
            from hkit import errors

            error = getattr(errors, kind, HkitError)
            if not (isinstance(error, type) and issubclass(error, HkitError)):
                error = HkitError
            raise error(text, hint=hint)
        if message[0] == "bug":
            raise QueryFailed(f"the query failed inside the engine: {message[1]}")
        return message

    def _timed_out(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query did not finish within {self.timeout:g} seconds", hint="raise --timeout"
        )

    def _died(self) -> QueryFailed:
        import os
        import signal

        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        # Decided from the exit status alone, which cannot race: the engine aborts (SIGABRT) when
        # an allocation fails, the kernel kills (SIGKILL) at the limit, and Python's MemoryError
        # ends the child with 134 wherever it is raised (see _child_main).
        out_of_memory = (
            os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL)
        ) or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == _OUT_OF_MEMORY)
        if out_of_memory:
            megabytes = self.limit // (1024 * 1024)
            return QueryFailed(
                f"the query needed more than the {megabytes:,} MB of memory a query may use",
                hint=f"narrow the query (a LIMIT, fewer joins), or raise {ENV_QUERY_MEMORY}",
            )
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return QueryFailed(f"the SPARQL engine crashed on this query ({name})")
        return QueryFailed("the SPARQL engine stopped without an answer")


def _refuse_outreach(text: str) -> None:
    """Every engine's last check, whoever built the text (a saved query with its values, an
    ad-hoc query, a check, a page's own query): nothing that reaches outside the graph or
    changes it is run (see :func:`hkit.sparql.check_read_only`)."""
    from hkit.sparql import check_read_only

    check_read_only(text)


def run_offline(work: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
    """``work()``'s value, computed in a forked child that cannot open a network socket (see
    :func:`_cut_network`) under the query memory limit, and handed back pickled; its errors are
    raised here as hkit's. ``what`` names the work in the message of a system where the network
    cannot be cut. Where fork() is not available (or HKIT_IN_PROCESS is set) the work runs here,
    guarded by hkit's checks of every query text alone."""
    if not _can_fork():
        return work()
    import pickle

    def in_child(send: Callable[[tuple], None]) -> None:
        send(("value", pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)))

    with _Child(in_child, timeout, offline=True, keep_stderr=True, what=what) as child:
        _, data = child.receive()
    return pickle.loads(data)


def might_reach_network(text: str) -> bool:
    """Whether the engine could read ``text`` as reaching another host: only a SERVICE clause
    does (pyoxigraph runs no update and fetches no FROM graph), and no SERVICE can be written
    without the word, once codepoint escapes are read and case is folded. A query for which this
    is true runs cut off from the network (see :func:`_cut_network`), whatever the read-only
    check made of it."""
    from hkit.sparql import _loose_expand, expand_escapes

    return "service" in (expand_escapes(text) + _loose_expand(text)).casefold()


def _cut_network() -> str | None:
    """In the forked child, before the query runs: make it unable to open a network socket, so
    that even a SERVICE the read-only check missed reaches no host. A seccomp filter refuses
    every socket() but a local (AF_UNIX) one; where the filter cannot be installed, the child
    moves into a network namespace of its own, which has no interface. None when done, else why
    not."""
    import ctypes
    import os
    import platform
    import struct

    libc = ctypes.CDLL(None, use_errno=True)
    arch = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}.get(platform.machine())
    if arch is not None:
        audit_arch, socket_nr = arch
        load, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
        allow, refuse = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, RET_ERRNO(EACCES)
        program = [
            (load, 0, 0, 4),  # the architecture
            (jeq, 0, 5, audit_arch),
            (load, 0, 0, 0),  # the system call's number
            (jeq, 0, 3, socket_nr),
            (load, 0, 0, 16),  # socket()'s first argument: the address family
            (jeq, 1, 0, 1),  # AF_UNIX
            (ret, 0, 0, refuse),
            (ret, 0, 0, allow),
        ]
        code = b"".join(struct.pack("=HBBI", *ins) for ins in program)
        buffer = ctypes.create_string_buffer(code)
        fprog = struct.pack("@HP", len(program), ctypes.addressof(buffer))  # struct sock_fprog
        fprog_buffer = ctypes.create_string_buffer(fprog)
        no_new_privs, set_seccomp, mode_filter = 38, 22, 2
        if libc.prctl(no_new_privs, 1, 0, 0, 0) == 0 and (
            libc.prctl(set_seccomp, mode_filter, fprog_buffer, 0, 0) == 0
        ):
            return None
    new_net, new_user = 0x40000000, 0x10000000
    if libc.unshare(new_net) == 0 or libc.unshare(new_user | new_net) == 0:
        return None
    return os.strerror(ctypes.get_errno()) or "not supported here"


def _child_main(
    work: Callable[[Callable[[tuple], None]], None],
    fd: int,
    limit: int,
    offline: bool = False,
    keep_stderr: bool = False,
    what: str = "the query's text names SERVICE, and the engine",
) -> None:
    """In the forked child: bound the memory, cut the network when asked, run the work, send
    each message, exit."""
    import marshal
    import os

    code = 0
    try:
        if not keep_stderr:  # the engine's own abort messages; the parent says what happened
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
        import sys

        faulthandler = sys.modules.get("faulthandler")  # a test runner's: it writes elsewhere
        if faulthandler is not None and faulthandler.is_enabled():
            faulthandler.disable()
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            in_use = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (in_use + limit, in_use + limit))
    except (OSError, ValueError, ImportError):
        pass  # no /proc or no limits here: the timeout still bounds the query

    def send(message: tuple) -> None:
        data = marshal.dumps(message)
        data = len(data).to_bytes(8, "big") + data
        while data:
            written = os.write(fd, data)
            data = data[written:]

    try:
        try:
            if offline:
                why = _cut_network()
                if why is not None:
                    raise QueryFailed(
                        f"{what} cannot be cut off from the network on this system ({why})",
                        hint="set HKIT_IN_PROCESS=1 to rely on hkit's checks of the query text "
                        "alone",
                    )
            try:
                work(send)
            except (OSError, RuntimeError) as exc:
                if offline and "os error 13" in str(exc):  # the socket the filter refused
                    raise QueryFailed(
                        "the query tried to reach another host (SERVICE), which hkit does not allow"
                    ) from None
                raise
        except MemoryError:
            os._exit(_OUT_OF_MEMORY)
        except BaseException as exc:
            try:
                _raise_engine_error(exc)
            except HkitError as error:
                send(("error", type(error).__name__, error.message, error.hint))
            except BaseException as other:
                send(("bug", f"{type(other).__name__}: {other}"[:500]))
    except MemoryError:  # while sending, or reporting another error
        code = _OUT_OF_MEMORY
    except BaseException:
        code = 1
    os._exit(code)


#: The exit status of a child that ran out of memory in Python (128 + SIGABRT, as an abort).
_OUT_OF_MEMORY = 134


def _bounded(work: Callable[[], Result], timeout: float | None) -> Result:
    """Run ``work()`` bounded by ``timeout`` seconds. The work runs in a daemon thread, so that a
    command line that gives up can exit at once; engine errors become one-line errors."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed back to the caller's thread, without the frames
            outcome["error"] = exc.with_traceback(None)  # that hold the engine's objects

    thread = threading.Thread(target=target, daemon=True, name="hkit-query")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise QueryTimeout(
            f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
        )
    if "error" in outcome:
        _raise_engine_error(outcome["error"])
    return outcome["result"]


def _raise_engine_error(exc: BaseException) -> None:
    """Raise an engine's error as one of hkit's, or as it is when it is a bug."""
    if isinstance(exc, HkitError):
        raise exc
    if isinstance(exc, SyntaxError) or type(exc).__name__ == "ParseException":
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryFailed(f"the query is not valid SPARQL: {first}") from exc
    if isinstance(exc, (ValueError, OSError, TypeError)):
        raise QueryFailed(f"the query failed: {exc}") from exc
    raise exc  # an unexpected error: a bug, shown with --debug


class RdflibEngine:
    """rdflib's own SPARQL engine on an rdflib graph: the reference that other engines are
    compared with in the tests (slower than the embedded engine, HAZARDS speed table)."""

    name = "rdflib"

    def __init__(self, graph: Any) -> None:
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs (HAZARDS 6)
        self.graph = graph

    def _evaluate(self, text: str) -> Result:
        answer = self.graph.query(text)
        if answer.type == "ASK":
            return Result("ASK", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = [str(v) for v in answer.vars]
            rows = [
                {v: _rdflib_term(row[i]) for i, v in enumerate(variables) if row[i] is not None}
                for row in answer
            ]
            return Result("SELECT", variables=variables, rows=rows)
        triples = [(_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)) for s, p, o in answer]
        return Result("CONSTRUCT", triples=triples)

    def run(self, text: str, timeout: float | None = None) -> Result:
        """Evaluate a query, bounded by ``timeout`` seconds."""
        _refuse_outreach(text)
        return _bounded(lambda: self._evaluate(text), timeout)


def _rdflib_term(node: Any) -> Term:
    import rdflib

    if isinstance(node, rdflib.URIRef):
        return Term("uri", str(node))
    if isinstance(node, rdflib.BNode):
        return Term("bnode", str(node))
    datatype = None if node.language or node.datatype is None else str(node.datatype)
    return Term("literal", str(node), None if datatype == XSD_STRING else datatype, node.language)


#: Environment variables that carry an endpoint's credentials (never the command line).
ENV_USER, ENV_PASSWORD, ENV_TOKEN = (
    "HKIT_ENDPOINT_USER",
    "HKIT_ENDPOINT_PASSWORD",
    "HKIT_ENDPOINT_TOKEN",
)

_RESULTS_JSON = "application/sparql-results+json"
_GRAPH_TYPES = {
    "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES",
    "text/turtle": "TURTLE",
    "application/x-turtle": "TURTLE",
    "application/rdf+xml": "RDF_XML",
}
_ACCEPT_RESULTS = f"{_RESULTS_JSON}, application/json;q=0.9"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (see :func:`hkit.sparql.query_form`)."""
    from hkit.sparql import query_form as form

    return form(text)


class EndpointEngine:
    """A SPARQL 1.1 Protocol client: the query is POSTed form-encoded, SELECT and ASK results
    come back as SPARQL JSON, CONSTRUCT and DESCRIBE results as N-Triples or Turtle.

    ``default_graphs`` become ``default-graph-uri`` parameters (their merge is the query's default
    graph). Credentials come from the environment: ``HKIT_ENDPOINT_USER`` and
    ``HKIT_ENDPOINT_PASSWORD`` (HTTP Basic or Digest, whichever the server asks for), or
    ``HKIT_ENDPOINT_TOKEN`` (sent as a bearer token).
    """

    name = "endpoint"

    def __init__(
        self,
        url: str,
        default_graphs: tuple[str, ...] | list[str] = (),
        environ: dict[str, str] | None = None,
    ) -> None:
        import os
        from urllib.parse import urlsplit

        bad = EndpointError(
            f"'{url[:200]}' is not an http or https URL", hint="give the endpoint's full URL"
        )
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            raise bad  # a space, a tab, CR or LF would end up in the request line or a header
        try:
            parts = urlsplit(url)
            hostname, _ = parts.hostname, parts.port  # both parse the authority (IPv6, port)
        except ValueError:
            raise bad from None
        if parts.scheme not in ("http", "https") or not hostname:
            raise bad
        if parts.username or parts.password:
            raise EndpointError(
                "the endpoint URL carries credentials; they do not belong on the command line",
                hint=f"set {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}) instead",
            )
        from hkit.vocab import expand

        default_graphs = [
            expand(g.strip().removeprefix("<").removesuffix(">")) for g in default_graphs
        ]
        for graph in default_graphs:
            if urlsplit(graph).scheme == "" or any(c in graph for c in ' <>"{}|^`\\'):
                raise EndpointError(f"'{graph}' is not an absolute IRI", hint="--default-graph IRI")
        self.url = url
        self.default_graphs = list(default_graphs)
        env = os.environ if environ is None else environ
        self._user, self._password = env.get(ENV_USER), env.get(ENV_PASSWORD)
        self._token = env.get(ENV_TOKEN)

    def _opener(self):
        import urllib.request

        handlers: list[urllib.request.BaseHandler] = [_no_redirects()]
        if self._user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, self._user, self._password or "")
            handlers += [
                urllib.request.HTTPBasicAuthHandler(manager),
                urllib.request.HTTPDigestAuthHandler(manager),
            ]
        # no proxies from the environment, no file: or ftp: handlers beyond urllib's defaults
        handlers.append(urllib.request.ProxyHandler({}))
        return urllib.request.build_opener(*handlers)

    def run(self, text: str, timeout: float | None = None) -> Result:
        """Send the query; the whole exchange is bounded by ``timeout`` seconds. (Longer than most
        functions: one request's life, from the URL's checks to the answer's, with each failure
        turned into its own one-line error.)"""
        _refuse_outreach(text)
        import http.client
        import time
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        fields = [("query", text)] + [("default-graph-uri", g) for g in self.default_graphs]
        graph_form = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        headers = {
            "Accept": _ACCEPT_GRAPH if graph_form else _ACCEPT_RESULTS,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "hkit",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(
            self.url, data=urlencode(fields).encode("utf-8"), headers=headers, method="POST"
        )
        deadline = None if timeout is None else time.monotonic() + timeout
        where = f"the endpoint {self.url}"
        try:
            with self._opener().open(request, timeout=timeout) as response:
                content_type = response.headers.get_content_type()
                charset = response.headers.get_content_charset() or "utf-8"
                body = _read_until(response, deadline, where)
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, where) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _timed_out(where, timeout) from None
            detail = getattr(reason, "strerror", None) or str(reason)
            raise EndpointError(
                f"cannot reach {where}: {detail}", hint="check the URL and that the server runs"
            ) from None
        except TimeoutError:
            raise _timed_out(where, timeout) from None
        except http.client.HTTPException as exc:
            # a garbled status line, too many or too long headers, a body cut short
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise EndpointError(
                f"{where} sent a malformed HTTP answer ({type(exc).__name__}: {detail})",
                hint="is the URL a SPARQL endpoint, and is the server well?",
            ) from None
        except (OSError, ValueError) as exc:
            raise EndpointError(f"the exchange with {where} failed: {exc}") from None
        result = _parse_answer(body, content_type, charset, where)
        if graph_form != (result.form in ("CONSTRUCT", "DESCRIBE")):
            asked = "a graph" if graph_form else "results"
            raise EndpointError(
                f"{where} answered a query for {asked} with {content_type}",
                hint="the endpoint does not answer this kind of query as SPARQL requires",
            )
        return result


def _no_redirects():
    """A handler that follows no redirect: a POSTed query would be lost or resent elsewhere, and
    credentials must not travel to another host."""
    import urllib.request

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            raise EndpointError(
                f"the endpoint redirected (HTTP {code}) to {newurl}; hkit does not follow it",
                hint="give that URL with --endpoint",
            )

    return NoRedirects()


#: The largest answer hkit reads from an endpoint, in bytes (HKIT_ENDPOINT_MAX_BYTES).
DEFAULT_MAX_BYTES = 1 << 30


def _max_bytes() -> int:
    import os

    given = os.environ.get("HKIT_ENDPOINT_MAX_BYTES")
    if given is None:
        return DEFAULT_MAX_BYTES
    try:
        value = int(given)
    except ValueError:
        value = 0
    if value < 1:
        raise EndpointError(
            f"HKIT_ENDPOINT_MAX_BYTES is '{given[:40]}', not a number of bytes",
            hint=f"give a whole number of at least 1 (the default is {DEFAULT_MAX_BYTES:,})",
        )
    return value


def _read_until(response: Any, deadline: float | None, where: str = "the endpoint") -> bytes:
    """Read the whole body, giving up at the deadline or past the size limit."""
    import time

    limit = _max_bytes()
    chunks: list[bytes] = []
    size = 0
    sock = _socket_of(response)
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if sock is not None:
                sock.settimeout(left)  # no single wait may outlast the deadline
        # read1: what one receive brings, so that a server that drips a byte at a time cannot
        # keep one read going past the deadline
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise EndpointError(
                f"{where} sent more than {limit:,} bytes; hkit stopped reading",
                hint="add a LIMIT to the query, or raise HKIT_ENDPOINT_MAX_BYTES",
            )
        chunks.append(chunk)


def _socket_of(response: Any) -> Any:
    """The socket under an http.client response, when it can be reached (to bound each wait)."""
    raw = getattr(getattr(response, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)


def _timed_out(where: str, timeout: float | None) -> EndpointError:
    return EndpointError(
        f"{where} did not answer within {timeout:g} seconds", hint="raise --timeout"
    )


def _http_error(exc: Any, where: str) -> EndpointError:
    code = exc.code
    try:
        detail = exc.read(2000).decode("utf-8", "replace").strip().splitlines()
    except OSError:
        detail = []
    first = next((line.strip() for line in detail if line.strip()), "")
    first = first if len(first) <= 200 else first[:200] + "..."
    hints = {
        401: f"the endpoint wants credentials: set {ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}",
        403: "the credentials given are not allowed to query this endpoint",
        404: "check the endpoint URL (Virtuoso: /sparql, Fuseki: /DATASET/sparql)",
    }
    message = f"{where} answered HTTP {code} {exc.reason}"
    if first and code not in (401, 403):
        message += f": {first}"
    return EndpointError(message, hint=hints.get(code, "see the endpoint's documentation or logs"))


def _parse_answer(body: bytes, content_type: str, charset: str, where: str) -> Result:
    if content_type in (_RESULTS_JSON, "application/json"):
        return _parse_results_json(body, charset, where)
    if content_type in _GRAPH_TYPES:
        import pyoxigraph

        fmt = getattr(pyoxigraph.RdfFormat, _GRAPH_TYPES[content_type])
        if fmt == pyoxigraph.RdfFormat.RDF_XML:
            from hkit.graph import xml_declares_entities

            if xml_declares_entities([body]):
                raise EndpointError(
                    f"{where} sent RDF/XML with a DOCTYPE, which hkit refuses",
                    hint="its entities could expand without bound; ask for N-Triples or Turtle",
                )
        try:
            triples = [
                (_term(q.subject), _term(q.predicate), _term(q.object))
                for q in pyoxigraph.parse(body, format=fmt)
            ]
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"{where} sent malformed {content_type}: {exc}") from None
        return Result("CONSTRUCT", triples=triples)
    raise EndpointError(
        f"{where} answered with {content_type}, not SPARQL results",
        hint="is the URL a SPARQL endpoint? an HTML page is often a login or error page",
    )


def _json_term(value: object, where: str) -> Term:
    if not isinstance(value, dict) or not isinstance(value.get("value"), str):
        raise EndpointError(f"{where} sent a malformed term in its SPARQL JSON results")
    kind = value.get("type")
    if kind == "uri":
        return Term("uri", value["value"])
    if kind == "bnode":
        return Term("bnode", value["value"])
    if kind in ("literal", "typed-literal"):  # Virtuoso says "typed-literal" (SPARQL 1.0 style)
        lang = value.get("xml:lang")
        datatype = None if lang else value.get("datatype")
        return Term("literal", value["value"], None if datatype == XSD_STRING else datatype, lang)
    raise EndpointError(f"{where} sent a term of unknown type {kind!r}")


def _parse_results_json(body: bytes, charset: str, where: str) -> Result:
    import json

    def no_constants(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        data = json.loads(body.decode(charset), parse_constant=no_constants)
    except (UnicodeDecodeError, LookupError, ValueError) as exc:
        raise EndpointError(f"{where} sent malformed JSON: {exc}") from None
    except RecursionError:
        raise EndpointError(f"{where} sent JSON nested too deep to read") from None
    if not isinstance(data, dict):
        raise EndpointError(f"{where} sent JSON that is not SPARQL results")
    if isinstance(data.get("boolean"), bool):
        return Result("ASK", boolean=data["boolean"])
    head, results = data.get("head"), data.get("results")
    # Virtuoso answers ASK as one row of one variable, __ASK_RETVAL, holding 1 or 0
    if (
        isinstance(head, dict)
        and head.get("vars") == ["__ASK_RETVAL"]
        and isinstance(results, dict)
        and isinstance(results.get("bindings"), list)
        and len(results["bindings"]) == 1
    ):
        row = results["bindings"][0]
        value = row.get("__ASK_RETVAL") if isinstance(row, dict) else None
        if not isinstance(value, dict) or str(value.get("value")) not in (
            "0",
            "1",
            "false",
            "true",
        ):
            raise EndpointError(f"{where} sent a malformed ASK answer")
        return Result("ASK", boolean=str(value["value"]) in ("1", "true"))
    if (
        not isinstance(head, dict)
        or not isinstance(results, dict)
        or not isinstance(head.get("vars", []), list)
        or not isinstance(results.get("bindings"), list)
    ):
        raise EndpointError(f"{where} sent JSON that is not SPARQL results")
    variables = [str(v) for v in head.get("vars", [])]
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, dict):
            raise EndpointError(f"{where} sent a malformed row in its SPARQL JSON results")
        rows.append({name: _json_term(value, where) for name, value in binding.items()})
    return Result("SELECT", variables=variables, rows=rows)


def row_sources(engine: EmbeddedEngine, result: Result, timeout: float | None = None) -> list[str]:
    """For each row, the file names of the source documents that its entities cite, joined by
    '; ' (the documents behind every IRI in the row, via prov:wasDerivedFrom)."""
    iris = sorted({t.value for row in result.rows for t in row.values() if t.kind == "uri"})
    if not iris:
        return ["" for _ in result.rows]
    from hkit.sparql import iri, with_values
    from hkit.vocab import PREFIXES

    terms = []
    for value in iris:
        try:
            terms.append(iri(value))
        except HkitError:
            continue  # not an IRI a query can name: it cites nothing
    if not terms:
        return ["" for _ in result.rows]
    query = (
        f"PREFIX prov: <{PREFIXES['prov']}> PREFIX hkit: <{PREFIXES['hkit']}> "
        "SELECT ?s ?file WHERE { ?s prov:wasDerivedFrom ?doc . ?doc hkit:fileName ?file }"
    )
    answer = engine.run(with_values(query, {"s": terms}), timeout)
    files: dict[str, set[str]] = {}
    for row in answer.rows:
        files.setdefault(row["s"].value, set()).add(row["file"].value)
    return [
        "; ".join(
            sorted({f for t in row.values() if t.kind == "uri" for f in files.get(t.value, ())})
        )
        for row in result.rows
    ]


def with_sources(engine: EmbeddedEngine, result: Result, timeout: float | None = None) -> Result:
    """The result with a 'sources' column added to every row."""
    if result.form != "SELECT":
        return result
    name = "sources"
    while name in result.variables:
        name = "_" + name
    rows = [
        {**row, **({name: Term("literal", files)} if files else {})}
        for row, files in zip(result.rows, row_sources(engine, result, timeout), strict=True)
    ]
    return Result("SELECT", variables=[*result.variables, name], rows=rows)
