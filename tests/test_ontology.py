"""The ontology: parses strictly; every term documented, aligned, declared, consistently named."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from helpers import FIXTURES, ROOT
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from hkit.quality.checks import query_iris
from hkit.quality.review_checks import STANDARD_NAMESPACES
from hkit.store.files import HKIT, ONTOLOGY, ONTOLOGY_IRI, SHAPES
from hkit.store.rdf import load_rdflib, strict_parse

VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
SCHEMA = rdflib.Namespace("https://schema.org/")
MAPPING_PREDICATES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    SKOS.closeMatch,
    SKOS.exactMatch,
)
TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    SKOS.ConceptScheme,
    SKOS.Concept,
)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)

#: Every Turtle file hkit ships or tests with, except the fixtures that are broken on purpose
#: (tests/fixtures/checks/ and tests/fixtures/gates/: each must fail a check or a gate).
RDF_FILES = sorted(
    [
        ROOT / ONTOLOGY,
        ROOT / SHAPES,
        *(FIXTURES / "shapes").rglob("*.ttl"),
        *(ROOT / "data").rglob("*.ttl"),
    ]
)


def hkit_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {
        s
        for t in TERM_TYPES
        for s in graph.subjects(RDF.type, t)
        if isinstance(s, rdflib.URIRef) and s.startswith(str(HKIT))
    }


def of_type(graph: rdflib.Graph, *types: rdflib.URIRef) -> set[rdflib.URIRef]:
    return {s for t in types for s in graph.subjects(RDF.type, t) if s.startswith(str(HKIT))}


@pytest.mark.parametrize("path", RDF_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_parses_strictly_and_the_same_with_rdflib(path: Path):
    strict_count = strict_parse(path)
    assert strict_count > 0
    assert len(load_rdflib([path])) == strict_count


def test_strict_parse_rejects_what_rdflib_would_accept(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a b> <http://example.org/p> 1 .\n")
    from hkit import InputError

    with pytest.raises(InputError, match=r"bad\.ttl"):
        strict_parse(bad)


def test_header_is_complete(ontology_graph: rdflib.Graph):
    g = ontology_graph
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    for prop in (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
        OWL.versionIRI,
        OWL.versionInfo,
        OWL.priorVersion,
        VANN.preferredNamespacePrefix,
        VANN.preferredNamespaceUri,
    ):
        assert g.value(ONTOLOGY_IRI, prop) is not None, f"ontology header lacks {prop}"
    version_iri = str(g.value(ONTOLOGY_IRI, OWL.versionIRI))
    assert re.fullmatch(r"https://w3id\.org/hkit/ontology/\d+\.\d+\.\d+", version_iri)
    assert str(g.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(HKIT)
    assert str(g.value(ONTOLOGY_IRI, DCTERMS.license)).startswith("https://creativecommons.org/")
    assert not list(g.objects(ONTOLOGY_IRI, OWL.imports)), (
        "no owl:imports: nothing may need the network"
    )


def test_version_iri_names_the_version_info(ontology_graph: rdflib.Graph):
    """The ontology is versioned as a product of its own (its releases are under releases/, the
    version gate of hkit check keeps them true), apart from the package's version."""
    version = str(ontology_graph.value(ONTOLOGY_IRI, OWL.versionInfo))
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert str(ontology_graph.value(ONTOLOGY_IRI, OWL.versionIRI)) == f"{ONTOLOGY_IRI}/{version}"


def test_every_term_has_one_english_label_a_definition_and_is_defined_by(ontology_graph):
    g = ontology_graph
    terms = hkit_terms(g)
    assert len(terms) > 100
    problems = []
    for term in sorted(terms):
        labels = [
            lbl for lbl in g.objects(term, RDFS.label) if getattr(lbl, "language", None) == "en"
        ]
        definitions = [
            d
            for p in (SKOS.definition, RDFS.comment)
            for d in g.objects(term, p)
            if getattr(d, "language", None) == "en"
        ]
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} English labels")
        if not definitions:
            problems.append(f"{term}: no English definition")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in g:
            problems.append(f"{term}: no rdfs:isDefinedBy")
    assert not problems, "\n".join(problems)


def test_no_duplicate_labels_among_classes_and_properties(ontology_graph):
    g = ontology_graph
    seen: dict[str, rdflib.URIRef] = {}
    for term in sorted(of_type(g, OWL.Class, *PROPERTY_TYPES)):
        label = str(g.value(term, RDFS.label)).lower()
        assert label not in seen or g.value(term, RDF.type) != g.value(seen[label], RDF.type), (
            f"{term} and {seen[label]} share the label {label!r}"
        )
        seen[label] = term


def test_every_property_has_a_domain_and_a_range(ontology_graph):
    """rdfs:domain/rdfs:range, or schema:domainIncludes/rangeIncludes where deliberately open
    (deprecated properties keep only their IRI, label and replacement)."""
    g = ontology_graph
    problems = []
    for prop in sorted(of_type(g, *PROPERTY_TYPES)):
        if (prop, OWL.deprecated, rdflib.Literal(True)) in g:
            assert g.value(prop, DCTERMS.isReplacedBy) is not None, prop
            continue
        if not (g.value(prop, RDFS.domain) or g.value(prop, SCHEMA.domainIncludes)):
            problems.append(f"{prop}: no domain")
        if not (g.value(prop, RDFS.range) or g.value(prop, SCHEMA.rangeIncludes)):
            problems.append(f"{prop}: no range")
    assert not problems, "\n".join(problems)


def test_at_least_80_percent_of_classes_and_properties_are_aligned(ontology_graph):
    g = ontology_graph
    terms = of_type(g, OWL.Class, *PROPERTY_TYPES)
    aligned = {
        t
        for t in terms
        for p in MAPPING_PREDICATES
        for o in g.objects(t, p)
        if isinstance(o, rdflib.URIRef) and str(o).startswith(STANDARD_NAMESPACES)
    }
    ratio = len(aligned) / len(terms)
    assert ratio >= 0.8, f"only {ratio:.0%} aligned; not aligned: {sorted(terms - aligned)}"


def test_disjointness_between_the_main_kinds(ontology_graph):
    g = ontology_graph
    disjoint_sets = []
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = g.value(axiom, OWL.members)
        disjoint_sets.append(set(rdflib.collection.Collection(g, members)))
    top = {
        HKIT.Agent,
        HKIT.Place,
        HKIT.Event,
        HKIT.SourceDocument,
        HKIT.Initiative,
        HKIT.Observation,
        HKIT.MonetaryAmount,
    }
    assert any(top <= s for s in disjoint_sets)
    assert (HKIT.Person, OWL.disjointWith, HKIT.Organisation) in g


def test_every_hkit_term_used_is_declared(ontology_graph, shapes_graph):
    """No IRI in the hkit namespace is used in the ontology, the shapes, the fixtures, the data or
    the saved queries without being declared in the ontology (or, for shapes, in shapes.ttl)."""
    declared = hkit_terms(ontology_graph)
    declared |= {
        s
        for t in (SH.NodeShape, SH.PropertyShape)
        for s in shapes_graph.subjects(RDF.type, t)
        if isinstance(s, rdflib.URIRef)
    }
    problems = []
    for path in RDF_FILES:
        g = load_rdflib([path])
        for triple in g:
            for term in triple:
                if (
                    isinstance(term, rdflib.URIRef)
                    and term.startswith(str(HKIT))
                    and term not in declared
                ):
                    problems.append(f"{path.relative_to(ROOT)}: {term}")
    for query in sorted((ROOT / "queries").rglob("*.rq")):
        iris = query_iris(query.read_text(encoding="utf-8"), str(query))
        problems += [
            f"{query.relative_to(ROOT)}: {iri}"
            for iri in iris
            if iri.startswith(str(HKIT)) and rdflib.URIRef(iri) not in declared
        ]
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def test_external_terms_in_axioms_are_declared(ontology_graph):
    """OWL 2 DL without imports: every external IRI used in an axiom has its own declaration."""
    g = ontology_graph
    axiom_predicates = (
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.inverseOf,
        OWL.disjointWith,
        OWL.equivalentClass,
    )
    builtins = (
        "http://www.w3.org/2002/07/owl#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2001/XMLSchema#",
    )
    missing = set()
    for p in axiom_predicates:
        for s, o in g.subject_objects(p):
            for term in (s, o):
                if (
                    isinstance(term, rdflib.URIRef)
                    and not term.startswith(str(HKIT))
                    and not str(term).startswith(builtins)
                    and g.value(term, RDF.type) is None
                ):
                    missing.add(term)
    assert not missing, sorted(missing)


def test_naming_is_consistent(ontology_graph):
    """Classes are UpperCamelCase; properties lowerCamelCase (OOPS! P22)."""
    g = ontology_graph
    for cls in of_type(g, OWL.Class):
        assert re.fullmatch(r"[A-Z][A-Za-z]+", cls.removeprefix(str(HKIT))), cls
    for prop in of_type(g, *PROPERTY_TYPES):
        assert re.fullmatch(r"[a-z][A-Za-z]+", prop.removeprefix(str(HKIT))), prop


def test_concepts_belong_to_a_scheme_that_lists_them(ontology_graph):
    g = ontology_graph
    concepts = of_type(g, SKOS.Concept)
    assert concepts
    for concept in concepts:
        scheme = g.value(concept, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in g, concept
        assert (scheme, SKOS.hasTopConcept, concept) in g, concept
        assert g.value(concept, SKOS.prefLabel) == g.value(concept, RDFS.label), concept


def test_unicorn_is_a_class_whose_definition_says_what_makes_one(ontology_graph):
    g = ontology_graph
    assert (HKIT.Unicorn, RDF.type, OWL.Class) in g
    assert (HKIT.Unicorn, RDFS.subClassOf, HKIT.StartUp) in g
    definition = str(g.value(HKIT.Unicorn, SKOS.definition))
    assert "billion" in definition and "valued" in definition


def test_date_properties_leave_datatypes_to_shacl(ontology_graph):
    """HermiT rejects xsd:date (HAZARDS 15): no OWL axiom names it; schema:rangeIncludes does."""
    g = ontology_graph
    xsd_date = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert not list(g.subjects(RDFS.range, xsd_date))
    date_props = set(g.subjects(SCHEMA.rangeIncludes, xsd_date))
    assert {HKIT.startDate, HKIT.asOf, HKIT.attestedOn} <= date_props
    for prop in date_props:
        assert g.value(prop, RDFS.range) == RDFS.Literal


def test_ontology_loads_into_pyoxigraph_store():
    store = pyoxigraph.Store()
    store.load(path=str(ROOT / ONTOLOGY), format=pyoxigraph.RdfFormat.TURTLE)
    classes = list(
        store.query(
            "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> "
            "FILTER STRSTARTS(STR(?c), 'https://w3id.org/hkit/ontology#') }"
        )
    )
    assert int(classes[0]["n"].value) >= 50
