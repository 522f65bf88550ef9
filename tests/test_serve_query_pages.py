"""Saved queries' pages as Datasette shows canned queries, against ``hkit serve`` on loopback:
the answer on the first visit (a required parameter filled in from the query's example), sorted
by any column, paged, faceted, an empty answer explained in the page's words (its form's fields),
the person's table with its citation keys and legend, and the JSON twin carrying the same
controls, which the OpenAPI document describes."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
from test_serve import QUERIES, Served
from test_serve_views import _get, _twins, shown

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("serve-queries"))
    yield server
    server.stop()


def _data(served: Served, path: str) -> dict:
    status, media, text = _get(served.base, path)
    assert (status, media) == (200, "application/json"), (path, text[:300])
    return json.loads(text)


def _all_rows(served: Served, path: str) -> list[list[str]]:
    """Every row of an answer, page after page, following the next links."""
    rows: list[list[str]] = []
    link: str | None = path
    while link is not None:
        table = _data(served, link)["table"]
        rows += [[c["text"] for c in row] for row in table["rows"]]
        link = table["next"] and path.partition("?")[0] + table["next"]
    return rows


def test_the_answer_is_there_on_the_first_visit(served):
    data, page = _twins(served.base, "/queries/universities")
    assert data["given"] == {} and data["table"]["count"] == len(data["table"]["rows"]) > 0
    assert "<h2>Answer</h2>" in page
    # a required parameter: the query's example fills the form, and its answer is shown
    example = QUERIES["who-works-in-sector"].examples[0]["sector"][0]
    data, page = _twins(served.base, "/queries/who-works-in-sector")
    assert data["given"] == {"sector": example} and data["table"]["rows"]
    assert f'name="sector" value="{shown(example)}" required' in page


def test_the_page_shows_the_persons_table_with_its_legend(served):
    data, page = _twins(served.base, "/queries/universities")
    table = data["table"]
    saved = QUERIES["universities"]
    assert table["columns"] == [c.name for c in saved.view]
    cited = {c["text"] for row in table["rows"] for c in row if re.fullmatch(r"\[\d+\]", c["text"])}
    assert cited and len(table["legend"]) == len(cited)
    for line, source in zip(table["legend"], table["cited"], strict=True):
        assert line.startswith(f"[{source['key']}] ")
        assert source["link"] == "/sources/" + source["source"].removesuffix(".txt")
        assert f'<li><a href="{source["link"]}">{shown(line)}</a></li>' in page
    # a name links to the thing it names
    names = [row[0] for row in table["rows"]]
    assert all(c["link"] and c["link"].startswith("/id/") for c in names)


def test_sorting_by_a_column_orders_the_whole_answer(served):
    base = "/queries/funds-by-size.json"
    everything = _data(served, base)["table"]
    amount = everything["columns"].index("amount")
    up = _data(served, base + "?_sort=amount")["table"]
    down = _data(served, base + "?_sort_desc=amount")["table"]
    assert up["sort"] == down["sort"] == "amount" and down["descending"]
    filled_up = [r[amount]["text"] for r in up["rows"] if r[amount]["text"]]
    filled_down = [r[amount]["text"] for r in down["rows"] if r[amount]["text"]]
    assert filled_down[0] == "HK$10 billion" and filled_up[-1] == "HK$10 billion"
    assert sorted(map(str, up["rows"])) == sorted(map(str, everything["rows"]))
    # empty cells last both ways
    for table in (up, down):
        texts = [r[amount]["text"] for r in table["rows"]]
        assert texts == [t for t in texts if t] + [t for t in texts if not t]
    # the column's heading links to the other order
    assert up["sort_links"]["amount"] == "?_sort_desc=amount"
    assert down["sort_links"]["amount"] == "?_sort=amount"
    page = _get(served.base, "/queries/funds-by-size?_sort_desc=amount")[2]
    assert "sorted by amount (descending)" in page and "amount</a> ▼" in page


def test_pages_of_an_answer_add_up_to_the_answer(served):
    whole = _data(served, "/queries/universities.json?_sort=university")["table"]
    everything = [[c["text"] for c in row] for row in whole["rows"]]
    assert len(everything) > 5
    assert _all_rows(served, "/queries/universities.json?_sort=university&_size=5") == everything
    second = _data(served, "/queries/universities.json?_size=5&_next=5")["table"]
    assert (second["first"], second["last"]) == (6, 10)
    assert second["previous"] == "?_size=5" and second["next"] == "?_size=5&_next=10"
    page = _get(served.base, "/queries/universities?_size=5&_next=5")[2]
    assert f"Rows 6 to 10 of {whole['count']}" in page
    assert 'rel="prev">← previous</a>' in page and 'rel="next">next →</a>' in page


def test_a_facet_keeps_the_rows_with_its_value(served):
    base = "/queries/who-works-in-sector.json?sector=artificial+intelligence"
    table = _data(served, base)["table"]
    facets = {f["column"]: f for f in table["facets"]}
    kind = facets["kind"]
    assert 2 <= len(kind["values"]) <= 20
    assert sum(v["count"] for v in kind["values"]) == sum(
        1 for row in table["rows"] if row[table["columns"].index("kind")]["text"]
    )
    choice = kind["values"][0]
    assert choice["href"].startswith("?sector=artificial+intelligence&")
    kept = _data(served, base.partition("?")[0] + choice["href"])["table"]
    column = kept["columns"].index("kind")
    assert kept["count"] == choice["count"] == len(kept["rows"]) < kept["total"]
    assert {row[column]["text"] for row in kept["rows"]} == {choice["value"]}
    chosen = {f["column"]: f for f in kept["facets"]}["kind"]
    assert (
        chosen["chosen"] == choice["value"] and chosen["clear"] == "?sector=artificial+intelligence"
    )
    # no facet for a column whose every value differs
    assert "name" not in facets


def test_an_empty_answer_is_explained_in_the_pages_words(served):
    data, page = _twins(served.base, "/queries/who-works-in-sector?sector=biotech")
    assert data["table"]["count"] == 0 and data["table"]["rows"] == []
    assert data["notes"] == [
        "The sector field's value 'biotech' names nothing of its kind; nearest: biotechnology."
    ]
    assert f'<p class="note">{shown(data["notes"][0])}</p>' in page
    assert "No rows." in page and "-p " not in page


def test_the_pages_speak_of_fields_not_flags(served):
    for name in ("unicorns-by-sector", "figures-by-measure", "funds-by-size", "entity-provenance"):
        assert "-p " in QUERIES[name].description
        status, _, page = _get(served.base, f"/queries/{name}")
        assert status in (200, 400)
        assert "-p " not in unlinked_text(page), name
    status, media, text = _get(served.base, "/queries/entity-provenance.json?run=1")
    assert status == 400 and media.startswith("text/plain")
    assert "fill in the entity field" in text and "-p " not in text


def unlinked_text(page: str) -> str:
    """The page's text without the query's own SPARQL (whose comments may name the flags)."""
    return re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)


def test_the_controls_are_in_the_openapi_document(served):
    document = _data(served, "/api/openapi.json")
    for path in ("/queries/{name}", "/queries/{name}.json"):
        names = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
        assert {"_sort", "_sort_desc", "_size", "_next", "_facet_{column}"} <= names, path
    schema = document["components"]["schemas"]["QueryTable"]
    assert {"next", "previous", "facets", "legend"} <= set(schema["properties"])


@pytest.mark.parametrize("control", ["_size=0", "_size=x", "_next=-1", "_next=99999", "_sort=nope"])
def test_odd_controls_give_a_page_not_an_error(served, control):
    table = _data(served, f"/queries/universities.json?{control}")["table"]
    assert table["count"] > 0 and 1 <= len(table["rows"]) <= table["count"]
    assert urllib.parse.urlparse(table["next"] or "").path == ""


# -- in a real browser ------------


@pytest.mark.browser
def test_sorting_paging_and_a_facet_in_headless_chromium(served):
    """A query page in Chromium: sort by a column, go to the next page, pick a facet's value;
    each click gives the page its link promises, with no console error and no request leaving
    loopback."""

    from browser import Browser, requested_elsewhere, until

    outside: list[str] = []

    def follow(browser: Browser, css: str) -> str:
        """Click the link and wait until the page it leads to is the one shown."""
        target = browser.run(f"return document.querySelector({json.dumps(css)}).href")
        browser.run(f"document.querySelector({json.dumps(css)}).click()")
        until(
            browser,
            f"return location.href === {json.dumps(target)} && document.readyState === 'complete'",
            f"{css} leading to {target}",
        )
        outside.extend(requested_elsewhere(browser, served.base))
        return str(browser.run("return location.search"))

    def column(browser: Browser, name: str) -> list[str]:
        return list(
            browser.run(
                "const heads = Array.from(document.querySelectorAll('table.answer th'))"
                ".map(t => t.querySelector('a').textContent);"
                f"const i = heads.indexOf({json.dumps(name)});"
                "return Array.from(document.querySelectorAll('table.answer tbody tr'))"
                ".map(r => r.children[i].textContent)"
            )
        )

    def rows(path: str) -> list[list[str]]:
        table = _data(served, path)["table"]
        return [[c["text"] for c in row] for row in table["rows"]]

    with Browser() as browser:
        browser.open(served.base + "/queries/universities?_size=5")
        assert browser.run("return document.querySelectorAll('table.answer tbody tr').length") == 5
        search = follow(browser, "table.answer th a.sort")  # the first column: university
        assert urllib.parse.parse_qs(search[1:]) == {"_sort": ["university"], "_size": ["5"]}
        everything = rows("/queries/universities.json?_sort=university")
        first = [r[0] for r in everything]
        assert column(browser, "university") == first[:5]
        search = follow(browser, 'a[rel="next"]')
        assert urllib.parse.parse_qs(search[1:]) == {
            "_sort": ["university"],
            "_size": ["5"],
            "_next": ["5"],
        }
        assert column(browser, "university") == first[5:10]
        assert "Rows 6 to 10" in str(
            browser.run("return document.querySelector('p.count').textContent")
        )
        search = follow(browser, "div.facet ul a")
        chosen = urllib.parse.parse_qs(search[1:])
        (facet,) = [k for k in chosen if k.startswith("_facet_")]
        value = chosen[facet][0]
        assert set(column(browser, facet.removeprefix("_facet_"))) == {value}
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []
    assert outside == []
