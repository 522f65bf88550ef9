"""Every saved query gives the same rows under every regime of reasoning: on the asserted graph
alone, on hkit's closure, and on graphs that two other engines have reasoned over (owlrl's
OWL 2 RL closure, and `reasonable`, a Rust OWL 2 RL reasoner), as a store that reasons
(GraphDB's RDFS-Plus, Stardog, RDFox) would hold them. So the three ways cannot be two copies of
one, and a query written for a store without reasoning cannot return duplicates, extra kinds or
distant places on a store that reasons (HAZARDS, the trap numbered 34 in test_hazards)."""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, owlrl_closure_of_the_shipped_graph
from test_queries import typed_rows

import hkit
from hkit.store.attribution import add_graphs
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import graph_files
from hkit.store.stores import load_store

pyoxigraph = pytest.importorskip("pyoxigraph")

KG = hkit.open(root=ROOT, timeout=60)


def cases() -> list[tuple[str, dict[str, list[str]]]]:
    """Each saved query with each example, with no parameters when none is required, and with
    each value of every parameter's allowed list."""
    found = []
    for name, query in sorted(KG.queries.items()):
        given = list(query.examples)
        if not any(p.required for p in query.params):
            given.append({})
        given += [{p.name: [v]} for p in query.params for v in p.allowed]
        unique = []
        for values in given:
            if values not in unique:
                unique.append(values)
        found += [(name, values) for values in unique]
    return found


def rdf_only(triples) -> str:
    """N-Triples of ``triples``, leaving out those that RDF does not allow: a reasoner's closure
    may hold a literal as a subject (generalised RDF), which any N-Triples parser refuses."""
    import rdflib

    lines = [
        f"{s.n3()} {p.n3()} {o.n3()} ."
        for s, p, o in triples
        if not isinstance(s, rdflib.Literal) and isinstance(p, rdflib.URIRef)
    ]
    return "\n".join(lines) + "\n"


def engine_with_documents(store) -> EmbeddedEngine:
    add_graphs(store, graph_files(ROOT))  # each document's graph, as hkit's store has them
    return EmbeddedEngine(store, inferred=False)


def engine_over(ntriples: str) -> EmbeddedEngine:
    store = pyoxigraph.Store()
    store.load(ntriples.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    add_graphs(store, graph_files(ROOT))  # each document's graph, as hkit's store has them
    return EmbeddedEngine(store, inferred=False)


def owlrl_closure():
    """The shipped graph with owlrl's OWL 2 RL closure, as rdflib triples."""
    return owlrl_closure_of_the_shipped_graph()[0]


@pytest.fixture(scope="module")
def regimes() -> dict[str, EmbeddedEngine]:
    reasonable = pytest.importorskip("reasonable")
    reasoner = reasonable.PyReasoner()
    for path in graph_files(ROOT):
        reasoner.load_file(str(path))
    return {
        "asserted": engine_with_documents(load_store(graph_files(ROOT))),
        "hkit's closure": KG.embedded,
        "owlrl OWL 2 RL": engine_over(rdf_only(owlrl_closure())),
        "reasonable OWL 2 RL": engine_over(rdf_only(reasoner.reason())),
    }


@pytest.mark.parametrize(("name", "values"), cases(), ids=lambda v: str(v))
def test_a_saved_query_answers_the_same_under_every_regime(regimes, name, values):
    text = KG.prepare(name, **values)
    answers = {
        regime: typed_rows(json.loads(engine.run(text, 60).render("json")))
        for regime, engine in regimes.items()
    }
    asserted = answers.pop("asserted")
    for regime, rows in answers.items():
        assert rows == asserted, f"{name} {values}: {len(rows)} rows on {regime}, {len(asserted)}"


@pytest.mark.slow
def test_the_same_rows_with_generated_data_that_links_both_ways(tmp_path):
    """On the shipped graph with generated data (which links some things in the other direction
    of an inverse pair, hkit:inCluster rather than hkit:hasCentre), the asserted graph and the
    closure still give every saved query the same rows."""
    from test_scale import generated

    data = tmp_path / "generated.nt"
    data.write_text(generated(20000), encoding="utf-8")
    asserted = hkit.open(root=ROOT, data=[data], asserted=True, timeout=120)
    closed = hkit.open(root=ROOT, data=[data], timeout=120)
    differ = []
    for name, values in cases():
        text = asserted.prepare(name, **values)
        rows = [
            typed_rows(json.loads(kg.embedded.run(text, 120).render("json")))
            for kg in (asserted, closed)
        ]
        if rows[0] != rows[1]:
            differ.append(f"{name} {values}: {len(rows[0])} rows asserted, {len(rows[1])}")
    assert not differ


def test_the_regimes_differ_where_the_ontology_entails_something(regimes):
    """The regimes are not copies of one another: an ad-hoc query that asks for what only the
    ontology entails answers differently on the asserted graph and on each closure."""
    text = (
        "PREFIX hkit: <https://w3id.org/hkit/ontology#> "
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a hkit:Organisation }"
    )
    counts = {r: int(e.run(text, 60).rows[0]["n"].value) for r, e in regimes.items()}
    assert counts == {
        "asserted": 6,
        "hkit's closure": 51,
        "owlrl OWL 2 RL": 51,
        "reasonable OWL 2 RL": 51,
    }


def test_a_reasoners_closure_holds_generalised_rdf_that_parsers_refuse():
    """owlrl's closure has triples with a literal subject: written as they are, N-Triples
    parsers refuse the file; rdf_only leaves them out (HAZARDS, the trap numbered 34)."""
    import rdflib

    closure = owlrl_closure()
    literal_subjects = [t for t in closure if isinstance(t[0], rdflib.Literal)]
    assert literal_subjects
    s, p, o = literal_subjects[0]
    with pytest.raises(SyntaxError):
        pyoxigraph.Store().load(
            f"{s.n3()} {p.n3()} {o.n3()} .\n".encode(), format=pyoxigraph.RdfFormat.N_TRIPLES
        )
    engine_over(rdf_only(closure))  # loads


TOY = """
@prefix hkit: <https://w3id.org/hkit/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
<https://w3id.org/hkit/ontology> a owl:Ontology .
hkit:ToyC a owl:Class ; rdfs:label "toy c" ; rdfs:isDefinedBy <https://w3id.org/hkit/ontology> .
hkit:ToyA a owl:Class ; rdfs:label "toy a" ; rdfs:isDefinedBy <https://w3id.org/hkit/ontology> ;
    rdfs:subClassOf hkit:ToyC ; owl:equivalentClass hkit:ToyB .
hkit:ToyB a owl:Class ; rdfs:label "toy b" ; rdfs:isDefinedBy <https://w3id.org/hkit/ontology> .
hkit:ToyD a owl:Class ; rdfs:label "toy d" ; rdfs:isDefinedBy <https://w3id.org/hkit/ontology> ;
    rdfs:subClassOf hkit:ToyA .
hkit:ToyE a owl:Class ; rdfs:label "toy e" ; rdfs:isDefinedBy <https://w3id.org/hkit/ontology> ;
    owl:equivalentClass ex:Outside .
ex:doc hkit:fileName "toy.txt" ; rdfs:label "a toy document" .
ex:n1 a hkit:ToyA ; prov:wasDerivedFrom ex:doc .
ex:n2 a hkit:ToyD ; prov:wasDerivedFrom ex:doc .
ex:n3 a hkit:ToyC ; prov:wasDerivedFrom ex:doc .
ex:n4 a hkit:ToyD , hkit:ToyE ; prov:wasDerivedFrom ex:doc .
ex:n5 a ex:Outside ; prov:wasDerivedFrom ex:doc .
"""


@pytest.mark.parametrize("reasoner", ["hkit", "owlrl"])
def test_document_contributions_counts_most_specific_classes_under_equivalences(reasoner):
    """Equivalent classes are equally specific, neither narrower than the other: a node typed by
    one of them counts under both and under no broader class, however many classes lie
    between, on hkit's closure and on owlrl's (the shipped ontology states no equivalence
    between classes; an ontology that does must not lose or double-count its nodes)."""
    if reasoner == "hkit":
        from hkit.store.closure import INFERRED, materialise

        store = pyoxigraph.Store()
        store.load(TOY.encode(), format=pyoxigraph.RdfFormat.TURTLE)
        materialise(store)
        dataset = {"default_graph": [pyoxigraph.DefaultGraph(), pyoxigraph.NamedNode(INFERRED)]}
    else:
        import owlrl
        import rdflib

        graph = rdflib.Graph().parse(data=TOY, format="turtle")
        owlrl.DeductiveClosure(
            owlrl.OWLRL_Semantics, axiomatic_triples=False, improved_datatypes=False
        ).expand(graph)
        store = pyoxigraph.Store()
        store.load(rdf_only(graph).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
        dataset = {}
    text = KG.prepare("document-contributions")
    rows = {(r["kind"].value, int(r["nodes"].value)) for r in store.query(text, **dataset)}
    # n1 (ToyA = ToyB), n2 and n4 (ToyD, under both), n3 (ToyC), n4 and n5 (ToyE = ex:Outside)
    assert rows == {("toy a", 1), ("toy b", 1), ("toy d", 2), ("toy c", 1), ("toy e", 2)}
