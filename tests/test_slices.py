"""Validation one slice of the graph at a time (hkit.quality.slices): the same report as pyshacl
on the whole graph, on every shape fixture and on generated data with faults put in, in one process
and in two; and the whole graph where the shapes' reach cannot be bounded."""

from __future__ import annotations

import dataclasses
import io
import random
import sys

import pytest
import rdflib
from click.testing import CliRunner
from helpers import GATE_FIXTURES, ROOT, SHAPE_FIXTURES, report_results

from hkit.cli.group import main
from hkit.quality import slices
from hkit.quality import validate as validate_module
from hkit.quality.slices import validate_files
from hkit.quality.validate import validate
from hkit.store.files import ONTOLOGY, graph_files
from hkit.store.rdf import load_rdflib_strict

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

BROKEN = GATE_FIXTURES / "shacl-violation.ttl"
FIXTURES = [ROOT / ONTOLOGY, SHAPE_FIXTURES / "_context.ttl", *SHAPE_FIXTURES.glob("*.fail.ttl")]


def same(sliced, whole) -> None:
    """The same report; blank nodes, which each reading of the files names anew, aside."""
    assert sliced is not None
    assert sliced.conforms == whole.conforms
    assert sliced.labels == whole.labels
    if any("bnode" in (v.focus_kind, v.value_kind) for v in whole.violations):
        assert sorted(map(unnamed, sliced.violations)) == sorted(map(unnamed, whole.violations))
        return
    assert sliced.violations == whole.violations
    for fmt in ("text", "json"):
        assert sliced.render(fmt) == whole.render(fmt)
    assert report_results(sliced.graph) == report_results(whole.graph)  # the W3C report (ttl)


def unnamed(v) -> tuple:
    return dataclasses.astuple(
        dataclasses.replace(
            v,
            focus="_" if v.focus_kind == "bnode" else v.focus,
            value="_" if v.value_kind == "bnode" else v.value,
        )
    )


@pytest.mark.parametrize(("size", "jobs"), [pytest.param(1, 2, marks=pytest.mark.slow), (40, 1)])
def test_every_shape_fixture_gives_the_whole_graph_s_report(size, jobs, shapes_graph):
    """Every failing fixture at once (each result of each shape), with every subject its own
    slice or a few dozen triples to a slice."""
    whole = validate(load_rdflib_strict(FIXTURES), shapes_graph, jobs=1)
    assert len(whole.violations) > 50
    same(slices.validate_sliced(FIXTURES, shapes_graph, size=size, jobs=jobs), whole)


def faulty(triples: int, seed: int) -> str:
    """Generated data with faults put in: one triple in 50 left out, one in 60 pointing at
    another node, one in 70 with its literal changed."""
    out = io.StringIO()
    generate(triples, seed, out)
    pick = random.Random(seed)
    lines = [line for line in out.getvalue().splitlines() if line]
    objects = [line.split(" ", 2)[2].rsplit(" .", 1)[0] for line in lines]
    kept = []
    for line in lines:
        roll = pick.random()
        if roll < 1 / 50:
            continue
        subject, predicate, _ = line.split(" ", 2)
        if roll < 1 / 50 + 1 / 60:
            line = f"{subject} {predicate} {pick.choice(objects)} ."
        elif roll < 1 / 50 + 1 / 60 + 1 / 70:
            line = f'{subject} {predicate} "2024-13-{pick.randint(1, 99)}" .'
        kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_generated_data_with_faults_gives_the_whole_graph_s_report(seed, tmp_path, shapes_graph):
    data = tmp_path / "faulty.nt"
    data.write_text(faulty(6000, seed), encoding="utf-8")
    files = graph_files(ROOT, [data])
    whole = validate(load_rdflib_strict(files), shapes_graph, jobs=1)
    assert len(whole.violations) > 50 and len({v.component for v in whole.violations}) > 3
    same(slices.validate_sliced(files, shapes_graph, size=500, jobs=2), whole)


def test_the_shipped_shapes_reach_is_bounded(shapes_graph):
    from hkit.quality.shacl import flatten

    found = slices.reach(flatten(shapes_graph)[0])
    assert found is not None
    hkit = rdflib.Namespace("https://w3id.org/hkit/ontology#")
    # a sequence path (an amount's references' evidence) and an inverse one (a site's owner)
    assert (hkit.evidence, False) in found.paths[(hkit.hasReference, False)]
    assert (hkit.hasSite, True) in found.paths
    assert hkit.asOf in found.objects_of


SH = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> ."


@pytest.mark.parametrize(
    "shape",
    [
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT $this {}' ] .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ] .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:S ] .",
        "ex:S a sh:NodeShape ; sh:target [ a ex:SPARQLTarget ] .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path ex:p ; sh:node [ sh:closed true ] ] .",
    ],
    ids=["sparql", "zero-or-more", "recursive", "sparql-target", "closed-value"],
)
def test_shapes_whose_reach_is_not_bounded_are_validated_whole(shape, tmp_path, monkeypatch):
    shapes = rdflib.Graph().parse(data=f"{SH} {shape}", format="turtle")
    assert slices.reach(shapes) is None
    data = tmp_path / "d.ttl"
    data.write_text("<urn:ex:a> a <urn:ex:C> .\n", encoding="utf-8")
    monkeypatch.setattr(slices, "SLICED_FROM_BYTES", 0)
    whole = validate(load_rdflib_strict([data]), shapes)
    monkeypatch.setattr(slices, "Compact", None)  # never built on this path
    assert validate_files([data], shapes).violations == whole.violations


SMALL = {
    # one slice gives equal results twice: one per language used twice
    "unique-lang": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:l ; "
        "sh:uniqueLang true ] .",
        'ex:c a ex:C ; ex:l "a"@en, "b"@en, "c"@fr, "d"@fr .',
    ),
    # a shape that is an owl:Class targets its instances
    "owl-class": (
        "ex:C a owl:Class, sh:NodeShape ; sh:property [ sh:path ex:p ; "
        "sh:node [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ] .",
        "ex:c a ex:C ; ex:p ex:v . ex:v ex:q ex:w . ex:d a ex:C ; ex:p ex:u .",
    ),
    # pyshacl prints and copies a blank node value whole
    "blank-value": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:in ( ex:ok ) ] .",
        'ex:c a ex:C ; ex:p _:b . _:b ex:name "x" ; ex:more [ ex:name "y" ] .',
    ),
    # a shape's label given by the data
    "shape-label": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        "sh:minCount 1 ] .",
        'ex:S rdfs:label "Shape label in data" . ex:c a ex:C .',
    ),
    # a blank-node shape's list, which pyshacl copies into the report
    "blank-shape": (
        "[] a sh:NodeShape ; sh:targetClass ex:C ; sh:in ( ex:ok ) .",
        "ex:c1 a ex:C . ex:c2 a ex:C .",
    ),
    # the siblings of a qualified shape: reach() does not bound them, so the whole graph
    "disjoint-siblings": (
        """ex:Top a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:S .
        ex:S a sh:NodeShape ; sh:property ex:A , ex:B .
        ex:A sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:X ] ; sh:qualifiedMinCount 1 ;
            sh:qualifiedValueShapesDisjoint true .
        ex:B sh:path ex:r ; sh:qualifiedValueShape ex:T ; sh:qualifiedMinCount 0 ;
            sh:qualifiedValueShapesDisjoint true .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .""",
        "ex:c a ex:C ; ex:p ex:v . ex:v a ex:X ; ex:q ex:w .",
    ),
}
PREFIXES = f"{SH} @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <{rdflib.RDFS}> ."


@pytest.mark.parametrize("case", SMALL)
def test_small_cases_give_the_whole_graph_s_report(case, tmp_path, monkeypatch):
    shapes_text, data_text = SMALL[case]
    shapes = rdflib.Graph().parse(data=f"{PREFIXES} {shapes_text}", format="turtle")
    data = tmp_path / "d.ttl"
    data.write_text(f"{PREFIXES} {data_text}", encoding="utf-8")
    whole = validate(load_rdflib_strict([data]), shapes, jobs=1)
    assert whole.violations
    if case == "disjoint-siblings":
        assert slices.reach(shapes) is None
        monkeypatch.setattr(slices, "SLICED_FROM_BYTES", 0)
        same(validate_files([data], shapes), whole)
        return
    same(slices.validate_sliced([data], shapes, size=1, jobs=1), whole)


def test_paths_are_read_as_step_sequences():
    shapes = rdflib.Graph().parse(
        data=f"""{SH}
        ex:S sh:path [ sh:inversePath ( ex:a [ sh:alternativePath ( ex:b ex:c ) ] ) ] .
        """,
        format="turtle",
    )
    path = shapes.value(rdflib.URIRef("urn:ex:S"), rdflib.URIRef(str(rdflib.SH.path)))
    ex = rdflib.Namespace("urn:ex:")
    assert sorted(slices._sequences(shapes, path)) == [
        ((ex.b, True), (ex.a, True)),
        ((ex.c, True), (ex.a, True)),
    ]


def invoke(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False)


@pytest.mark.parametrize(
    "command",
    [["validate"], pytest.param(["validate", "--format", "json"], marks=pytest.mark.slow)],
)
def test_the_command_line_gives_the_same_report_sliced(command, monkeypatch):
    whole = invoke("--data", str(BROKEN), *command)
    monkeypatch.setattr(slices, "SLICED_FROM_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_TRIPLES", 300)
    told = []
    monkeypatch.setattr(slices.Slicer, "_groups", _counted(slices.Slicer._groups, told))
    sliced = invoke("--data", str(BROKEN), *command)
    assert told and told[0] > 1  # it did go slice by slice
    assert (sliced.exit_code, sliced.output) == (whole.exit_code, whole.output) == (1, whole.output)


def _counted(groups, told):
    def counted(self, size):
        found = groups(self, size)
        told.append(len(found))
        return found

    return counted


def test_the_shacl_gate_goes_slice_by_slice_too(monkeypatch):
    monkeypatch.setattr(slices, "SLICED_FROM_BYTES", 0)
    result = invoke("--data", str(BROKEN), "check", "--skip", "reason", "--skip", "checks")
    assert result.exit_code == 1
    assert "Fixture fund" in result.output


def test_a_file_that_does_not_parse_is_one_line_sliced_too(tmp_path, monkeypatch):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:x:a> <urn:x:p> .\n", encoding="utf-8")
    monkeypatch.setattr(slices, "SLICED_FROM_BYTES", 0)
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--data", str(bad), "validate"])
    assert result.exit_code == 2
    assert str(bad) in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_blank_nodes_stay_the_data_s_in_two_processes(tmp_path, shapes_graph):
    data = tmp_path / "b.ttl"
    data.write_text(
        """
        @prefix hkit: <https://w3id.org/hkit/ontology#> .
        @prefix id: <https://w3id.org/hkit/id/> .
        id:doc-x a hkit:NewsArticle ; hkit:author [ a hkit:Place ] , [ a hkit:Place ] .
        """,
        encoding="utf-8",
    )
    files = [ROOT / ONTOLOGY, data]
    report = slices.validate_sliced(files, shapes_graph, size=400, jobs=2)
    whole = validate(load_rdflib_strict(files), shapes_graph, jobs=1)
    same(report, whole)
    bad = [v for v in report.violations if v.message.startswith("hkit:author must")]
    assert len(bad) == 2 and {v.value_kind for v in bad} == {"bnode"}
    assert len(set(report.graph.objects(None, rdflib.SH.value))) >= 2


def test_sizes_are_capped_so_that_two_processes_can_share_the_slices(shapes_graph):
    found = slices.reach(shapes_graph)
    assert found is not None
    graph = slices.Compact([ROOT / ONTOLOGY])
    slicer = slices.Slicer(graph, found, 1)
    assert len(slicer.groups) > 255  # validate_sliced raises the size to keep to 255
    assert sum(high - low for low, high in slicer.groups) == len(graph.terms)


def test_a_slice_asks_pyshacl_for_its_own_targets_only(shapes_graph):
    """Within _targets_only pyshacl takes as targets only the nodes the slice owns (here none:
    the broken fixture then has no focus node to fail), and afterwards every target again."""
    from pyshacl.shape import Shape

    before = Shape.focus_nodes
    data = load_rdflib_strict([ROOT / ONTOLOGY, BROKEN])
    with slices._targets_only(lambda node: False):
        conforms, _, _ = validate_module._run(data, shapes_graph)
    assert conforms
    assert Shape.focus_nodes is before
    with pytest.raises(RuntimeError), slices._targets_only(lambda node: False):
        raise RuntimeError
    assert Shape.focus_nodes is before
    assert not validate_module._run(data, shapes_graph)[0]
