"""The shipped data: conforms to the shapes, is consistent, quotes its documents verbatim,
accounts for every number in them, and names each thing once."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
import rdflib
from helpers import ROOT
from rdflib.namespace import RDF, RDFS

import hkit
from hkit.store.files import HKIT, HKIT_ID, data_files
from hkit.store.rdf import load_rdflib

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SOURCES = Path(os.environ.get("HKIT_SOURCES", ROOT.parent / "shared" / "sources"))
LEDGER = ROOT / "data" / "coverage.tsv"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")

needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"the source documents are not at {SOURCES}"
)


@pytest.fixture(scope="module")
def data_graph() -> rdflib.Graph:
    return load_rdflib(data_files(ROOT))


@pytest.fixture(scope="module")
def full_graph(data_graph, ontology_graph) -> rdflib.Graph:
    return data_graph + ontology_graph


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def typed_subjects(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {
        s
        for s, o in graph.subject_objects(RDF.type)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(str(HKIT_ID))
    }


def test_data_conforms_to_the_shapes():
    report = hkit.open(root=ROOT).validate()
    assert report.conforms, "\n".join(f"{v.focus} {v.path}: {v.message}" for v in report.violations)


@pytest.mark.slow  # eight seconds; CI runs it (the golden `check` output runs the reason gate)
@pytest.mark.reasoner
def test_ontology_and_data_are_consistent():
    report = hkit.open(root=ROOT).reason(timeout=300)
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.set_aside, "the data's dates are set aside, and reported"


def test_every_entity_has_a_source(data_graph):
    source_docs = set(data_graph.subjects(RDF.type, HKIT.SourceDocument)) | set(
        data_graph.subjects(RDF.type, HKIT.NewsArticle)
    )
    source_docs |= set(data_graph.subjects(RDF.type, HKIT.FeatureArticle))
    source_docs |= set(data_graph.subjects(RDF.type, HKIT.BlogPost))
    unsourced = [
        s
        for s in typed_subjects(data_graph)
        if s not in source_docs and data_graph.value(s, PROV.wasDerivedFrom) is None
    ]
    assert not unsourced, sorted(unsourced)
    assert len(source_docs) == 4


def test_no_blank_nodes_in_the_data(data_graph):
    blanks = {t for triple in data_graph for t in triple if isinstance(t, rdflib.BNode)}
    assert not blanks


def test_no_two_nodes_share_a_type_and_a_label(data_graph):
    seen: dict[tuple[str, str], rdflib.URIRef] = {}
    problems = []
    for s in typed_subjects(data_graph):
        for label in data_graph.objects(s, RDFS.label):
            for cls in data_graph.objects(s, RDF.type):
                key = (str(cls), str(label).lower())
                if key in seen and seen[key] != s:
                    problems.append(f"{s} and {seen[key]}: {label}")
                seen[key] = s
    assert not problems, "\n".join(problems)


def test_per_class_counts(full_graph):
    """The size of the graph's main classes; a change here must be deliberate."""
    from helpers import graph_counts

    per_class, per_source = graph_counts(full_graph)
    assert per_class == {
        "Person": 13,
        "Organisation": 51,
        "GovernmentBody": 3,
        "StatutoryBody": 1,
        "University": 14,
        "ResearchInstitution": 10,
        "ResearchCluster": 3,
        "Company": 11,
        "Unicorn": 5,
        "Initiative": 30,
        "Fund": 8,
        "Scheme": 11,
        "PolicyMeasure": 7,
        "Place": 27,
        "Event": 12,
        "Agreement": 3,
        "Post": 12,
        "Appointment": 13,
        "Observation": 44,
        "Target": 3,
        "MonetaryAmount": 14,
        "Statement": 61,
        "Quotation": 20,
        "Plan": 5,
        "Allocation": 1,
        "EligibilityCriterion": 4,
    }
    assert len(per_source) == 4 and all(n > 0 for n in per_source.values())


def _documents(graph: rdflib.Graph) -> dict[rdflib.URIRef, str]:
    return {s: str(o) for s, o in graph.subject_objects(HKIT.fileName)}


@needs_sources
def test_every_source_document_file_exists(data_graph):
    names = set(_documents(data_graph).values())
    assert names == {p.name for p in SOURCES.glob("*.txt")}


#: Properties whose values are the documents' own words, checked verbatim against them.
VERBATIM = (
    HKIT.evidence,
    HKIT.text,
    HKIT.aim,
    HKIT.describedAs,
    HKIT.earliestDateEvidence,
    HKIT.latestDateEvidence,
)


@needs_sources
def test_every_quote_is_verbatim_in_its_document(data_graph):
    documents = {
        doc: normalise((SOURCES / name).read_text(encoding="utf-8"))
        for doc, name in _documents(data_graph).items()
    }
    problems = []
    quotes = 0
    for prop in VERBATIM:
        for node, quote in data_graph.subject_objects(prop):
            sources = list(data_graph.objects(node, PROV.wasDerivedFrom))
            if node in documents:
                sources = [node]
            if prop == HKIT.evidence:
                # a stated fact's quote comes from its one document (several: hkit:hasReference)
                assert len(sources) == 1, f"{node} has evidence but cites {len(sources)} documents"
            quotes += 1
            text = normalise(str(quote))
            if not any(text in documents[source] for source in sources):
                problems.append(f"{node} {prop}: {quote!r}")
            if prop == HKIT.evidence and (len(text) > 300 or text.count(". ") > 1):
                problems.append(f"{node}: quote longer than a sentence")
    assert quotes >= 150
    assert not problems, "\n".join(problems)


def read_ledger() -> list[dict[str, str]]:
    with LEDGER.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_ledger_rows_are_well_formed_and_point_at_real_nodes(full_graph):
    prefixes = {"id:": str(HKIT_ID), "hkit:": str(HKIT)}
    subjects = set(full_graph.subjects())
    problems = []
    for row in read_ledger():
        if not (row["encoded_by"].strip() or row["reason"].strip()):
            problems.append(f"{row}: neither encoded nor explained")
        for curie in row["encoded_by"].split():
            prefix, _, local = curie.partition(":")
            iri = rdflib.URIRef(prefixes[prefix + ":"] + local)
            if iri not in subjects:
                problems.append(f"{row['document']} {row['number']}: no node {curie}")
    assert not problems, "\n".join(problems)


@needs_sources
def test_ledger_accounts_for_every_number_in_every_document():
    ledger = {(row["document"], row["number"]) for row in read_ledger()}
    found = set()
    for path in sorted(SOURCES.glob("*.txt")):
        for number in NUMBER.findall(path.read_text(encoding="utf-8")):
            found.add((path.name, number.rstrip(",")))
    assert sorted(found - ledger) == [], "numbers with no ledger row"
    assert sorted(ledger - found) == [], "ledger rows for numbers that are not in the documents"


def test_readme_counts_are_current():
    """The README's tables are what `hkit stats` counts: per class the entities a document gives
    the class and those with what the ontology entails; per source document the nodes citing it."""
    from helpers import README_COUNT_CLASSES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is in the graph", 1)[1].split("\n## ", 1)[0]
    assert "| class | asserted | with what the ontology entails |" in section
    stats = hkit.open(root=ROOT).stats()
    counted = {name: (asserted, entailed) for name, asserted, entailed in stats.per_class}
    rows = re.findall(r"^\| `(hkit:\w+)` \| (\d+) \| (\d+) \|$", section, re.M)
    assert [name for name, _, _ in rows] == [f"hkit:{n}" for n in README_COUNT_CLASSES]
    for name, asserted, entailed in rows:
        assert counted[name] == (int(asserted), int(entailed)), f"README count for {name} is stale"
    assert stats.per_source
    for name, n in stats.per_source:
        assert re.search(rf"\| `{re.escape(name)}` \| .+ \| {n} \|", section), name
