"""``hkit validate``: SHACL over the ontology, the data and --data files, reported grouped by
shape and node with labels, values and messages, in text, JSON and Turtle."""

from __future__ import annotations

import json

import pytest
import rdflib
from click.testing import CliRunner
from helpers import GATE_FIXTURES, ROOT, SHAPE_FIXTURES, expected_messages, report_results
from rdflib.namespace import SH, XSD

from hkit.cli.group import main
from hkit.quality.shacl import flatten
from hkit.quality.validate import validate
from hkit.store.files import HKIT
from hkit.store.rdf import load_rdflib

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


@pytest.mark.parametrize(
    ("lexical", "datatype", "language"),
    [
        ("none", XSD.boolean, None),  # ill-typed: rdflib wrote the bare token none
        ("1", XSD.boolean, None),  # rdflib wrote 1, an integer
        ("True", XSD.boolean, None),
        ("true", XSD.boolean, None),
        ("1.0E0", XSD.double, None),  # rdflib wrote 1e+00
        ("inf", XSD.double, None),
        ("INF", XSD.double, None),
        ("1.5e3", XSD.decimal, None),  # rdflib wrote 1.5e3, a double
        ("+01", XSD.integer, None),
        (" 1", XSD.integer, None),
        ("abc", XSD.integer, None),
        (".5", XSD.decimal, None),
        ("c", XSD.byte, None),
        ('say "hi"\nand \\ then """ end"', None, None),
        ('ends in a quote"', XSD.string, None),
        ("line\r\nbreak", None, "en-GB"),
    ],
)
def test_every_literal_of_the_turtle_report_reads_back_strictly(
    lexical, datatype, language, monkeypatch
):
    """The Turtle report writes each literal so that a strict parser reads back the same term:
    typed literals without quotes only where Turtle's shorthand gives that very lexical form
    and datatype, every other one quoted and escaped, with its datatype or language."""
    import pyoxigraph

    from hkit.quality.shacl_report import turtle

    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)  # as hkit reads every graph
    graph = rdflib.Graph()
    literal = rdflib.Literal(lexical, datatype=datatype, lang=language)
    graph.add((rdflib.URIRef("http://example.org/s"), SH.value, literal))
    (triple,) = pyoxigraph.parse(turtle(graph).encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    read = triple.object
    assert read.value == lexical
    assert read.language == language.lower() if language else read.language is None
    if datatype is not None:
        assert read.datatype.value == str(datatype)


def test_the_report_graph_does_not_conform_when_it_holds_only_warnings(tmp_path):
    """SHACL: a report conforms when it has no result at all; hkit's exit code stays 0 for
    warnings (and its own ``conforms``, which the exit code follows, true)."""
    shapes = tmp_path / "warn.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:severity sh:Warning ;\n"
        "  sh:targetNode <https://w3id.org/hkit/id/innohk> ; sh:class <https://example.org/C> .\n",
        encoding="utf-8",
    )
    result = invoke("validate", "--shapes", str(shapes), "--format", "ttl")
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    assert graph.value(graph.value(report, SH.result), SH.resultSeverity) == SH.Warning


def test_a_bad_date_is_reported_on_the_value_with_the_node_that_uses_it(tmp_path):
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
        "date value  [hkit:DateValueShape]\n"
        '  "long ago", the hkit:foundingDate of Hong Kong University of Science and Technology '
        "<id:hkust>\n"
        "    Violation: (the value itself): A date must be an xsd:date, xsd:gYearMonth or "
        "xsd:gYear literal (or an xsd:gMonth, when the source gives no year).\n"
    ) in result.output


def test_a_bad_value_used_by_many_nodes_is_reported_once(tmp_path):
    """A value shape checks each value once; the text names a few of its users, JSON all."""
    bad = tmp_path / "bad-dates.ttl"
    lines = ["@prefix hkit: <https://w3id.org/hkit/ontology#> .", f"@prefix xsd: <{XSD}> ."]
    lines += [f'<urn:x:n{i}> hkit:asOf "2023"^^xsd:integer .' for i in range(8)]
    lines.append('<urn:x:n9> hkit:startDate "2023"^^xsd:integer .')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("--data", str(bad), "validate")
    assert result.exit_code == 1
    assert result.output.startswith("SHACL: 1 result(s) (Violation) on 1 node(s)")
    assert (
        '  "2023"^^xsd:integer, the hkit:asOf of <urn:x:n0>, <urn:x:n1>, <urn:x:n2>, '
        "<urn:x:n3>, <urn:x:n4>, 3 more, the hkit:startDate of <urn:x:n9>\n"
    ) in result.output
    report = json.loads(invoke("--data", str(bad), "validate", "--format", "json").output)
    (finding,) = report["results"]
    assert finding["focus"] == "2023"
    assert finding["focusKind"] == "literal"
    assert finding["focusDatatype"] == str(XSD.integer)
    assert finding["focusLabel"] is None
    assert len(finding["usedBy"]) == 9
    assert finding["usedBy"][-1] == {"node": "urn:x:n9", "property": str(HKIT.startDate)}


def test_an_alternative_path_is_shown_in_sparql_syntax(tmp_path):
    bad = tmp_path / "both.ttl"
    bad.write_text(
        "@prefix hkit: <https://w3id.org/hkit/ontology#> .\n"
        "@prefix id: <https://w3id.org/hkit/id/> .\n"
        "id:obs-talent-arrivals-2023 hkit:amount id:amount-enterprises-investment-2023 .\n",
        encoding="utf-8",
    )
    result = invoke("--data", str(bad), "validate")
    assert result.exit_code == 1
    assert "    Violation: (hkit:value|hkit:amount): An observation needs either" in result.output


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


FAILING = [*sorted(SHAPE_FIXTURES.glob("*.fail.ttl")), BROKEN]
#: A third of them in the default run (every one in CI): each is a pyshacl run on the graph.
SOME_FAILING = [
    f if n % 3 == 0 else pytest.param(f, marks=pytest.mark.slow) for n, f in enumerate(FAILING)
]


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
@pytest.mark.parametrize("fixture", SOME_FAILING, ids=lambda p: getattr(p, "name", p))
def test_flattened_shapes_give_the_results_of_the_shapes_as_written(
    fixture, jobs, shapes_graph, ontology_graph
):
    """hkit hands pyshacl flatten()'s shapes graph, in one process or dealt out to two; pyshacl
    on the shapes graph as written finds the same results, down to each result's source shape."""
    import pyshacl

    data = load_rdflib([SHAPE_FIXTURES / "_context.ttl", fixture]) + ontology_graph
    _, as_written, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference="none", allow_warnings=True, advanced=False
    )
    report = validate(data, shapes_graph, jobs=jobs)
    assert report_results(as_written)
    # (the default messages print the shapes with or without their prefixes)
    assert {r[:6] for r in report_results(report.graph)} == {
        r[:6] for r in report_results(as_written)
    }
    assert len(list(report.graph.subjects(rdflib.RDF.type, SH.ValidationReport))) == 1


#: The default run compares two processes with one on a few fixtures; CI on every one.
FEW_FAILING = [
    f if n < 4 else pytest.param(f, marks=pytest.mark.slow) for n, f in enumerate(FAILING)
]


@pytest.mark.parametrize("fixture", FEW_FAILING, ids=lambda p: getattr(p, "name", p))
def test_two_processes_report_what_one_does(fixture, shapes_graph, ontology_graph):
    data = load_rdflib([SHAPE_FIXTURES / "_context.ttl", fixture])
    one = validate(data, shapes_graph, ontology_graph, jobs=1)
    two = validate(data, shapes_graph, ontology_graph, jobs=2)
    assert (one.conforms, one.violations, one.labels) == (two.conforms, two.violations, two.labels)
    assert one.render() == two.render() and one.render("json") == two.render("json")


def test_two_processes_keep_the_data_s_blank_nodes_and_conform_together(shapes_graph):
    """Results made in the forked process get new blank nodes; the data's keep their names, so
    a blank-node value is still the data's node."""
    data = load_rdflib([ROOT / "ontology" / "hkit.ttl"])
    data.parse(
        data="""
        @prefix hkit: <https://w3id.org/hkit/ontology#> .
        @prefix id: <https://w3id.org/hkit/id/> .
        id:doc-x a hkit:NewsArticle ; hkit:author [ a hkit:Place ] , [ a hkit:Place ] .
        """,
        format="turtle",
    )
    report = validate(data, shapes_graph, jobs=2)
    bad = [v for v in report.violations if v.message.startswith("hkit:author must")]
    assert len(bad) == 2 and {v.value_kind for v in bad} == {"bnode"}
    values = set(report.graph.objects(None, SH.value))
    assert {n for n in values if isinstance(n, rdflib.BNode)} <= set(data.subjects())
    shipped = validate(load_rdflib([ROOT / "ontology" / "hkit.ttl"]), shapes_graph, jobs=2)
    assert shipped.conforms and not shipped.violations


def test_bad_shapes_are_a_one_line_error_in_two_processes_too(tmp_path, shapes_graph):
    from hkit import InputError

    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:S> a sh:NodeShape ; sh:targetClass <urn:x:C> ; sh:property [ sh:minCount 1 ] .
        """,
        format="turtle",
    )
    data = rdflib.Graph().parse(data="<urn:x:a> a <urn:x:C> .", format="turtle")
    with pytest.raises(InputError, match="the shapes cannot be used"):
        validate(data, shapes, jobs=2)


def test_large_graphs_use_two_processes_where_the_machine_has_two_cpus(monkeypatch):
    from hkit.quality import shacl as module

    small = rdflib.Graph()
    big = rdflib.Graph()
    for i in range(module.PARALLEL_FROM):
        big.add((rdflib.URIRef(f"urn:x:{i}"), rdflib.RDF.type, rdflib.URIRef("urn:x:C")))
    monkeypatch.setattr(module.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert (module.parallel_jobs(small), module.parallel_jobs(big)) == (1, 2)
    monkeypatch.setattr(module.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert module.parallel_jobs(big) == 1
    monkeypatch.delattr(module.os, "fork")
    monkeypatch.setattr(module.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert module.parallel_jobs(big) == 1


def test_the_command_line_validates_a_large_graph_in_two_processes(monkeypatch):
    from hkit.quality import shacl
    from hkit.quality import validate as module

    monkeypatch.setattr(shacl, "PARALLEL_FROM", 1)
    calls = []
    forked = module._run_forked
    monkeypatch.setattr(module, "_run_forked", lambda *a: calls.append(1) or forked(*a))
    result = invoke("--data", str(BROKEN), "validate")
    assert calls == [1] and result.exit_code == 1
    assert "Fixture fund  <id:fixture-fund>" in result.output


def test_flatten_leaves_shapes_without_targets_or_referred_to_alone():
    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <urn:ex:> .
        ex:Targeted a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path ex:p ; sh:minCount 1 ; sh:targetNode ex:n .
        ex:Untargeted a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
        ex:Referred a sh:NodeShape ; sh:targetClass ex:D ;
            sh:property [ sh:path ex:r ; sh:minCount 1 ] .
        ex:User a sh:NodeShape ; sh:targetClass ex:E ; sh:node ex:Referred .
        ex:Off a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true ;
            sh:property [ sh:path ex:s ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    flat, origins = flatten(shapes)
    ex = rdflib.Namespace("urn:ex:")
    ((copy, (original, owner)),) = origins.items()
    assert (original, owner) == (ex.P, ex.Targeted)
    assert (copy, SH.targetClass, ex.C) in flat and (copy, SH.path, ex.p) in flat
    assert (copy, SH.targetNode, None) not in flat and (ex.P, SH.targetNode, ex.n) in flat
    assert (ex.Targeted, SH.property, None) not in flat
    for kept in (ex.Untargeted, ex.Referred, ex.Off):
        assert (kept, SH.property, None) in flat
    assert (ex.Targeted, SH.property, ex.P) in shapes  # the input is left as it was


def test_shapes_pyshacl_cannot_name_are_validated_in_one_process(monkeypatch):
    """pyshacl takes the shapes to use by IRI; a targeted blank-node shape has none."""
    from hkit.quality import shacl as module

    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        [] a sh:NodeShape ; sh:targetClass <urn:x:C> ; sh:nodeKind sh:BlankNode ;
            sh:message "m" .
        """,
        format="turtle",
    )
    data = rdflib.Graph().parse(data="<urn:x:a> a <urn:x:C> .", format="turtle")
    monkeypatch.setattr(module.os, "fork", lambda: pytest.fail("forked"))
    report = validate(data, shapes, jobs=2)
    assert [v.message for v in report.violations] == ["m"]


def test_a_malformed_sparql_constraint_is_one_line(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass "
        "<https://w3id.org/hkit/ontology#University> ;\n"
        '  sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE { $this ?p " ] .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--root", str(ROOT), "validate", "--shapes", str(shapes)])
    assert result.exit_code == 2
    assert result.output.startswith(
        "hkit: error: a SPARQL constraint in the shapes is not valid SPARQL"
    )
    assert "Traceback" not in result.output


def test_qualified_shapes_kept_disjoint_are_not_flattened():
    """sh:qualifiedValueShapesDisjoint reads the sibling property shapes of the same node shape,
    which flatten()'s copies would not have: such a node shape is left as written."""
    import pyshacl

    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <urn:ex:> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:A , ex:B .
        ex:A sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:X ] ; sh:qualifiedMinCount 1 ;
            sh:qualifiedValueShapesDisjoint true .
        ex:B sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:Y ] ; sh:qualifiedMinCount 1 ;
            sh:qualifiedValueShapesDisjoint true .
        """,
        format="turtle",
    )
    data = rdflib.Graph().parse(
        data="<urn:ex:c> a <urn:ex:C> ; <urn:ex:p> <urn:ex:v> . "
        "<urn:ex:v> a <urn:ex:X>, <urn:ex:Y> .",
        format="turtle",
    )
    assert not flatten(shapes)[1]
    conforms, as_written, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=False)
    report = validate(data, shapes, jobs=1)
    assert not conforms and not report.conforms
    # (the default messages print the shapes with or without their prefixes)
    assert {r[:6] for r in report_results(report.graph)} == {
        r[:6] for r in report_results(as_written)
    }
