"""OWL reasoning with HermiT: the ontology is consistent and every class satisfiable, and the
reasoner step catches what it must and fails cleanly when it cannot run."""

from __future__ import annotations

import pytest
import rdflib
from helpers import SHAPE_FIXTURES
from rdflib.namespace import XSD

from hkit.errors import ReasonerError
from hkit.graph import HKIT, HKIT_ID, load_rdflib
from hkit.reason import prepare_for_owl, run_hermit

pytestmark = pytest.mark.reasoner


def test_ontology_is_consistent_and_every_class_satisfiable(ontology_graph):
    report = run_hermit(ontology_graph)
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.ok
    # the header's xsd:date annotations are set aside, and said so
    assert {s.predicate.rsplit("/", 1)[-1] for s in report.set_aside} == {"created", "modified"}


def test_ontology_with_every_passing_shape_fixture_is_consistent(ontology_graph):
    graph = load_rdflib(
        [*sorted(SHAPE_FIXTURES.glob("*.pass.ttl")), SHAPE_FIXTURES / "_context.ttl"]
    )
    report = run_hermit(graph + ontology_graph)
    assert report.ok, report
    assert any(s.datatype == str(XSD.date) for s in report.set_aside)


def test_an_individual_in_two_disjoint_classes_is_inconsistent(ontology_graph):
    graph = ontology_graph + rdflib.Graph()
    x = HKIT_ID["both-person-and-event"]
    graph.add((x, rdflib.RDF.type, HKIT.Person))
    graph.add((x, rdflib.RDF.type, HKIT.Summit))
    report = run_hermit(graph)
    assert not report.consistent
    assert not report.ok


def test_a_class_under_two_disjoint_classes_is_unsatisfiable(ontology_graph):
    graph = ontology_graph + rdflib.Graph()
    broken = HKIT.PersonThatIsAnOrganisation
    graph.add((broken, rdflib.RDF.type, rdflib.OWL.Class))
    graph.add((broken, rdflib.RDFS.subClassOf, HKIT.Person))
    graph.add((broken, rdflib.RDFS.subClassOf, HKIT.Organisation))
    report = run_hermit(graph)
    assert report.consistent
    assert report.unsatisfiable == [str(broken)]


def test_prepare_for_owl_sets_aside_only_what_hermit_cannot_read():
    g = rdflib.Graph()
    s = HKIT_ID.x
    kept = [
        rdflib.Literal("4694", datatype=XSD.decimal),
        rdflib.Literal("Hong Kong", lang="en"),
        rdflib.Literal("plain"),
        rdflib.Literal("2023-12-06T00:00:00", datatype=XSD.dateTime),
    ]
    dropped = [
        rdflib.Literal("2023-12-06", datatype=XSD.date),
        rdflib.Literal("2022-12", datatype=XSD.gYearMonth),
        rdflib.Literal("2024", datatype=XSD.gYear),
    ]
    for i, lit in enumerate(kept + dropped):
        g.add((s, HKIT[f"p{i}"], lit))
    prepared, set_aside = prepare_for_owl(g)
    assert len(prepared) == len(kept)
    assert sorted(a.value for a in set_aside) == sorted(str(d) for d in dropped)
    assert {a.datatype for a in set_aside} == {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)}


def test_timeout_is_a_clear_reasoner_error(ontology_graph):
    with pytest.raises(ReasonerError, match="did not finish within"):
        run_hermit(ontology_graph, timeout=0.01)


def test_missing_java_is_a_clear_reasoner_error(ontology_graph, monkeypatch):
    monkeypatch.setenv("HKIT_JAVA", "no-such-java-binary")
    with pytest.raises(ReasonerError, match="needs Java") as info:
        run_hermit(ontology_graph)
    assert info.value.hint and "apt-get install" in info.value.hint
