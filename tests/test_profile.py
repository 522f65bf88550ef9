"""The OWL 2 DL restriction on non-simple properties: named by axiom in ``hkit review`` and in
``hkit reason``, which refuses such an ontology in one line before HermiT's command line reports
it as a Java stack line."""

from __future__ import annotations

import shutil

import pytest
import rdflib
from click.testing import CliRunner
from helpers import ROOT

from hkit import ReasonerError
from hkit.cli.group import main
from hkit.quality.profile import dl_violation_messages, non_simple
from hkit.quality.reason import _run_worker, prepare_for_owl, run_hermit

PREFIXES = (
    "@prefix hkit: <https://w3id.org/hkit/ontology#> . "
    "@prefix owl: <http://www.w3.org/2002/07/owl#> . "
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
)
LOCATED_IN = (
    "hkit:locatedIn a owl:ObjectProperty, owl:FunctionalProperty, owl:TransitiveProperty . "
    "hkit:a hkit:locatedIn hkit:b . "
)


def graph(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + text, format="turtle")


def test_a_functional_transitive_property_is_named_by_its_axiom():
    assert dl_violation_messages(graph(LOCATED_IN)) == [
        "FunctionalObjectProperty(hkit:locatedIn) on a non-simple property "
        "(hkit:locatedIn is transitive)"
    ]


def test_non_simple_reaches_super_properties_and_inverses_and_not_sub_properties():
    g = graph(
        "hkit:chain owl:propertyChainAxiom ( hkit:p hkit:q ) . "
        "hkit:chain rdfs:subPropertyOf hkit:above . "
        "hkit:below rdfs:subPropertyOf hkit:chain . "
        "hkit:back owl:inverseOf hkit:above . "
        "hkit:back a owl:AsymmetricProperty . "
        "hkit:C rdfs:subClassOf [ a owl:Restriction ; owl:onProperty hkit:above ; "
        "  owl:maxCardinality 1 ] . "
        "hkit:ok a owl:FunctionalProperty . "
    )
    assert set(non_simple(g)) == {
        rdflib.URIRef("https://w3id.org/hkit/ontology#" + n) for n in ("chain", "above", "back")
    }
    messages = dl_violation_messages(g)
    assert messages == [
        "AsymmetricObjectProperty(hkit:back) on a non-simple property "
        "(hkit:chain has a property chain)",
        "ObjectMaxCardinality(1 hkit:above) on a non-simple property "
        "(hkit:chain has a property chain)",
    ]


def test_the_shipped_ontology_is_inside_the_restriction(ontology_graph):
    assert dl_violation_messages(ontology_graph) == []


def test_reason_names_the_violation_in_one_line_without_starting_hermit(tmp_path):
    with pytest.raises(ReasonerError, match=r"FunctionalObjectProperty\(hkit:locatedIn\)"):
        run_hermit(graph(LOCATED_IN))
    extra = tmp_path / "located.ttl"
    extra.write_text(PREFIXES + LOCATED_IN, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--root", str(ROOT), "--data", str(extra), "reason"], catch_exceptions=False
    )
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first == (
        "hkit: error: the ontology is not in OWL 2 DL, so HermiT cannot reason over it: "
        "FunctionalObjectProperty(hkit:locatedIn) on a non-simple property "
        "(hkit:locatedIn is transitive)"
    )
    assert "CommandLine.java" not in result.output and "Traceback" not in result.output


@pytest.mark.reasoner
@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java")
def test_hermit_itself_reports_the_violation_only_as_a_stack_line():
    """The trap the check guards against: without it, the reasoner's failure names no axiom."""
    prepared, _ = prepare_for_owl(graph(LOCATED_IN))
    with pytest.raises(ReasonerError) as failed:
        _run_worker(prepared, 120)
    assert "CommandLine.java" in str(failed.value) and "locatedIn" not in str(failed.value)
