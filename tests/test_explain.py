"""Every empty answer explains itself: the value that matched nothing and the nearest values of
its kind, on the command line (a note on stderr), in the library (an UnmatchedWarning, and
``explain()``, which the server can call), for every parameter of every saved query. Text
parameters match alternative labels, hierarchical ones include their narrower values, tags match
whatever their case."""

from __future__ import annotations

import datetime
import warnings
from decimal import Decimal

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit import HkitWarning, QueryError, UnmatchedWarning
from hkit.cli.group import main
from hkit.present.explain import nearest

RUN = ["--root", str(ROOT)]


@pytest.fixture(scope="module")
def kg() -> hkit.KnowledgeGraph:
    return hkit.open(root=ROOT)


def _cli(*args: str):
    return CliRunner().invoke(main, [*RUN, *args], catch_exceptions=False)


def _names(result, column: str = "name") -> set[str]:
    return {str(row[column]) for row in result}


def _parameters() -> list[tuple[str, str]]:
    queries = hkit.open(root=ROOT).queries
    return [(q.name, p.name) for q in queries.values() for p in q.params]


# -- the cases ------------


def test_a_sector_that_is_no_label_names_the_nearest_sectors(kg):
    notes = kg.explain("who-works-in-sector", sector="biotech")
    assert [(n.param, n.value) for n in notes] == [("sector", "biotech")]
    assert notes[0].nearest[0] == "biotechnology"
    assert len(notes[0].nearest) <= 5


def test_a_sector_that_no_row_has_says_so_and_names_sectors_near_it(kg):
    (note,) = kg.explain("who-works-in-sector", sector="healthcare")
    assert "names healthcare, which no row has here" in str(note)
    assert "healthcare technologies" in note.nearest
    # the candidates are sectors, never other things whose names are near
    sectors = {
        str(r["l"])
        for r in kg.sparql(
            "SELECT ?l WHERE { ?c skos:inScheme hkit:Sectors ; skos:prefLabel|skos:altLabel ?l }"
        )
    }
    assert set(note.nearest) <= sectors


def test_an_alternative_label_the_documents_use_is_a_sector(kg):
    by_abbreviation = kg.query("who-works-in-sector", sector="AI")
    by_label = kg.query("who-works-in-sector", sector="artificial intelligence")
    assert len(by_abbreviation) > 0 and by_abbreviation.rows == by_label.rows
    assert _names(kg.query("unicorns-by-sector", sector="ai")) == {"SenseTime", "SmartMore"}


def test_a_kind_includes_its_narrower_kinds(kg):
    talent = kg.query("schemes-by-kind", kind="talent scheme")
    assert {"Top Talent Pass", "Technology Talent Admission Scheme"} <= _names(talent)
    kinds = {row["kind"] for row in talent}
    assert {"talent scheme", "talent admission scheme"} <= kinds


def test_a_kind_that_is_no_label_names_the_kinds_near_it(kg):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(kg.query("schemes-by-kind", kind="talent")) == 0
    (warning,) = [w for w in caught if issubclass(w.category, UnmatchedWarning)]
    assert issubclass(warning.category, HkitWarning)
    assert "kind='talent' names nothing of its kind" in str(warning.message)
    assert warning.message.note.nearest[0] == "talent scheme"
    assert warning.filename == __file__  # the warning points at the caller's line


def test_an_economy_by_name_is_looked_for_among_economies_only(kg):
    prepared = kg.prepare("organisations-by-economy", economy="China")
    assert "id/mainland-china>" in prepared  # not a five-year plan, not an appointment
    with pytest.raises(QueryError) as info:
        kg.prepare("organisations-by-economy", economy="Chinese Academy")
    assert "nothing of its kind is called 'Chinese Academy'" in info.value.message


def test_a_site_given_for_an_organisation_says_what_it_is_and_names_organisations(kg):
    with pytest.raises(QueryError) as info:
        kg.prepare("people-and-posts", organisation="Science Park")
    error = info.value
    assert "Hong Kong Science Park <id:hong-kong-science-park>, which is not one" in error.message
    assert "Hong Kong Science" in (error.hint or "") and "Parks Corp" in (error.hint or "")


def test_a_measure_matches_an_alternative_label_and_names_its_nearest(kg):
    assert len(kg.query("figures-by-measure", measure="startups")) == len(
        kg.query("figures-by-measure", measure="start-ups")
    )
    (note,) = kg.explain("figures-by-measure", measure="talent arrivals")
    assert note.nearest and all("talent" in n for n in note.nearest)


def test_words_of_a_text_search_are_the_candidates(kg):
    (note,) = kg.explain("editorial-notes", text="resolvd")
    assert note.nearest[0] == "resolved"


def test_an_answer_with_rows_has_no_note(kg):
    assert kg.explain("who-works-in-sector", sector="fintech") == []
    assert kg.unmatched("funds-by-size", currency="HKD") == []


@pytest.mark.parametrize(("name", "param"), _parameters())
def test_every_parameter_explains_a_value_that_matches_nothing(kg, name, param):
    """A value that names nothing: either refused with the value named (an enumerated or an
    IRI parameter), or an empty answer whose note names the parameter and the value."""
    value = "zqxv"
    try:
        notes = kg.explain(name, **{param: value})
    except QueryError as error:
        assert value in error.message or value in (error.hint or ""), error
        return
    assert any(n.param == param and value in str(n) for n in notes), notes


def test_the_command_line_prints_the_note_on_stderr():
    result = _cli("query", "who-works-in-sector", "-p", "sector=biotech")
    assert result.exit_code == 0
    assert (
        "hkit: note: no rows: sector='biotech' names nothing of its kind; nearest: biotechnology"
        in result.stderr
    )


def test_tags_match_whatever_their_case():
    upper, lower = _cli("queries", "--tag", "InnoHK"), _cli("queries", "--tag", "innohk")
    assert upper.exit_code == 0 and upper.output == lower.output
    assert "innohk-clusters" in upper.output


def test_nearest_prefers_names_that_hold_the_value_then_shared_words():
    names = ["fintech", "biotechnology", "robotics", "Hong Kong Science and Technology Parks Corp"]
    assert nearest("biotech", names)[0] == "biotechnology"
    assert nearest("Science Park", names) == ["Hong Kong Science and Technology Parks Corp"]
    assert nearest("zzzz", names) == []


# -- values of Python types ------------


@pytest.mark.parametrize("value", [5, 1.5, True, datetime.date(2024, 1, 1), Decimal("1")])
def test_a_text_parameter_refuses_a_python_value_with_an_hkit_error(kg, value):
    with pytest.raises(QueryError, match="parameter 'currency' must be text"):
        kg.query("funds-by-size", currency=value)


def test_a_typed_parameter_takes_python_numbers_and_dates(tmp_path):
    """A parameter typed as a number or a date takes Python's numbers and dates, written as the
    text of their XSD value (the same answer as the text)."""
    (tmp_path / "queries").mkdir()
    for folder in ("ontology", "data"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    (tmp_path / "queries" / "since.rq").write_text(
        "#+ summary: Observations as of a date\n"
        "#+ example:\n#+   - since: 2023-12-06\n#+     n: 1\n"
        "PREFIX hkit: <https://w3id.org/hkit/ontology#>\n"
        "SELECT ?o WHERE { ?o hkit:asOf ?d . BIND (1 AS ?n)"
        " FILTER (?d >= ?_since_xsd_date && ?n <= ?_n_xsd_integer) } ORDER BY ?o\n",
        encoding="utf-8",
    )
    kg = hkit.open(root=tmp_path)
    by_python = kg.query("since", since=datetime.date(2023, 12, 6), n=1)
    by_text = kg.query("since", since="2023-12-06", n="1")
    assert len(by_python) > 0 and by_python.rows == by_text.rows
    with pytest.raises(QueryError, match="must be text"):
        kg.query("since", since="2023-12-06", n=True)
