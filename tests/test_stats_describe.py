"""``hkit describe`` tells what the documents state from what the ontology entails: it keeps
its sections for the asserted facts and puts the inferred ones in a block of their own, without
a source. In process through click's CliRunner, on the shipped graph."""

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
        "    relations:\n"
        "      organises: HKUST delegation to Abu Dhabi and Dubai, 2024\n"
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
