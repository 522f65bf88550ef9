"""``Result.to_pandas()`` gives columns an analyst computes with: numbers as nullable numeric
columns (exact decimals on request), exact dates as datetime64, periods as their text with a
start and an end date, text as strings, and sources by the names people know them by."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import ROOT

import hkit
from hkit.core.answers import Result, Term
from hkit.core.vocab import XSD

pandas = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def kg() -> hkit.KnowledgeGraph:
    return hkit.open(root=ROOT)


def test_money_is_a_float_column_and_exact_on_request(kg):
    answer = kg.query("funds-by-size", currency="HKD")
    frame = answer.to_pandas()
    assert str(frame["value"].dtype) == "Float64"
    assert (frame["value"] / 1e9).iloc[0] == 10.0  # arithmetic works, as the issue asked
    exact = answer.to_pandas(exact=True)
    assert exact["value"].map(type).eq(Decimal).all()
    assert sum(exact["value"]) == sum(row["value"] for row in answer)


def test_text_columns_are_strings_and_missing_values_are_na(kg):
    frame = kg.query("funds-by-size").to_pandas()
    for column in ("initiative", "label", "qualifier", "currency", "status"):
        assert str(frame[column].dtype) == "string", column
    assert frame["qualifier"].isna().any()  # a source without a qualifier is <NA>, not NaN


def test_periods_have_a_start_and_an_end_date_beside_their_text(kg):
    frame = kg.query("start-ups-and-unicorns").to_pandas()
    assert list(frame.columns[5:8]) == ["when", "when_start", "when_end"]
    assert str(frame["when_start"].dtype).startswith("datetime64")
    row = frame[frame["when"] == "2023/2024"].iloc[0]
    assert (str(row["when_start"].date()), str(row["when_end"].date())) == (
        "2023-01-01",
        "2024-12-31",
    )
    # a period open at its start ("../2023-12-07": by that day at the latest) has no start date
    latest = frame[frame["when"] == "../2023-12-07"].iloc[0]
    assert pandas.isna(latest["when_start"]) and str(latest["when_end"].date()) == "2023-12-07"
    # a single day is a period of one day
    figures = kg.query("figures-by-measure").to_pandas()
    day = figures[figures["when"] == "2023-12-06"].iloc[0]
    assert str(day["when_start"].date()) == str(day["when_end"].date()) == "2023-12-06"


def test_exact_dates_are_datetime64_and_counts_nullable_integers():
    date, integer = XSD + "date", XSD + "integer"
    answer = Result(
        "SELECT",
        ["on", "n", "flag"],
        [
            {"on": Term("literal", "2023-12-06", date), "n": Term("literal", "3", integer)},
            {"on": Term("literal", "not given"), "flag": Term("literal", "true", XSD + "boolean")},
        ],
    )
    frame = answer.to_pandas()
    assert str(frame["on"].dtype).startswith("datetime64")
    assert frame["on"].isna().tolist() == [False, True]
    assert str(frame["n"].dtype) == "Int64" and frame["n"].isna().tolist() == [False, True]
    assert str(frame["flag"].dtype) == "boolean"


def test_sources_are_named_by_default_and_file_names_on_request(kg):
    answer = kg.query("start-ups-and-unicorns")
    named = answer.to_pandas()["source"]
    assert named.str.contains("InnoHK Summit 2023").any()
    assert not named.str.endswith(".txt").any()
    files = answer.to_pandas(file_names=True)["source"]
    assert files.str.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt").all()


def test_an_answer_pickles_without_its_graph(kg):
    import pickle

    answer = kg.query("funds-by-size", currency="HKD")
    again = pickle.loads(pickle.dumps(answer))
    assert again == answer and again.source_names is None
    answer.to_pandas()  # the names looked up, kept as data
    assert pickle.loads(pickle.dumps(answer)).source_names == answer.source_names
