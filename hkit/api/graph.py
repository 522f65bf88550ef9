"""The graph as the library gives it: :class:`KnowledgeGraph`, its engines, its saved queries
and ad-hoc SPARQL, its descriptions, and the checks and reports that hang off it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hkit.api.rules import as_lists, check_sources
from hkit.core.catalog import bind_values, catalog, find, load
from hkit.core.errors import HkitError, StoreDamaged, UnmatchedWarning
from hkit.core.limits import DEFAULT_TIMEOUT
from hkit.core.sparql import with_values
from hkit.present.sources import source_names, with_source_names, with_sources
from hkit.present.view import with_view
from hkit.store.engines import EmbeddedEngine, _term_size, _within, ad_hoc, query_form
from hkit.store.files import (
    DATA_DIR,
    ONTOLOGY,
    QUERIES_DIR,
    SHAPES,
    find_root,
    graph_files,
    packaged_places,
)
from hkit.store.pool import Pool
from hkit.store.runner import _can_fork, run_offline
from hkit.store.stores import discard_store, open_store

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pyoxigraph
    import rdflib

    from hkit.core.answers import Result, Term
    from hkit.core.catalog import SavedQuery
    from hkit.present.explain import Note
    from hkit.present.explore import Description, Stats
    from hkit.quality.checks import Check, GateReport
    from hkit.quality.ledger import LedgerReport
    from hkit.quality.reason import ReasonerReport
    from hkit.quality.review import Review
    from hkit.quality.validate import ValidationReport
    from hkit.store.endpoint import EndpointEngine
    from hkit.store.engines import EmbeddedEngine


class KnowledgeGraph:
    """The graph: its saved queries, ad-hoc SPARQL, descriptions, statistics, checks and exports.

    The embedded store is loaded on first use and kept; the files are read-only to hkit.
    """

    def __init__(
        self,
        *,
        root: str | Path | None = None,
        data: Iterable[str | Path] = (),
        endpoint: str | None = None,
        default_graphs: Iterable[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
        asserted: bool = False,
    ) -> None:

        self.root: Path = find_root(None if root is None else str(root))
        self.data: list[Path] = [Path(d) for d in data]
        self.endpoint = endpoint
        self.default_graphs = tuple(default_graphs)
        self.timeout = timeout
        #: True when queries see the asserted triples alone, not what the ontology entails
        self.asserted = asserted
        check_sources(self.data, endpoint, self.default_graphs, asserted=asserted)
        self._engine: EmbeddedEngine | None = None
        self._pool: Pool | None = None
        self._queries: dict[str, SavedQuery] | None = None
        self._loaded: dict[str, SavedQuery] = {}  # saved queries read one by one

    def __repr__(self) -> str:
        where = self.endpoint or str(self.root)
        return f"<hkit.KnowledgeGraph {where}>"

    # -- the engines ------------

    @property
    def embedded(self) -> EmbeddedEngine:
        """The embedded pyoxigraph engine over the root's files and ``data`` (loaded once), with
        what they entail unless the graph was opened ``asserted``."""
        if self._engine is None:
            inferred = not self.asserted
            store = open_store(graph_files(self.root, self.data), inferred=inferred)
            self._engine = EmbeddedEngine(store, inferred=inferred)
            if self._pool is not None:  # the store was built again: no worker holds the old one
                self._pool.reload(self._engine)
                self._engine.pool = self._pool
        return self._engine

    def start_pool(self, workers: int | None = None) -> Pool | None:
        """Run this graph's embedded queries in a pool of ``workers`` long-lived processes
        (default: one per core), each holding the loaded store, instead of a child forked per
        query (see :mod:`hkit.store.pool`); ``hkit serve`` does this once the graph is loaded.
        None where there is nothing to pool: an endpoint's graph, or a system where queries run
        in a thread. :meth:`stop_pool` stops the workers."""
        if self.endpoint is not None or not _can_fork():
            return None
        engine = self.embedded
        if self._pool is None:
            self._pool = Pool(engine, workers)
            engine.pool = self._pool
        self._pool.start()
        return self._pool

    def stop_pool(self) -> None:
        """Stop the pool's workers; queries run in a child each again."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._engine is not None:
            self._engine.pool = None

    @property
    def engine(self) -> EmbeddedEngine | EndpointEngine:
        """Where queries run: the endpoint when one was given, else the embedded engine."""
        if self.endpoint is not None:
            from hkit.store.endpoint import EndpointEngine  # start-up: only for an endpoint

            return EndpointEngine(self.endpoint, self.default_graphs)
        return self.embedded

    @property
    def store(self) -> pyoxigraph.Store:
        """The underlying ``pyoxigraph.Store`` (read it; hkit never writes to it): the asserted
        triples in its default graph and, unless the graph was opened ``asserted``, what they
        entail in the named graph ``https://w3id.org/hkit/inferred``."""
        return self.embedded.store

    def rdflib_graph(self) -> rdflib.Graph:
        """The ontology, the data and any ``data`` files as an ``rdflib.Graph`` (a new copy)."""

        # start-up: not on hkit query's path (benchmarks/)
        from hkit.store.rdf import load_rdflib_strict

        return load_rdflib_strict(graph_files(self.root, self.data))

    # -- queries ------------

    @property
    def queries(self) -> dict[str, SavedQuery]:
        """The saved queries by name (each with its summary, description, tags, parameters and
        examples).

        >>> kg = KnowledgeGraph()
        >>> kg.queries["funds-by-size"].summary
        'Funds and initiatives by the money they hold, largest first'
        """
        if self._queries is None:
            self._queries = catalog(self.root / QUERIES_DIR)
        return self._queries

    def read_queries(self, problems: list[HkitError] | None = None) -> dict[str, SavedQuery]:
        """The saved queries by name, as :attr:`queries`; a query that cannot be read is left out
        and its error appended to ``problems`` (raised when no list is given)."""

        return catalog(self.root / QUERIES_DIR, problems)  # type: ignore[arg-type]

    def saved_query(self, name: str) -> SavedQuery:
        """The saved query called ``name`` (reading only its own file when the catalogue has not
        been read); an unknown name is an error that names the close matches."""

        if self._queries is not None:
            return find(self._queries, name)
        if name not in self._loaded:
            self._loaded[name] = load(self.root / QUERIES_DIR, name)
        return self._loaded[name]

    def prepare(self, name: str, /, **params: object) -> str:
        """The SPARQL text that :meth:`query` runs: the saved query with its parameters typed,
        checked and bound as RDF terms in a ``VALUES`` block. A name given for an IRI parameter
        (a label, an abbreviation) becomes the IRI of the one entity it names.

        >>> text = KnowledgeGraph().prepare("funds-by-size", currency="HKD")
        >>> 'VALUES ?__currency { "HKD" }' in text
        True
        """
        saved, given = self._given(name, params)
        return with_values(saved.text, bind_values(saved, given))

    def _given(
        self, name: str, params: dict[str, object]
    ) -> tuple[SavedQuery, dict[str, list[str]]]:
        """The saved query called ``name`` and its parameters as lists of texts, a name given
        for an IRI parameter resolved to the IRI of the one entity of its kind it names."""
        saved = self.saved_query(name)
        given = as_lists(params, {p.name: p.type for p in saved.params})
        names_given = any(
            p.suffix == "iri"
            and any(":" not in v and not v.startswith("<") for v in given.get(p.name, []))
            for p in saved.params
        )
        if names_given:
            from hkit.present.explore import resolve_names  # start-up: only when names are given

            given = resolve_names(saved, given, self.engine, self.timeout)
        return saved, given

    def query(self, name: str, /, **params: object) -> Result:
        """Run a saved query. Parameters are given by name, as text (as on the command line) or
        as a list of texts to bind several values (a parameter typed as a number or a date takes
        Python's numbers and dates too); they are typed and checked, and bound as RDF terms,
        never pasted into the query (see :meth:`prepare`). An empty answer warns with an
        :class:`hkit.UnmatchedWarning` for each value that explains it (see :meth:`explain`).

        >>> kg = KnowledgeGraph()
        >>> for row in kg.query("start-ups-and-unicorns"):
        ...     if row["measure"] == "unicorns":
        ...         print(row["qualifier"], row["value"], row["when"], row["source"][:3])
        nearly 20 ../2023-12-07 000
        """
        saved, given = self._given(name, params)
        result = self.run(with_values(saved.text, bind_values(saved, given)))
        result = with_view(result, saved.view, self.engine, self.timeout)
        if self.endpoint is None:  # for to_pandas(), looked up when asked
            result.source_names = lambda: source_names(
                self.embedded, self.timeout, _answer_texts(result)
            )
        if result.form == "SELECT" and not result.rows and params:
            import warnings  # only for an empty answer

            from hkit.present.explain import explain  # start-up: only for an empty answer

            for note in explain(saved, given, self.run):
                warnings.warn(UnmatchedWarning(str(note), note), stacklevel=2)
        return result

    def explain(self, name: str, /, **params: object) -> list[Note]:
        """Why a saved query with these parameters answers nothing: for each value that names
        nothing of its kind (the parameter's range: a sector, a measure, an economy...), or names
        something that no row has, a :class:`hkit.present.explain.Note` whose text names the value
        and up to five nearest values of the same kind. Empty when every value matches. The
        command line prints these notes, and the server can show them.

        >>> [str(n) for n in KnowledgeGraph().explain("who-works-in-sector", sector="biotech")]
        ["sector='biotech' names nothing of its kind; nearest: biotechnology"]
        """
        saved, given = self._given(name, params)
        answer = self.run(with_values(saved.text, bind_values(saved, given)))
        if answer.form != "SELECT" or answer.rows:
            return []
        from hkit.present.explain import explain  # start-up: only for an empty answer

        return explain(saved, given, self.run)

    def run(
        self,
        text: str,
        *,
        max_rows: int | None = None,
        max_bytes: int | None = None,
        base: str | None = None,
        inferred: bool = True,
        checks: bool = False,
    ) -> Result:
        """Run SPARQL text as it is, on :attr:`engine` (no read-only check: see :meth:`sparql`
        for text from elsewhere; with ``checks``, the text is checked as :meth:`sparql` checks
        it, where the query runs: in a worker of the graph's pool, when it has one). When the
        embedded graph's on-disk store turns out damaged while it is read, the store is built
        again, with a warning, and the query run once more.
        An answer of more than ``max_rows`` rows or ``max_bytes`` bytes of terms is refused
        (:class:`hkit.core.errors.AnswerTooLarge`), on the embedded engine before it is all read.
        Relative IRIs in the text resolve against ``base``, an absolute IRI, when given (``hkit
        serve`` gives the endpoint's URL, as the SPARQL protocol has it): the embedded engine
        is told it; an endpoint is sent the text with a ``BASE`` line before it. With
        ``inferred=False`` the embedded engine reads the asserted triples alone (what the
        ontology entails is left out, as if the graph had been opened ``asserted``); an
        endpoint's store decides for itself."""

        def once() -> Result:
            engine = self.engine
            if isinstance(engine, EmbeddedEngine):
                if not inferred:
                    engine = engine.asserted()
                return engine.run(
                    text,
                    self.timeout,
                    max_rows=max_rows,
                    max_bytes=max_bytes,
                    base=base,
                    checks=checks,
                )
            query = self.checked(text) if checks else text
            result = engine.run(query if base is None else f"BASE <{base}>\n{query}", self.timeout)
            if max_rows is not None or max_bytes is not None:
                caps = (max_rows if max_rows is not None else -1, max_bytes)
                terms = [t for row in result.rows for t in row.values()]
                terms += [t for triple in result.triples for t in triple]
                size = sum(map(_term_size, terms)) if max_bytes is not None else 0
                _within(len(result.rows) or len(result.triples), size, caps)
            return result

        try:
            return once()
        except StoreDamaged as exc:
            if self.endpoint is not None or not self._discard_damaged(exc):
                raise
            return once()

    def _discard_damaged(self, exc: StoreDamaged) -> bool:
        """Discard the on-disk store that turned out damaged, so that the next query builds it
        again; False when the graph has none (it is read into memory)."""

        if not discard_store(graph_files(self.root, self.data), exc.message):
            return False
        self._engine = None
        return True

    def inputs(self) -> list[str]:
        """Every file and folder that the embedded graph and the saved queries are read from,
        for a cache of what is made from them: the graph's files and the folders they are in (a
        file added there, the attribution listing included, changes its folder), the data
        folder's tree, the saved queries and their folder, and the places the root is looked
        for without --root (present or not: a root may appear there)."""
        files = graph_files(self.root, self.data)
        found = [str(p) for p in files] + [str(p.parent) for p in files]
        for folder, folders, inside in os.walk(self.root / DATA_DIR):
            folders[:] = sorted(folders)
            found += [folder, *(os.path.join(folder, n) for n in sorted(inside))]
        queries = self.root / QUERIES_DIR
        found += [str(queries), *(str(p) for p in sorted(queries.iterdir()))]
        for place in (Path.cwd(), *packaged_places()):
            found += [str(place / ONTOLOGY), str(place / DATA_DIR)]
        return found

    def stream(self, text: str) -> tuple[list[str], Iterator[dict[str, Term]]] | None:
        """A SELECT query's variables and its rows as they are produced (the whole answer is
        never held in memory), on the embedded engine; None for an endpoint or another form."""

        engine = self.engine
        if not isinstance(engine, EmbeddedEngine) or query_form(text) != "SELECT":
            return None
        try:
            variables, rows = engine.stream(text, self.timeout)
        except StoreDamaged as exc:
            if not self._discard_damaged(exc):
                raise
            variables, rows = self.embedded.stream(text, self.timeout)

        def checked() -> Iterator[dict[str, Term]]:
            produced = False
            try:
                for row in rows:
                    produced = True
                    yield row
            except StoreDamaged as exc:
                if not self._discard_damaged(exc) or produced:
                    raise  # rows are out: too late to run again, the next run builds it anew
                yield from self.embedded.stream(text, self.timeout)[1]

        return variables, checked()

    def with_sources(self, result: Result) -> Result:
        """``result`` with a ``sources`` column naming every document that an entity in the row
        cites."""

        return with_sources(self.embedded, result, self.timeout)

    def with_source_names(self, result: Result) -> Result:
        """``result`` with each source document's file name shown as its title and date (on the
        embedded graph; an endpoint's answer is returned as it is)."""

        if not isinstance(self.engine, EmbeddedEngine):
            return result
        return with_source_names(
            result, source_names(self.embedded, self.timeout, _answer_texts(result))
        )

    def unmatched(self, name: str, /, **params: object) -> list[str]:
        """The texts of :meth:`explain`'s notes: why a saved query answered nothing.

        >>> KnowledgeGraph().unmatched("funds-by-size", currency="HKD")
        []
        """
        return [str(note) for note in self.explain(name, **params)]

    def checked(self, text: str) -> str:
        """Ad-hoc SPARQL text made ready to run: refused unless it is a read-only query (no
        update, SERVICE, LOAD or FROM), with hkit's prefixes declared where it uses them
        undeclared."""

        return ad_hoc(text)

    def sparql(self, text: str) -> Result:
        """Run an ad-hoc read-only SPARQL query (updates, SERVICE, LOAD and FROM are refused).

        >>> kg = KnowledgeGraph()
        >>> plans = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/hkit/ontology#Plan> }"
        >>> next(iter(kg.sparql(plans)))["n"]
        5
        """
        return self.run(self.checked(text))

    # -- exploring ------------

    def find(self, text_or_iri: str) -> list[tuple[str, str]]:
        """The entities whose label, alternative label or IRI matches, as (IRI, label) pairs."""

        # start-up: not on hkit query's path (benchmarks/)
        from hkit.present.explore import find_entities

        return find_entities(self.embedded, text_or_iri, self.timeout)

    def match(self, text_or_iri: str) -> list[tuple[str, str]]:
        """As :meth:`find`, but an error when nothing matches."""
        matches = self.find(text_or_iri)
        if not matches:
            raise HkitError(
                f"nothing in the graph is called '{text_or_iri}'",
                hint="try part of the name, or an IRI",
            )
        return matches

    def describe(self, text_or_iri: str) -> Description:
        """Everything about one entity: labels, types, relations, figures, sources. Raises
        :class:`hkit.core.errors.HkitError` when nothing matches, or when several do (naming them).

        >>> print(KnowledgeGraph().describe("id:hkust").render().splitlines()[0])
        Hong Kong University of Science and Technology  <https://w3id.org/hkit/id/hkust>
        """

        # start-up: not on hkit query's path (benchmarks/)
        from hkit.present.explore import describe

        matches = self.match(text_or_iri)
        if len(matches) > 1:
            names = "; ".join(f"{label} <{iri}>" for iri, label in matches[:10])
            raise HkitError(
                f"{len(matches)} entities match '{text_or_iri}': {names}",
                hint="describe one by IRI",
            )
        iri, label = matches[0]
        return describe(self.embedded, iri, label, self.timeout)

    def stats(self) -> Stats:
        """Triples, entities per class, and nodes per source document."""

        from hkit.present.explore import stats  # start-up: not on hkit query's path (benchmarks/)

        return stats(self.embedded, self.timeout)

    # -- checks and reports ------------

    def validate(
        self,
        shapes: str | Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ValidationReport:
        """The SHACL report of the graph (ontology, data and ``data`` files) against the shapes
        (default: ``ontology/shapes.ttl``).

        >>> KnowledgeGraph().validate().conforms
        True
        """
        from hkit.quality.slices import validate_files  # imports rdflib: not on the start-up path
        from hkit.store.rdf import load_rdflib  # start-up: not on hkit query's path (benchmarks/)

        shapes_path = Path(shapes) if shapes is not None else self.root / SHAPES
        if not shapes_path.is_file():
            raise HkitError(f"{shapes_path}: no such file", hint="check the shapes path")
        files = graph_files(self.root, self.data)
        shapes_graph = load_rdflib([shapes_path])
        if shapes is None:  # the shipped shapes
            return validate_files(files, shapes_graph, progress or _quiet)
        # Shapes from elsewhere may hold SPARQL that pyshacl assembles and runs in-process: each
        # text is checked as it is parsed, and the whole validation runs where the network
        # cannot be reached, so that even a text the checks missed reaches no host.

        report: ValidationReport = run_offline(
            lambda: validate_files(files, shapes_graph, progress or _quiet),
            "validation with your own shapes",
        )
        return report

    def reason(
        self, timeout: float | None = None, progress: Callable[[str], None] | None = None
    ) -> ReasonerReport:
        """The OWL 2 reasoner's verdict (HermiT, through owlready2; needs Java), bounded by
        ``timeout`` seconds (default: the graph's)."""
        from hkit.quality.reason import run_hermit  # imports rdflib: not on the start-up path
        from hkit.store.rdf import load_rdflib  # start-up: not on hkit query's path (benchmarks/)

        tell = progress or _quiet
        tell("reading the graph")
        graph = load_rdflib(graph_files(self.root, self.data))
        tell("HermiT is reasoning")
        return run_hermit(graph, timeout=timeout or self.timeout)

    @property
    def checks(self) -> list[Check]:
        """The violation checks (``queries/checks/*-violation.rq``) that the ``checks`` gate
        runs, each with its name and summary."""

        # start-up: not on hkit query's path (benchmarks/)
        from hkit.quality.checks import CHECKS_DIR, read_checks

        return read_checks(self.root / CHECKS_DIR)

    def check(
        self,
        skip: Iterable[str] = (),
        progress: Callable[[str], None] | None = None,
        sources: str | Path | None = None,
    ) -> GateReport:
        """Every quality gate (strict parse, SHACL, the reasoner, the violation checks, the claims
        ledger against the documents in ``sources``, the version against the latest release), as
        ``hkit check`` runs them; leave gates out with ``skip``.

        >>> report = KnowledgeGraph().check(skip=["reason"])
        >>> report.passed, [r.gate for r in report.results]
        (True, ['parse', 'shacl', 'reason', 'checks', 'ledger', 'attribution', 'version'])
        """

        # start-up: not on hkit query's path (benchmarks/)
        from hkit.quality.checks import GateReport, run_gates

        return GateReport(
            run_gates(
                self.root,
                self.data,
                skip=tuple(skip),
                query_timeout=self.timeout,
                reasoner_timeout=self.timeout,
                progress=progress,
                sources=None if sources is None else Path(sources),
            )
        )

    def ledger(self, sources: str | Path | None = None) -> LedgerReport:
        """The claims ledger (``data/claims.tsv``) against the source documents in ``sources``
        (default: ``HKIT_SOURCES``, else ``shared/sources`` beside the root) and the graph."""
        from hkit.quality.ledger import check_ledger, sources_folder  # start-up (benchmarks/)

        folder = sources_folder(self.root, sources)
        return check_ledger(self.root, graph_files(self.root, self.data), folder)

    def review(self) -> Review:
        """The ontology quality report (ROBOT report's checks, OOPS! pitfalls, alignment)."""
        from hkit.quality.review import review_root  # imports rdflib: not on the start-up path

        return review_root(self.root, self.data)

    def write_docs(self, folder: str | Path) -> list[Path]:
        """Write the ontology's HTML documentation into ``folder``; return the files written."""
        from hkit.present.docs import write_docs  # imports rdflib: not on the start-up path

        return write_docs(self.root, Path(folder), tuple(self.data))

    def export(self, format: str = "turtle", *, inferred: bool = False) -> bytes:
        """The ontology and the data for another triple store: ``turtle``, ``ntriples``,
        ``nquads``, ``trig``, ``jsonld`` or ``rdfxml``, deterministic and lossless. With
        ``inferred``, what the ontology entails as well (in TriG and N-Quads, in the graph
        ``https://w3id.org/hkit/inferred``)."""

        from hkit.present.export import export  # start-up: not on hkit query's path (benchmarks/)

        return export(self.root, format, self.data, inferred=inferred)

    def export_chunks(self, format: str = "turtle", *, inferred: bool = False) -> Iterator[bytes]:
        """:meth:`export`'s bytes in pieces, to write as they come (``b"".join`` of them is
        :meth:`export`): N-Triples and N-Quads a batch of statements at a time, so that the
        output's bytes are never held whole in memory; the other formats in one piece. The
        files are read, and any error in them or refusal of the format raised, before this
        returns."""

        from hkit.present.export import export_chunks

        return export_chunks(self.root, format, self.data, inferred=inferred)


def _quiet(step: str) -> None:
    """A progress callback that says nothing."""


#: Up to this many distinct texts in an answer, only those are looked up as source file names.
SOURCE_LOOKUP_LIMIT = 1000


def _answer_texts(result: Result) -> set[str] | None:
    """The texts an answer holds (a row's files joined by "; " count one by one), to look up as
    source file names; None once they pass SOURCE_LOOKUP_LIMIT (then every source is read, and
    the rest of a large answer is not gone through for nothing)."""
    texts: set[str] = set()
    for row in result.rows:
        for term in row.values():
            if term.kind == "literal":
                texts.update(term.value.split("; "))
        if len(texts) > SOURCE_LOOKUP_LIMIT:
            return None
    return texts
