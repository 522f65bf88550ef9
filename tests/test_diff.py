"""``hkit diff``: terms and axioms added, removed and changed between two ontology versions,
by label; re-serialising a file is no change."""

from __future__ import annotations

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
