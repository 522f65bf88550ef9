"""``hkit docs``: static HTML documentation that opens from disk, with every class, property,
concept scheme and saved query, and a diagram; checked in a real headless Chromium."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from helpers import ROOT
from rdflib.namespace import OWL, RDF

import hkit
from hkit.cli.group import main
from hkit.store.files import ONTOLOGY
from hkit.store.rdf import load_rdflib

NS = "https://w3id.org/hkit/ontology#"
ONTOLOGY_GRAPH = load_rdflib([ROOT / ONTOLOGY])
CLASSES = sorted(
    str(c) for c in ONTOLOGY_GRAPH.subjects(RDF.type, OWL.Class) if str(c).startswith(NS)
)
PROPERTIES = sorted(
    str(p)
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
    for p in ONTOLOGY_GRAPH.subjects(RDF.type, kind)
    if str(p).startswith(NS)
)


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False, env=env)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = invoke("docs", "--output", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_folder_holds_the_page_the_diagram_and_the_ontology(site):
    assert sorted(p.name for p in site.iterdir()) == [
        "diagram.dot",
        "diagram.svg",
        "hkit.ttl",
        "index.html",
    ]
    assert (site / "hkit.ttl").read_bytes() == (ROOT / ONTOLOGY).read_bytes()
    assert all(oct(p.stat().st_mode)[-3:] != "600" for p in site.iterdir())


def test_every_class_and_property_is_documented(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    for term in CLASSES + PROPERTIES:
        local = term.split("#")[1]
        assert f'id="{local}"' in page, term
        assert f'<div class="iri"><a href="{term}">{term}</a></div>' in page
    for label in ("Definition", "Subclass of", "Domain", "Range", "Alignments", "Examples"):
        assert f"<dt>{label}" in page
    assert page.count("<li>") >= len(CLASSES)


def test_metadata_schemes_and_competency_questions(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "<dt>Licence</dt>" in page and "creativecommons.org/licenses/by/4.0/" in page
    # the version, and the one before it, as links (owl:versionIRI, owl:priorVersion)
    assert '<dt>Version IRI</dt><dd><a href="https://w3id.org/hkit/ontology/0.' in page
    assert '<dt>Prior version</dt><dd><a href="https://w3id.org/hkit/ontology/' in page
    for scheme in ("Sectors", "Measures", "ValueQualifiers", "Units", "Frequencies", "Statuses"):
        assert f'id="{scheme}"' in page
    assert "artificial intelligence" in page  # a concept of hkit:Sectors, from the data
    for query in hkit.open(root=ROOT).queries.values():
        assert f'id="query-{query.name}"' in page
        assert "ORDER BY" in page
    assert "SELECT ?initiative" in page  # funds-by-size's SPARQL


def test_the_page_loads_nothing_from_the_network(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="https?:', page)
    assert "<script" not in page


def test_the_diagram_has_a_node_for_every_class_and_links_to_it(site):
    svg = ET.parse(site / "diagram.svg").getroot()
    titles = {e.text for e in svg.iter("{http://www.w3.org/2000/svg}title")}
    assert set(CLASSES) <= titles
    links = {
        e.get("{http://www.w3.org/1999/xlink}href")
        for e in svg.iter("{http://www.w3.org/2000/svg}a")
    }
    assert {"#" + c.split("#")[1] for c in CLASSES} <= links


def test_without_graphviz_a_simple_diagram_is_drawn(tmp_path):
    out = tmp_path / "site"
    result = invoke("docs", "--output", str(out), env={"HKIT_DOT": "no-such-dot"})
    assert result.exit_code == 0
    svg = ET.parse(out / "diagram.svg").getroot()
    rects = list(svg.iter("{http://www.w3.org/2000/svg}rect"))
    assert len(rects) == len(CLASSES) + 1  # one per class and the background
    # readable: a title and a link on every class, arrows to superclasses, whole labels
    titles = {e.text for e in svg.iter("{http://www.w3.org/2000/svg}title")}
    assert set(CLASSES) <= titles
    links = {
        e.get("{http://www.w3.org/1999/xlink}href")
        for e in svg.iter("{http://www.w3.org/2000/svg}a")
    }
    assert {"#" + c.split("#")[1] for c in CLASSES} <= links
    lines = list(svg.iter("{http://www.w3.org/2000/svg}line"))
    assert lines and all(line.get("marker-end") == "url(#arrow)" for line in lines)
    width = float(rects[1].get("width"))
    texts = [e.text for e in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert max(len(t) for t in texts) * 6.6 < width  # no label wider than its box


def test_other_files_in_the_folder_are_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert invoke("docs", "--output", str(tmp_path)).exit_code == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_output_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("")
    result = invoke("docs", "--output", str(target))
    assert result.exit_code == 2
    assert "is not a folder" in result.output


@pytest.mark.browser
def test_the_docs_render_in_headless_chromium(site):
    from browser import Browser, png_stats

    with Browser() as browser:
        browser.open((site / "index.html").as_uri())
        listed = browser.run("return document.querySelectorAll('#class-list li').length")
        assert listed == len(CLASSES)
        headings = browser.run(
            "return Array.from(document.querySelectorAll('.term.class h3')).length"
        )
        assert headings == len(CLASSES)
        width, height = browser.run(
            "const b = document.querySelector('#diagram svg').getBBox(); return [b.width, b.height]"
        )
        assert width > 500 and height > 100
        png = browser.screenshot("#diagram")
        w, h, distinct_rows = png_stats(png)
        assert w > 300 and h > 200
        assert distinct_rows > 20, "the diagram's screenshot is blank"
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []


@pytest.mark.browser
def test_the_browser_check_would_see_a_console_error(tmp_path):
    """The console check above is not vacuous: a page with an error shows up in it."""
    from browser import Browser

    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>throw new Error('broken page')</script></body></html>")
    with Browser() as browser:
        browser.open(page.as_uri())
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert any("broken page" in e.get("message", "") for e in errors)
