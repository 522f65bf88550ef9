"""Browsing the graph with ``hkit serve``: every IRI a page shows is a link, a page per class
lists its instances (asserted and inferred), the source documents are read sentence by sentence
from the claims ledger with the nodes of each, entity pages link back to their sentences, and
the ontology, the shapes and each entity are served in RDF by content negotiation. Against a
real server on loopback, and in headless Chromium."""

from __future__ import annotations

import html
import html.parser
import json
import re
import shutil
import urllib.parse
import urllib.request
from collections import deque

import pytest
from helpers import ROOT
from test_serve import Served

import hkit
from hkit.core.vocab import PREFIXES
from hkit.quality.ledger import LEDGER, read_ledger

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")

#: The ledger's rows, by document, in order (a sentence's number is its place here).
ROWS: dict[str, list] = {}
for _row in read_ledger(ROOT / LEDGER)[0]:
    ROWS.setdefault(_row.source, []).append(_row)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("browse"))
    yield server
    server.stop()


def _get(served: Served, path: str, accept: str | None = None) -> tuple[int, dict, str]:
    status, headers, body = served.get(path, accept)
    return status, {k.lower(): v for k, v in headers.items()}, body.decode("utf-8")


def _json(served: Served, path: str) -> dict:
    status, headers, body = _get(served, path)
    assert status == 200 and headers["content-type"] == "application/json", (path, body[:300])
    return json.loads(body)


# -- every IRI is a link ------------

#: An IRI, full or compact with one of hkit's prefixes, in a page's text.
_IRI = re.compile(r"https?://|\b(?:" + "|".join(PREFIXES) + r"):[A-Za-z]")
#: Elements whose text is not shown as prose: code to read as code, and what is not shown.
_VERBATIM = {"pre", "script", "style", "title", "textarea"}


class _Page(html.parser.HTMLParser):
    """A page's links, and the text outside any link that shows an IRI."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.plain: list[str] = []
        self.ids: set[str] = set()
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in ("a", *_VERBATIM):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", *_VERBATIM) and tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._open and _IRI.search(data):
            self.plain.append(data.strip())


def _page(served: Served, path: str) -> _Page:
    status, headers, body = _get(served, path, "text/html")
    assert status == 200 and headers["content-type"].startswith("text/html"), (path, status)
    parsed = _Page()
    parsed.feed(body)
    return parsed


def _internal(base_path: str, href: str) -> str | None:
    """The path of a link to a page of the server (its fragment and query dropped), else None."""
    url = urllib.parse.urlsplit(urllib.parse.urljoin(base_path, href))
    if url.scheme or url.netloc or not url.path.startswith("/"):
        return None
    return url.path


def _crawl(served: Served, start: list[str], limit: int) -> dict[str, _Page]:
    """The HTML pages reached from ``start`` by their links, breadth first, up to ``limit``:
    the saved queries' pages, the API, the endpoint and the ontology's files aside."""
    seen: dict[str, _Page] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen[path] = page = _page(served, path)
        for href in page.links:
            target = _internal(path, href)
            if target is None or target in seen or target.endswith(".json"):
                continue
            if target.startswith(("/queries/", "/api/", "/sparql", "/ontology")):
                continue
            queue.append(target)
    return seen


def _no_plain_iris(pages: dict[str, _Page], served: Served) -> None:
    """No page shows an IRI as plain text, and every link into the ontology's documentation
    lands on an anchor of it."""
    shown = {path: page.plain for path, page in pages.items() if page.plain}
    assert shown == {}
    anchors = _page(served, "/ontology/").ids
    linked = {
        href.partition("#")[2]
        for page in pages.values()
        for href in page.links
        if href.startswith("/ontology/#")
    }
    assert linked and linked - anchors == set()


def test_no_iri_is_plain_text_on_the_pages_a_reader_reaches(served):
    """From the home page: the classes, entities, sources and shapes a reader reaches in a few
    clicks show every IRI as a link (the whole graph is crawled in the slow run)."""
    start = ["/", "/sources", "/shapes", "/search?q=hong+kong", "/id/hkust", "/id/innohk"]
    start += ["/sources/000_1039700805b26dd8", "/classes/Organisation"]
    pages = _crawl(served, start, 60)
    assert {"/", "/sources", "/shapes", "/id/hkust"} <= set(pages)
    assert any(p.startswith("/classes/") for p in pages)
    assert any(p.startswith("/sources/") for p in pages)
    _no_plain_iris(pages, served)


@pytest.mark.slow
def test_no_iri_is_plain_text_anywhere_and_no_link_is_broken(served):
    """Every page reached from the home page, with every link to a page of the server
    answering 200 (the saved queries' pages and the API aside: theirs are tested elsewhere)."""
    pages = _crawl(served, ["/", "/sources", "/shapes"], 5_000)
    assert len(pages) > 300
    _no_plain_iris(pages, served)


def test_the_ontologys_documentation_links_its_examples_and_questions(served):
    page = _page(served, "/ontology/")
    assert "/" in page.links  # the way home
    assert "/id/cuhk" in page.links and "/classes/University" in page.links
    assert "/queries/funds-by-size" in page.links
    assert "https://w3id.org/hkit/ontology#University" in page.links


def test_query_results_link_every_iri(served):
    page = _page(served, "/queries/universities?run=1")
    assert any(link.startswith("/id/") for link in page.links)


# -- classes ------------


@pytest.mark.parametrize("every", [pytest.param(True, marks=pytest.mark.slow), False])
def test_each_class_page_counts_what_the_home_page_counts(served, every):
    """Every class the home page lists links to its page, whose instances (asserted, and with
    what the ontology entails) are as many as the home page says (in the default run, the
    eight classes with the most instances and the last one)."""
    home = _json(served, "/.json")
    page = _page(served, "/")
    counted = home["stats"]["per_class"]
    for cls, asserted, entailed in counted if every else counted[:8] + counted[-1:]:
        path = home["class_paths"][cls]
        assert path in page.links
        data = _json(served, path + ".json")
        assert data["iri"] == PREFIXES["hkit"] + cls.partition(":")[2]
        assert len(data["asserted"]) == asserted, cls
        assert len(data["asserted"]) + len(data["inferred"]) == entailed, cls
        assert all(i["path"] == "/id/" + i["iri"].rpartition("/")[2] for i in data["asserted"])


def test_a_class_page_shows_its_data_and_leaves_out_inferences_when_asked(served):
    data = _json(served, "/classes/Organisation.json")
    page = _page(served, "/classes/Organisation")
    assert data["label"] == "organisation" and data["infer"]
    for instance in data["asserted"] + data["inferred"]:
        assert instance["path"] in page.links
    assert {"/classes/University", "/classes/Agent"} <= {
        c["path"] for c in data["subclasses"] + data["superclasses"]
    }
    asserted = _json(served, "/classes/Organisation.json?infer=false")
    assert asserted["asserted"] == data["asserted"] and asserted["inferred"] == []
    status, _, body = _get(served, "/classes/Organisation?infer=false")
    assert status == 200 and "Entailed by the ontology" not in body
    for path, status_wanted in (
        ("/classes/Organisation?infer=maybe", 400),
        ("/classes/NoSuchClass", 404),
        ("/classes/NoSuchClass.json", 404),
        ("/classes/..%2F..%2Fetc", 404),
    ):
        assert _get(served, path)[0] == status_wanted, path


def test_the_grammar_of_an_entitys_kind(served):
    """ "An initiative", "A university": the article follows the sound of the class's label."""
    assert '<p>An <a href="/classes/Initiative">initiative</a>' in _get(served, "/id/innohk")[2]
    assert '<p>A <a href="/classes/University">university</a>' in _get(served, "/id/hkust")[2]


# -- sources ------------


def test_the_sources_list_every_document_of_the_ledger(served):
    data = _json(served, "/sources.json")
    page = _page(served, "/sources")
    assert [d["file"] for d in data["documents"]] == sorted(ROWS)
    for doc in data["documents"]:
        rows = ROWS[doc["file"]]
        assert doc["sentences"] == len(rows)
        assert doc["encoded"] == sum(1 for r in rows if r.nodes)
        assert doc["path"] in page.links and doc["node_path"] in page.links


@pytest.mark.parametrize(
    "file",
    [f if i == 0 else pytest.param(f, marks=pytest.mark.slow) for i, f in enumerate(sorted(ROWS))],
)
def test_a_source_shows_every_sentence_with_its_nodes_or_its_reason(served, file):
    """Every row of the ledger is a sentence of its document's page, in order and anchored; its
    nodes link to pages that answer, and a sentence without nodes shows its reason."""
    name = file.removesuffix(".txt")
    data = _json(served, f"/sources/{name}.json")
    _, _, body = _get(served, f"/sources/{name}")
    page = _Page()
    page.feed(body)
    rows = ROWS[file]
    assert [s["text"] for s in data["sentences"]] == [r.sentence for r in rows]
    for number, (sentence, row) in enumerate(zip(data["sentences"], rows, strict=True), 1):
        assert sentence["number"] == number and f"s{number}" in page.ids
        assert [n["name"] for n in sentence["nodes"]] == list(row.nodes)
        if not row.nodes:
            assert sentence["reason"] == row.reason
            if sentence["repeats"]:  # links to the sentence it repeats
                assert f'a repeat of <a href="#s{sentence["repeats"]}">' in body
            else:
                assert html.escape(row.reason.partition(":")[0]) in body
        for node in sentence["nodes"]:
            assert node["path"] in page.links
            assert node["label"] != node["name"], node  # every node has a label
    linked = {n["path"] for s in data["sentences"] for n in s["nodes"]}
    for path in sorted(linked)[:15]:  # a sample: the crawl reaches every one in the slow run
        assert _get(served, path)[0] == 200, path
    assert _get(served, f"/sources/{name}x")[0] == 404


def test_an_entity_links_back_to_the_sentences_that_state_its_facts(served):
    """Each sentence the entity's page lists is a row of the ledger naming the entity, and its
    link leads to that sentence's anchor in its document, where the entity's page is linked."""
    data = _json(served, "/id/hkust.json")
    named = [
        (file, number)
        for file, rows in ROWS.items()
        for number, row in enumerate(rows, 1)
        if "id:hkust" in row.nodes
    ]
    assert [(s["source"], s["number"]) for s in data["sentences"]] == named
    page = _page(served, "/id/hkust")
    documents: dict[str, _Page] = {}
    for sentence in data["sentences"]:
        assert sentence["path"] in page.links
        path, _, anchor = sentence["path"].partition("#")
        if path not in documents:
            documents[path] = _page(served, path)
        assert anchor in documents[path].ids
    assert all("/id/hkust" in d.links for d in documents.values())


def test_an_entitys_links_are_its_iris(served):
    """The IRI behind each label the page shows is one of the entity's own triples."""
    data = _json(served, "/id/hkust.json")
    found = {(link["relation"], link["iri"]) for link in data["links"]}
    assert ("out", PREFIXES["id"] + "hong-kong") in found
    assert ("type", PREFIXES["hkit"] + "University") in found
    assert ("in", PREFIXES["id"] + "redbird-innovation-fund") in found
    page = _page(served, "/id/hkust")
    assert {"/id/hong-kong", "/id/innohk", "/classes/University", "/ontology/#basedIn"} <= set(
        page.links
    )


# -- the ontology, the shapes and the entities as data ------------


def _same(one, other) -> bool:
    """Whether two rdflib graphs hold the same triples: the same ground triples, and as many
    (rdflib's isomorphism test takes seconds a graph on the shapes' lists of blank nodes)."""
    import rdflib

    def ground(graph):
        return {t for t in graph if not any(isinstance(x, rdflib.BNode) for x in t)}

    return len(one) == len(other) and ground(one) == ground(other)


RDF_SYNTAXES = (
    ("text/turtle", "turtle"),
    ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
)


@pytest.mark.parametrize("path, source", [("/ontology", "hkit.ttl"), ("/shapes", "shapes.ttl")])
def test_the_ontology_and_the_shapes_by_content_negotiation(served, path, source):
    """Turtle, RDF/XML and JSON-LD by Accept (and ?format=): each the same graph as the file."""
    import rdflib

    expected = rdflib.Graph().parse(ROOT / "ontology" / source, format="turtle")
    for media, syntax in RDF_SYNTAXES:
        status, headers, body = _get(served, path, media)
        assert status == 200 and headers["content-type"].startswith(media), (path, media)
        assert headers["vary"] == "Accept"
        assert _same(rdflib.Graph().parse(data=body, format=syntax), expected), media
    status, headers, _ = _get(served, path + "?format=jsonld", "text/html")
    assert headers["content-type"] == "application/ld+json"
    assert _get(served, path, "image/png")[0] == 406
    assert _get(served, path + "?format=png")[0] == 400


def test_a_browser_asking_for_the_ontology_gets_its_documentation(served):
    request = urllib.request.Request(
        served.base + "/ontology", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # follows the 303
        assert response.url == served.base + "/ontology/"
        assert b"Competency questions" in response.read()
    page = _page(served, "/shapes")
    assert "/classes/Organisation" in page.links and "#AgentShape" in page.links


def test_an_entity_in_every_rdf_syntax(served):
    """Turtle, RDF/XML and JSON-LD by Accept: the same triples (an RDF/XML Accept was a 406)."""
    import rdflib

    graphs = []
    for media, syntax in RDF_SYNTAXES:
        status, headers, body = _get(served, "/id/hkust", media)
        assert status == 200 and headers["content-type"].startswith(media), media
        graphs.append(rdflib.Graph().parse(data=body, format=syntax))
    assert all(_same(graphs[0], g) for g in graphs[1:])
    assert len(graphs[0]) > 5
    assert _get(served, "/id/hkust?format=rdfxml")[1]["content-type"] == "application/rdf+xml"


def test_the_new_routes_are_in_the_openapi_document(served):
    paths = _json(served, "/api/openapi.json")["paths"]
    for path in (
        "/classes/{name}",
        "/classes/{name}.json",
        "/sources",
        "/sources.json",
        "/sources/{name}",
        "/sources/{name}.json",
        "/ontology",
        "/shapes",
    ):
        assert "get" in paths[path] and "head" in paths[path], path


def test_the_new_pages_are_admitted_as_every_query_is(tmp_path):
    """With no query slot free, the class, source and shapes pages and the ontology in RDF wait
    their turn like the saved queries: a server allowed no waiting line answers 503 while a
    query holds its slot."""
    import asyncio

    from starlette.requests import Request

    from hkit.web.app import make_app
    from hkit.web.errors import Refused
    from hkit.web.views import classes, entity, ontology, sources

    app = make_app(hkit.open(root=ROOT), max_queries=1)
    server = app.state.server
    server.max_admitted = 1  # one request admitted at a time, none waiting
    server.admitted = 1  # as if a query held it

    async def status(view, query: bytes = b"", **params) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": query,
            "headers": [],
            "app": app,
            "path_params": params,
        }
        try:
            await view(Request(scope))
        except Refused as exc:
            return exc.status
        return 200

    try:
        assert asyncio.run(status(classes.page, name="University")) == 503
        assert asyncio.run(status(classes.data, name="University")) == 503
        assert asyncio.run(status(sources.page, name="000_1039700805b26dd8")) == 503
        assert asyncio.run(status(sources.list_page)) == 503
        assert asyncio.run(status(sources.list_data)) == 503
        assert asyncio.run(status(ontology.shapes)) == 503
        assert asyncio.run(status(ontology.ontology, b"format=rdfxml")) == 503
        assert asyncio.run(status(entity.page, b"format=rdfxml", name="hkust")) == 503
        server.admitted = 0  # the slot is free again: the same requests are answered
        assert asyncio.run(status(ontology.ontology, b"format=rdfxml")) == 200
        assert asyncio.run(status(classes.page, name="University")) == 200
    finally:
        shutil.rmtree(server.docs_folder, ignore_errors=True)


# -- in a real browser ------------


@pytest.mark.browser
def test_browsing_in_headless_chromium(served):
    """From the home page to a class, to an entity, to a sentence of its source (highlighted)
    and back; no console error, and no request leaves loopback."""
    from browser import Browser, requested_elsewhere, until

    def arrived(browser: Browser, to: str) -> None:
        # polled, not slept: the next page is there once its address is and it has loaded
        until(
            browser,
            f"return location.pathname + location.hash === {json.dumps(to)}"
            " && document.readyState === 'complete'",
            f"the browser at {to}",
        )

    def click(browser: Browser, css: str, to: str) -> None:
        browser.run(f"document.querySelector({json.dumps(css)}).click()")
        arrived(browser, to)

    def where(browser: Browser) -> str:
        return str(browser.run("return location.pathname + location.hash"))

    outside: list[str] = []

    def loopback_only(browser: Browser) -> None:
        outside.extend(requested_elsewhere(browser, served.base))

    with Browser() as browser:
        browser.open(served.base + "/")
        loopback_only(browser)
        click(browser, 'a[href="/classes/University"]', "/classes/University")
        loopback_only(browser)
        assert where(browser) == "/classes/University"
        assert browser.run("return document.querySelector('h1').textContent") == "University"
        click(browser, 'ul.instances a[href="/id/hkust"]', "/id/hkust")
        assert where(browser) == "/id/hkust"
        loopback_only(browser)
        click(browser, 'ul.sentences a[href$="#s44"]', "/sources/001_6b075fc54bbad20f#s44")
        assert where(browser) == "/sources/001_6b075fc54bbad20f#s44"
        highlighted = browser.run(
            "const li = document.querySelector('li:target');"
            "return [li.id, getComputedStyle(li).backgroundColor]"
        )
        assert highlighted[0] == "s44" and highlighted[1] not in ("rgba(0, 0, 0, 0)", "")
        assert "1,800 active start-ups" in str(
            browser.run("return document.querySelector('li:target .text').textContent")
        )
        browser.run("history.back()")
        arrived(browser, "/id/hkust")
        assert where(browser) == "/id/hkust"
        click(browser, "header a.home", "/")
        assert where(browser) == "/"
        for path in ("/sources", "/shapes", "/ontology/", "/classes/Organisation"):
            browser.open(served.base + path)  # WebDriver answers once the page has loaded
            loopback_only(browser)
        assert outside == []
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []


def test_a_figure_with_no_number_is_described_by_its_word():
    """A vague magnitude ("thousands") has no value: describe (and so its entity's page, which
    the crawl reaches) gives its word, not an error."""
    d = hkit.open(root=ROOT).describe("id:young-innovative-companies-001")
    assert [(m, v) for m, v, _, _ in d.figures] == [("companies supported", "thousands")]
