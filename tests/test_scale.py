"""Scale: the synthetic data generator, the on-disk store kept between runs, and the strict
rdflib loader that validation uses. (Timings are measured by benchmarks/run.py, not here.)"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib.compare
from helpers import ROOT

import hkit
from hkit.store.files import data_files, graph_files
from hkit.store.rdf import load_rdflib_strict
from hkit.store.stores import PERSISTENT_FROM_BYTES, open_store

sys.path.insert(0, str(ROOT / "benchmarks"))
import engine_limits
from generate import generate


def generated(triples: int, seed: int = 1) -> str:
    out = io.StringIO()
    generate(triples, seed, out)
    return out.getvalue()


def test_the_generator_is_deterministic_and_sized():
    first, second = generated(5000), generated(5000)
    assert first == second
    assert generated(5000, seed=2) != first
    count = first.count("\n")
    assert 5000 <= count < 5030
    assert (
        len(list(pyoxigraph.parse(first.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES))) == count
    )


@pytest.mark.slow  # every gate on generated data; CI runs it
def test_generated_data_passes_every_gate(tmp_path):
    from click.testing import CliRunner

    from hkit.cli.group import main

    data = tmp_path / "generated.nt"
    data.write_text(generated(3000), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--root", str(ROOT), "--data", str(data), "check", "--skip", "reason"]
    )
    assert result.exit_code == 0, result.output


def test_generated_data_widens_the_broad_queries_and_leaves_the_specific_ones(tmp_path):
    """Queries over every company, figure or fund get more rows; queries about one named entity
    of the shipped graph answer exactly as before (benchmarks/ shows that all of them have more
    data to go through)."""
    data = tmp_path / "generated.nt"
    data.write_text(generated(20000), encoding="utf-8")
    plain = hkit.open(root=ROOT, timeout=120)
    bigger = hkit.open(root=ROOT, data=[data], timeout=120)
    changed = set()
    for name, q in plain.queries.items():
        if plain.query(name, **q.examples[0]).rows != bigger.query(name, **q.examples[0]).rows:
            changed.add(name)
    broad = {
        "figures-by-measure",
        "funds-by-size",
        "start-ups-and-unicorns",
        "research-centres",
        "events-timeline",
        "sector-activity",
        "who-works-in-sector",
        "unicorns-by-sector",
        # the generated centres are linked to the shipped clusters (by hkit:inCluster)
        "innohk-clusters",
    }
    specific = {
        "people-and-posts",
        "stated-conversions",
        "editorial-notes",
        "plans-and-proposals",
        "agreements",
        "targets",
    }
    assert broad <= changed
    assert not specific & changed


def test_the_engine_limits_reproduction_compares_answers_that_are_there(tmp_path, capsys):
    """benchmarks/engine_limits.py, the report for Oxigraph's maintainers: on small data, each
    case's two forms give the same answer, and not an empty one (the times are the report's, not
    asserted here); the script prints a row per case."""
    store, count = engine_limits.open_generated(3000, tmp_path)
    assert 3000 <= count < 3100
    for name, (_, slow, fast) in engine_limits.CASES.items():
        rows = engine_limits.answer(store, slow)
        assert rows == engine_limits.answer(store, fast), name
        assert rows and any(
            value not in ("0", '"0"^^<http://www.w3.org/2001/XMLSchema#integer>')
            for row in rows
            for value in row
        ), name
    del store
    engine_limits.main(["--triples", "3000"])
    rows = [line for line in capsys.readouterr().out.splitlines() if " ms |" in line]
    assert [row.split(":")[0].lstrip("| ") for row in rows] == list(engine_limits.CASES)


def test_the_generator_command_writes_a_file(tmp_path):
    out = tmp_path / "g.nt"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            "--triples",
            "100",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8").count("\n") >= 100


def _on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, triples: int) -> Path:
    """A generated data file of ``triples``, above the size from which hkit keeps an on-disk
    store (lowered for the tests), with the cache folder in ``tmp_path``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("HKIT_CACHE_DIR", raising=False)
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    monkeypatch.setattr("hkit.store.stores.PERSISTENT_FROM_BYTES", 100_000)
    data = tmp_path / "big.nt"
    data.write_text(generated(triples), encoding="utf-8")
    return data


@pytest.fixture
def big(tmp_path, monkeypatch):
    """A data file just above the size from which hkit keeps an on-disk store."""
    return _on_disk(tmp_path, monkeypatch, 2000)


def stores(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "hkit" / "stores").glob("*"))


def test_the_store_is_built_once_and_reopened(big, tmp_path):
    files = graph_files(ROOT, [big])
    first = open_store(files)
    (built,) = stores(tmp_path)
    assert (built / "hkit-complete").is_file()
    second = open_store(files)
    assert stores(tmp_path) == [built]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert next(iter(first.query(count)))["n"] == next(iter(second.query(count)))["n"]
    with pytest.raises((OSError, RuntimeError)):  # reopened read-only
        second.add(
            pyoxigraph.Quad(
                pyoxigraph.NamedNode("urn:x"),
                pyoxigraph.NamedNode("urn:p"),
                pyoxigraph.Literal("x"),
            )
        )


def test_a_bulk_load_reports_what_it_has_read_and_loads_the_same_graph(tmp_path, monkeypatch):
    from hkit.store.stores import load_store

    data = tmp_path / "g.nt"
    data.write_text(generated(3000), encoding="utf-8")
    monkeypatch.setattr("hkit.store.stores.BULK_LOAD_BYTES", 1000)
    seen: list[int] = []
    streamed = load_store([data], pyoxigraph.Store(str(tmp_path / "a")), seen.append)
    plain = load_store([data], pyoxigraph.Store(str(tmp_path / "b")))
    assert seen == sorted(seen) and len(seen) > 2 and seen[-1] == data.stat().st_size
    assert set(streamed) == set(plain) and len(set(plain)) > 2900


def test_building_the_store_shows_how_much_is_read_on_a_terminal_only(big, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("hkit.store.stores.BULK_LOAD_BYTES", 1000)
    monkeypatch.setattr("time.monotonic", iter(range(0, 10**6, 1)).__next__)  # 1 s per call
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    open_store(graph_files(ROOT, [big]))
    shown = terminal.getvalue()
    assert "building the on-disk store" in shown and "% of it read" in shown
    assert "100% of it read" in shown and shown.endswith("\r")  # the line is cleared at the end


def test_a_changed_file_rebuilds_the_store_and_drops_the_old_one(big, tmp_path):
    files = graph_files(ROOT, [big])
    open_store(files)
    (old,) = stores(tmp_path)
    with big.open("a", encoding="utf-8") as fh:
        fh.write(
            "<https://w3id.org/hkit/id/new> "
            '<http://www.w3.org/2000/01/rdf-schema#label> "new"@en .\n'
        )
    store = open_store(files)
    (new,) = stores(tmp_path)
    assert new != old
    ask = 'ASK { <https://w3id.org/hkit/id/new> ?p "new"@en }'
    assert bool(store.query(ask))


def test_a_file_changed_in_place_with_its_size_and_times_kept_rebuilds_the_store(big, tmp_path):
    files = graph_files(ROOT, [big])
    open_store(files)
    before = big.stat()
    text = big.read_text(encoding="utf-8")
    # the same length, another value, and the old modification time put back (touch -r)
    changed = text.replace(
        '"Synthetic benchmark article 0"@en', '"Synthetic benchmark article X"@en', 1
    )
    assert changed != text and len(changed) == len(text)
    big.write_text(changed, encoding="utf-8")
    os.utime(big, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert big.stat().st_mtime_ns == before.st_mtime_ns and big.stat().st_size == before.st_size
    store = open_store(files)
    assert bool(store.query('ASK { ?s ?p "Synthetic benchmark article X"@en }'))


def test_a_damaged_store_is_rebuilt_with_one_warning(big, tmp_path, capsys):
    files = graph_files(ROOT, [big])
    open_store(files)
    (built,) = stores(tmp_path)
    for path in built.iterdir():
        if path.is_file() and path.name != "hkit-complete":
            path.write_bytes(b"\0" * 64)  # every file of the store garbled
    store = open_store(files)
    assert "the cached store of these files is damaged" in capsys.readouterr().err
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(next(iter(store.query(count)))["n"].value) > 2000


def test_only_the_engines_damage_error_is_store_damage():
    """The type says it, not the words of a message: a store's corruption (RocksDB's words in
    pyoxigraph's RuntimeError or OSError) is StoreDamaged; the same words in any other error
    are a failed query like another."""
    from hkit.core.errors import QueryFailed, StoreDamaged
    from hkit.store.runner import _engine_error

    damage = "Corruption: block checksum mismatch in /tmp/store/000012.sst"
    error = _engine_error(RuntimeError(damage))
    assert isinstance(error, StoreDamaged)
    assert error.message == f"the query failed inside the engine: RuntimeError: {damage}"
    error = _engine_error(OSError(damage))
    assert isinstance(error, StoreDamaged) and error.message == f"the query failed: {damage}"
    for other in (ValueError(damage), SyntaxError(damage), QueryFailed(damage)):
        error = _engine_error(other)
        assert isinstance(error, QueryFailed) and not isinstance(error, StoreDamaged), other
    unexpected = RuntimeError("something else")
    assert _engine_error(unexpected) is unexpected  # a bug stays one


def test_store_damage_keeps_its_type_out_of_the_querys_child():
    """Raised in the forked child that runs a query, the engine's corruption error comes back
    to the caller as StoreDamaged (what KnowledgeGraph.run catches to build the store again),
    with the message it had before it had a type of its own."""
    from hkit.core.errors import StoreDamaged
    from hkit.store.runner import run_offline

    def damaged() -> None:
        raise RuntimeError("Corruption: block checksum mismatch in 000012.sst")

    with pytest.raises(StoreDamaged) as raised:
        run_offline(damaged, "a test")
    assert raised.value.message == (
        "the query failed inside the engine: "
        "RuntimeError: Corruption: block checksum mismatch in 000012.sst"
    )


def test_the_folder_of_a_killed_build_is_removed(big, tmp_path):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = tmp_path / "cache" / "hkit" / "stores"
    folder.mkdir(parents=True)
    abandoned = folder / f".0123456789abcdef-{dead}-x1y2z3"
    abandoned.mkdir()
    (abandoned / "000001.sst").write_bytes(b"half a store")
    open_store(graph_files(ROOT, [big]))
    assert not abandoned.exists()


def test_small_inputs_and_no_cache_stay_in_memory(big, tmp_path, monkeypatch):
    monkeypatch.setattr("hkit.store.stores.PERSISTENT_FROM_BYTES", PERSISTENT_FROM_BYTES)
    open_store(graph_files(ROOT))
    assert stores(tmp_path) == []
    monkeypatch.setattr("hkit.store.stores.PERSISTENT_FROM_BYTES", 100_000)
    assert stores(tmp_path) == []
    monkeypatch.setenv("HKIT_NO_CACHE", "1")
    open_store(graph_files(ROOT, [big]))
    assert stores(tmp_path) == []
    assert sum(p.stat().st_size for p in graph_files(ROOT)) < PERSISTENT_FROM_BYTES


def test_the_strict_loader_reads_what_rdflib_reads():
    files = [*data_files(ROOT), ROOT / "ontology" / "hkit.ttl"]
    rdflib.NORMALIZE_LITERALS = False
    slow = rdflib.Graph()
    for path in files:  # rdflib's own parser, as the reference
        slow.parse(path, format="turtle")
    fast = load_rdflib_strict(files)
    assert len(fast) == len(slow)
    assert rdflib.compare.isomorphic(fast, slow)


def test_the_cache_command_shows_verifies_and_clears_the_stores(big, tmp_path):
    from click.testing import CliRunner

    from hkit.cli.group import main

    open_store(graph_files(ROOT, [big]))
    (built,) = stores(tmp_path)
    shown = CliRunner().invoke(main, ["--root", str(ROOT), "cache", "--verify"])
    assert shown.exit_code == 0, shown.output
    assert f"{built.name}" in shown.output and "verified" in shown.output
    assert str(big.resolve()) in shown.output
    for path in built.iterdir():
        if path.is_file() and path.name != "hkit-complete":
            path.write_bytes(b"\0" * 64)
    damaged = CliRunner().invoke(main, ["--root", str(ROOT), "cache", "--verify"])
    assert damaged.exit_code == 1 and "DAMAGED" in damaged.output
    cleared = CliRunner().invoke(main, ["--root", str(ROOT), "cache", "--clear"])
    assert cleared.exit_code == 0 and "removed 1 store(s)" in cleared.output
    assert stores(tmp_path) == []


def test_a_store_file_edited_in_place_is_rebuilt(big, tmp_path, capsys):
    """A byte changed inside a store file, its modification time put back: the file's change
    time still moves, and the store's record of its files shows it."""
    files = graph_files(ROOT, [big])
    open_store(files)
    (built,) = stores(tmp_path)
    sst = max(built.glob("*.sst"), key=lambda p: p.stat().st_size)
    before = sst.stat()
    with sst.open("r+b") as fh:
        fh.seek(before.st_size // 2)
        byte = fh.read(1)
        fh.seek(before.st_size // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(sst, ns=(before.st_atime_ns, before.st_mtime_ns))
    store = open_store(files)
    assert "changed since the store was built" in capsys.readouterr().err
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(next(iter(store.query(count)))["n"].value) > 2000


def test_a_store_read_by_pyoxigraph_read_only_is_kept_and_read_write_is_rebuilt(
    big, tmp_path, capsys
):
    """The README's advice for looking inside a store: ``Store.read_only`` leaves its files as
    they were; ``Store(path)`` writes to them even when nothing is added, and hkit notices."""
    files = graph_files(ROOT, [big])
    open_store(files)
    capsys.readouterr()
    (built,) = stores(tmp_path)
    looked = pyoxigraph.Store.read_only(str(built))
    assert len(looked) > 2000
    del looked
    open_store(files)
    assert capsys.readouterr().err == ""
    opened = pyoxigraph.Store(str(built))
    assert len(opened) > 2000
    del opened
    store = open_store(files)
    assert "changed since the store was built" in capsys.readouterr().err
    assert len(store) > 2000
