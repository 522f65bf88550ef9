"""``hkit stats`` and ``hkit describe`` tell what the documents state from what the ontology
entails: stats counts both side by side (the asserted column alone with ``--asserted``), and
describe keeps its sections for the asserted facts and puts the inferred ones in a block of
their own, without a source. In process through click's CliRunner, on the shipped graph."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit.cli.group import main
from hkit.present.explore import Inferred
from hkit.store.closure import INFERRED

ID = "https://w3id.org/hkit/id/"
#: The line that opens describe's block of inferred facts.
BLOCK = "  inferred (entailed by the ontology; no document states it):\n"


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def count(text: str, *options: str) -> int:
    """The one number that ``hkit sparql`` answers to a COUNT query."""
    answer = json.loads(cli("sparql", text, "--format", "json", *options))
    return int(answer["results"]["bindings"][0]["n"]["value"])


# -- stats ------------


@pytest.fixture(scope="module")
def stats() -> dict:
    return json.loads(cli("stats", "--format", "json"))


@pytest.mark.parametrize(
    ("cls", "asserted", "entailed"),
    [
        ("hkit:Organisation", 6, 51),
        ("hkit:Company", 6, 11),
        ("hkit:Event", 2, 12),
        ("hkit:University", 14, 14),
        ("hkit:Agent", 0, 73),  # an instance only by what the ontology entails
        ("hkit:Place", 0, 27),
    ],
)
def test_stats_counts_each_class_asserted_and_entailed(stats, cls, asserted, entailed):
    """Per class, the entities a document gives the class and those with what the ontology
    entails: the numbers of today's data, and what a SPARQL count gives on the graph with and
    without the closure."""
    per_class = {c: (a, e) for c, a, e in stats["per_class"]}
    assert per_class[cls] == (asserted, entailed)
    query = (
        f"PREFIX hkit: <https://w3id.org/hkit/ontology#> SELECT (COUNT(DISTINCT ?x) AS ?n) "
        f'WHERE {{ ?x a {cls} FILTER(STRSTARTS(STR(?x), "{ID}")) }}'
    )
    assert count(query) == entailed
    assert count(query, "--asserted") == asserted


def test_stats_counts_triples_asserted_and_inferred(stats):
    """``triples`` are the asserted ones and ``inferred`` those the closure adds: together the
    graph that queries see; the nodes per source document cite it by asserted triples."""
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert stats["triples"] == count(everything, "--asserted")
    assert stats["inferred"] == count(
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
    )
    assert stats["inferred"] > 1000
    assert stats["triples"] + stats["inferred"] == count(everything)
    assert dict(stats["per_source"])["001_6b075fc54bbad20f.txt"] == 201


def test_stats_sorts_by_entailed_count_then_name(stats):
    keys = [(-e, c) for c, _, e in stats["per_class"]]
    assert keys == sorted(keys)
    assert all(c.startswith("hkit:") and e >= a for c, a, e in stats["per_class"])


def test_stats_text_has_the_two_columns_and_fits_80_columns(stats):
    text = cli("stats")
    lines = text.splitlines()
    total = stats["triples"] + stats["inferred"]
    assert lines[0] == (
        f"triples: {stats['triples']:,} asserted, {stats['inferred']:,} inferred ({total:,} in all)"
    )
    assert "entities per class, asserted and with what the ontology entails:" in lines
    heading = lines.index("entities per class, asserted and with what the ontology entails:")
    assert lines[heading + 1].split() == ["asserted", "entailed"]
    for cls, asserted, entailed in stats["per_class"]:
        assert f"  {cls}  " in text
        row = next(line for line in lines if line.split()[:1] == [cls])
        assert row.split() == [cls, f"{asserted:,}", f"{entailed:,}"]
        # the numbers right-aligned under their headings
        assert len(row) == len(lines[heading + 1])
    assert max(map(len, lines)) <= 80


def test_stats_asserted_counts_the_documents_alone_and_says_so(stats):
    """With --asserted no closure is computed: one column (what --asserted shares with the
    two-column stats), a line that says so, and null where the entailed numbers would be."""
    alone = json.loads(cli("stats", "--format", "json", "--asserted"))
    assert alone["triples"] == stats["triples"] and alone["inferred"] is None
    assert all(e is None for _, _, e in alone["per_class"])
    assert {(c, a) for c, a, _ in alone["per_class"]} == {
        (c, a) for c, a, _ in stats["per_class"] if a
    }
    assert ["hkit:Organisation", 6, None] in alone["per_class"]
    assert alone["per_source"] == stats["per_source"]
    text = cli("stats", "--asserted")
    lines = text.splitlines()
    assert lines[0] == f"triples: {stats['triples']:,}"
    assert "entities per class (asserted only: what the ontology entails is left out):" in lines
    assert "entailed" not in text.replace("what the ontology entails", "")
    assert any(line.split() == ["hkit:Organisation", "6"] for line in lines)
    assert not any(line.split()[:1] == ["hkit:Agent"] for line in lines)


# -- describe ------------


@pytest.mark.parametrize("name", ["hkust", "innohk", "john-lee", "hong-kong", "hkstp"])
def test_describe_keeps_the_asserted_sections_and_adds_the_inferred_block(name):
    """Everything before the inferred block is what ``--asserted`` prints (the documents'
    statements, unchanged); the block comes last, and names no source."""
    text = cli("describe", f"id:{name}")
    asserted = cli("describe", f"id:{name}", "--asserted")
    assert BLOCK not in asserted
    before, block = text.split(BLOCK)
    assert before == asserted
    for marker in ("source 00", ".txt", "sources:", "figures:"):
        assert marker not in block
    sub = block.split("    in other vocabularies:\n")
    assert len(sub) == 2 and all(len(line) <= 79 for line in sub[1].splitlines())


def test_describe_shows_what_is_only_inferred_in_the_block():
    """john-lee holds his post by the property chain, takes part in the events he spoke at
    (speaker is a sub-property of participant), and is a prov:Agent: all in the block, none in
    the asserted sections."""
    before, block = cli("describe", "id:john-lee").split(BLOCK)
    assert "    type:      agent\n" in block
    assert "    relations:\n      holds post: Chief Executive of Hong Kong\n" in block
    assert "      InnoHK Summit 2023 (participant)\n" in block
    assert "      type:         foaf:Agent, foaf:Person, prov:Agent, schema:Person\n" in block
    assert "      relations:    org:holds\n" in block
    assert "prov:wasAttributedTo (9)" in block
    for inferred in ("holds post", "(participant)", "agent", "prov:Agent", "org:holds"):
        assert inferred not in before.replace("Chief Executive", "")
    hkust = cli("describe", "id:hkust").split(BLOCK)[1]
    assert hkust.startswith(
        "    type:      agent, organisation\n"
        "    referred to by:\n"
        "      Eesa Al Bastaki's sabbatical at HKUST, 2008 (participant)\n"
        "    in other vocabularies:\n"
        "      type:         foaf:Agent, frapo:University, org:Organization, prov:Agent,\n"
        "                    schema:CollegeOrUniversity, schema:Organization\n"
    )


@pytest.mark.parametrize("name", ["hkust", "innohk", "john-lee", "hong-kong"])
def test_describe_json_keeps_inferred_facts_apart(name):
    """JSON: the fields of the asserted facts are those of --asserted; ``inferred`` holds the
    rest (types, outgoing, incoming), none of it among the asserted facts; with --asserted it
    is null. Each inferred relation is a triple of the inferred graph."""
    full = json.loads(cli("describe", f"id:{name}", "--format", "json"))
    alone = json.loads(cli("describe", f"id:{name}", "--format", "json", "--asserted"))
    inferred = full.pop("inferred")
    assert alone.pop("inferred") is None
    assert full == alone
    assert set(inferred) == {"types", "outgoing", "incoming"}
    assert inferred["types"] and inferred["incoming"]
    assert not set(inferred["types"]) & set(full["types"])
    assert not {tuple(p) for p in inferred["outgoing"]} & {tuple(p) for p in full["outgoing"]}
    assert not {tuple(p) for p in inferred["incoming"]} & {tuple(p) for p in full["incoming"]}
    in_graph = count(
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{INFERRED}> {{ <{ID}{name}> ?p ?o }} }}"
    ) - len(inferred["types"])
    assert len(inferred["outgoing"]) == in_graph


def test_the_library_gives_the_inferred_block():
    kg = hkit.open(root=ROOT)
    described = kg.describe("id:john-lee")
    assert described.inferred is not None
    assert ("holds post", "Chief Executive of Hong Kong") in described.inferred.outgoing
    assert hkit.open(root=ROOT, asserted=True).describe("id:john-lee").inferred is None


def test_the_inferred_block_lists_other_vocabularies_compactly():
    """hkit's own terms line by line as the asserted sections show them; the other
    vocabularies' types by name, and their properties once each, with how many links."""
    block = Inferred(
        types=["agent", "schema:Place", "prov:Location"],
        outgoing=[("contains place", "Tai Po"), ("schema:containsPlace", "Tai Po")],
        incoming=[
            ("located in", "Mars Centre"),
            ("prov:atLocation", "Mars Centre"),
            ("prov:atLocation", "InnoPARK Tai Po"),
            ("http://example.org/near", "Tai Po"),
        ],
    )
    assert block.ours() == Inferred(
        ["agent"], [("contains place", "Tai Po")], [("located in", "Mars Centre")]
    )
    assert Inferred().as_text() == [BLOCK.rstrip("\n")]
    assert not Inferred()
    assert block.as_text() == [
        BLOCK.rstrip("\n"),
        "    type:      agent",
        "    relations:",
        "      contains place: Tai Po",
        "    referred to by:",
        "      Mars Centre (located in)",
        "    in other vocabularies:",
        "      type:         schema:Place, prov:Location",
        "      relations:    schema:containsPlace",
        "      links to it:  prov:atLocation (2), http://example.org/near",
    ]
    long = Inferred(types=[f"schema:Class{i:02}" for i in range(12)])
    lines = long.as_text()[2:]
    assert all(len(line) <= 79 for line in lines) and len(lines) == 4  # three a line
    assert [item for line in lines for item in line[20:].rstrip(",").split(", ")] == [
        f"schema:Class{i:02}" for i in range(12)
    ]
