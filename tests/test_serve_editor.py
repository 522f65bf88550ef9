"""The SPARQL editor of ``hkit serve`` (``/sparql`` for a browser, its JSON twin ``/sparql.json``
and its vendored scripts under ``/static/``), the SPARQL protocol that ``/sparql`` keeps answering
clients, the JSON twins of ``/ontology`` and ``/shapes``, and the citation keys of query pages
linked to their sources. Against a real server on loopback, and in headless Chromium."""

from __future__ import annotations

import html.parser
import json
import re
import runpy
import shutil
import subprocess
import sys
import urllib.parse
import zipfile

import pytest
from helpers import ROOT
from test_serve import Served

import hkit
from hkit.core.vocab import PREFIXES, PROLOGUE
from hkit.web.links import href

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")

#: What a browser's Accept header says when it opens a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"
#: The vendored editor, in the package.
VENDOR = ROOT / "hkit" / "web" / "static" / "vendor" / "codemirror"
UNIVERSITIES = (
    "SELECT ?u ?label ?place WHERE { ?u a hkit:University ; rdfs:label ?label "
    "OPTIONAL { ?u hkit:basedIn ?place } } ORDER BY STR(?label)"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("editor"))
    yield server
    server.stop()


def _get(served: Served, path: str, accept: str | None = None, **headers: str):
    sent = {"Accept": accept} if accept else {}
    status, got, body = served.request("GET", path, None, {**sent, **headers})
    return status, {k.lower(): v for k, v in got.items()}, body


def _post(served: Served, path: str, form: dict[str, str], **headers: str):
    body = urllib.parse.urlencode(form).encode()
    sent = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    status, got, answer = served.request("POST", path, body, sent)
    return status, {k.lower(): v for k, v in got.items()}, answer


def _json(served: Served, path: str) -> dict:
    status, headers, body = _get(served, path)
    assert status == 200 and headers["content-type"] == "application/json", (path, body[:300])
    return json.loads(body)


def _sparql_json(served: Served, query: str, **form: str) -> dict:
    status, headers, body = _post(served, "/sparql.json", {"query": query, **form})
    assert status == 200 and headers["content-type"] == "application/json", body[:300]
    return json.loads(body)


class _Resources(html.parser.HTMLParser):
    """What a page loads (scripts, styles, images) and where its links go."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.loaded.append(a["src"])
        if tag == "link" and a.get("href"):
            self.loaded.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


# -- the protocol stays ------------


def test_a_client_still_gets_the_service_description(served):
    """No Accept header, Turtle, or a SPARQL results type: the service description in Turtle,
    as before the editor; every answer says that it depends on the Accept header."""
    for accept in (None, "*/*", "text/turtle", "application/sparql-results+json", "image/png"):
        status, headers, body = _get(served, "/sparql", accept)
        assert status == 200 and headers["content-type"].startswith("text/turtle"), accept
        assert b"sd:Service" in body and headers["vary"] == "Accept"


def test_a_browser_gets_the_editor(served):
    status, headers, body = _get(served, "/sparql", BROWSER)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["vary"] == "Accept"
    assert "default-src 'self'" in headers["content-security-policy"]
    page = body.decode()
    assert 'id="editor"' in page and "<textarea" in page
    # the prefixes the saved queries declare, and hkit's own two, start the editor's text
    declared = set()
    for saved in hkit.open(root=ROOT).queries.values():
        declared |= set(re.findall(r"PREFIX (\w+):", saved.text))
    assert declared and declared | {"id", "hkit"} == set(_json(served, "/sparql.json")["prefixes"])
    for prefix in declared:
        assert f"PREFIX {prefix}: &lt;{PREFIXES[prefix]}&gt;" in page, prefix


def test_the_editor_loads_nothing_from_outside(served):
    """Every script the page loads is the server's own, and each is served, with how long to
    keep it; the vendored bundle names no other host (no CDN, fonts or telemetry)."""
    _, _, body = _get(served, "/sparql", BROWSER)
    parsed = _Resources()
    parsed.feed(body.decode())
    loaded = [src for src in parsed.loaded if not src.startswith("data:")]  # the empty icon
    assert len(loaded) == 2
    for src in loaded:
        assert src.startswith("/static/"), src
        status, headers, _ = _get(served, src)
        assert status == 200 and headers["content-type"].startswith("text/javascript"), src
        assert "max-age=" in headers["cache-control"] and headers["etag"]
    bundle = (VENDOR / "codemirror.min.js").read_text(encoding="utf-8")
    assert set(re.findall(r"https?://[^\s\"'`)]+", bundle)) <= {"http://www.w3.org/2000/svg"}


def test_a_query_by_get_or_post_answers_as_before(served):
    """A GET with a query, whatever the Accept header (a browser's too), and a POST, answer by
    the protocol: never the editor's page."""
    query = urllib.parse.quote(UNIVERSITIES)
    status, headers, body = _get(
        served, "/sparql?query=" + query, "application/sparql-results+json"
    )
    assert status == 200 and headers["content-type"] == "application/sparql-results+json"
    rows = json.loads(body)["results"]["bindings"]
    status, headers, _ = _get(served, "/sparql?query=" + query, BROWSER)
    assert status == 200 and not headers["content-type"].startswith("text/html")
    status, headers, body = _post(
        served, "/sparql", {"query": UNIVERSITIES}, Accept="application/sparql-results+json"
    )
    assert status == 200 and json.loads(body)["results"]["bindings"] == rows


# -- the editor's data ------------


def test_the_editors_table_links_every_iri_as_the_pages_do(served):
    """The twin's rows are the endpoint's, each IRI with the link every page gives it."""
    classes = set(_json(served, "/.json")["class_paths"])  # compact names of the classes
    classes = {PREFIXES["hkit"] + c.partition(":")[2] for c in classes}
    found = _sparql_json(served, UNIVERSITIES)
    answer = found["answer"]
    assert answer["form"] == "SELECT" and answer["columns"] == ["u", "label", "place"]
    _, _, body = _get(
        served, "/sparql?query=" + urllib.parse.quote(UNIVERSITIES), "application/json"
    )
    bindings = json.loads(body)["results"]["bindings"]
    assert answer["count"] == len(bindings) == len(answer["rows"]) > 5
    for row, binding in zip(answer["rows"], bindings, strict=True):
        for cell, var in zip(row, answer["columns"], strict=True):
            term = binding.get(var)
            if term is None:
                assert cell == {"text": "", "link": None}
            elif term["type"] == "uri":
                assert cell["link"] == href(term["value"], classes), term
            else:
                assert cell["link"] is None and cell["text"] == term["value"]
    assert {"text": "id:hkust", "link": "/id/hkust"} in [r[0] for r in answer["rows"]]


def test_the_editors_example_runs(served):
    data = _json(served, "/sparql.json")
    assert data["answer"] is None and data["query"] is None
    found = _sparql_json(served, data["example"])
    assert found["answer"]["count"] > 5
    assert all(row[0]["link"].startswith("/id/") for row in found["answer"]["rows"])


def test_ask_construct_and_what_is_inferred(served):
    ask = _sparql_json(served, "ASK { id:hkust a hkit:University }")["answer"]
    assert ask["form"] == "ASK" and ask["boolean"] is True
    graph = _sparql_json(
        served, "CONSTRUCT { id:hkust rdfs:label ?l } WHERE { id:hkust rdfs:label ?l }"
    )
    assert graph["answer"]["columns"] == ["subject", "predicate", "object"]
    assert graph["answer"]["rows"][0][0] == {"text": "id:hkust", "link": "/id/hkust"}
    assert [d["format"] for d in graph["downloads"]] == ["turtle", "ntriples", "jsonld"]
    # an organisation only by what the ontology entails (a university is one)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?o a hkit:Organisation }"
    entailed = _sparql_json(served, count)["answer"]["rows"][0][0]["text"]
    asserted = _sparql_json(served, count, infer="false")["answer"]["rows"][0][0]["text"]
    assert int(entailed.replace(",", "")) > int(asserted.replace(",", ""))


def test_the_downloads_are_the_same_answer_from_the_endpoint(served):
    found = _sparql_json(served, UNIVERSITIES)
    media = {
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
        "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml",
    }
    assert [d["format"] for d in found["downloads"]] == list(media)
    for download in found["downloads"]:
        assert download["href"].startswith("/sparql?")
        status, headers, body = _get(served, download["href"])
        assert status == 200 and headers["content-type"].startswith(media[download["format"]])
        if download["format"] == "csv":
            assert body.decode().count("\r\n") == found["answer"]["count"] + 1


def test_the_editors_errors_are_one_line(served):
    cases = {
        "SELECT * WHERE {": 400,
        "INSERT DATA { <a:b> <a:c> <a:d> }": 400,
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }": 400,
    }
    for query, code in cases.items():
        status, headers, body = _post(served, "/sparql.json", {"query": query})
        assert status == code, (query, body)
        assert headers["content-type"].startswith("text/plain")
        assert body.decode().count("\n") == 1 and "Traceback" not in body.decode()
    status, _, body = _post(
        served, "/sparql.json", {"query": "ASK {}"}, Origin="http://elsewhere.example"
    )
    assert status == 403 and b"another origin" in body


# -- the static files ------------


def test_static_files_are_cached_and_guarded(served):
    path = "/static/vendor/codemirror/codemirror.min.js"
    status, headers, body = _get(served, path)
    assert status == 200 and body == (VENDOR / "codemirror.min.js").read_bytes()
    assert headers["cache-control"] == "public, max-age=86400"
    status, _, body = _get(served, path, **{"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    status, _, body = _get(served, path, Host="attacker.example")
    assert status == 400 and b"does not answer for the host" in body
    assert _get(served, "/static/no-such-file.js")[0] == 404
    assert _get(served, "/static/../views/editor.py")[0] == 404


def test_the_vendored_editor_carries_its_licences_and_versions():
    """The bundle's packages are those the refresh script pins (and theirs), each with its
    licence beside the bundle."""
    record = json.loads((VENDOR / "versions.json").read_text())
    script = runpy.run_path(str(ROOT / "scripts" / "refresh-editor.py"))
    pinned = {k: v for k, v in script["PINNED"].items() if k != "esbuild"}
    assert pinned.items() <= record["bundled"].items()
    assert record["built_with"]["esbuild"] == script["PINNED"]["esbuild"]
    licence = (VENDOR / "LICENSE").read_text(encoding="utf-8")
    for name, version in record["bundled"].items():
        assert f"{name} {version}\n" in licence, name
    assert licence.count("MIT License") + licence.count("Permission is hereby granted") >= len(
        record["bundled"]
    )


@pytest.mark.slow
def test_the_wheel_holds_the_editors_files(tmp_path):
    """Installing hkit needs no Node: the built wheel holds the bundle, its licence, the
    editor's script and its page."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("hkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "hkit/web/static/editor.js",
        "hkit/web/static/vendor/codemirror/codemirror.min.js",
        "hkit/web/static/vendor/codemirror/LICENSE",
        "hkit/web/static/vendor/codemirror/versions.json",
        "hkit/templates/sparql.html",
    ):
        assert name in names, name


# -- the ontology's and the shapes' JSON twins ------------


def test_the_ontologys_json_twin(served):
    import rdflib
    from rdflib.namespace import OWL, RDF

    data = _json(served, "/ontology.json")
    graph = rdflib.Graph().parse(ROOT / "ontology" / "hkit.ttl", format="turtle")
    assert data["iri"] == "https://w3id.org/hkit/ontology"
    assert data["version"] == str(graph.value(rdflib.URIRef(data["iri"]), OWL.versionInfo))
    ours = PREFIXES["hkit"]
    classes = {str(c) for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(ours)}
    assert {c["iri"] for c in data["classes"]} == classes
    for c in data["classes"]:
        assert c["path"] == "/classes/" + c["iri"][len(ours) :] and c["label"], c
        assert c["documentation"] == "/ontology/#" + c["iri"][len(ours) :]
    names = {p["name"]: p for p in data["properties"]}
    assert names["hkit:basedIn"]["kind"] == "object property"
    assert names["hkit:basedIn"]["path"] == "/ontology/#basedIn"
    # every anchor the twin names is one of the documentation's
    _, _, docs = _get(served, "/ontology/")
    anchors = set(re.findall(r'id="([^"]+)"', docs.decode()))
    assert {t["documentation"][len("/ontology/#") :] for t in names.values()} <= anchors


def test_the_shapes_json_twin_lists_what_the_page_shows(served):
    data = _json(served, "/shapes.json")
    _, _, page = _get(served, "/shapes", "text/html")
    assert data["shapes"] and all(f'id="{s["anchor"]}"' in page.decode() for s in data["shapes"])
    agent = next(s for s in data["shapes"] if s["anchor"] == "AgentShape")
    assert {"kind": "instances of", "name": "hkit:Agent", "path": "/classes/Agent"} in agent[
        "targets"
    ]


def test_the_new_routes_are_in_the_openapi_document(served):
    paths = _json(served, "/api/openapi.json")["paths"]
    for path in ("/ontology.json", "/shapes.json", "/sparql.json", "/static/{path}"):
        assert "get" in paths[path] and "head" in paths[path], path
    assert "post" in paths["/sparql.json"]
    assert "application/json" in paths["/sparql.json"]["get"]["responses"]["200"]["content"]
    assert "text/html" in paths["/sparql"]["get"]["responses"]["200"]["content"]


def test_the_new_views_are_admitted_as_every_query_is(tmp_path):
    """With no query slot free, the editor's page and its answers, and the ontology's and the
    shapes' twins, wait their turn as the saved queries do: a 503 while a query holds the one
    slot of a server allowed no waiting line."""
    import asyncio

    from starlette.requests import Request

    from hkit.web.app import make_app
    from hkit.web.errors import Refused
    from hkit.web.views import ontology, sparql

    app = make_app(hkit.open(root=ROOT), max_queries=1)
    server = app.state.server
    server.max_admitted = 1
    server.admitted = 1  # as if a query held the slot

    async def status(view, query: bytes = b"", accept: bytes = b"") -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": query,
            "headers": [(b"accept", accept)] if accept else [],
            "app": app,
            "path_params": {},
        }
        try:
            await view(Request(scope))
        except Refused as exc:
            return exc.status
        return 200

    ask = b"query=" + urllib.parse.quote(b"ASK {}").encode()
    try:
        assert asyncio.run(status(sparql.endpoint, accept=b"text/html")) == 503
        assert asyncio.run(status(sparql.data)) == 503
        assert asyncio.run(status(ontology.ontology_data)) == 503
        assert asyncio.run(status(ontology.shapes_data)) == 503
        server.admitted = 0  # the slot is free again
        assert asyncio.run(status(sparql.data, ask)) == 200
        assert asyncio.run(status(sparql.endpoint, accept=b"text/html")) == 200
        assert asyncio.run(status(ontology.ontology_data)) == 200
        server.admitted = 1
        assert asyncio.run(status(sparql.data, ask)) == 503  # a query is admitted every time
    finally:
        shutil.rmtree(server.docs_folder, ignore_errors=True)


# -- in a real browser ------------


@pytest.mark.browser
def test_the_editor_in_headless_chromium(served):
    """Open /sparql, set a query in the editor, run it, see the linked table (and the syntax
    highlighted), follow a result to its entity's page; no console error, and no request
    leaves loopback."""
    from browser import Browser, requested_elsewhere, until

    query = "\n".join(
        [
            "SELECT ?u ?label WHERE {",
            "  ?u a hkit:University ; rdfs:label ?label .",
            "}",
            "ORDER BY STR(?label)",
        ]
    )
    outside: list[str] = []

    def loopback_only(browser: Browser) -> None:
        outside.extend(requested_elsewhere(browser, served.base))

    with Browser() as browser:
        browser.open(served.base + "/sparql")
        until(browser, "return document.querySelector('.cm-editor .cm-content')", "the editor")
        # the prefixes are highlighted as keywords, in a colour of their own
        colours = browser.run(
            "return [...document.querySelectorAll('.cm-content .cm-line span')]"
            ".map(s => getComputedStyle(s).color)"
        )
        assert len(set(colours)) >= 3, colours
        set_text = (
            "const view = HkitCodeMirror.EditorView.findFromDOM("
            "document.querySelector('.cm-editor'));"
            "view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: TEXT}});"
        )
        browser.run(set_text.replace("TEXT", json.dumps(query)))
        browser.run("document.getElementById('run').click()")
        rows = until(
            browser,
            "return document.querySelectorAll('#table tbody tr').length",
            "the answer's table",
        )
        assert int(rows) > 5
        assert "rows." in str(browser.run("return document.getElementById('count').textContent"))
        links = browser.run(
            "return [...document.querySelectorAll('#table tbody a')]"
            ".map(a => a.getAttribute('href'))"
        )
        assert "/id/hkust" in links
        downloads = browser.run(
            "return [...document.querySelectorAll('#downloads a')].map(a => a.textContent)"
        )
        assert downloads == ["csv", "tsv", "json", "xml"]
        # the address keeps the query: opened again, it runs again
        assert str(browser.run("return location.hash")).startswith("#query=")
        loopback_only(browser)
        browser.run("document.querySelector('#table tbody a[href=\"/id/hkust\"]').click()")
        until(browser, "return location.pathname === '/id/hkust'", "the entity's page")
        until(browser, "return document.readyState === 'complete'", "the page's load")
        assert "Hong Kong University of Science and Technology" in str(
            browser.run("return document.querySelector('h1').textContent")
        )
        loopback_only(browser)
        browser.run("history.back()")
        until(
            browser,
            "return document.querySelectorAll('#table tbody tr').length",
            "the query run again from the address",
        )
        loopback_only(browser)
        assert outside == []
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []


# -- citation keys link to their sources ------------


def test_citation_keys_link_to_the_sentence_that_states_the_fact(served):
    """Each key of a query's answer links to its source's page, at the sentence that states the
    row's amount when the claims ledger ties that amount to one sentence; the legend links each
    source to its page; the page shows the same links."""
    data = _json(served, "/queries/funds-by-size.json")
    table = data["table"]
    legend = {c["key"]: c for c in table["cited"]}
    assert [f"[{k}] " for k in legend] == [line[: line.index(" ") + 1] for line in table["legend"]]
    amount = table["columns"].index("amount")
    anchored = 0
    for row in table["rows"]:
        keyed = [c for c in row if c.get("keys")]
        assert len(keyed) == 1
        for key in keyed[0]["keys"]:
            stem = key["source"].removesuffix(".txt")
            assert legend[key["key"]]["source"] == key["source"]
            assert legend[key["key"]]["link"] == "/sources/" + stem
            path, _, anchor = key["link"].partition("#")
            assert path == "/sources/" + stem
            if anchor:
                anchored += 1
                number = int(anchor.removeprefix("s"))
                sentence = _json(served, path + ".json")["sentences"][number - 1]["text"]
                # the sentence states the amount the row shows
                figure = re.search(r"[\d.]+ (?:billion|million)", row[amount]["text"])
                assert figure and figure.group(0) in sentence.replace("-", " "), (row, sentence)
    assert anchored >= 5
    _, _, page = _get(served, "/queries/funds-by-size", "text/html")
    for c in table["cited"]:
        assert f'<a href="{c["link"]}">[{c["key"]}] ' in page.decode()
    first = next(k for row in table["rows"] for c in row for k in c.get("keys", []))
    assert f'<a href="{first["link"]}">[{first["key"]}]</a>' in page.decode()


def test_a_citation_is_anchored_only_where_one_sentence_states_it():
    """A node the ledger ties to one sentence of the document anchors there; an entity that
    several sentences name does not; a document the ledger lacks has no page to link to."""
    from hkit.web.links import source_link

    index = {"001_a.txt": {"id:amount-x": [7], "id:fund": [3, 7, 9], "id:twice": [4, 5]}}
    ids = PREFIXES["id"]
    assert source_link("001_a.txt", index, [ids + "fund", ids + "amount-x"]) == "/sources/001_a#s7"
    assert source_link("001_a.txt", index, [ids + "fund"]) == "/sources/001_a"
    assert source_link("001_a.txt", index, [ids + "twice"]) == "/sources/001_a"
    assert source_link("001_a.txt", index, []) == "/sources/001_a"
    assert source_link("002_b.txt", index, [ids + "fund"]) is None


@pytest.mark.browser
def test_a_citation_key_opens_its_sentence_in_headless_chromium(served):
    """On a query's page, a citation key opens its source at the sentence, highlighted."""
    from browser import Browser, until

    with Browser() as browser:
        browser.open(served.base + "/queries/funds-by-size")
        key = until(
            browser,
            'const a = document.querySelector(\'table.answer a[href*="/sources/"][href*="#s"]\');'
            "return a && a.getAttribute('href')",
            "a citation key with its sentence",
        )
        browser.run(f"document.querySelector('a[href=\"{key}\"]').click()")
        path, _, anchor = str(key).partition("#")
        until(browser, f"return location.pathname === {json.dumps(path)}", "the source's page")
        target = until(
            browser, "const li = document.querySelector('li:target'); return li && li.id", "target"
        )
        assert target == anchor
        colour = browser.run(
            "return getComputedStyle(document.querySelector('li:target')).backgroundColor"
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "")
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []


def test_an_entitys_figures_link_to_the_sentences_that_state_them(served):
    """An entity's figure links to its source at the sentence that the claims ledger ties to the
    figure's observation, when one observation of that measure comes from that document."""
    from hkit.core.vocab import compact

    kg = hkit.open(root=ROOT)
    anchored = 0
    for name in ("innohk", "hkstp", "hkust"):
        observed: dict[str, set[str]] = {}
        text = f"SELECT ?obs ?l WHERE {{ ?obs hkit:observedEntity id:{name} ; "
        for row in kg.run(PROLOGUE + text + "hkit:measure/skos:prefLabel ?l }").rows:
            observed.setdefault(row["l"].value, set()).add(compact(row["obs"].value))
        data = _json(served, f"/id/{name}.json")
        assert len(data["figure_sources"]) == len(data["figures"])
        for (measure, _, _, file), link in zip(
            data["figures"], data["figure_sources"], strict=True
        ):
            path, _, anchor = link.partition("#")
            assert path == "/sources/" + file.removesuffix(".txt")
            if not anchor:
                continue
            anchored += 1
            sentence = _json(served, path + ".json")["sentences"][int(anchor[1:]) - 1]
            # the sentence encodes an observation of the entity by that measure
            nodes = {n["name"] for n in sentence["nodes"]}
            assert nodes & observed[measure], (name, measure, sentence["text"])
    assert anchored >= 5
