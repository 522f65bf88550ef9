"""Where a query runs. The embedded engine is pyoxigraph, in process, on the loaded files."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from hkit.errors import HkitError


class QueryTimeout(HkitError):
    """A query did not finish within the time allowed."""


class QueryFailed(HkitError):
    """The engine rejected or could not evaluate a query."""


@dataclass(frozen=True)
class Term:
    """An RDF term, engine-neutral: kind is 'uri', 'literal' or 'bnode'."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None


@dataclass
class Result:
    """A query's answer: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _term(node: object) -> Term:
    import pyoxigraph

    if isinstance(node, pyoxigraph.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, pyoxigraph.BlankNode):
        return Term("bnode", node.value)
    lang = node.language
    datatype = None if lang else node.datatype.value
    return Term("literal", node.value, None if datatype == XSD_STRING else datatype, lang)


class EmbeddedEngine:
    """pyoxigraph on an in-memory store."""

    name = "embedded"

    def __init__(self, store: object) -> None:
        self.store = store

    def _evaluate(self, text: str) -> Result:
        import pyoxigraph

        answer = self.store.query(text)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return Result("ASK", boolean=bool(answer))
        if isinstance(answer, pyoxigraph.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = []
            for solution in answer:
                row = {}
                for v in variables:
                    value = solution[v]
                    if value is not None:
                        row[v] = _term(value)
                rows.append(row)
            return Result("SELECT", variables=variables, rows=rows)
        triples = [(_term(t.subject), _term(t.predicate), _term(t.object)) for t in answer]
        return Result("CONSTRUCT", triples=triples)

    def run(self, text: str, timeout: float | None = None) -> Result:
        """Evaluate a query, bounded by ``timeout`` seconds (the work runs in a daemon thread, so
        a command line that gives up can exit at once)."""
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["result"] = self._evaluate(text)
            except BaseException as exc:  # handed back to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=work, daemon=True, name="hkit-query")
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise QueryTimeout(
                f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
            )
        if "error" in outcome:
            exc = outcome["error"]
            if isinstance(exc, SyntaxError):
                raise QueryFailed(f"the query is not valid SPARQL: {exc}") from exc
            if isinstance(exc, (ValueError, OSError)):
                raise QueryFailed(f"the query failed: {exc}") from exc
            raise exc  # an unexpected error: a bug, shown with --debug
        return outcome["result"]


#: The engines hkit can run queries on (the remote SPARQL endpoint client arrives with --endpoint).
ENGINES = {"embedded": EmbeddedEngine}


def row_sources(engine: EmbeddedEngine, result: Result, timeout: float | None = None) -> list[str]:
    """For each row, the file names of the source documents that its entities cite, joined by
    '; ' (the documents behind every IRI in the row, via prov:wasDerivedFrom)."""
    iris = sorted({t.value for row in result.rows for t in row.values() if t.kind == "uri"})
    if not iris:
        return ["" for _ in result.rows]
    values = " ".join(f"<{iri}>" for iri in iris)
    answer = engine.run(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX hkit: <https://w3id.org/hkit/ontology#> "
        f"SELECT ?s ?file WHERE {{ VALUES ?s {{ {values} }} "
        "?s prov:wasDerivedFrom ?doc . ?doc hkit:fileName ?file }",
        timeout,
    )
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
