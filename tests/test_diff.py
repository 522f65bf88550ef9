"""``hkit diff``: terms and axioms added, removed and changed between two ontology versions,
by label; re-serialising a file is no change."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit.cli.group import main
from hkit.store.files import ONTOLOGY

ORIGINAL = (ROOT / ONTOLOGY).read_text(encoding="utf-8")


def invoke(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_changed_label_is_reported_by_label(tmp_path):
    new = write(
        tmp_path, "new.ttl", ORIGINAL.replace('rdfs:label "fund"@en', 'rdfs:label "money pot"@en')
    )
    result = invoke("diff", str(ROOT / ONTOLOGY), str(new))
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "0 term(s) added, 0 removed, 1 changed; 0 other axiom(s) added, 0 removed"
    )
    assert "  money pot (hkit:Fund)" in result.output
    assert '    - rdfs:label: "fund"@en' in result.output
    assert '    + rdfs:label: "money pot"@en' in result.output


def test_added_and_removed_terms_and_axioms(tmp_path):
    extra = (
        '\nhkit:Grant a owl:Class ;\n    rdfs:label "grant"@en ;\n'
        "    rdfs:subClassOf [ a owl:Restriction ; owl:onProperty hkit:financedBy ;"
        " owl:someValuesFrom hkit:Fund ] .\n"
        "[] a owl:AllDisjointClasses ; owl:members ( hkit:Grant hkit:Fund ) .\n"
    )
    without_unicorn = ORIGINAL.replace(
        "hkit:Unicorn\n    a owl:Class ;", "hkit:Unicorn\n    a rdfs:Resource ;"
    )
    new = write(tmp_path, "new.ttl", without_unicorn + extra)
    report = hkit.api.diff(ROOT / ONTOLOGY, new)
    assert [c.label for c in report.added] == ["grant"]
    assert (
        "rdfs:subClassOf",
        "[ owl:onProperty hkit:financedBy ; owl:someValuesFrom hkit:Fund ; "
        "rdf:type owl:Restriction ]",
    ) in report.added[0].added
    assert report.axioms_added == [
        "[ owl:members ( hkit:Grant hkit:Fund ) ; rdf:type owl:AllDisjointClasses ]"
    ]
    (unicorn,) = [c for c in report.changed if c.term == "hkit:Unicorn"]
    assert ("rdf:type", "owl:Class") in unicorn.removed
    md = invoke("diff", str(ROOT / ONTOLOGY), str(new), "--format", "md").output
    assert md.startswith("# Ontology changes")
    assert "## Added" in md and "- **grant (hkit:Grant)**" in md
    assert "## Other axioms added" in md


def test_the_same_ontology_in_another_syntax_is_no_change(tmp_path):
    import pyoxigraph

    ontology_only = pyoxigraph.serialize(
        pyoxigraph.parse(path=str(ROOT / ONTOLOGY)), format=pyoxigraph.RdfFormat.N_TRIPLES
    )
    new = tmp_path / "hkit.nt"
    new.write_bytes(ontology_only)
    result = invoke("diff", str(ROOT / ONTOLOGY), str(new))
    assert result.exit_code == 0
    assert "No differences." in result.output


def test_unreadable_input_exits_2(tmp_path):
    missing = invoke("diff", str(ROOT / ONTOLOGY), str(tmp_path / "nope.ttl"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    broken = write(tmp_path, "broken.ttl", "@prefix : <x> . this is not turtle")
    malformed = invoke("diff", str(broken), str(ROOT / ONTOLOGY))
    assert malformed.exit_code == 2 and "broken.ttl: Parser error at line 1" in malformed.output
    assert "Traceback" not in malformed.output


# -- for pull requests: git refs, breaking changes, renames, the version, uses ------------

V1 = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix hkit: <https://w3id.org/hkit/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/hkit/ontology> a owl:Ontology ; owl:versionInfo "1.0.0" ;
    owl:versionIRI <https://w3id.org/hkit/ontology/1.0.0> .
hkit:Fund a owl:Class ; rdfs:label "fund"@en .
hkit:Initiative a owl:Class ; rdfs:label "initiative"@en .
hkit:Thing a owl:Class ; rdfs:label "thing"@en ; skos:definition "Anything at all."@en .
hkit:Grant a owl:Class ; rdfs:label "grant"@en ; rdfs:subClassOf hkit:Initiative .
hkit:oldName a owl:ObjectProperty ; rdfs:label "old name"@en .
hkit:about a owl:ObjectProperty ; rdfs:label "about"@en ;
    schema:domainIncludes hkit:Fund , hkit:Initiative .
hkit:fundOf a owl:ObjectProperty ; rdfs:label "fund of"@en ; rdfs:domain hkit:Initiative .
"""


def v2(text: str) -> str:
    """The breaking version: hkit:Fund removed, hkit:Thing renamed to hkit:Anything with its
    definition, hkit:oldName deprecated for hkit:newName, hkit:about's open domain narrowed,
    hkit:fundOf's domain narrowed to hkit:Grant, hkit:Grant moved out of the hierarchy."""
    text = text.replace('hkit:Fund a owl:Class ; rdfs:label "fund"@en .\n', "")
    text = text.replace("hkit:Thing a owl:Class", "hkit:Anything a owl:Class")
    text = text.replace(
        'hkit:oldName a owl:ObjectProperty ; rdfs:label "old name"@en .',
        'hkit:oldName a owl:ObjectProperty ; rdfs:label "old name"@en ; owl:deprecated true ; '
        "dcterms:isReplacedBy hkit:newName .\n"
        'hkit:newName a owl:ObjectProperty ; rdfs:label "new name"@en .',
    )
    text = text.replace(
        "schema:domainIncludes hkit:Fund , hkit:Initiative", "schema:domainIncludes hkit:Initiative"
    )
    text = text.replace("rdfs:domain hkit:Initiative", "rdfs:domain hkit:Grant")
    return text.replace(" ; rdfs:subClassOf hkit:Initiative .", " .")


def git(repo, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path):
    """A checkout with the shipped data and queries and a small ontology: tag v1, then v2 (the
    breaking version, version unchanged) committed on top."""
    root = tmp_path / "repo"
    for part in ("data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    (root / "ontology").mkdir()
    (root / ONTOLOGY).write_text(V1, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    (root / ONTOLOGY).write_text(v2(V1), encoding="utf-8")
    git(root, "commit", "-q", "-am", "v2")
    return root


def in_root(root, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


def test_git_refs_breaking_changes_renames_version_and_uses(repo):
    result = in_root(repo, "diff", "v1", "HEAD")
    assert result.exit_code == 1, result.output
    out = result.output
    assert "Warning: the version was not bumped: owl:versionInfo 1.0.0" in out
    breaking = out.split("Breaking:\n")[1].split("\n\n")[0]
    for line in (
        "  fund (hkit:Fund): removed",
        "  thing (hkit:Thing): renamed to hkit:Anything (same definition)",
        "  old name (hkit:oldName): renamed to hkit:newName (dcterms:isReplacedBy)",
        "  old name (hkit:oldName): deprecated",
        "  about (hkit:about): domain narrowed: hkit:Fund no longer included",
        "  fund of (hkit:fundOf): domain narrowed to hkit:Grant",
        "  grant (hkit:Grant): hierarchy changed: no longer rdfs:subClassOf hkit:Initiative",
    ):
        assert line in breaking.splitlines(), breaking
    assert "  new name (hkit:newName): added" in out.split("Additive:\n")[1]
    # a rename by definition is not also a removal and an addition
    assert "hkit:Anything): added" not in out and "hkit:Thing): removed" not in out
    assert "  hkit:Fund in data/" in out
    assert in_root(repo, "diff", "v1", "HEAD", "--fail-on", "none").exit_code == 0
    document = json.loads(in_root(repo, "diff", "v1", "HEAD", "--format", "json").output)
    assert document["version"]["old"] == document["version"]["new"]
    assert {"kind", "term", "label", "what"} == set(document["changes"][0])
    assert any(term == "hkit:Fund" for term, _ in document["uses"])
    md = in_root(repo, "diff", "v1", "HEAD", "--format", "md").output
    assert "## Breaking" in md and "## Renamed" in md and "## Still used" in md


def test_an_additive_change_with_its_version_bumped_passes_but_fails_on_any(repo):
    bumped = V1.replace('"1.0.0"', '"1.1.0"').replace("1.0.0>", "1.1.0>")
    bumped += 'hkit:Extra a owl:Class ; rdfs:label "extra"@en .\n'
    (repo / ONTOLOGY).write_text(bumped, encoding="utf-8")
    result = in_root(repo, "diff", "v1", str(repo / ONTOLOGY))
    assert result.exit_code == 0, result.output
    assert "0 breaking change(s), 1 additive" in result.output
    assert "Warning" not in result.output
    assert in_root(repo, "diff", "v1", str(repo / ONTOLOGY), "--fail-on", "any").exit_code == 1


def test_a_ref_outside_git_or_unknown_is_one_line_and_exit_2(repo, tmp_path):
    unknown = in_root(repo, "diff", "no-such-ref", "HEAD")
    assert unknown.exit_code == 2
    assert unknown.output.splitlines()[0] == (
        f"hkit: error: no-such-ref: no such file, nor a git ref in {repo}"
    )
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    outside = in_root(plain, "diff", "v1", "HEAD")
    assert outside.exit_code == 2
    assert outside.output.splitlines()[0] == (
        f"hkit: error: v1: no such file, and {plain} is not a git checkout to read a ref in"
    )
    assert "Traceback" not in unknown.output + outside.output
