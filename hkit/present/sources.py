"""Source documents as people know them: by their name and date, not their file name (the
machine formats keep the file name). Light on imports: the query path uses it."""

from __future__ import annotations

from hkit.core.answers import Result, Term
from hkit.core.errors import HkitError
from hkit.core.sparql import iri, literal, with_values
from hkit.core.vocab import PREFIXES
from hkit.core.vocab import PROLOGUE as _PREFIXES
from hkit.store.engines import EmbeddedEngine

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hkit.store.engines import Engine

#: hkit's own queries about at most this many source documents (named by file) are answered in
#: this process on the embedded engine (:meth:`EmbeddedEngine.run_here`), not in a child of
#: their own: ``hkit query`` forks once, for the query it was asked.
FEW_FILES = 1000


def _with_files(text: str, files: Iterable[str]) -> str | None:
    """``text`` with ``?file`` bound to each of ``files`` (file names); None when no name can be
    a literal (a backslash or a control character: no file name has one)."""
    terms = []
    for file in sorted(set(files)):
        try:
            terms.append(literal(file))
        except HkitError:
            continue
    return with_values(text, {"file": terms}) if terms else None


def _about_files(
    engine: Engine, text: str, timeout: float | None, files: Iterable[str] | None
) -> Result | None:
    """The answer to one of the queries below, with ``?file`` bound to ``files`` when given (None
    when none of them can be a file name): in this process for a few files on the embedded
    engine, else where the engine runs queries."""
    if files is None:
        return engine.run(text, timeout)
    files = set(files)
    bound = _with_files(text, files)
    if bound is None:
        return None
    if len(files) <= FEW_FILES and isinstance(engine, EmbeddedEngine):
        return engine.run_here(bound)
    return engine.run(bound, timeout)


def source_names(
    engine: Engine, timeout: float | None, files: Iterable[str] | None = None
) -> dict[str, str]:
    """For each source document's file name (of those in ``files``, when given), what a person
    knows it by: its label and date (its own, or the range its content allows)."""
    labels = source_labels(engine, timeout, files)
    return {file: f"{label}, {when}" for file, (label, when) in labels.items()}


def source_labels(
    engine: Engine, timeout: float | None, files: Iterable[str] | None = None
) -> dict[str, tuple[str, str]]:
    """For each source document's file name (of those in ``files``, when given: a graph of
    thousands of documents is not read whole for a few), its label and its date as words
    ("2023-12-06", "between 2024 and 2025", "2022 or later", "undated")."""

    text = (
        _PREFIXES
        + """SELECT ?file ?label ?issued ?earliest ?latest WHERE {
        ?doc hkit:fileName ?file ; rdfs:label ?label .
        OPTIONAL { ?doc dcterms:issued ?issued }
        OPTIONAL { ?doc hkit:earliestDate ?earliest }
        OPTIONAL { ?doc hkit:latestDate ?latest } } ORDER BY ?file"""
    )
    answer = _about_files(engine, text, timeout, files)
    if answer is None:
        return {}
    names = {}
    for r in answer.rows:
        if "issued" in r:
            when = r["issued"].value
        elif "earliest" in r or "latest" in r:
            start = r["earliest"].value if "earliest" in r else "?"
            end = r["latest"].value if "latest" in r else "?"
            when = f"between {start} and {end}" if "latest" in r else f"{start} or later"
        else:
            when = "undated"
        names[r["file"].value] = (r["label"].value, when)
    return names


def with_source_names(result: Result, names: dict[str, str]) -> Result:
    """The result with every literal that is a source's file name shown as the source's name."""

    if not names or result.form != "SELECT":
        return result

    def shown(t: Term) -> Term:
        if t.kind != "literal":
            return t
        parts = t.value.split("; ")  # --with-sources joins a row's files with "; "
        if not all(p in names for p in parts):
            return t
        return Term("literal", "; ".join(names[p] for p in parts))

    rows = [{var: shown(t) for var, t in row.items()} for row in result.rows]
    return Result("SELECT", variables=result.variables, rows=rows)


def row_sources(engine: EmbeddedEngine, result: Result, timeout: float | None = None) -> list[str]:
    """For each row, the file names of the source documents that its entities cite, joined by
    '; ' (the documents behind every IRI in the row, via prov:wasDerivedFrom)."""
    iris = sorted({t.value for row in result.rows for t in row.values() if t.kind == "uri"})
    if not iris:
        return ["" for _ in result.rows]

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


def source_legend(
    engine: Engine, timeout: float | None, files: Iterable[str] | None = None
) -> dict[str, str]:
    """For each source document's file name (of those in ``files``, when given), the entry a
    table's legend gives it, as a report cites: its label, its author and publisher where the
    graph records them, and its date ("2025-02-24", "between 2024 and 2025")."""
    text = (
        _PREFIXES
        + """SELECT ?file (MIN(STR(?label)) AS ?name) (MIN(STR(?a)) AS ?author)
        (MIN(STR(?p)) AS ?publisher) (MIN(STR(?i)) AS ?issued) (MIN(STR(?e)) AS ?earliest)
        (MIN(STR(?l)) AS ?latest) WHERE {
        ?doc hkit:fileName ?file ; rdfs:label ?label .
        OPTIONAL { ?doc hkit:author/rdfs:label ?a }
        OPTIONAL { ?doc hkit:publishedBy/rdfs:label ?p }
        OPTIONAL { ?doc dcterms:issued ?i }
        OPTIONAL { ?doc hkit:earliestDate ?e }
        OPTIONAL { ?doc hkit:latestDate ?l } } GROUP BY ?file ORDER BY ?file"""
    )
    answer = _about_files(engine, text, timeout, files)
    if answer is None:
        return {}
    legend = {}
    for r in answer.rows:
        if "issued" in r:
            when = r["issued"].value
        elif "earliest" in r and "latest" in r:
            when = f"between {r['earliest'].value} and {r['latest'].value}"
        elif "earliest" in r or "latest" in r:
            when = f"{r['earliest'].value} or later" if "earliest" in r else ""
            when = when or f"{r['latest'].value} or earlier"
        else:
            when = "undated"
        author = f"by {r['author'].value}" if "author" in r else ""
        publisher = r["publisher"].value if "publisher" in r else ""
        parts = (r["name"].value, author, publisher, when)
        legend[r["file"].value] = ", ".join(p for p in parts if p)
    return legend
