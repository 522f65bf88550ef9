"""Streaming: ``hkit query`` writes tsv and csv row by row as the embedded engine reads them,
with exactly the text the collected result gives, and never leaves half a file behind."""

from __future__ import annotations

import io
import sys

import pytest
from helpers import ROOT

from hkit.cli.commands import write_stream
from hkit.core.catalog import bind_values, catalog
from hkit.core.errors import QueryFailed
from hkit.core.formats import render
from hkit.core.sparql import with_values
from hkit.present.results import stream_lines
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import graph_files
from hkit.store.stores import load_store

QUERIES = catalog(ROOT / "queries")


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(load_store(graph_files(ROOT)))


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_streamed_text_is_the_collected_text(engine, name, fmt):
    q = QUERIES[name]
    text = with_values(q.text, bind_values(q, q.examples[0]))
    variables, rows = engine.stream(text, 60, batch=3)
    streamed = "".join(stream_lines(fmt, variables, rows))
    assert streamed == render(engine.run(text, 60), fmt)


def test_rows_arrive_before_the_query_is_read_to_its_end(engine):
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    variables, rows = engine.stream(text, 60, batch=10)
    assert variables == ["s", "p", "o"]
    first = next(rows)
    assert set(first) == {"s", "p", "o"}
    rest = sum(1 for _ in rows)
    assert rest > 1000


def test_stream_errors_are_hkits(engine):
    with pytest.raises(QueryFailed, match="not valid SPARQL"):
        engine.stream("SELECT ?x WHERE { ?x }", 10)


def test_a_timed_out_stream_is_hkits_and_leaves_no_file(tmp_path):
    """In a child process: a timed-out query's thread runs on until its process ends."""
    import subprocess

    code = (
        "import sys\n"
        "import hkit\n"
        "from hkit.cli.commands import write_stream\n"
        "from hkit.core.errors import QueryTimeout\n"
        f"kg = hkit.open({str(ROOT)!r}, timeout=0.3)\n"
        "slow = 'SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }'\n"
        "try:\n"
        f"    write_stream(kg, slow, 'tsv', {str(tmp_path / 'out.tsv')!r})\n"
        "except QueryTimeout as exc:\n"
        "    print(exc.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "did not finish within 0.3 seconds" in done.stdout, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_stream_to_stdout(engine, monkeypatch):
    buffer = io.BytesIO()

    class Out:
        def __init__(self) -> None:
            self.buffer = buffer

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Out())
    q = QUERIES["funds-by-size"]
    text = with_values(q.text, bind_values(q, {}))
    import hkit

    kg = hkit.open(ROOT, timeout=60)
    assert write_stream(kg, text, "tsv", None)
    assert buffer.getvalue().decode() == render(engine.run(text, 60), "tsv")
    assert write_stream(kg, text, "table", None) is None


def test_hkit_sparql_streams_the_same_text(engine):
    from click.testing import CliRunner

    from hkit.cli.group import main

    text = (
        "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
        "ORDER BY ?s ?label"
    )
    for fmt in ("tsv", "csv"):
        result = CliRunner().invoke(main, ["--root", str(ROOT), "sparql", text, "--format", fmt])
        assert result.exit_code == 0
        assert result.stdout_bytes.decode() == render(engine.run(text, 60), fmt)
