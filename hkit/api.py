"""hkit as a Python library: one object for the graph, its saved queries and its checks.

Open the graph (the checkout in the current directory, ``root``, or the copy inside the
installed package), then ask it questions:

>>> import hkit
>>> kg = hkit.open()
>>> answer = kg.query("funds-by-size", currency="HKD")
>>> answer.variables[:5]
['initiative', 'label', 'qualifier', 'value', 'currency']
>>> first = next(iter(answer))
>>> print(first["initiative"], first["value"], first["currency"])
id:it-industry-oriented-fund 10000000000 HKD

Every answer renders to the command line's formats, and to a ``pandas.DataFrame`` with the
``pandas`` extra (``answer.to_pandas()``). The reports (``validate``, ``reason``, ``check``,
``review``) hold their findings as data and render as the commands print them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hkit.errors import HkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

    from hkit.catalog import SavedQuery
    from hkit.checks import GateReport
    from hkit.engines import EmbeddedEngine, EndpointEngine, Result
    from hkit.explore import Description, Stats
    from hkit.reason import ReasonerReport
    from hkit.review import Review
    from hkit.validate import ValidationReport

#: Seconds a query may run unless told otherwise (the command line's ``--timeout``).
DEFAULT_TIMEOUT = 30.0


def open(
    root: str | Path | None = None,
    data: Iterable[str | Path] = (),
    endpoint: str | None = None,
    default_graphs: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> KnowledgeGraph:
    """The hkit graph, ready to query.

    ``root`` is a folder with ``ontology/``, ``data/`` and ``queries/`` (default: the checkout in
    the current directory, else the copy inside the installed package); ``data`` adds your own
    Turtle, N-Triples, RDF/XML or JSON-LD files; ``endpoint`` runs the queries on a SPARQL 1.1
    endpoint instead of the embedded store (with ``default_graphs``); ``timeout`` bounds each
    query, in seconds.

    >>> kg = open()
    >>> len(kg.queries) >= 25
    True
    """
    return KnowledgeGraph(root, data, endpoint, default_graphs, timeout)


class KnowledgeGraph:
    """The graph: its saved queries, ad-hoc SPARQL, descriptions, statistics, checks and exports.

    The embedded store is loaded on first use and kept; the files are read-only to hkit.
    """

    def __init__(
        self,
        root: str | Path | None = None,
        data: Iterable[str | Path] = (),
        endpoint: str | None = None,
        default_graphs: Iterable[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        from hkit.graph import find_root

        self.root: Path = find_root(None if root is None else str(root))
        self.data: list[Path] = [Path(d) for d in data]
        self.endpoint = endpoint
        self.default_graphs = tuple(default_graphs)
        self.timeout = timeout
        if endpoint is not None and self.data:
            raise HkitError(
                "data files are added to the embedded graph; they cannot be used with an endpoint",
                hint="load your files into the endpoint's store instead",
            )
        if self.default_graphs and endpoint is None:
            raise HkitError("default graphs need an endpoint", hint="give endpoint=URL")
        self._engine: EmbeddedEngine | None = None
        self._queries: dict[str, SavedQuery] | None = None

    def __repr__(self) -> str:
        where = self.endpoint or str(self.root)
        return f"<hkit.KnowledgeGraph {where}>"

    # -- the engines ------------

    @property
    def embedded(self) -> EmbeddedEngine:
        """The embedded pyoxigraph engine over the root's files and ``data`` (loaded once)."""
        if self._engine is None:
            from hkit.engines import EmbeddedEngine
            from hkit.graph import graph_files, open_store

            self._engine = EmbeddedEngine(open_store(graph_files(self.root, self.data)))
        return self._engine

    @property
    def engine(self) -> EmbeddedEngine | EndpointEngine:
        """Where queries run: the endpoint when one was given, else the embedded engine."""
        if self.endpoint is not None:
            from hkit.engines import EndpointEngine

            return EndpointEngine(self.endpoint, self.default_graphs)
        return self.embedded

    @property
    def store(self) -> pyoxigraph.Store:
        """The underlying ``pyoxigraph.Store`` (read it; hkit never writes to it)."""
        return self.embedded.store

    def rdflib_graph(self) -> rdflib.Graph:
        """The ontology, the data and any ``data`` files as an ``rdflib.Graph`` (a new copy)."""
        from hkit.graph import graph_files, load_rdflib_strict

        return load_rdflib_strict(graph_files(self.root, self.data))

    # -- queries ------------

    @property
    def queries(self) -> dict[str, SavedQuery]:
        """The saved queries by name (each with its summary, description, tags, parameters and
        examples).

        >>> kg = open()
        >>> kg.queries["funds-by-size"].summary
        'Funds and initiatives by the money they hold, largest first'
        """
        if self._queries is None:
            from hkit.catalog import catalog
            from hkit.graph import QUERIES_DIR

            self._queries = catalog(self.root / QUERIES_DIR)
        return self._queries

    def query(self, name: str, /, **params: str | Iterable[str]) -> Result:
        """Run a saved query. Parameters are given by name, as text (as on the command line) or
        as a list of texts to bind several values; they are typed and checked, and bound as RDF
        terms, never pasted into the query.

        >>> kg = open()
        >>> for row in kg.query("start-ups-and-unicorns"):
        ...     if row["measure"] == "unicorns":
        ...         print(row["qualifier"], row["value"], row["when"], row["source"][:3])
        nearly 20 2023-12-06 000
        """
        from hkit.catalog import bind_values, find, with_values
        from hkit.explore import resolve_names

        saved = find(self.queries, name)
        given = {
            key: [value] if isinstance(value, str) else list(value) for key, value in params.items()
        }
        given = resolve_names(saved, given, self.engine, self.timeout)
        text = with_values(saved.text, bind_values(saved, given))
        return self.engine.run(text, self.timeout)

    def sparql(self, text: str) -> Result:
        """Run an ad-hoc read-only SPARQL query (updates, SERVICE, LOAD and FROM are refused).

        >>> kg = open()
        >>> plans = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/hkit/ontology#Plan> }"
        >>> next(iter(kg.sparql(plans)))["n"]
        5
        """
        from hkit.sparql import check_prefixes, check_query, with_prefixes

        check_query(text)
        text = with_prefixes(text)
        check_prefixes(text)
        return self.engine.run(text, self.timeout)

    # -- exploring ------------

    def find(self, text_or_iri: str) -> list[tuple[str, str]]:
        """The entities whose label, alternative label or IRI matches, as (IRI, label) pairs."""
        from hkit.explore import find_entities

        return find_entities(self.embedded, text_or_iri, self.timeout)

    def describe(self, text_or_iri: str) -> Description:
        """Everything about one entity: labels, types, relations, figures, sources. Raises
        :class:`hkit.errors.HkitError` when nothing matches, or when several do (naming them).

        >>> print(open().describe("id:hkust").render().splitlines()[0])
        Hong Kong University of Science and Technology  <https://w3id.org/hkit/id/hkust>
        """
        from hkit.explore import describe

        matches = self.find(text_or_iri)
        if not matches:
            raise HkitError(
                f"nothing in the graph is called '{text_or_iri}'",
                hint="try part of the name, or an IRI",
            )
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
        from hkit.explore import stats

        return stats(self.embedded, self.timeout)

    # -- checks and reports ------------

    def validate(self, shapes: str | Path | None = None) -> ValidationReport:
        """The SHACL report of the graph (ontology, data and ``data`` files) against the shapes
        (default: ``ontology/shapes.ttl``).

        >>> open().validate().conforms
        True
        """
        from hkit.graph import SHAPES, graph_files, load_rdflib, load_rdflib_strict
        from hkit.validate import validate

        shapes_path = Path(shapes) if shapes is not None else self.root / SHAPES
        if not shapes_path.is_file():
            raise HkitError(f"{shapes_path}: no such file", hint="check the shapes path")
        files = graph_files(self.root, self.data)
        return validate(load_rdflib_strict(files), load_rdflib([shapes_path]))

    def reason(self, timeout: float | None = None) -> ReasonerReport:
        """The OWL 2 reasoner's verdict (HermiT, through owlready2; needs Java)."""
        from hkit.graph import graph_files, load_rdflib
        from hkit.reason import run_hermit

        graph = load_rdflib(graph_files(self.root, self.data))
        return run_hermit(graph, timeout=timeout or self.timeout)

    def check(self, skip: Iterable[str] = ()) -> GateReport:
        """Every quality gate (strict parse, SHACL, the reasoner, the violation checks), as
        ``hkit check`` runs them; leave gates out with ``skip``.

        >>> report = open().check(skip=["reason"])
        >>> report.passed, [r.gate for r in report.results]
        (True, ['parse', 'shacl', 'reason', 'checks'])
        """
        from hkit.checks import GateReport, run_gates

        return GateReport(
            run_gates(
                self.root,
                self.data,
                skip=tuple(skip),
                query_timeout=self.timeout,
                reasoner_timeout=self.timeout,
            )
        )

    def review(self) -> Review:
        """The ontology quality report (ROBOT report's checks, OOPS! pitfalls, alignment)."""
        from hkit.review import review_root

        return review_root(self.root, self.data)

    def export(self, format: str = "turtle") -> bytes:
        """The ontology and the data for another triple store: ``turtle``, ``ntriples``,
        ``nquads``, ``trig``, ``jsonld`` or ``rdfxml``, deterministic and lossless."""
        from hkit.export import export

        return export(self.root, format, self.data)
