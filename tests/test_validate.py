"""``hkit validate``: SHACL over the ontology, the data and --data files, reported grouped by
shape and node with labels, values and messages, in text, JSON and Turtle."""

from __future__ import annotations

import json

import rdflib
from click.testing import CliRunner
from helpers import GATE_FIXTURES, ROOT, expected_messages
from rdflib.namespace import SH

from hkit.cli import main

BROKEN = GATE_FIXTURES / "shacl-violation.ttl"


def invoke(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False)


def test_the_shipped_graph_conforms():
    result = invoke("validate")
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_violations_are_grouped_by_shape_and_node_with_labels_values_and_messages():
    result = invoke("--data", str(BROKEN), "validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("SHACL: 1 result(s) (Violation) on 1 node(s), from 1 shape(s)")
    shape = lines.index("initiative  [hkit:InitiativeShape]")
    assert lines[shape + 1] == "  Fixture fund  <id:fixture-fund>"
    assert lines[shape + 2] == (
        "    Violation: hkit:fundingAmount = Hong Kong University of Science and Technology "
        "<id:hkust>: " + expected_messages(BROKEN)[0]
    )


def test_json_report():
    result = invoke("--data", str(BROKEN), "validate", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False and report["violations"] == 1
    (finding,) = report["results"]
    assert finding["focus"] == "https://w3id.org/hkit/id/fixture-fund"
    assert finding["focusLabel"] == "Fixture fund"
    assert finding["value"] == "https://w3id.org/hkit/id/hkust"
    assert finding["valueKind"] == "uri"
    assert finding["nodeShapes"] == ["https://w3id.org/hkit/ontology#InitiativeShape"]
    assert finding["component"] == "ClassConstraintComponent"


def test_turtle_report_is_a_shacl_validation_report(tmp_path):
    out = tmp_path / "report.ttl"
    result = invoke("--data", str(BROKEN), "validate", "--format", "ttl", "-o", str(out))
    assert result.exit_code == 1
    graph = rdflib.Graph().parse(out, format="turtle")
    (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    assert len(list(graph.objects(report, SH.result))) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.ttl"]


def test_a_literal_value_is_shown_quoted(tmp_path):
    bad = tmp_path / "bad-date.ttl"
    bad.write_text(
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "@prefix id: <https://w3id.org/hkit/id/> .\n"
        'id:hkust hkit:foundingDate "long ago" .\n',
        encoding="utf-8",
    )
    result = invoke("--data", str(bad), "validate")
    assert result.exit_code == 1
    assert (
        "Hong Kong University of Science and Technology  <id:hkust>\n"
        '    Violation: hkit:foundingDate = "long ago"' in result.output
    )


def test_other_shapes_can_be_given(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        'ex:NoPartners a sh:NodeShape ; sh:targetClass hkit:University ; sh:name "lonely" ;\n'
        '  sh:property [ sh:path hkit:partnerOf ; sh:maxCount 0 ; sh:message "no partners" ] .\n',
        encoding="utf-8",
    )
    result = invoke("validate", "--shapes", str(shapes))
    assert result.exit_code == 1
    assert "lonely  [https://example.org/NoPartners]" in result.output
    assert "no partners" in result.output


def test_a_malformed_shapes_graph_is_a_clear_error(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:path <https://example.org/p> .\n",
        encoding="utf-8",
    )
    result = invoke("validate", "--shapes", str(shapes))
    assert result.exit_code == 2
    assert result.output.startswith("hkit: error: the shapes cannot be used:")
    assert "Traceback" not in result.output


def test_what_cannot_run_exits_2_with_one_line(tmp_path):
    missing = invoke("--data", str(tmp_path / "nope.ttl"), "validate")
    assert missing.exit_code == 2
    assert missing.output.startswith("hkit: error:") and "Traceback" not in missing.output
    no_shapes = invoke("validate", "--shapes", str(tmp_path / "nope.ttl"))
    assert no_shapes.exit_code == 2 and "no such file" in no_shapes.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    malformed = invoke("--data", str(broken), "validate")
    assert malformed.exit_code == 2
    assert "Parser error at line 1" in malformed.output


def test_a_sparql_constraint_that_reaches_outside_is_refused(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass hkit:University ;\n"
        '  sh:sparql [ sh:message "remote" ; sh:select """SELECT $this WHERE {\n'
        '    SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }""" ] .\n',
        encoding="utf-8",
    )
    result = invoke("validate", "--shapes", str(shapes))
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "hkit: error: a SPARQL constraint in the shapes uses SERVICE, which hkit does not allow"
    )
