"""The claims ledger as a tool (hkit.quality.ledger, hkit ledger, the ledger gate of hkit check):
each reason kind of the closed list on a passing and a failing fixture (tests/fixtures/ledger/),
a document taken out of a copy of the graph and registered again, and the command's errors."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from helpers import FIXTURES, ROOT

from hkit.cli.group import main
from hkit.cli.options import COMMANDS
from hkit.core.errors import InputError
from hkit.quality.ledger import (
    KINDS,
    LEDGER,
    NOT_ENCODED,
    TO_DO,
    TO_FILL,
    check_ledger,
    parse_reason,
    read_ledger,
)
from hkit.quality.sentences import numbered, read_document, split_sentences
from hkit.store.files import ONTOLOGY
from hkit.store.rdf import strict_parse

HERE = FIXTURES / "ledger"
DOCUMENT = "001_fixture.txt"
SOURCES = Path(os.environ.get("HKIT_SOURCES", ROOT.parent / "shared" / "sources"))
needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"the source documents are not at {SOURCES}"
)
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
HKIT = rdflib.Namespace("https://w3id.org/hkit/ontology#")


def _failing() -> list[dict[str, str]]:
    with (HERE / "failing.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


FAILING = _failing()


@pytest.fixture
def fixture_root(tmp_path) -> tuple[Path, Path]:
    """A root holding the fixture ledger, and a sources folder holding the fixture document."""
    root, sources = tmp_path / "root", tmp_path / "sources"
    (root / "data").mkdir(parents=True)
    sources.mkdir()
    shutil.copy(HERE / "claims.tsv", root / LEDGER)
    shutil.copy(HERE / DOCUMENT, sources / DOCUMENT)
    return root, sources


def _check(root: Path, sources: Path):
    return check_ledger(root, [ROOT / ONTOLOGY, HERE / "graph.ttl"], sources)


def _set_row(root: Path, number: int, nodes: str, reason: str) -> int:
    """Give sentence ``number`` of the fixture document these nodes and this reason; return
    the row's line."""
    text = read_document(HERE / DOCUMENT)
    sentence = {n: s for s, n in numbered(text).items()}[number]
    path = root / LEDGER
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, row in enumerate(lines) if row.split("\t")[1:2] == [sentence])
    lines[line] = "\t".join([DOCUMENT, sentence, nodes, reason])
    path.write_text("\n".join(lines), encoding="utf-8")
    return line + 1


# -- the closed list, on its fixtures ------------


def test_the_passing_fixture_uses_every_kind_and_passes(fixture_root):
    rows, _ = read_ledger(HERE / "claims.tsv")
    used = {parse_reason(row.reason).kind for row in rows if row.reason}
    assert used == {kind.name for kind in KINDS}
    report = _check(*fixture_root)
    assert report.passed, "\n".join(map(str, report.findings))
    (document,) = report.documents
    assert (document.sentences, document.nodes, document.reason) == (10, 1, 8)
    # a claim not encoded is reported as work to do, with its sentence, and fails nothing
    (to_do,) = report.findings
    assert (to_do.what, to_do.number, to_do.message) == (TO_DO, 10, "the year the park opened")
    assert report.exit_code == 0 and document.not_encoded == 1


def test_every_kind_has_a_failing_fixture_and_an_example():
    assert {row["kind"] for row in FAILING} == {kind.name for kind in KINDS}
    for kind in KINDS:
        assert parse_reason(kind.example).kind == kind.name


@pytest.mark.parametrize(
    "case", FAILING, ids=[f"{row['kind']}: {row['reason'] or '(empty)'}" for row in FAILING]
)
def test_each_kind_refuses_its_failing_fixture(fixture_root, case):
    root, sources = fixture_root
    line = _set_row(root, int(case["sentence"]), case["nodes"], case["reason"])
    report = _check(root, sources)
    assert not report.passed and report.exit_code == 1
    shown = [str(f) for f in report.failures]
    assert any(case["found"] in text for text in shown), shown
    if case["reason"]:
        assert any(f.line == line for f in report.failures), shown


@pytest.mark.parametrize(
    "excuse",
    [
        "nothing worth encoding here",
        "opinion",
        "too vague",
        "heading-ish",
        "repeat",
        "Heading: the title",
        " : the title",
    ],
)
def test_a_free_text_excuse_cannot_stand_in_for_a_claim(fixture_root, excuse):
    root, sources = fixture_root
    line = _set_row(root, 4, "", excuse)
    report = _check(root, sources)
    (failure,) = report.failures
    assert failure.line == line and failure.number == 4
    assert "is not a reason of the closed list" in failure.message


def test_sentences_with_neither_nodes_nor_a_reason_are_named(fixture_root):
    root, sources = fixture_root
    _set_row(root, 4, "", "")
    path = root / LEDGER
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if "Sign in" not in line]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    report = _check(root, sources)
    to_fill = [(f.number, f.message, f.sentence) for f in report.failures if f.what == TO_FILL]
    assert to_fill == [
        (2, "no row", "Sign in"),
        (4, "neither nodes nor a reason", "The Fixture Park hosts 30 firms."),
    ]
    assert report.documents[0].to_fill == 2


def test_rows_that_do_not_hold_are_named(fixture_root):
    root, sources = fixture_root
    _set_row(root, 4, "id:other-park id:no-such-node rdfs:label id:", "")
    with (root / LEDGER).open("a", encoding="utf-8") as fh:
        fh.write(f"{DOCUMENT}\tA sentence the document does not have.\t\theading\n")
        fh.write(
            f"{DOCUMENT}\tThe Fixture Park hosts 30 firms. It is a wonderful place.\t\theading\n"
        )
        fh.write(f"{DOCUMENT}\tSign in\t\tpage furniture\n")
        fh.write("002_other.txt\tOther Park opened.\tid:other-park\t\n")
        fh.write("003_gone.txt\tNo node for this document.\t\theading\n")
        fh.write("a row with two columns\tonly\n")
    shown = "\n".join(map(str, _check(root, sources).failures))
    for expected in (
        "id:other-park does not cite 001_fixture.txt",
        "no node id:no-such-node",
        "rdfs:label is not an id: or hkit: name",
        "id: is not an id: or hkit: name",
        "not in the document: “A sentence the document does not have.”",
        "not a sentence by the rule: “The Fixture Park hosts 30 firms. It is a wonderful place.”",
        "a second row for this sentence (the first is line 3)",
        "002_other.txt: not in the source documents folder (1 rows name it)",
        "003_gone.txt: no document node has this hkit:fileName",
        "claims.tsv: line 17 has 2 columns, not 4",
    ):
        assert expected in shown, expected


def test_reasons_are_kind_or_kind_and_detail():
    assert parse_reason("heading") == ("heading", None, "")
    assert parse_reason("heading: a title: in two parts") == (
        "heading",
        None,
        "a title: in two parts",
    )
    assert parse_reason("repeat of sentence 7") == ("repeat of sentence N", 7, "")
    assert parse_reason(f"{NOT_ENCODED}: a claim").detail == "a claim"
    for bad in ("", "heading:", "repeat of sentence", "repeat of sentence 07", "not encoded:"):
        with pytest.raises(ValueError):
            parse_reason(bad)


def test_the_list_is_documented_in_claims_md_and_the_help():
    claims_md = (ROOT / "data" / "claims.md").read_text(encoding="utf-8")
    shown = " ".join(COMMANDS["ledger"].help.split())
    for kind in KINDS:
        assert f"`{kind.name}" in claims_md, kind.name
        assert kind.name in shown, kind.name


# -- the real ledger ------------


@needs_sources
def test_the_real_ledger_passes_the_gate():
    result = CliRunner().invoke(
        main, ["--root", str(ROOT), "ledger", "--sources", str(SOURCES), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] and len(report["documents"]) == len(list(SOURCES.glob("*.txt")))


# -- a document taken out of a copy of the graph, and registered again ------------


def _copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    return root


def _take_out(root: Path, name: str) -> int:
    """Remove the document's rows from the copy's ledger, and its node and every node that
    cites it alone from the copy's data (each file written again); return how many nodes."""
    path = root / LEDGER
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(name)), "utf-8")
    files = sorted((root / "data").glob("*.ttl"))
    whole = rdflib.Graph()
    for file in files:
        whole.parse(file, format="turtle")
    (document,) = whole.subjects(HKIT.fileName, rdflib.Literal(name))
    gone = {document} | {
        node
        for node in whole.subjects(PROV.wasDerivedFrom, document)
        if set(whole.objects(node, PROV.wasDerivedFrom)) == {document}
    }
    for file in files:
        graph = rdflib.Graph().parse(file, format="turtle")
        before = len(graph)
        for node in gone:
            graph.remove((node, None, None))
            graph.remove((None, None, node))
        if len(graph) != before:
            graph.serialize(file, format="turtle")
    return len(gone)


def _ledger(root: Path, *args: str):
    return CliRunner().invoke(
        main, ["--root", str(root), "ledger", "--sources", str(SOURCES), *args]
    )


def _gate(root: Path) -> dict:
    skip = [a for gate in ("shacl", "reason", "checks", "version") for a in ("--skip", gate)]
    args = ["--root", str(root), "check", *skip, "--sources", str(SOURCES), "--format", "json"]
    result = CliRunner().invoke(main, args)
    gates = {g["gate"]: g for g in json.loads(result.stdout)["gates"]}
    assert gates["parse"]["result"] == "pass", gates["parse"]
    return gates["ledger"]


@needs_sources
def test_a_document_taken_out_is_named_sentence_by_sentence_then_registered_again(tmp_path):
    name = "000_1039700805b26dd8.txt"
    sentences = list(dict.fromkeys(split_sentences(read_document(SOURCES / name))))
    root = _copy_root(tmp_path)
    assert _take_out(root, name) > 10
    sources_before = sorted((p.name, p.stat().st_mtime_ns) for p in SOURCES.iterdir())

    # the gate names every sentence of the document: none has a row
    gate = _gate(root)
    assert gate["result"] == "fail"
    for number, sentence in enumerate(sentences, start=1):
        assert any(
            p.startswith(f"{name} sentence {number}: no row: “{sentence[:69]}")
            for p in gate["problems"]
        ), sentence
    assert f"{name}: not in the ledger: add it with hkit ledger --add" in gate["problems"]
    assert all(p.startswith(name) for p in gate["problems"]), "only that document is named"

    # registered again: a row to fill for each sentence, at the end, the rest kept byte for byte
    before = (root / LEDGER).read_bytes()
    added = _ledger(root, "--add", name)
    assert added.exit_code == 0, added.output
    after = (root / LEDGER).read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode().splitlines() == [f"{name}\t{s}\t\t" for s in sentences]
    assert f"# {name}: {len(sentences)} sentences added to data/claims.tsv" in added.stdout
    stub = added.stdout

    # the gate lists the rows to fill, and asks for the document's node
    gate = _gate(root)
    to_fill = [p for p in gate["problems"] if "neither nodes nor a reason" in p]
    assert len(to_fill) == len(sentences) and gate["result"] == "fail"
    assert (
        f"{name}: no document node has this hkit:fileName (add one to data/sources.ttl)"
        in (gate["problems"])
    )
    assert sorted((p.name, p.stat().st_mtime_ns) for p in SOURCES.iterdir()) == sources_before

    # the stub does not parse until its placeholders are filled in; filled, it gives the node
    unfilled = tmp_path / "stub.ttl"
    unfilled.write_text(_prefixes(root) + stub, encoding="utf-8")
    with pytest.raises(InputError):
        strict_parse(unfilled)
    filled = _fill(stub)
    with (root / "data" / "sources.ttl").open("a", encoding="utf-8") as fh:
        fh.write("\n" + filled)
    gate = _gate(root)
    assert not any("no document node" in p for p in gate["problems"])
    assert len(gate["problems"]) == len(sentences)

    again = _ledger(root, "--add", name)
    assert again.exit_code == 2
    assert again.stderr.splitlines()[0] == (
        f"hkit: error: {name} is already in the ledger ({len(sentences)} rows)"
    )


def _prefixes(root: Path) -> str:
    text = (root / "data" / "sources.ttl").read_text(encoding="utf-8")
    return "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))


def _fill(stub: str) -> str:
    """The stub with its placeholders filled in as a curator would, leaving out the lines the
    document gives nothing for."""
    values = {
        "{{class}}": "hkit:NewsArticle",
        "{{label}}": '"The InnoHK Summit article (source 000)"@en',
        "{{date}}": '"2023-12-06"^^xsd:date',
        "{{words}}": '"addresses the InnoHK Summit 2023 via video on Dec 6, 2023"',
    }
    lines = []
    for line in stub.splitlines():
        if line.startswith("#") or re.search(
            r"dcterms:(title|issued)|hkit:(author|publishedBy)", line
        ):
            continue
        for placeholder, value in values.items():
            line = line.replace(placeholder, value)
        lines.append(line)
    lines[-1] = lines[-1].replace(" ;", " .", 1)
    return "\n".join(lines) + "\n"


# -- errors: one line, exit 2 ------------


@pytest.fixture(scope="module")
def copied_root(tmp_path_factory) -> Path:
    return _copy_root(tmp_path_factory.mktemp("ledger"))


def test_registering_refuses_what_is_not_a_new_plain_text_document(copied_root, tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "005_binary.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    (sources / "006_latin1.txt").write_bytes("Caf\u00e9 de la Paix.".encode("latin-1"))
    (sources / "007_gone.txt").symlink_to(sources / "nothing-there")
    (sources / "008_folder.txt").mkdir()
    (sources / "009_empty.txt").write_text("\n  \n", encoding="utf-8")
    (sources / "not a name.txt").write_text("A sentence.\n", encoding="utf-8")
    (sources / "010_notes.md").write_text("A sentence.\n", encoding="utf-8")
    outside = tmp_path / "011_outside.txt"
    outside.write_text("A sentence.\n", encoding="utf-8")
    shutil.copy(HERE / DOCUMENT, sources / "000_1039700805b26dd8.txt")
    ledger_before = (copied_root / LEDGER).read_bytes()
    cases = {
        "005_binary.txt": "not plain text (control character 0x03 at character 2)",
        "006_latin1.txt": "not UTF-8 text (byte 3)",
        "007_gone.txt": "cannot read (No such file or directory)",
        "008_folder.txt": "cannot read (Is a directory)",
        "009_empty.txt": "has no sentences (it is empty)",
        "not a name.txt": "not a source document's file name",
        "010_notes.md": "not a source document's file name",
        str(outside): f"is not in the source documents folder {sources}",
        "000_1039700805b26dd8.txt": "is already in the ledger (28 rows)",
    }
    for file, message in cases.items():
        args = ["--root", str(copied_root), "ledger", "--sources", str(sources), "--add", file]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (file, result.output)
        lines = result.stderr.splitlines()
        assert lines[0].startswith("hkit: error: ") and message in lines[0], (file, lines)
        assert len(lines) <= 2 and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert (copied_root / LEDGER).read_bytes() == ledger_before


def test_without_the_documents_the_command_cannot_run_and_the_gate_is_skipped(copied_root):
    nowhere = str(copied_root / "no-sources-here")
    result = CliRunner().invoke(main, ["--root", str(copied_root), "ledger", "--sources", nowhere])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "hkit: error: the source documents are not available: give --sources DIR or set "
        "HKIT_SOURCES"
    ]
    skip = [a for gate in ("shacl", "reason", "checks", "version") for a in ("--skip", gate)]
    checked = CliRunner().invoke(
        main,
        ["--root", str(copied_root), "check", *skip, "--format", "json"],
        env={"HKIT_SOURCES": nowhere},
    )
    assert checked.exit_code == 0, checked.output
    gate = {g["gate"]: g for g in json.loads(checked.stdout)["gates"]}["ledger"]
    assert gate["result"] == "skipped" and "give --sources DIR" in gate["summary"]
    added = CliRunner().invoke(
        main,
        ["--root", str(copied_root), "ledger", "--add", "x.txt"],
        env={"HKIT_SOURCES": nowhere},
    )
    assert added.exit_code == 2 and "not available" in added.stderr


def test_add_prints_turtle_and_refuses_a_report_format(copied_root):
    args = ["--root", str(copied_root), "ledger", "--add", "x.txt", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "hkit: error: --format is for the ledger's report; --add prints Turtle"
    )


@needs_sources
def test_a_claim_not_encoded_is_listed_by_the_gate_without_failing_it(tmp_path):
    root = _copy_root(tmp_path)
    path = root / LEDGER
    lines = path.read_text(encoding="utf-8").split("\n")
    # the first row that gives an evaluation as its reason, and its sentence's number
    index = next(i for i, line in enumerate(lines) if "\tevaluation with nothing to check" in line)
    source, sentence, nodes, reason = lines[index].split("\t")
    assert reason.startswith("evaluation with nothing to check") and not nodes
    number = sum(1 for line in lines[1 : index + 1] if line.startswith(source + "\t"))
    lines[index] = "\t".join([source, sentence, "", "not encoded: a claim left for later"])
    path.write_text("\n".join(lines), encoding="utf-8")
    gate = _gate(root)
    assert gate["result"] == "pass" and gate["count"] == 1
    assert gate["summary"].endswith("1 not encoded, 0 to fill")
    (problem,) = gate["problems"]
    assert problem.startswith(
        f"not encoded (work to do): {source} sentence {number} (claims.tsv line {index + 1}): "
        f"a claim left for later: “{sentence[:20]}"
    )
    listed = _ledger(root)
    assert listed.exit_code == 0
    assert "not encoded, work to do (1):" in listed.stdout
