"""The SHACL shapes: well-formed, covering every class, and each proven both ways by fixtures.

Every node shape with a target (a class, or the values or subjects of a property) has two
fixtures in tests/fixtures/shapes/: ``<Shape>.pass.ttl`` conforms (together with
``_context.ttl``), and ``<Shape>.fail.ttl`` violates that shape and no other, with every message
named by its ``# expect:`` lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from helpers import SHAPE_FIXTURES
from rdflib.namespace import OWL, RDF, RDFS, SH

from hkit.quality.shacl import TARGETS
from hkit.quality.validate import validate
from hkit.store.files import HKIT
from hkit.store.rdf import load_rdflib

#: Every term of the SHACL Core vocabulary that a shapes graph may use (HAZARDS 16: pyshacl
#: silently ignores a misspelt one such as sh:minCout).
SHACL_CORE_TERMS = set(
    """
    NodeShape PropertyShape Shape targetClass targetNode targetObjectsOf targetSubjectsOf
    property path inversePath alternativePath zeroOrMorePath oneOrMorePath zeroOrOnePath
    class datatype nodeKind IRI BlankNode Literal BlankNodeOrIRI BlankNodeOrLiteral IRIOrLiteral
    minCount maxCount minExclusive minInclusive maxExclusive maxInclusive minLength maxLength
    pattern flags languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and or xone
    node qualifiedValueShape qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint
    closed ignoredProperties hasValue in name description message severity Violation Warning
    Info deactivated order group defaultValue
    """.split()
)


def target_shapes(shapes: rdflib.Graph) -> list[rdflib.URIRef]:
    return sorted(
        s
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if any(shapes.value(s, target) for target in TARGETS)
    )


def test_every_shape_has_a_class_or_property_target_or_none(shapes_graph):
    """sh:targetNode would tie a shape to particular data; the fixtures prove the other kinds."""
    assert not list(shapes_graph.subjects(SH.targetNode, None))


def local(shape: rdflib.URIRef) -> str:
    return str(shape).removeprefix(str(HKIT))


def test_shapes_use_only_shacl_core_terms(shapes_graph):
    used = {
        str(term).removeprefix(str(SH))
        for triple in shapes_graph
        for term in triple
        if isinstance(term, rdflib.URIRef) and str(term).startswith(str(SH))
    }
    assert used <= SHACL_CORE_TERMS, f"unknown sh: terms: {sorted(used - SHACL_CORE_TERMS)}"


@pytest.mark.slow  # pyshacl's SHACL-for-SHACL pass takes about 5 s; CI runs it
def test_shapes_graph_is_valid_shacl(shapes_graph):
    import pyshacl

    conforms, _, text = pyshacl.validate(
        rdflib.Graph(), shacl_graph=shapes_graph, meta_shacl=True, inference="none"
    )
    assert conforms, text


def test_every_shape_has_a_name_and_every_constraint_a_message(shapes_graph):
    g = shapes_graph
    problems = []
    for shape in g.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, rdflib.URIRef) and not g.value(shape, SH.name):
            problems.append(f"{local(shape)}: no sh:name")
        node_level = [p for p in (SH["or"], SH.xone, SH["not"], SH["class"]) if g.value(shape, p)]
        if node_level and not g.value(shape, SH.message):
            problems.append(f"{local(shape)}: node-level constraint without sh:message")
    for prop_shape in set(g.objects(None, SH.property)) | set(
        g.subjects(RDF.type, SH.PropertyShape)
    ):
        if not g.value(prop_shape, SH.message):
            problems.append(f"property shape on {g.value(prop_shape, SH.path)}: no sh:message")
    assert not problems, "\n".join(problems)


def test_every_hkit_class_is_a_target_of_some_shape(ontology_graph, shapes_graph):
    targeted = set(shapes_graph.objects(None, SH.targetClass))
    uncovered = []
    for cls in ontology_graph.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(str(HKIT)):
            continue
        ancestors = set(ontology_graph.transitive_objects(cls, RDFS.subClassOf))
        if not ancestors & targeted:
            uncovered.append(local(cls))
    assert not uncovered, f"classes that no shape targets: {sorted(uncovered)}"


def test_every_target_shape_has_both_fixtures_and_no_fixture_is_stray(shapes_graph):
    expected = {
        f"{local(s)}.{kind}.ttl" for s in target_shapes(shapes_graph) for kind in ("pass", "fail")
    }
    present = {p.name for p in SHAPE_FIXTURES.glob("*.ttl") if not p.name.startswith("_")}
    assert expected == present


def _fixture_graph(path: Path) -> rdflib.Graph:
    return load_rdflib([SHAPE_FIXTURES / "_context.ttl", path])


SHAPE_NAMES = sorted(p.name.split(".")[0] for p in SHAPE_FIXTURES.glob("*.pass.ttl"))


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_pass_fixture_conforms_and_exercises_the_shape(name, shapes_graph, ontology_graph):
    shape = HKIT[name]
    graph = _fixture_graph(SHAPE_FIXTURES / f"{name}.pass.ttl")
    report = validate(graph, shapes_graph, ontology_graph)
    assert report.conforms, report.text
    # the fixture itself (not the shared context) holds a focus node of the shape
    own = load_rdflib([SHAPE_FIXTURES / f"{name}.pass.ttl"])
    everything = graph + ontology_graph
    focus = {
        s
        for target in shapes_graph.objects(shape, SH.targetClass)
        for cls in everything.transitive_subjects(RDFS.subClassOf, target)
        for s in own.subjects(RDF.type, cls)
    }
    for prop in shapes_graph.objects(shape, SH.targetObjectsOf):
        focus |= set(own.objects(None, prop))
    for prop in shapes_graph.objects(shape, SH.targetSubjectsOf):
        focus |= set(own.subjects(prop, None))
    assert focus, f"{name}.pass.ttl has no focus node of {name}, so it proves nothing"


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_fail_fixture_violates_that_shape_with_the_expected_messages(
    name, shapes_graph, ontology_graph
):
    shape = str(HKIT[name])
    path = SHAPE_FIXTURES / f"{name}.fail.ttl"
    expected = re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.M)
    assert expected, f"{path.name} names no expected message"
    report = validate(_fixture_graph(path), shapes_graph, ontology_graph)
    assert not report.conforms
    strays = [v for v in report.violations if shape not in v.node_shapes]
    assert not strays, f"violations of other shapes: {strays}"
    messages = [v.message for v in report.violations]
    for text in expected:
        assert any(text in m for m in messages), f"no violation says {text!r}; got {messages}"


def test_ontology_alone_conforms(shapes_graph, ontology_graph):
    """The ontology's own concepts (qualifiers, units, statuses) satisfy the concept shape."""
    report = validate(ontology_graph, shapes_graph)
    assert report.conforms, report.text
