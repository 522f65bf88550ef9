"""OWL reasoning with HermiT: the ontology is consistent and every class satisfiable, and the
reasoner step catches what it must and fails cleanly when it cannot run."""

from __future__ import annotations

import json

import pytest
import rdflib
from helpers import SHAPE_FIXTURES
from rdflib.namespace import XSD

from hkit import ReasonerError
from hkit.quality.reason import prepare_for_owl, run_hermit
from hkit.store.files import HKIT, HKIT_ID
from hkit.store.rdf import load_rdflib

pytestmark = pytest.mark.reasoner


def test_ontology_is_consistent_and_every_class_satisfiable(ontology_graph):
    report = run_hermit(ontology_graph)
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.ok
    # the header's xsd:date annotations are set aside, and said so
    assert {s.predicate.rsplit("/", 1)[-1] for s in report.set_aside} == {"created", "modified"}


@pytest.mark.slow
def test_ontology_with_every_passing_shape_fixture_is_consistent(ontology_graph):
    graph = load_rdflib(
        [*sorted(SHAPE_FIXTURES.glob("*.pass.ttl")), SHAPE_FIXTURES / "_context.ttl"]
    )
    report = run_hermit(graph + ontology_graph)
    assert report.ok, report
    assert any(s.datatype == str(XSD.date) for s in report.set_aside)


@pytest.mark.slow  # inconsistency through the CLI: test_reason_exits_1_and_names_the_problem
def test_an_individual_in_two_disjoint_classes_is_inconsistent(ontology_graph):
    graph = ontology_graph + rdflib.Graph()
    x = HKIT_ID["both-person-and-event"]
    graph.add((x, rdflib.RDF.type, HKIT.Person))
    graph.add((x, rdflib.RDF.type, HKIT.Summit))
    report = run_hermit(graph)
    assert not report.consistent
    assert not report.ok


@pytest.mark.slow
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


# -- hkit reason ------------


def _invoke(*args: str, env: dict[str, str] | None = None):
    from click.testing import CliRunner
    from helpers import ROOT

    from hkit.cli.group import main

    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False, env=env)


def test_reason_on_the_shipped_graph_says_what_it_set_aside():
    result = _invoke("reason")
    assert result.exit_code == 0, result.output
    assert "consistent:   yes" in result.output
    assert "unsatisfiable classes: none" in result.output
    assert "inferred class memberships not asserted: 0" in result.output
    assert "xsd:date values of hkit:asOf" in result.output
    assert "xsd:gYear values of hkit:asOf" in result.output


@pytest.mark.slow
def test_reason_lists_new_memberships_and_subclass_axioms():
    from helpers import GATE_FIXTURES, expected_messages

    fixture = GATE_FIXTURES / "inferences.ttl"
    result = _invoke("--data", str(fixture), "reason")
    assert result.exit_code == 0, result.output
    for text in expected_messages(fixture):
        assert text in result.output
    report = json.loads(_invoke("--data", str(fixture), "reason", "--format", "json").output)
    assert {
        "class": "https://w3id.org/hkit/ontology#FixtureHeldThing",
        "superclass": "https://w3id.org/hkit/ontology#Appointment",
    } in report["inferredSubclasses"]
    # asserted memberships (every appointment is an hkit:Appointment) are not "new"
    assert all(m["class"].endswith("FixtureHeldThing") for m in report["inferredMemberships"])


@pytest.mark.parametrize(
    "fixture", ["inconsistent.ttl", pytest.param("unsatisfiable.ttl", marks=pytest.mark.slow)]
)
def test_reason_exits_1_and_names_the_problem(fixture):
    from helpers import GATE_FIXTURES, expected_messages

    path = GATE_FIXTURES / fixture
    result = _invoke("--data", str(path), "reason", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    text = _invoke("--data", str(path), "reason").output
    if fixture == "inconsistent.ttl":
        assert report["consistent"] is False
        assert "the graph is inconsistent" in text
        assert expected_messages(path)[0] in text
    else:
        assert report["consistent"] is True
        assert report["unsatisfiableClasses"] == [
            "https://w3id.org/hkit/ontology#FixturePersonPlace"
        ]
        assert "unsatisfiable classes: hkit:FixturePersonPlace" in text


def test_reason_without_java_or_time_exits_2_with_one_line():
    no_java = _invoke("reason", env={"HKIT_JAVA": "no-such-java-binary"})
    assert no_java.exit_code == 2
    assert no_java.output.splitlines()[0] == (
        "hkit: error: the reasoner needs Java, and there is no 'java' on PATH"
    )
    late = _invoke("reason", "--timeout", "0.01")
    assert late.exit_code == 2
    assert "did not finish within 0.01 seconds" in late.output
    assert "Traceback" not in late.output
    bounded = _invoke("--timeout", "0.01", "reason")
    assert bounded.exit_code == 2 and "did not finish" in bounded.output


def test_disjoint_clashes_explain_through_domains_and_ranges(ontology_graph):
    from hkit.quality.reason import disjoint_clashes

    graph = ontology_graph + rdflib.Graph()
    graph.add((HKIT_ID.a, HKIT.holder, HKIT_ID.b))
    graph.add((HKIT_ID.b, rdflib.RDF.type, HKIT.Organisation))
    (clash,) = disjoint_clashes(graph)
    assert clash.startswith("id:b is in both hkit:Organisation and hkit:Person, which are disjoint")
    assert "stated to be a hkit:Organisation" in clash
    assert "the value of hkit:holder, whose range is hkit:Person" in clash
