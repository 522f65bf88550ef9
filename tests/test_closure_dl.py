"""The materialised closure checked against the DL reasoner.

HermiT (OWL 2 Direct Semantics: :func:`hkit.quality.reason.realise`) realises every named
individual of the shipped graph, and hkit's store with its closure (:mod:`hkit.store.closure`)
must say the same of each: the same named classes (owl:Thing and the W3C vocabularies' own terms
left out), the same object property values between named individuals, the same named subclass
and subproperty pairs; and HermiT finds the graph with its closure consistent.

What the closure has and HermiT does not is a failure: the closure invented it. What HermiT has
and the closure does not is an entailment the closure's profile cannot reach: it must be listed
in :data:`DL_ONLY` with the axiom that entails it and why the profile cannot reach it, and a
listed entry that no longer occurs fails too, so that the list stays true.

Not compared here: data property values (HermiT's command line lists the instances of object
properties only; test_closure.py compares them with owlrl's closure) and blank nodes (HermiT
realises named individuals only).
"""

from __future__ import annotations

import sys
from fnmatch import fnmatchcase

import pytest
import rdflib
from helpers import ROOT

from hkit import ReasonerError
from hkit.core.vocab import compact
from hkit.quality.reason import Realisation, read_realisation, realise, run_hermit
from hkit.store import closure, stores
from hkit.store.files import graph_files
from hkit.store.rdf import load_rdflib

pyoxigraph = pytest.importorskip("pyoxigraph")

#: The vocabularies whose own terms (owl:Thing, owl:NamedIndividual, owl:Class, ...) are no
#: named class of the graph's.
W3C = (str(rdflib.OWL), str(rdflib.RDF), str(rdflib.RDFS))

#: Entailments of OWL 2 DL that the closure's profile cannot reach, reviewed: each key is
#: ("type", individual, class) or ("relation", subject, property, object), in compact names,
#: each name or an fnmatch pattern over names; each value the axiom that entails it and why the
#: profile cannot reach it. Reviewed on the shipped graph: none. The ontology states no class
#: expression (restriction, union, intersection, complement, enumeration), no functional,
#: inverse-functional or asymmetric property, no key and no owl:sameAs: every named type and
#: property value HermiT derives comes from subclass, subproperty, equivalence, inverse,
#: symmetric, transitive, chain, domain and range axioms, all in the profile, and
#: owl:AllDisjointClasses and owl:disjointWith only constrain (the consistency test below).
DL_ONLY: dict[tuple[str, ...], str] = {}


def known(store, pattern: str) -> list[tuple[str, ...]]:
    """The rows of ``pattern`` (its variables ?a ?b ?c, all IRIs) over the asserted and the
    inferred triples of ``store``."""
    rows = store.query(
        f"SELECT DISTINCT * WHERE {{ {{ {pattern} }} UNION "
        f"{{ GRAPH <{closure.INFERRED}> {{ {pattern} }} }} }}"
    )
    names = [v.value for v in rows.variables]
    found = []
    for row in rows:
        values = [row[name] for name in names]
        if all(isinstance(v, pyoxigraph.NamedNode) for v in values):
            found.append(tuple(v.value for v in values))
    return found


def closure_facts(store, properties: frozenset[str]) -> set[tuple[str, ...]]:
    """What hkit's store with its closure says of the named individuals, in the keys of
    :data:`DL_ONLY`: each named type, and each value of the object properties ``properties``."""
    facts: set[tuple[str, ...]] = {
        ("type", a, b) for a, b in known(store, "?a a ?b") if not b.startswith(W3C)
    }
    facts |= {("relation", a, b, c) for a, b, c in known(store, "?a ?b ?c") if b in properties}
    return facts


def hermit_facts(found: Realisation) -> set[tuple[str, ...]]:
    """What HermiT entails of the named individuals, in the keys of :data:`DL_ONLY`."""
    facts: set[tuple[str, ...]] = {
        ("type", i, c) for i, classes in found.types.items() for c in classes
    }
    return facts | {("relation", *triple) for triple in found.relations}


def compared(
    ours: set[tuple[str, ...]],
    theirs: set[tuple[str, ...]],
    reviewed: dict[tuple[str, ...], str],
) -> dict[str, list[tuple[str, ...]]]:
    """The closure's facts against HermiT's, in compact names: ``invented`` (the closure's
    alone), ``unlisted`` (HermiT's alone, and no reviewed entry explains them), ``stale``
    (reviewed entries that explain nothing)."""

    def short(facts: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
        return sorted((kind, *map(compact, names)) for kind, *names in facts)

    missed = short(theirs - ours)

    def explains(entry: tuple[str, ...], fact: tuple[str, ...]) -> bool:
        return len(entry) == len(fact) and all(map(fnmatchcase, fact, entry))

    return {
        "invented": short(ours - theirs),
        "unlisted": [f for f in missed if not any(explains(e, f) for e in reviewed)],
        "stale": [e for e in reviewed if not any(explains(e, f) for f in missed)],
    }


def inferred_graph(store) -> rdflib.Graph:
    """The closure's triples, as an rdflib graph."""
    dumped = store.dump(
        format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(closure.INFERRED)
    )
    return rdflib.Graph().parse(data=dumped.decode(), format="nt")


# -- the comparison itself, on a fixture with an entailment outside the profile ------------

FIXTURE = """@prefix : <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:A a owl:Class ; rdfs:subClassOf [ a owl:Class ; owl:unionOf ( :B :C ) ] .
:B a owl:Class ; rdfs:subClassOf :D . :C a owl:Class ; rdfs:subClassOf :D . :D a owl:Class .
:p a owl:ObjectProperty ; owl:inverseOf :q ; rdfs:subPropertyOf :r .
:q a owl:ObjectProperty . :r a owl:ObjectProperty ; rdfs:range :D .
:x a owl:NamedIndividual , :A ; :p :y . :y a owl:NamedIndividual .
"""
EX = "http://example.org/"
HKIT = "https://w3id.org/hkit/ontology#"
ORG = "http://www.w3.org/ns/org#"


@pytest.mark.reasoner
def test_a_dl_entailment_outside_the_profile_must_be_listed_with_its_axiom():
    graph = rdflib.Graph().parse(data=FIXTURE, format="turtle")
    found = realise(graph)
    assert found.consistent
    # HermiT's hierarchies closed: the superproperty and the inverse of what is stated
    assert {(f"{EX}x", f"{EX}r", f"{EX}y"), (f"{EX}y", f"{EX}q", f"{EX}x")} <= found.relations
    assert found.types[f"{EX}y"] == {f"{EX}D"}  # the range of :r
    assert found.subclasses[f"{EX}A"] == {f"{EX}D"}
    assert found.subproperties[f"{EX}p"] == {f"{EX}r"}
    store = pyoxigraph.Store()
    store.load(FIXTURE.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    closure.materialise(store)
    ours, theirs = closure_facts(store, found.properties), hermit_facts(found)
    # x is a D by the union, outside the profile: unlisted, it fails the comparison
    union = ("type", f"{EX}x", f"{EX}D")
    assert compared(ours, theirs, {}) == {"invented": [], "unlisted": [union], "stale": []}
    listed = {("type", f"{EX}[xz]", f"{EX}D"): "A ⊑ B ⊔ C, B ⊑ D, C ⊑ D: a union superclass"}
    assert compared(ours, theirs, listed) == {"invented": [], "unlisted": [], "stale": []}
    # an entry that explains nothing is stale; a fact HermiT does not entail is invented
    stale = ("type", f"{EX}y", f"{EX}A")
    assert compared(ours, theirs, {**listed, stale: "?"})["stale"] == [stale]
    invented = ("type", f"{EX}y", f"{EX}C")
    assert compared(ours | {invented}, theirs, listed)["invented"] == [invented]


@pytest.mark.slow
@pytest.mark.reasoner
def test_an_inconsistent_graph_is_said_to_be_so_and_realises_nothing():
    # x is an A, and an A is a D (by the union): an A cannot be a D
    graph = rdflib.Graph().parse(data=FIXTURE + ":A owl:disjointWith :D .", format="turtle")
    found = realise(graph)
    assert not found.consistent
    assert (found.types, found.relations) == ({}, frozenset())


def test_hermits_command_line_text_is_read_whole():
    """HermiT lists each individual's most specific classes and each pair under its most
    specific properties, an inverse among them: the rest is its hierarchies' closure."""
    text = "\n".join(
        [
            f"SubClassOf( <{EX}B> <{EX}A> )",
            f"SubClassOf( <{EX}A> owl:Thing )",
            f"EquivalentClasses( <{EX}B> <{EX}B2> )",
            f"Type( <{EX}x> <{EX}B> )",
            f"Type( <{EX}t> owl:Thing )",
            f"EquivalentObjectProperties( <{EX}in> ObjectInverseOf( <{EX}has> ) )",
            f"SubObjectPropertyOf( <{EX}has> <{EX}relatedTo> )",
            f"SubDataPropertyOf( <{EX}start> <{EX}date> )",
            f"<{EX}in> (known instances: (<{EX}x>, <{EX}y>) | possible instances: ) ",
            f"<{EX}has> (known instances:  | possible instances: (<{EX}a>, <{EX}b>)) ",
            "owl:topObjectProperty (known instances:  | possible instances: ) ",
        ]
    )
    found = read_realisation(text)
    assert found.types == {f"{EX}x": {f"{EX}A", f"{EX}B", f"{EX}B2"}}  # t: owl:Thing alone
    assert found.relations == {
        (f"{EX}x", f"{EX}in", f"{EX}y"),
        (f"{EX}y", f"{EX}has", f"{EX}x"),
        (f"{EX}y", f"{EX}relatedTo", f"{EX}x"),
    }
    assert found.properties == {f"{EX}in", f"{EX}has"}
    assert found.undecided == {(f"{EX}a", f"{EX}has", f"{EX}b")}
    assert found.subclasses[f"{EX}B"] == {f"{EX}A", f"{EX}B2"}
    assert found.subproperties == {
        f"{EX}has": {f"{EX}relatedTo"},
        f"{EX}start": {f"{EX}date"},
    }


# -- the shipped graph ------------


@pytest.fixture(scope="module")
def shipped():
    files = graph_files(ROOT)
    store = stores.load_store(files)
    closure.materialise(store)
    return load_rdflib(files), store


@pytest.fixture(scope="module")
def hermit(shipped):
    graph, _ = shipped
    return realise(graph)


@pytest.mark.slow
@pytest.mark.reasoner
def test_every_named_individual_has_hermits_types_and_property_values(shipped, hermit):
    _, store = shipped
    assert hermit.consistent
    assert hermit.undecided == frozenset()  # every pair of individuals decided
    ours, theirs = closure_facts(store, hermit.properties), hermit_facts(hermit)
    assert compared(ours, theirs, DL_ONLY) == {"invented": [], "unlisted": [], "stale": []}
    # what was compared: every named individual, and the values of every object property,
    # the chain's and the transitive property's among them
    assert len({f[1] for f in theirs if f[0] == "type"}) > 300
    relations = {f[2] for f in theirs if f[0] == "relation"}
    assert {f"{HKIT}holdsPost", f"{HKIT}locatedIn", f"{ORG}holds"} <= relations


@pytest.mark.slow
@pytest.mark.reasoner
def test_the_closures_subclass_and_subproperty_pairs_are_hermits(shipped, hermit):
    _, store = shipped
    for predicate, theirs in (
        (rdflib.RDFS.subClassOf, hermit.subclasses),
        (rdflib.RDFS.subPropertyOf, hermit.subproperties),
    ):
        ours = {(a, b) for a, b in known(store, f"?a <{predicate}> ?b") if not b.startswith(W3C)}
        assert sorted(ours) == sorted((a, b) for a, supers in theirs.items() for b in supers)


@pytest.mark.slow
@pytest.mark.reasoner
def test_the_graph_with_its_closure_is_consistent(shipped):
    graph, store = shipped
    inferred = inferred_graph(store)
    assert len(inferred) > 1000
    report = run_hermit(graph + inferred)
    assert report.consistent
    assert report.ok  # and every class satisfiable


def test_a_reasoner_that_fails_is_one_line_of_error(monkeypatch, tmp_path):
    # a "Java" that fails at once and says nothing (a script of this Python: no shell needed)
    fails = tmp_path / "java"
    fails.write_text(f"#!{sys.executable}\nraise SystemExit(1)\n", encoding="utf-8")
    fails.chmod(0o755)
    monkeypatch.setenv("HKIT_JAVA", str(fails))
    with pytest.raises(ReasonerError) as failed:
        realise(rdflib.Graph().parse(data=FIXTURE, format="turtle"))
    assert str(failed.value) == "the reasoner failed: no output"
