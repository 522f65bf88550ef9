"""Releases of the ontology (releases/<version>/) and the version gate of hkit check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from helpers import ROOT
from stores import riot

from hkit.core.errors import InputError
from hkit.core.vocab import ONTOLOGY_IRI
from hkit.present.release import SHAPES_IRI, write_release
from hkit.quality.checks import GATES
from hkit.quality.release import (
    RELEASES_DIR,
    meaning,
    releases,
    version_iri,
    version_of,
    version_problems,
)
from hkit.store.files import ONTOLOGY, SHAPES, data_files

OWL = rdflib.Namespace("http://www.w3.org/2002/07/owl#")
LATEST, LATEST_FOLDER = releases(ROOT)[-1]
SCRIPT = ROOT / "scripts" / "release.py"


def _copy_root(tmp_path: Path) -> Path:
    """A copy of the project root (ontology, data, queries and the releases)."""
    root = tmp_path / "root"
    for part in ("ontology", "data", "queries", "releases"):
        shutil.copytree(ROOT / part, root / part)
    return root


def _edit(root: Path, old: str, new: str) -> None:
    path = root / ONTOLOGY
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


#: One statement changed: the label of hkit:Fund.
AXIOM = ('rdfs:label "fund"@en', 'rdfs:label "fund (changed)"@en')


def _bump(root: Path, version: str) -> None:
    """Bump the version annotations of ``root``'s ontology to ``version`` after LATEST."""
    current = version_of(rdflib.Graph().parse(root / ONTOLOGY))
    _edit(root, f'owl:versionInfo "{current.info}"', f'owl:versionInfo "{version}"')
    _edit(root, f"owl:versionIRI <{current.iri}>", f"owl:versionIRI <{version_iri(version)}>")
    _edit(root, f"owl:priorVersion <{current.prior}>", f"owl:priorVersion <{version_iri(LATEST)}>")
    _edit(root, f'dcterms:modified "{current.modified}"', 'dcterms:modified "2027-01-01"')


def test_the_shipped_tree_passes_the_version_gate():
    summary, problems = version_problems(ROOT)
    assert problems == []
    assert summary == f"{LATEST}, released"
    assert "version" in GATES


def test_the_ontology_says_its_version_truly():
    graph = rdflib.Graph().parse(ROOT / ONTOLOGY)
    versioned = version_of(graph)
    assert versioned.info == LATEST
    assert versioned.iri == f"{ONTOLOGY_IRI}/{LATEST}"
    assert versioned.prior is not None and versioned.modified is not None


def test_an_unbumped_change_in_meaning_fails_the_gate(tmp_path):
    root = _copy_root(tmp_path)
    _edit(root, *AXIOM)
    _, problems = version_problems(root)
    assert len(problems) == 1
    assert f"differs in meaning from release {LATEST}" in problems[0]


def test_a_bumped_change_passes_the_gate(tmp_path):
    root = _copy_root(tmp_path)
    _edit(root, *AXIOM)
    _bump(root, "9.0.0")
    summary, problems = version_problems(root)
    assert problems == []
    assert summary == f"9.0.0, unreleased, after {LATEST}"


def test_a_bump_without_its_prior_version_fails_the_gate(tmp_path):
    root = _copy_root(tmp_path)
    _bump(root, "9.0.0")
    _edit(root, f"owl:priorVersion <{version_iri(LATEST)}>", "owl:priorVersion <urn:x>")
    _edit(root, "owl:versionIRI <https://w3id.org/hkit/ontology/9.0.0>", "owl:versionIRI <urn:y>")
    _, problems = version_problems(root)
    assert any("owl:priorVersion is <urn:x>" in p for p in problems), problems
    assert any("owl:versionIRI is <urn:y>" in p for p in problems), problems


def test_reformatting_is_not_a_change_in_meaning(tmp_path):
    """Graph isomorphism: statements reordered and blank nodes relabelled do not count."""
    root = _copy_root(tmp_path)
    graph = rdflib.Graph().parse(root / ONTOLOGY)
    # N-Triples is Turtle: the same statements, in another order, blank nodes renamed
    lines = sorted(graph.serialize(format="nt").splitlines(), reverse=True)
    (root / ONTOLOGY).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert version_problems(root)[1] == []


def test_hkit_check_fails_on_an_unbumped_change(tmp_path):
    from click.testing import CliRunner

    from hkit.cli.group import main

    root = _copy_root(tmp_path)
    _edit(root, *AXIOM)
    result = CliRunner().invoke(
        main,
        ["--root", str(root), "check", "--skip", "shacl", "--skip", "reason", "--format", "json"],
    )
    assert result.exit_code == 1, result.output
    gates = {g["gate"]: g for g in json.loads(result.output)["gates"]}
    assert gates["version"]["result"] == "fail"
    assert gates["checks"]["result"] == "pass"


def test_the_release_holds_every_artefact_and_they_say_the_same():
    folder = LATEST_FOLDER
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "hkit.ttl",
        "hkit.owl",
        "hkit.jsonld",
        "shapes.ttl",
        "data.ttl",
        "CHANGES.md",
        "README.md",
    }
    turtle = rdflib.Graph().parse(folder / "hkit.ttl")
    owl = rdflib.Graph().parse(folder / "hkit.owl", format="xml")
    jsonld_text = (folder / "hkit.jsonld").read_text(encoding="utf-8")
    assert "@context" in json.loads(jsonld_text)
    jsonld = rdflib.Graph().parse(data=jsonld_text, format="json-ld")
    assert rdflib.compare.isomorphic(turtle, owl)
    assert rdflib.compare.isomorphic(turtle, jsonld)
    # the ontology alone: no data in it
    assert not any(str(s).startswith("https://w3id.org/hkit/id/") for s in owl.subjects())
    data = rdflib.Graph().parse(folder / "data.ttl")
    assert rdflib.compare.isomorphic(data, _data_when_released(folder))


def _data_when_released(folder: Path) -> rdflib.Graph:
    """The data files as they were in the commit that wrote the release folder (a release is
    written once; the data moves on after it), else, outside a git checkout, as they are."""
    git = ["git", "-C", str(ROOT)]
    found = subprocess.run(
        [*git, "log", "-1", "--format=%H", "--", str(folder / "data.ttl")],
        capture_output=True,
        text=True,
    )
    commit = found.stdout.strip() if found.returncode == 0 else ""
    graph = rdflib.Graph()
    for path in data_files(ROOT):
        if not commit:
            graph.parse(path)
            continue
        relative = path.relative_to(ROOT).as_posix()
        shown = subprocess.run(
            [*git, "show", f"{commit}:{relative}"], capture_output=True, text=True
        )
        if shown.returncode == 0:  # a file added since the release is not in it
            graph.parse(data=shown.stdout, format="turtle")
    return graph


@pytest.mark.slow  # six seconds; CI runs it
def test_the_released_shapes_have_their_version_and_import_the_ontology():
    shapes = rdflib.Graph().parse(LATEST_FOLDER / "shapes.ttl")
    node = rdflib.URIRef(SHAPES_IRI)
    assert shapes.value(node, OWL.versionIRI) == rdflib.URIRef(f"{SHAPES_IRI}/{LATEST}")
    assert str(shapes.value(node, OWL.versionInfo)) == LATEST
    assert set(shapes.objects(node, OWL.imports)) == {rdflib.URIRef(version_iri(LATEST))}
    # the shapes themselves are those of ontology/shapes.ttl, their IRIs unchanged
    source = rdflib.Graph().parse(ROOT / SHAPES)
    for graph in (shapes, source):
        for p in (OWL.versionIRI, OWL.versionInfo, OWL.imports):
            graph.remove((node, p, None))
    assert rdflib.compare.isomorphic(shapes, source)


def test_the_released_ontology_is_the_working_one_while_the_version_is_unchanged():
    released = rdflib.Graph().parse(LATEST_FOLDER / "hkit.ttl")
    working = rdflib.Graph().parse(ROOT / ONTOLOGY)
    assert rdflib.compare.isomorphic(meaning(released), meaning(working))


def test_owlready2_loads_the_released_owl_file():
    """HAZARDS: owlready2 does not read Turtle. The release's RDF/XML is what it loads; it has no
    owl:imports, so loading it follows none (HAZARDS 23)."""
    owl = rdflib.Graph().parse(LATEST_FOLDER / "hkit.owl", format="xml")
    assert not list(owl.objects(None, OWL.imports))
    program = (
        "import sys, owlready2\n"
        "def load(path):\n"
        "    return owlready2.World().get_ontology('file://' + path).load()\n"
        "onto = load(sys.argv[1])\n"
        "fund = onto.search_one(iri='https://w3id.org/hkit/ontology#Fund')\n"
        "print(len(list(onto.classes())), fund is not None, onto.metadata.versionInfo[0])\n"
        "try:\n"
        "    load(sys.argv[2])\n"
        "    print('turtle read')\n"
        "except owlready2.OwlReadyOntologyParsingError:\n"
        "    print('turtle refused')\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            str(LATEST_FOLDER / "hkit.owl"),
            str(LATEST_FOLDER / "hkit.ttl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    classes, has_fund, version = done.stdout.splitlines()[0].split()
    assert int(classes) > 50 and has_fund == "True" and version == LATEST
    # the trap itself: the Turtle file is no ontology to owlready2
    assert done.stdout.splitlines()[1] == "turtle refused"


@pytest.mark.slow
def test_jena_reads_every_released_file_strictly(jena):
    for name in ("hkit.owl", "hkit.ttl", "shapes.ttl", "data.ttl"):
        checked = riot(jena, "--validate", "--strict", str(LATEST_FOLDER / name))
        assert checked.returncode == 0, (name, checked.stderr)
        assert "ERROR" not in checked.stderr and "WARN" not in checked.stderr, checked.stderr


def test_a_release_is_never_rewritten(tmp_path):
    root = _copy_root(tmp_path)
    before = {p.name: p.read_bytes() for p in (root / RELEASES_DIR / LATEST).iterdir()}
    with pytest.raises(InputError, match="never rewritten"):
        write_release(root)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"release: {RELEASES_DIR / LATEST} exists: a release is never rewritten"
    )
    after = {p.name: p.read_bytes() for p in (root / RELEASES_DIR / LATEST).iterdir()}
    assert after == before


def test_a_new_version_is_released_with_its_changelog(tmp_path):
    root = _copy_root(tmp_path)
    _edit(root, *AXIOM)
    _bump(root, "9.0.0")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    folder = root / RELEASES_DIR / "9.0.0"
    assert done.stdout.strip() == str(folder)
    changes = (folder / "CHANGES.md").read_text(encoding="utf-8")
    assert f"# Ontology changes since release {LATEST}" in changes
    assert 'added rdfs:label: "fund (changed)"@en' in changes
    notes = (folder / "README.md").read_text(encoding="utf-8")
    assert f"- Prior version: <{version_iri(LATEST)}>" in notes
    assert version_problems(root) == ("9.0.0, released", [])
    # an unbumped change after it fails again, against the new release
    _edit(root, 'rdfs:label "fund (changed)"@en', 'rdfs:label "fund"@en')
    assert "differs in meaning from release 9.0.0" in version_problems(root)[1][0]


def test_an_unbumped_version_is_not_released(tmp_path):
    root = _copy_root(tmp_path)
    shutil.rmtree(root / RELEASES_DIR / LATEST)
    (root / RELEASES_DIR / "99.0.0").mkdir()
    shutil.copy(LATEST_FOLDER / "hkit.ttl", root / RELEASES_DIR / "99.0.0" / "hkit.ttl")
    with pytest.raises(InputError, match=r"version gate fails: version .* is older"):
        write_release(root)
    assert not (root / RELEASES_DIR / LATEST).exists()
