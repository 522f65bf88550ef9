"""Where a query runs. The embedded engine is pyoxigraph, in process, on the loaded files."""

from __future__ import annotations

from hkit.core.answers import XSD_STRING, Result, Term
from hkit.core.errors import AnswerTooLarge, QueryFailed, QueryTimeout
from hkit.core.ordering import order_rows
from hkit.core.prefixes import check_prefixes, unshifted, with_prefixes
from hkit.core.sparql import check_query, final_order
from hkit.core.sparql import query_form as form
from hkit.store.channel import _pack, _pack_row, _unpack
from hkit.store.closure import INFERRED
from hkit.store.offline import _refuse_outreach, might_reach_network
from hkit.store.runner import Child, _bounded, _can_fork, _engine_error, start

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, Protocol

    import pyoxigraph

    from hkit.store.pool import Pool

    class Engine(Protocol):
        """Where a query runs: the embedded store, rdflib or an endpoint (for the type checker;
        typing is not imported at run time, to keep start-up short)."""

        name: str

        def run(self, text: str, timeout: float | None = None) -> Result: ...


def ad_hoc(text: str) -> str:
    """Ad-hoc SPARQL text (from a user, a request) made ready to run: refused unless it is a
    read-only query (no update, SERVICE, LOAD or FROM), with hkit's prefixes declared where it
    uses them undeclared."""
    check_query(text)
    text = with_prefixes(text)
    check_prefixes(text)
    return text


def _term(node: Any) -> Term:
    import pyoxigraph

    if isinstance(node, pyoxigraph.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, pyoxigraph.BlankNode):
        return Term("bnode", node.value)
    lang = node.language
    datatype = None if lang else node.datatype.value
    return Term("literal", node.value, None if datatype == XSD_STRING else datatype, lang)


class EmbeddedEngine:
    """pyoxigraph on a store that holds the asserted triples in its default graph and, when it
    was built with them, the inferred ones in :data:`hkit.store.closure.INFERRED`.

    With ``inferred`` (the default) a query's default graph is both, so it sees what the
    ontology entails; without, it is the asserted triples alone, and the inferred graph is not
    among the named graphs either.
    """

    name = "embedded"

    def __init__(self, store: pyoxigraph.Store, *, inferred: bool = True) -> None:
        self.store = store
        self.inferred = inferred
        self._dataset: dict[str, Any] | None = None
        #: long-lived workers that run this engine's queries (a server's), else None: a child
        #: per query
        self.pool: Pool | None = None

    def asserted(self) -> EmbeddedEngine:
        """This engine over the asserted triples alone (the same store, the same pool)."""
        if not self.inferred:
            return self
        engine = EmbeddedEngine(self.store, inferred=False)
        engine.pool = self.pool
        return engine

    def dataset(self) -> dict[str, Any]:
        """The keyword arguments of ``Store.query`` that choose the query's dataset."""
        if self._dataset is None:
            import pyoxigraph

            graph = pyoxigraph.NamedNode(INFERRED)
            if self.inferred:
                self._dataset = {"default_graph": [pyoxigraph.DefaultGraph(), graph]}
            else:
                named = [g for g in self.store.named_graphs() if g != graph]
                self._dataset = {"default_graph": pyoxigraph.DefaultGraph(), "named_graphs": named}
        return self._dataset

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

        max_bytes = caps[1] if caps is not None else None
        size = 0

        # A final ORDER BY over returned variables is applied here, on the rows read, where it
        # orders them as the engine would (order_rows): pyoxigraph 0.5.13 reads both sort keys'
        # text back from the store at every comparison, half the time of a large answer.
        order = final_order(text) if order_here else None
        answer = self._query(order[0] if order else text, base_iri=base)
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
        checks: bool = False,
    ) -> Result:
        """Evaluate a query, bounded by ``timeout`` seconds (and, where the system can fork, by
        the memory limit of :func:`query_memory_limit`, in a child process: see
        :class:`hkit.store.runner.Child`; in a worker of the engine's :attr:`pool` when it has
        one). With ``max_rows`` or ``max_bytes``, an answer larger than that is refused
        (:class:`hkit.core.errors.AnswerTooLarge`) where it is read, in the child, so that it
        never reaches this process. The timeout covers the whole answer, its unpacking here
        included. Relative IRIs in the text resolve against ``base`` (an absolute IRI), when
        given. With ``checks``, the text is ad-hoc SPARQL, checked first (:func:`ad_hoc`).

        Every text is checked as read-only before it runs (:func:`_refuse_outreach`): here, or in
        the pool's worker (which runs the ad-hoc checks too), so that a server's many requests
        are checked in parallel, beside its one process."""
        import time

        caps = None
        if max_rows is not None or max_bytes is not None:
            caps = (max_rows if max_rows is not None else -1, max_bytes)
        started = time.monotonic()
        if self.pool is not None:
            result = self.pool.run(
                text, timeout, caps=caps, base=base, inferred=self.inferred, checks=checks
            )
        elif _can_fork():
            text = _checked(text, checks)
            work = lambda send: send(  # noqa: E731
                ("result", _pack(self._evaluate(text, caps=caps, base=base)))
            )
            with Child(work, timeout, offline=might_reach_network(text)) as child:
                result = _unpack(child.receive()[1])
        else:
            text = _checked(text, checks)
            result = _bounded(lambda: self._evaluate(text, caps=caps, base=base), timeout)
        if timeout is not None and time.monotonic() - started > timeout:
            raise QueryTimeout(
                f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
            )
        return result

    def run_here(self, text: str) -> Result:
        """Evaluate one of hkit's own small queries (a fixed text about a few named things, never
        a user's) in this process: a child for it would cost more than the query itself, and
        its work is bounded by what it names (benchmarks/run.py, start-up)."""
        _refuse_outreach(text)
        try:
            return self._evaluate(text)
        except Exception as exc:
            error = _engine_error(exc)
            if error is exc:
                raise
            raise error from exc

    def stream(
        self, text: str, timeout: float | None = None, batch: int = 1000
    ) -> tuple[list[str], Iterator[dict[str, Term]]]:
        """A SELECT query's variables and an iterator over its rows, produced as they are read
        (at most a few batches held in memory), the whole bounded by ``timeout`` seconds: in a
        child process where the system can fork (see :func:`hkit.store.runner.start`)."""
        _refuse_outreach(text)

        def work(send: Callable[[tuple[Any, ...]], None]) -> None:
            produced = self._rows(text, batch)
            send(("variables", next(produced)))
            for rows in produced:
                send(("rows", [_pack_row(row) for row in rows]))
            send(("end", None))

        child = None
        try:  # the child is closed whatever comes before its rows are read, a signal too
            child = start(work, timeout, offline=might_reach_network(text))
            _, variables = child.receive()
        except BaseException:
            if child is not None:
                child.close()
            raise

        def rows() -> Iterator[dict[str, Term]]:
            try:
                while True:
                    kind, value = child.receive()
                    if kind == "end":
                        return
                    for row in value:
                        yield {var: Term(*term) for var, term in row.items()}
            finally:
                child.close()

        return list(variables), rows()

    def _query(self, text: str, **options: Any) -> Any:
        """The store's answer to ``text`` over this engine's dataset; a syntax error placed in
        the query as the user wrote it (:func:`_placed`)."""
        try:
            return self.store.query(text, **options, **self.dataset())
        except SyntaxError as exc:
            raise _placed(exc, text) from exc

    def _solutions(self, text: str) -> pyoxigraph.QuerySolutions:
        import pyoxigraph

        answer = self._query(text)
        if not isinstance(answer, pyoxigraph.QuerySolutions):
            raise QueryFailed("only a SELECT query's rows can be streamed")
        return answer

    def _rows(self, text: str, batch: int) -> Iterator[Any]:
        """The variables, then the rows in batches of ``batch``."""

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


def _placed(exc: BaseException, text: str) -> SyntaxError:
    """The engine's syntax error in ``text``, its position counted in the query as the user
    wrote it (without the line of prefixes hkit declared for it: :func:`unshifted`)."""
    said = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SyntaxError(unshifted(said, text))


def _checked(text: str, checks: bool) -> str:
    """``text`` checked as every query is (read-only), and as ad-hoc text too with ``checks``;
    the text to run."""
    if checks:
        text = ad_hoc(text)
    _refuse_outreach(text)
    return text


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


class RdflibEngine:
    """rdflib's own SPARQL engine on an rdflib graph: the reference that other engines are
    compared with in the tests (slower than the embedded engine, HAZARDS speed table)."""

    name = "rdflib"

    def __init__(self, graph: Any) -> None:
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs (HAZARDS 6)
        self.graph = graph

    def _evaluate(self, text: str) -> Result:
        try:
            answer = self.graph.query(text)
        except Exception as exc:
            if type(exc).__name__ == "ParseException":  # pyparsing's, which rdflib raises
                raise _placed(exc, text) from exc
            raise
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


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (see :func:`hkit.core.sparql.query_form`)."""

    return form(text)
