"""Which document states which triple: the per-document named graphs (hkit.store.attribution),
the attribution gate of ``hkit check`` with a fixture for each way it fails, the graphs in the
store and in every export that can carry them, and ``describe`` and ``entity-provenance``
showing them fact by fact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from helpers import ROOT, expected_messages

import hkit
from hkit.cli.group import main
from hkit.core.formats import EXPORT, get
from hkit.store import stores
from hkit.store.attribution import ATTRIBUTION_FILE, EDITORIAL, attribute
from hkit.store.files import data_files, graph_files

FIXTURES = Path(__file__).parent / "fixtures" / "attribution"
KG = hkit.open(root=ROOT)
DOC = "https://w3id.org/hkit/id/doc-00"
#: "What does document 002 say about InnoHK?"
SAYS_002 = """SELECT ?p ?o WHERE { GRAPH <https://w3id.org/hkit/id/doc-002> {
    <https://w3id.org/hkit/id/innohk> ?p ?o } } ORDER BY ?p ?o"""
#: What document 002 says about InnoHK, as data/attribution.trig and the data give it.
EXPECTED_002 = {
    ("rdf:type", "hkit:Initiative"),
    ("rdfs:label", "InnoHK"),
    ("hkit:establishedBy", "id:hksar-government"),
    ("hkit:fundingAmount", "id:amount-innohk-hkd"),
    ("hkit:hasPart", "id:air-at-innohk"),
    ("hkit:hasPart", "id:health-at-innohk"),
    ("hkit:hasPart", "id:tsssu"),
    ("hkit:status", "hkit:inOperation"),
    (
        "hkit:aim",
        "InnoHK, which seeks to turn the city into a hub for international research collaboration",
    ),
    (
        "hkit:aim",
        "InnoHK is a platform that brings together leading researchers from around the "
        "world to conduct impactful collaborative research in local universities and research "
        "institutions.",
    ),
    (
        "hkit:aim",
        "It is dedicated to facilitating closer collaboration between the research "
        "community and industries to enhance the effectiveness of I&T development in the city.",
    ),
}


def data_triples() -> set:
    return {q.triple for path in data_files(ROOT) for q in pyoxigraph.parse(path=str(path))}


def compact_rows(rows: list) -> set[tuple[str, str]]:
    from hkit.core.vocab import compact

    return {(compact(p.value), compact(o.value)) for p, o in rows}


# -- the rules and the shipped attribution ------------


def test_every_asserted_triple_is_attributed_and_every_attribution_is_asserted():
    found = attribute(graph_files(ROOT))
    assert found is not None and found.problems == []
    asserted = data_triples()
    attributed = {q.triple for q in found.quads}
    assert attributed == asserted
    graphs = {q.graph_name.value for q in found.quads}
    assert graphs == {EDITORIAL, *(f"{DOC}{n}" for n in range(4))}


def test_the_editor_s_triples_are_never_a_document_s():
    found = attribute(graph_files(ROOT))
    assert found is not None
    documents = [q for q in found.quads if q.graph_name.value != EDITORIAL]
    editorial = {q.triple for q in found.quads if q.graph_name.value == EDITORIAL}
    # citations, editorial notes, the source records, hkit's concept schemes
    for quad in documents:
        assert quad.predicate.value not in (
            "http://www.w3.org/ns/prov#wasDerivedFrom",
            "http://www.w3.org/2004/02/skos/core#editorialNote",
            "http://www.w3.org/2004/02/skos/core#inScheme",
        )
        assert not quad.subject.value.startswith(DOC)
        assert quad.triple not in editorial
    grouping = {q.triple for q in pyoxigraph.parse(path=str(ROOT / "data/sector-grouping.ttl"))}
    assert grouping and grouping <= editorial
    # a label the editor chose (an observation's, naming its source) is the editor's
    label = next(
        q.triple
        for q in found.quads
        if q.predicate.value.endswith("#label") and "(source 000)" in q.object.value
    )
    assert label in editorial


def test_a_triple_stated_by_several_documents_is_in_each_of_their_graphs():
    found = attribute(graph_files(ROOT))
    assert found is not None
    innohk = "https://w3id.org/hkit/id/innohk"
    has_part = "https://w3id.org/hkit/ontology#hasPart"
    graphs = {
        (q.object.value.rsplit("/", 1)[1], q.graph_name.value[-3:])
        for q in found.quads
        if q.subject.value == innohk and q.predicate.value == has_part
    }
    assert graphs == {
        ("health-at-innohk", "000"),
        ("health-at-innohk", "001"),
        ("health-at-innohk", "002"),
        ("air-at-innohk", "000"),
        ("air-at-innohk", "001"),
        ("air-at-innohk", "002"),
        ("third-innohk-cluster", "001"),
        ("tsssu", "002"),
    }


# -- the gate ------------


def copied_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    return root


def gate(root: Path) -> dict:
    others = ("shacl", "reason", "checks", "ledger", "version")
    skips = [a for name in others for a in ("--skip", name)]
    result = CliRunner().invoke(
        main, ["--root", str(root), "check", *skips, "--format", "json"], catch_exceptions=False
    )
    (found,) = [g for g in json.loads(result.output)["gates"] if g["gate"] == "attribution"]
    found["exit"] = result.exit_code
    return found


def with_fixture(root: Path, fixture: Path) -> Path:
    """The copy of the root with the fixture: a Turtle file added to its data, or a TriG file's
    graphs added to its attribution file."""
    if fixture.suffix == ".ttl":
        shutil.copy(fixture, root / "data" / fixture.name)
    else:
        listing = root / "data" / ATTRIBUTION_FILE
        listing.write_text(
            listing.read_text(encoding="utf-8") + fixture.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    return root


def test_the_gate_passes_on_the_shipped_data():
    found = gate(ROOT)
    assert found["result"] == "pass" and found["count"] == 0 and found["exit"] == 0
    assert "attributions to 4 documents and the editor" in found["summary"]


def test_a_new_fact_about_a_node_that_cites_one_document_is_attributed_by_rule(tmp_path):
    root = with_fixture(copied_root(tmp_path), FIXTURES / "single-source.ttl")
    assert gate(root)["result"] == "pass"
    store = hkit.open(root=root).store
    quads = store.quads_for_pattern(
        pyoxigraph.NamedNode("https://w3id.org/hkit/id/tsssu"),
        pyoxigraph.NamedNode("https://w3id.org/hkit/ontology#focusArea"),
        None,
        None,
    )
    assert {str(q.graph_name) for q in quads} == {
        "DEFAULT",
        "<https://w3id.org/hkit/id/doc-002>",
    }


FAILING = sorted(p.name for p in FIXTURES.iterdir() if expected_messages(p))


def test_every_way_the_gate_fails_has_a_fixture():
    assert FAILING == [
        "both.trig",
        "editorial.trig",
        "not-a-document.trig",
        "not-asserted.trig",
        "not-cited.trig",
        "unattributed.ttl",
    ]


@pytest.mark.parametrize("name", FAILING)
def test_the_gate_fails_on_a_broken_fixture_and_names_the_problem(name, tmp_path):
    fixture = FIXTURES / name
    found = gate(with_fixture(copied_root(tmp_path), fixture))
    assert found["result"] == "fail" and found["exit"] == 1
    (expected,) = expected_messages(fixture)
    assert any(p.startswith(expected) for p in found["problems"]), found["problems"]


def test_without_an_attribution_file_the_gate_is_skipped(tmp_path):
    root = copied_root(tmp_path)
    (root / "data" / ATTRIBUTION_FILE).unlink()
    found = gate(root)
    assert found["result"] == "skipped" and found["exit"] == 0


def test_an_attribution_file_that_does_not_parse_is_one_line(tmp_path):
    root = copied_root(tmp_path)
    (root / "data" / ATTRIBUTION_FILE).write_text("id:doc-002 { nonsense", encoding="utf-8")
    found = gate(root)
    assert found["result"] == "ERROR".lower() and found["exit"] == 2
    (problem,) = found["problems"]
    assert ATTRIBUTION_FILE in problem and "\n" not in problem


# -- the store ------------


def test_the_store_keeps_the_union_once_and_each_document_s_graph_beside_it():
    store = KG.store
    default = {
        q.triple for q in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
    }
    files = {q.triple for p in graph_files(ROOT) for q in pyoxigraph.parse(path=str(p))}
    assert len(default) == len(files)  # (the ontology's blank nodes differ)
    assert data_triples() <= default
    # a triple that three documents state is one row of a query's default graph
    rows = KG.sparql("SELECT ?o WHERE { id:innohk hkit:hasPart ?o } ORDER BY ?o").rows
    assert [r["o"].value.rsplit("/", 1)[1] for r in rows] == [
        "air-at-innohk",
        "health-at-innohk",
        "third-innohk-cluster",
        "tsssu",
    ]
    assert compact_rows([(r["p"], r["o"]) for r in KG.sparql(SAYS_002).rows]) == EXPECTED_002


def test_asserted_only_still_sees_the_documents_graphs():
    rows = hkit.open(root=ROOT, asserted=True).sparql(SAYS_002).rows
    assert compact_rows([(r["p"], r["o"]) for r in rows]) == EXPECTED_002


def test_a_changed_attribution_file_makes_a_new_on_disk_store_key(tmp_path):
    root = copied_root(tmp_path)
    files = graph_files(root)
    before = stores._store_key(files)
    listing = root / "data" / ATTRIBUTION_FILE
    listing.write_text(listing.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert stores._store_key(files) != before


# -- every export that can carry them ------------


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_the_dataset_exports_keep_each_document_s_graph(fmt):
    store = pyoxigraph.Store()
    media = pyoxigraph.RdfFormat.from_media_type(get(fmt, EXPORT).media_type)
    store.load(KG.export(fmt), format=media)
    rows = [(s["p"], s["o"]) for s in store.query(SAYS_002)]
    assert compact_rows(rows) == EXPECTED_002
    # every document's graph, as the embedded store holds it
    for n in range(4):
        graph = pyoxigraph.NamedNode(f"{DOC}{n}")
        theirs = {q.triple for q in store.quads_for_pattern(None, None, None, graph)}
        ours = {q.triple for q in KG.store.quads_for_pattern(None, None, None, graph)}
        assert theirs == ours and theirs


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml"])
def test_the_triple_exports_hold_the_union_without_the_documents(fmt):
    media = pyoxigraph.RdfFormat.from_media_type(get(fmt, EXPORT).media_type)
    parsed = list(pyoxigraph.parse(KG.export(fmt), format=media))
    assert {q.graph_name for q in parsed} == {pyoxigraph.DefaultGraph()}
    triples = {q.triple for q in parsed}
    union = {
        q.triple for q in KG.store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
    }
    assert len(triples) == len(union)  # each triple once: the documents' graphs add nothing
    assert data_triples() <= triples


# -- describe and entity-provenance ------------


def test_describe_shows_which_documents_state_each_fact():
    text = KG.describe("id:innohk").as_text()
    assert "  type:      initiative [000, 002]\n" in text
    assert "    has part: Technology Start-up Support Scheme for Universities [002]\n" in text
    assert "    has part: Health@InnoHK [000, 001, 002]\n" in text
    assert "    Health@InnoHK (part of) [000, 001, 002]\n" in text
    data = KG.describe("id:innohk").as_dict()
    assert len(data["outgoing_sources"]) == len(data["outgoing"])
    assert all(data["outgoing_sources"])  # each of InnoHK's relations has its documents


def test_entity_provenance_gives_a_row_for_each_document_that_states_a_fact():
    rows = KG.query("entity-provenance", entity="id:innohk").rows
    facts = {(r["source"].value[:3], r["fact"].value) for r in rows}
    assert (
        "002",
        "InnoHK | has part | Technology Start-up Support Scheme for Universities",
    ) in facts
    assert (
        "000",
        "InnoHK | has part | Technology Start-up Support Scheme for Universities",
    ) not in facts
    assert {s for s, f in facts if f == "InnoHK | has part | Health@InnoHK"} == {
        "000",
        "001",
        "002",
    }
    # a citation is the editor's, never a fact of a document
    assert not any("derived from" in f for _, f in facts)


def test_the_documents_graphs_are_kept_in_the_cache_and_a_file_cut_short_is_made_again(
    tmp_path, monkeypatch
):
    from hkit.store.attribution import add_graphs

    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    files = graph_files(ROOT)
    kept = stores._kept_file(files, "attributions", ".nq")
    assert kept is not None and not kept.exists()
    made = pyoxigraph.Store()
    assert add_graphs(made, files, kept) == len(made) > 0
    assert kept.is_file()
    expected = set(made)
    read_back = pyoxigraph.Store()
    add_graphs(read_back, files, kept)
    assert set(read_back) == expected
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short, as by a crash while writing
    again = pyoxigraph.Store()
    add_graphs(again, files, kept)
    assert set(again) == expected
    assert kept.read_bytes().endswith(b"# the end\n")
