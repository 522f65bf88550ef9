"""The claims ledger (data/claims.tsv): every sentence of every source document has a row,
naming the nodes that encode its claims or saying why it has none (see data/claims.md)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import rdflib
from helpers import ROOT

from hkit.quality.sentences import collapse, split_sentences
from hkit.store.files import HKIT, HKIT_ID, ONTOLOGY, data_files
from hkit.store.rdf import load_rdflib

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SOURCES = Path(os.environ.get("HKIT_SOURCES", ROOT.parent / "shared" / "sources"))
LEDGER = ROOT / "data" / "claims.tsv"
COLUMNS = ["source", "sentence", "nodes", "reason"]
PREFIXES = {"id": str(HKIT_ID), "hkit": str(HKIT)}

needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"the source documents are not at {SOURCES}"
)


def read_ledger() -> list[dict[str, str]]:
    with LEDGER.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def documents() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.txt"))}


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return load_rdflib([*data_files(ROOT), ROOT / ONTOLOGY])


def test_split_sentences_keeps_names_and_quotations_whole():
    text = (
        "Backed by Nobel Laureate Sir Michael Houghton and Dr. Robert J. Spiegel. Their support "
        "matters.\n\n"
        "\u201cHong Kong is a hub,\u201d says Prof. Nancy Ip. \u201cIt grows.\u201d She adds "
        "more.\n"
        "Mr. Lee met Ms. Chan at St. Paul vs. the rest, e.g. Acme Co. Ltd. and Beta Corp. "
        "Inc. No. 5 won.\n"
        "It said \u201cthe city is an ideal place\u201d. 30 firms came! Why? Nobody   knows.\n"
        "A heading without a full stop\n"
        "  \n"
        "He was \u201cready.\u201d Then he left. i.e. nothing. Prices rose 0.5 per cent.\n"
    )
    assert split_sentences(text) == [
        "Backed by Nobel Laureate Sir Michael Houghton and Dr. Robert J. Spiegel.",
        "Their support matters.",
        "\u201cHong Kong is a hub,\u201d says Prof. Nancy Ip.",
        "\u201cIt grows.\u201d",
        "She adds more.",
        "Mr. Lee met Ms. Chan at St. Paul vs. the rest, e.g. Acme Co. Ltd. and Beta Corp. "
        "Inc. No. 5 won.",
        "It said \u201cthe city is an ideal place\u201d.",
        "30 firms came!",
        "Why?",
        "Nobody knows.",
        "A heading without a full stop",
        "He was \u201cready.\u201d",
        "Then he left. i.e. nothing.",
        "Prices rose 0.5 per cent.",
    ]


def test_ledger_header_and_columns():
    with LEDGER.open(encoding="utf-8", newline="") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        assert header == COLUMNS
        for n, line in enumerate(fh, start=2):
            assert line.endswith("\n"), f"line {n}: no newline at the end"
            assert len(line.rstrip("\n").split("\t")) == len(COLUMNS), f"line {n}: not 4 columns"


def test_ledger_has_no_duplicate_rows():
    seen = set()
    duplicates = []
    for row in read_ledger():
        key = (row["source"], row["sentence"])
        if key in seen:
            duplicates.append(key)
        seen.add(key)
    assert not duplicates, "\n".join(map(str, duplicates))


def test_every_row_has_nodes_or_a_reason_but_not_both():
    problems = [
        f"{row['source']}: {row['sentence'][:60]!r}"
        for row in read_ledger()
        if bool(row["nodes"].strip()) == bool(row["reason"].strip())
    ]
    assert not problems, "rows with both or neither of nodes and reason:\n" + "\n".join(problems)


def test_every_node_exists_and_cites_the_rows_document(graph):
    subjects = set(graph.subjects())
    doc_of = {str(name): doc for doc, name in graph.subject_objects(HKIT.fileName)}
    problems = []
    for row in read_ledger():
        where = f"{row['source']}: {row['sentence'][:50]!r}"
        document = doc_of.get(row["source"])
        if document is None:
            problems.append(f"{where}: no document node has that hkit:fileName")
            continue
        for curie in row["nodes"].split():
            prefix, _, local = curie.partition(":")
            if prefix not in PREFIXES or not local:
                problems.append(f"{where}: {curie} is not an id: or hkit: name")
                continue
            node = rdflib.URIRef(PREFIXES[prefix] + local)
            if node not in subjects:
                problems.append(f"{where}: no node {curie}")
            elif (
                prefix == "id"
                and node != document
                and (node, PROV.wasDerivedFrom, document) not in graph
            ):
                problems.append(f"{where}: {curie} does not cite {row['source']}")
    assert not problems, "\n".join(problems)


@needs_sources
def test_every_sentence_of_every_document_has_a_row():
    ledger = {(row["source"], row["sentence"]) for row in read_ledger()}
    missing = [
        (name, sentence)
        for name, text in documents().items()
        for sentence in dict.fromkeys(split_sentences(text))
        if (name, sentence) not in ledger
    ]
    assert not missing, "sentences with no row:\n" + "\n".join(map(str, missing))


@needs_sources
def test_every_row_is_a_sentence_of_its_document():
    texts = documents()
    sentences = {name: set(split_sentences(text)) for name, text in texts.items()}
    problems = []
    for row in read_ledger():
        name, sentence = row["source"], row["sentence"]
        if name not in texts:
            problems.append(f"{name}: no such document")
        elif sentence not in collapse(texts[name]):
            problems.append(f"{name}: not in the document: {sentence!r}")
        elif sentence not in sentences[name]:
            problems.append(f"{name}: not a sentence by the rule: {sentence!r}")
    assert not problems, "stale rows:\n" + "\n".join(problems)
