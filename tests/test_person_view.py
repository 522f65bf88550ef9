"""The table a person reads: every saved query's view (its ``#+ view:`` header), values with
their qualifier, unit and currency in one cell, sources as citation keys with a legend, and text
that wraps only at spaces, at 80 and 120 columns, for the saved queries, ``queries`` and
``describe`` (issue 32, items 1, 2 and the display of item 5)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import ROOT, read_terminal

import hkit
from hkit.cli.commands import queries_text
from hkit.core.catalog import read_query
from hkit.core.errors import QueryError
from hkit.core.formats import render
from hkit.present.layout import wrap, wrap_report
from hkit.present.view import money, person_table, quantity, when

WIDTHS = (80, 120)


@pytest.fixture(scope="module")
def kg():
    return hkit.open(root=ROOT)


@pytest.fixture(scope="module")
def answers(kg):
    """Each saved query's answer to its first example."""
    return {name: kg.query(name, **q.examples[0]) for name, q in kg.queries.items()}


def _words_whole(cells: list[str], shown: str, width: int) -> list[str]:
    """The words of ``cells`` (those a line can hold) that ``shown`` does not show whole."""
    tokens = set(shown.split())
    tokens |= {t.removesuffix(":") for t in tokens}  # a record's field names end in ':'
    return [
        word for cell in cells for word in cell.split() if len(word) <= width and word not in tokens
    ]


def test_every_saved_query_has_a_view(kg):
    bare = [name for name, q in kg.queries.items() if not q.view]
    assert not bare, f"saved queries without a '#+ view:' header: {bare}"


@pytest.mark.parametrize("width", [*WIDTHS, 20, 40])  # and on narrow terminals
def test_every_word_of_every_cell_is_whole_at_80_and_120_columns(answers, width):
    for name, result in answers.items():
        table = person_table(result)
        assert table is not None, name
        shown = render(result, "table", width)
        assert max(len(line) for line in shown.splitlines()) <= width, name
        cells = table.header + [c for row in table.rows for c in row] + table.legend
        broken = _words_whole(cells, shown, width)
        assert not broken, f"{name} at {width} columns breaks {broken[:5]}"
        assert shown.rstrip().splitlines()[-1] in table.legend or f"({len(table.rows)} row" in shown


@pytest.mark.parametrize("width", [*WIDTHS, 30])
def test_queries_and_describe_wrap_to_the_terminal_keeping_words_whole(kg, width):
    unwrapped = queries_text(kg, None, "table", [], terminal=10_000)
    shown = queries_text(kg, None, "table", [], terminal=width)
    assert max(len(line) for line in shown.splitlines()) <= width
    assert not _words_whole(unwrapped.splitlines(), shown, width)
    for name in kg.queries:
        assert name in shown.split()
    for entity in ("id:hkust", "id:innohk", "id:john-lee", "id:hkstp"):
        text = kg.describe(entity).render()
        wrapped = wrap_report(text, width)
        too_long = [
            line for line in wrapped.splitlines() if len(line) > width and len(line.split()) > 1
        ]
        assert not too_long, too_long[:2]
        assert not _words_whole(text.splitlines(), wrapped, width), entity
        # only the spacing changed (and a word longer than a line was cut at its end)
        assert "".join(wrapped.split()) == "".join(text.split())


def test_a_value_reads_with_its_qualifier_unit_and_currency(answers):
    funds = person_table(answers["funds-by-size"])
    amounts = [row[funds.header.index("amount")] for row in funds.rows]
    assert amounts[0] == "HK$10 billion"
    assert "up to HK$8 million" in amounts
    figures = person_table(answers["start-ups-and-unicorns"])
    column = [row[figures.header.index("figure")] for row in figures.rows]
    assert {"more than 4,000", "nearly 20", "4,694"} <= set(column)
    ranks = person_table(answers["rankings"])
    assert "top 100" in [row[ranks.header.index("rank")] for row in ranks.rows]
    # no qualifier word where the data has none
    everything = " ".join(
        c for result in answers.values() for row in person_table(result).rows for c in row
    )
    assert "exactly" not in everything


def test_the_view_keeps_labels_and_leaves_iris_out(answers):
    funds = person_table(answers["funds-by-size"])
    assert "fund" in funds.header and "initiative" not in funds.header
    assert not any("id:" in c or "https://" in c for row in funds.rows for c in row)


def test_sources_are_citation_keys_with_a_legend(answers):
    result = answers["funds-by-size"]
    table = person_table(result)
    sources = [row[table.header.index("sources")] for row in table.rows]
    assert sources[0] == "[1]"
    assert any(cell == "[2] [3]" for cell in sources)  # a sum two documents state
    keys = {key for cell in sources for key in cell.split()}
    assert [entry.split()[0] for entry in table.legend] == sorted(keys)
    assert table.legend[0].startswith("[1] Hong Kong: A Global Hub for Innovation and Technology")
    assert "between 2024 and 2025" in table.legend[0]
    assert any("by Andrew Paul" in entry for entry in table.legend)  # the author, where known
    shown = render(result, "table")
    assert shown.endswith("\n".join(table.legend) + "\n")


def test_a_mark_is_explained_under_the_table_where_it_is_shown(answers):
    """``if(variable, 'mark', 'what it means')``: the mark in the cells whose variable has a
    value, and its meaning once in the legend, after the citations; not where no cell shows it."""
    result = answers["agreements"]
    table = person_table(result)
    parties = [row[table.header.index("party")] for row in table.rows]
    marked = [p for p in parties if p.endswith(" [editor]")]
    editor = [row for row in result.rows if "partyReading" in row]
    assert marked and len(marked) == len(editor)
    (line,) = [entry for entry in table.legend if entry.startswith("[editor] ")]
    assert line == table.legend[-1] and "not the words of the source" in line
    for form in ("table", "md"):
        assert line in render(result, form)
    unmarked = _unbound(result, "partyReading")
    assert not any(entry.startswith("[editor]") for entry in person_table(unmarked).legend)


def test_a_legend_line_wraps_under_its_meaning_when_the_mark_holds_spaces(answers):
    """A mark of several words (``[by editor]``): the legend's wrapped lines start under the
    meaning, past the whole mark, as the citations' lines start past their key."""
    import copy

    from hkit.core.views import parse_view
    from hkit.present.results import to_table
    from hkit.present.view import with_view

    meaning = "words the editors wrote to make the role of the party readable, " * 3
    raw = [{"party": [f"{{party}}{{if(partyReading, ' [by editor]', '{meaning}')}}"]}]
    result = with_view(
        copy.copy(answers["agreements"]),
        parse_view(raw, set(answers["agreements"].variables), "here"),
    )
    (key,) = [k for k in person_table(result).legend_keys if not k[1:-1].isdigit()]
    assert key == "[by editor]"
    lines = to_table(result, width=60).split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("[by editor] words"))
    assert lines[first + 1].startswith(" " * len("[by editor] ") + "party")
    assert all(len(line) <= 60 for line in lines[first : first + 4])


def _unbound(result, variable: str):
    """``result`` with ``variable`` unbound in every row (a copy)."""
    import copy

    bare = copy.copy(result)
    bare.rows = [{k: v for k, v in row.items() if k != variable} for row in result.rows]
    return bare


@pytest.mark.parametrize(
    ("template", "arguments"),
    [
        ("{if(x, 'a, b', 'c, d')}", ("x", ("a, b",), ("c, d",))),
        ("{if( x ,'[m]' , 'what it means' )}", ("x", ("[m]",), ("what it means",))),
        ("{if(x, '')}", ("x", ("",))),
    ],
)
def test_quoted_text_in_a_view_holds_commas(template, arguments):
    from hkit.core.views import parse_template

    assert parse_template(template, "here") == (("if", arguments),)


def test_machine_formats_keep_every_column(answers):
    result = answers["funds-by-size"]
    header = render(result, "csv").splitlines()[0]
    assert header.split(",") == result.variables
    assert "001_6b075fc54bbad20f.txt" in render(result, "json")


def test_the_command_line_table_on_a_terminal_keeps_words_whole():
    hkit_command = str(Path(sys.executable).parent / "hkit")
    controller, terminal = os.openpty()
    done = subprocess.run(
        [hkit_command, "--root", str(ROOT), "query", "who-said-what"],
        stdout=terminal,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80"},
    )
    os.close(terminal)
    shown = read_terminal(controller).decode("utf-8").replace("\r\n", "\n")
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "words:" in shown  # sentences this long read as records at 80 columns
    result = hkit.open(root=ROOT).query("who-said-what")
    cells = [c for row in person_table(result).rows for c in row]
    assert not _words_whole(cells, shown, 80)


def test_wrapping_breaks_only_at_spaces():
    assert wrap("HK$10 billion, from 2023-12-06", 12) == ["HK$10", "billion,", "from", "2023-12-06"]
    # a word longer than the room but not than the line keeps a line of its own, whole
    assert wrap("see id:appointment-of-someone here", 10, 40) == [
        "see",
        "id:appointment-of-someone",
        "here",
    ]
    # only a word longer than a whole line is cut, at the line's width
    assert wrap("x" * 25, 10, 20) == ["x" * 20, "x" * 5]


def test_numbers_in_words_only_where_exact():
    assert money(Decimal("2500000"), "HKD", "more than") == "more than HK$2.5 million"
    assert money(Decimal("320140"), "$ (currency not given)") == "$320,140"
    assert money(Decimal("1200000000"), "USD") == "US$1.2 billion"
    assert money(Decimal("87654321"), "AED") == "AED 87,654,321"
    assert quantity(Decimal("1.5"), "percent") == "1.5%"
    assert quantity(Decimal("1"), "rank position") == "No. 1"
    assert quantity(Decimal("5"), "year") == "5 years"
    assert quantity(None, "count", "thousands") == "thousands"
    assert when("../2025-02-24") == "by 2025-02-24" and when("2022/..") == "from 2022"


def test_a_result_shows_itself_in_a_notebook(answers):
    result = answers["funds-by-size"]
    assert repr(result).startswith("<Result SELECT: 9 rows (initiative, label,")
    html = result._repr_html_()
    assert "<th>fund</th>" in html and "<td>HK$10 billion</td>" in html
    assert "[1] Hong Kong: A Global Hub" in html
    assert "https://w3id.org" not in html


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ('  - amount: "{valu}"', "view column 'amount' names ?valu, which the query does not"),
        ('  - amount: "{sum(value)}"', "no view function is called 'sum'"),
        ('  - amount: "{money(value)}"', "money(...) takes 2 to 3 arguments, not 1"),
        ("  - amount: \"{if(value, 'a', 'b', 'c')}\"", "if(...) takes 2 to 3 arguments, not 4"),
        ("  - amount: \"{if(value, 'a'b)}\"", "'b' in if(...) is not a variable or 'text'"),
        ("  - amount: \"{if(value, 'a',)}\"", "'' in if(...) is not a variable or 'text'"),
        ('  - amount: "{if(value, value)}"', "if(...) takes a variable, then 'quoted text'"),
        ("  - amount: \"{if('a', 'b')}\"", "if(...) takes a variable, then 'quoted text'"),
        ("  - amount: \"{if(value, ' ', 'm')}\"", "if(...) explains a mark that shows nothing"),
        ('  - amount: "plain text"', "names no variable"),
        ('  - amount: "{value"', "is not closed or not opened"),
        ("  amount: x", "'view' must be a value or a list"),
    ],
)
def test_a_bad_view_is_refused_with_a_clear_error(tmp_path, view, message):
    path = tmp_path / "bad.rq"
    path.write_text(
        "#+ summary: a query\n#+ view:\n#+ "
        + view
        + "\nSELECT ?value WHERE { ?s <https://schema.org/value> ?value }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match=re.escape(message)):
        read_query(path)


def test_an_answer_with_nothing_to_show_is_its_count(kg):
    from hkit.core.answers import Result, Term
    from hkit.present.view import with_view

    assert Result("SELECT", [], [{}, {}]).render("table") == "(2 rows)\n"
    # an endpoint's answer that binds none of the view's variables keeps the view's columns
    other = Result("SELECT", ["x"], [{"x": Term("literal", "1")}])
    shown = with_view(other, kg.queries["unicorns-by-sector"].view).render("table")
    assert shown.splitlines()[0].split() == ["company", "sector"]
    assert shown.endswith("(1 row)\n")


def test_a_result_with_its_view_pickles(answers):
    import pickle

    result = answers["funds-by-size"]
    shown = result.render("table")
    again = pickle.loads(pickle.dumps(result))
    assert again == result and again.render("table") == shown


def test_one_long_cell_does_not_take_the_room_a_column_of_long_ones_needs(kg):
    # the amount column's one long cell ("US$1.2 billion (converted by the source)") wraps,
    # and the fund names, long in most rows, keep their line
    shown = render(kg.query("funds-by-size"), "table", 120)
    assert "US$1.2 billion" in shown and "(converted by the source)" not in shown
    assert "Research, Academic and Industry Sectors One-plus Scheme " in shown
    assert "Fund for the Hong Kong AI Research and Development Institute " in shown
