"""``hkit serve``'s pages and their JSON twins: each page answers, at its path with ``.json``, the
data its template is given, and that data is what the page shows. And the statuses of errors,
which come from the errors' types: an unknown saved query is a 404, a saved query that cannot be
read is not. Against real servers on loopback."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, serving_in_thread
from stores import free_port
from test_serve import QUERIES, Served

import hkit
from hkit.cli.group import main
from hkit.core.vocab import compact
from hkit.store.closure import INFERRED
from hkit.web.app import make_app

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")

from markupsafe import escape  # Jinja2's escaping, as the pages are written


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


def _get(base: str, path: str, accept: str | None = None) -> tuple[int, str, str]:
    """The status, media type and text of the answer to a GET of ``path``."""
    request = urllib.request.Request(base + path, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


def _twins(base: str, page: str) -> tuple[dict, str]:
    """A page's data (from its JSON twin) and the page itself."""
    path, _, query = page.partition("?")
    twin = path + ".json" + (f"?{query}" if query else "")
    status, media, text = _get(base, twin)
    assert (status, media) == (200, "application/json"), (twin, text[:300])
    status, media, html = _get(base, page, "text/html")
    assert status == 200 and media.startswith("text/html"), (page, html[:300])
    return json.loads(text), html


def shown(value: object) -> str:
    return str(escape(value))


def unlinked(page: str) -> str:
    """The page with its links' tags taken out (their text left): what a reader sees."""
    return re.sub(r'<a href="[^"]*">|</a>', "", page)


def test_the_home_pages_data_is_what_it_shows(served):
    data, page = _twins(served.base, "/")
    stats = data["stats"]
    assert (
        f"It holds {stats['triples']:,} triples, and {stats['inferred']:,} more that the "
        "ontology entails." in page
    )
    assert "<th>entities (asserted)</th><th>with what the ontology entails</th>" in page
    for cls, asserted, entailed in stats["per_class"]:
        row = f'<tr><td>{shown(cls)}</td><td class="number">{asserted}</td>'
        assert row + f'<td class="number">{entailed}</td></tr>' in unlinked(page)
        # every class links to its page
        assert f'<a href="{data["class_paths"][cls]}">{shown(cls)}</a>' in page
    assert stats == json.loads(_cli("stats", "--format", "json"))
    assert list(data["by_tag"]) == sorted(data["by_tag"])
    listed = set()
    for tag, queries in data["by_tag"].items():
        assert f"<h3>{shown(tag)}</h3>" in page
        for q in queries:
            assert q["path"] == f"/queries/{q['name']}"
            assert f'<a href="{q["path"]}">{shown(q["summary"])}</a>' in page
            listed.add(q["name"])
    assert listed == set(QUERIES)


@pytest.mark.parametrize("text", ["hkust", "hong kong", "no such thing anywhere", ""])
def test_the_search_pages_data_is_what_it_shows(served, text):
    data, page = _twins(served.base, "/search?" + urllib.parse.urlencode({"q": text}))
    assert data["text"] == text
    if not text:
        assert data["found"] == [] and "Give part of a name" in page
    elif not data["found"]:
        assert f"Nothing in the graph is called “{shown(text)}”." in page
    else:
        count = len(data["found"])
        assert f"{count} match{'es' if count != 1 else ''} for" in page
    for match in data["found"]:
        assert f'<a href="{match["path"]}">{shown(match["label"])}</a>' in page
        linked = f'<a href="{match["path"]}">{shown(compact(match["iri"]))}</a>'
        assert f'<span class="muted">{linked}</span>' in page


def test_an_entitys_data_is_what_hkit_describe_gives_and_its_page_shows(served):
    data, page = _twins(served.base, "/id/hkust")
    links, sentences = data.pop("links"), data.pop("sentences")
    assert len(data.pop("figure_sources")) == len(data["figures"])
    assert data == json.loads(_cli("describe", "id:hkust", "--format", "json"))
    assert links and sentences
    page = unlinked(page)
    assert f"<h1>{shown(data['label'])}</h1>" in page
    assert f"<code>{shown(data['iri'])}</code>" in page
    for prop, value in data["outgoing"]:
        assert f"<tr><td>{shown(prop)}</td><td>{shown(value)}</td></tr>" in page
    for file in data["sources"]:
        name = data["source_names"].get(file, file)
        assert f'<li>{shown(name)} <span class="muted">({shown(file)})</span></li>' in page
    # what the ontology entails is apart, last, and none of it shown among the statements
    stated, block = page.split('<h2 id="inferred">Inferred</h2>')
    assert "no document states it" in block and "Sources" not in block
    inferred = data["inferred"]
    assert inferred["outgoing"] and inferred["incoming"]
    _inferred_rows_apart(data, stated, block)
    assert "<p>Types: agent, organisation.</p>" in block
    assert "foaf:Agent, frapo:University, org:Organization" in block
    assert "org:Organization" not in stated


def _inferred_rows_apart(data: dict, stated: str, block: str) -> int:
    """Each inferred statement with one of hkit's own properties is in the inferred block and
    not among the stated ones; how many there are."""
    own = [(p, v) for p, v in data["inferred"]["outgoing"] if ":" not in p]
    for prop, value in own:
        row = f"<tr><td>{shown(prop)}</td><td>{shown(value)}</td></tr>"
        assert row in block and row not in stated
    return len(own)


def test_an_entitys_inferred_statements_are_shown_apart(served):
    """HKSTP organises events the documents say it organised (hkit:organises, the inverse of
    hkit:organisedBy): those statements are inferred, and shown in the inferred block alone."""
    data, page = _twins(served.base, "/id/hkstp")
    stated, block = unlinked(page).split('<h2 id="inferred">Inferred</h2>')
    assert _inferred_rows_apart(data, stated, block) > 0


def test_an_entitys_rdf_is_what_the_documents_state(served):
    """The entity's Turtle (content negotiation) holds its asserted triples, every one, and
    nothing that is only inferred (the export's triples, not the closure's)."""
    import pyoxigraph

    status, media, text = _get(served.base, "/id/hkust", "text/turtle")
    assert status == 200 and media.startswith("text/turtle")
    given = {q.triple for q in pyoxigraph.parse(text.encode(), format=pyoxigraph.RdfFormat.TURTLE)}
    store = hkit.open(root=ROOT).store
    hkust = pyoxigraph.NamedNode("https://w3id.org/hkit/id/hkust")
    asserted = store.quads_for_pattern(hkust, None, None, pyoxigraph.DefaultGraph())
    assert given == {q.triple for q in asserted}
    inferred = store.quads_for_pattern(hkust, None, None, pyoxigraph.NamedNode(INFERRED))
    assert {q.triple for q in inferred}, "hkust has inferred triples"


def test_a_server_of_the_asserted_graph_says_so(tmp_path):
    """hkit serve --asserted: the home page counts one column and says the closure is left
    out; an entity's page and its twin have no inferred block."""
    with _serving(ROOT, [], asserted=True) as base:
        data, page = _twins(base, "/")
        stats = data["stats"]
        assert stats == json.loads(_cli("stats", "--format", "json", "--asserted"))
        assert stats["inferred"] is None
        assert (
            f"It holds {stats['triples']:,} triples (what the documents state alone: what the "
            "ontology entails is left out)." in page
        )
        assert "<th>class</th><th>entities (asserted)</th></tr>" in page
        assert "with what the ontology entails" not in page
        for cls, asserted, _ in stats["per_class"]:
            row = f'<tr><td>{shown(cls)}</td><td class="number">{asserted}</td></tr>'
            assert row in unlinked(page)
        data, page = _twins(base, "/id/hkust")
        assert data["inferred"] is None and 'id="inferred"' not in page
        data.pop("links"), data.pop("sentences"), data.pop("figure_sources")
        assert data == json.loads(_cli("describe", "id:hkust", "--format", "json", "--asserted"))
        # a class's page lists the instances the documents give it, and says the rest is out
        data, page = _twins(base, "/classes/Organisation")
        assert data["asserted"] and data["inferred"] == [] and not data["infer"]
        assert "This server leaves out what the ontology entails." in page


def test_a_saved_querys_data_is_what_its_page_shows(served):
    data, page = _twins(served.base, "/queries/funds-by-size")
    saved = data["saved"]
    assert {k: v for k, v in saved.items() if k != "text"} == QUERIES["funds-by-size"].as_dict()
    assert saved["text"] == QUERIES["funds-by-size"].text
    assert f"<pre>{shown(saved['text'])}</pre>" in page
    # no required parameter: the answer is there on the first visit
    assert data["given"] == {} and data["table"]["rows"] and "<h2>Answer</h2>" in page

    data, page = _twins(served.base, "/queries/funds-by-size?currency=HKD")
    assert data["given"] == {"currency": "HKD"}
    table = data["table"]
    assert table["columns"] and table["rows"]
    count = table["count"]
    assert f"Rows 1 to {len(table['rows'])} of {count}. Download:" in page
    for column, link in table["sort_links"].items():
        assert f'<a href="{shown(link)}" class="sort">{shown(column)}</a>' in page
    for row in table["rows"]:
        assert len(row) == len(table["columns"])
        cells = "".join(
            ('<td class="num">' if number else "<td>")
            + (
                # a cell of citation keys: each key links to its source
                " ".join(f'<a href="{shown(k["link"])}">[{k["key"]}]</a>' for k in c["keys"])
                if c.get("keys")
                else f'<a href="{c["link"]}">{shown(c["text"])}</a>'
                if c["link"]
                else shown(c["text"])
            )
            + "</td>"
            for c, number in zip(row, table["numeric"], strict=True)
        )
        assert f"<tr>{cells}</tr>" in page
    assert [d["format"] for d in data["downloads"]] == ["csv", "tsv", "json", "xml"]
    for download in data["downloads"]:
        assert f'<a href="{shown(download["href"])}" class="download">' in page
        status, _, _ = _get(served.base, download["href"])
        assert status == 200


def test_the_twins_are_in_the_openapi_document(served):
    status, _, text = _get(served.base, "/api/openapi.json")
    assert status == 200
    paths = json.loads(text)["paths"]
    for page in ("/", "/search", "/queries/{name}", "/id/{name}"):
        twin = paths[page + ".json"]["get"]
        assert twin["operationId"] == paths[page]["get"]["operationId"] + "_json"
        assert "application/json" in twin["responses"]["200"]["content"]
    listed = list(paths)
    assert listed.index("/id/{name}.json") == listed.index("/id/{name}") + 1


def test_the_twins_errors_are_one_line_of_text(served):
    for path, status, message in (
        ("/id/no-such-thing.json", 404, "nothing in the graph is <https://w3id.org/hkit/id/"),
        ("/id/-bad.json", 404, "no such entity"),
        ("/queries/no-such-query.json", 404, "no saved query named 'no-such-query'"),
        ("/queries/funds-by-size.json?nonsense=1", 400, "query 'funds-by-size' has no parameter"),
    ):
        got, media, text = _get(served.base, path)
        assert (got, media) == (status, "text/plain; charset=utf-8"), (path, text[:200])
        assert text.startswith(message) and text.count("\n") == 1, (path, text)


def test_an_unknown_saved_query_is_a_404_everywhere(served):
    status, media, text = _get(served.base, "/queries/funds-by-sise")
    assert status == 404 and media.startswith("text/html")
    assert "no saved query named &#39;funds-by-sise&#39;" in text
    status, _, text = _get(served.base, "/api/queries/funds-by-sise")
    assert (status, text) == (
        404,
        "no saved query named 'funds-by-sise' (did you mean funds-by-size?)\n",
    )


def _root(tmp: Path, queries: dict[str, str]) -> Path:
    """A root with the repository's ontology and data, and these saved queries (name: text)."""
    root = tmp / "root"
    (root / "queries").mkdir(parents=True)
    for folder in ("ontology", "data"):
        (root / folder).symlink_to(ROOT / folder)
    for name, text in queries.items():
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return root


@contextlib.contextmanager
def _serving(root: Path, data: list[Path], asserted: bool = False) -> Iterator[str]:
    """A server over ``root`` and ``data`` (``asserted``: without what the ontology entails) in
    a thread of this process; its base URL."""
    app = make_app(hkit.open(root=root, data=data, asserted=asserted))
    try:
        with serving_in_thread(app, free_port()) as base:
            yield base
    finally:
        shutil.rmtree(app.state.server.docs_folder, ignore_errors=True)


def test_names_ending_in_json_keep_their_pages(tmp_path):
    """An entity or a saved query whose own name ends in .json, where the name without it is
    none, keeps its page at its path (as before the twins); its twin is at .json.json."""
    extra = tmp_path / "widget.ttl"
    extra.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/hkit/id/widget.json> rdfs:label "A widget named like a file"@en .\n',
        encoding="utf-8",
    )
    text = (ROOT / "queries" / "universities.rq").read_text(encoding="utf-8")
    root = _root(tmp_path, {"report.json": text, "universities": text})
    with _serving(root, [extra]) as base:
        status, media, page = _get(base, "/id/widget.json", "text/html")
        assert status == 200 and media.startswith("text/html")
        assert "<h1>A widget named like a file</h1>" in page
        status, media, page = _get(base, "/id/widget.json.json")
        assert (status, media) == (200, "application/json")
        assert json.loads(page)["label"] == "A widget named like a file"
        status, media, page = _get(base, "/queries/report.json")
        assert status == 200 and media.startswith("text/html")
        assert "Saved query <code>report.json</code>" in page
        status, media, page = _get(base, "/queries/report.json.json")
        assert (status, media) == (200, "application/json")
        assert json.loads(page)["saved"]["name"] == "report.json"
        status, media, page = _get(base, "/queries/universities.json")
        assert json.loads(page)["saved"]["name"] == "universities"


def test_a_saved_query_that_cannot_be_read_is_not_a_404(tmp_path):
    """A saved query whose file was broken while the server ran: its error is not UnknownQuery,
    and the page, its twin and the API all answer 400 with its message."""
    text = (ROOT / "queries" / "universities.rq").read_text(encoding="utf-8")
    root = _root(tmp_path, {"broken": text})
    with _serving(root, []) as base:
        (root / "queries" / "broken.rq").write_text(
            "#+ summary: [never closed\n" + text, encoding="utf-8"
        )
        for path, media in (
            ("/queries/broken", "text/html"),
            ("/queries/broken.json", "text/plain"),
            ("/api/queries/broken", "text/plain"),
        ):
            status, got, answer = _get(base, path)
            assert status == 400 and got.startswith(media), (path, status, answer[:300])
            assert "header is not valid YAML" in answer


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(ROOT), *args])
    assert result.exit_code == 0, result.output
    return result.output
