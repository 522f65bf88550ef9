"""``hkit query`` starts fast and stays right: an answer kept for the exact same run is replayed
without loading the library, and never once anything it came from changed; the query runs in
one child; SPARQL's terminals are read with a pattern that compiles at once for ASCII text."""

from __future__ import annotations

import ctypes
import marshal
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from hkit.api import clear_cache
from hkit.cli import commands, replay
from hkit.cli.fast import main
from hkit.core import sparql
from hkit.store.offline import sock_fprog

# -- the kept answers ---------------------------------------------------------------------------

#: How settled the files must be in these tests (far above a file system's clock tick): files are
#: made, then left this long before the run that keeps the answer.
SETTLED = 0.2


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A root of its own (a copy of the repository's files, settled), a cache of its own, and
    the run's command line as the process's own."""
    root = tmp_path / "root"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, root / name)
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HKIT_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(replay, "SETTLED_NS", int(SETTLED * 1e9))
    time.sleep(SETTLED * 1.5)
    return root


def hkit(monkeypatch, capsysbinary, *args: str) -> tuple[int, bytes, bytes]:
    """Run the hkit command in this process, with ``args`` as its own command line."""
    monkeypatch.setattr(sys, "argv", ["hkit", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    out, err = capsysbinary.readouterr()
    return stop.value.code or 0, out, err


def ran(monkeypatch) -> list[str]:
    """The names of the commands that run from now on (a replayed answer runs none)."""
    calls: list[str] = []
    real = commands.query

    def query(*args, **kwargs):
        calls.append("query")
        return real(*args, **kwargs)

    monkeypatch.setattr(commands, "query", query)
    return calls


def entries(place: Path) -> list[Path]:
    folder = place.parent / "cache" / "answers"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_kept_answer_is_replayed_without_running_the_query(place, monkeypatch, capsysbinary):
    args = ("--root", str(place), "query", "funds-by-size")
    first = hkit(monkeypatch, capsysbinary, *args)
    assert first[0] == 0 and b"I&T Industry-oriented Fund" in first[1]
    assert len(entries(place)) == 1
    calls = ran(monkeypatch)
    assert hkit(monkeypatch, capsysbinary, *args) == first
    assert calls == []


def test_notes_about_an_empty_answer_are_replayed_with_it(place, monkeypatch, capsysbinary):
    args = ("--root", str(place), "query", "unicorns-by-sector", "-p", "sector=nothing-here")
    first = hkit(monkeypatch, capsysbinary, *args)
    assert first[0] == 0 and first[2].startswith(b"hkit: note: no rows: ")
    calls = ran(monkeypatch)
    assert hkit(monkeypatch, capsysbinary, *args) == first
    assert calls == []


def _same_size_edit(root: Path) -> None:
    path = root / "data" / "funding.ttl"
    info = path.stat()
    text = path.read_bytes().replace(
        b'"I&T Industry-oriented Fund"', b'"I&T Industry-oriented Fond"'
    )
    assert len(text) == info.st_size
    path.write_bytes(text)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same size and mtime
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)


def _touch(root: Path) -> None:
    os.utime(root / "ontology" / "hkit.ttl")


def _replace(root: Path) -> None:
    path = root / "data" / "people.ttl"
    shutil.copy2(path, path.with_suffix(".new"))  # the same content and times, a new inode
    os.replace(path.with_suffix(".new"), path)


def _new_data_file(root: Path) -> None:
    (root / "data" / "more").mkdir()
    (root / "data" / "more" / "extra.ttl").write_text("", encoding="utf-8")


def _attribution_listing_gone(root: Path) -> None:
    (root / "data" / "attribution.trig").unlink()


def _query_file(root: Path) -> None:
    with (root / "queries" / "funds-by-size.rq").open("a", encoding="utf-8") as out:
        out.write("# edited\n")


CHANGES = {
    "same size and mtime": _same_size_edit,
    "touch": _touch,
    "replaced": _replace,
    "a data file added": _new_data_file,
    "the attribution listing removed": _attribution_listing_gone,
    "the query edited": _query_file,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=list(CHANGES))
def test_any_change_to_what_the_answer_came_from_makes_it_anew(
    change, place, monkeypatch, capsysbinary
):
    args = ("--root", str(place), "query", "funds-by-size")
    hkit(monkeypatch, capsysbinary, *args)
    assert len(entries(place)) == 1
    change(place)
    calls = ran(monkeypatch)
    code, out, err = hkit(monkeypatch, capsysbinary, *args)
    assert calls == ["query"]
    monkeypatch.setenv("HKIT_NO_CACHE", "1")
    assert (code, out, err) == hkit(monkeypatch, capsysbinary, *args)
    if change is _same_size_edit:
        assert b"I&T Industry-oriented Fond" in out


def test_a_new_version_environment_or_folder_makes_the_answer_anew(
    place, monkeypatch, capsysbinary, tmp_path
):
    args = ("--root", str(place), "query", "funds-by-size")
    hkit(monkeypatch, capsysbinary, *args)
    calls = ran(monkeypatch)
    monkeypatch.setattr(replay, "__version__", replay.__version__ + ".post1")
    hkit(monkeypatch, capsysbinary, *args)
    monkeypatch.setenv("COLUMNS", "97")
    hkit(monkeypatch, capsysbinary, *args)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    hkit(monkeypatch, capsysbinary, *args)
    assert calls == ["query"] * 3


def test_a_root_appearing_in_the_working_folder_makes_the_answer_anew(
    place, monkeypatch, capsysbinary, tmp_path
):
    """Without --root, the working folder is the root once it has the ontology and data/."""
    hkit(monkeypatch, capsysbinary, "query", "funds-by-size")
    calls = ran(monkeypatch)
    for name in ("ontology", "data", "queries"):
        shutil.copytree(place / name, tmp_path / name)
    _same_size_edit(tmp_path)
    _, out, _ = hkit(monkeypatch, capsysbinary, "query", "funds-by-size")
    assert calls == ["query"] and b"I&T Industry-oriented Fond" in out


def test_what_the_answer_came_from_includes_the_code_and_the_engine(place, monkeypatch):
    import pyoxigraph

    files = replay.answer_files(commands.State(str(place)).graph())
    assert commands.__file__ in files and sys.modules["hkit.core.sparql"].__file__ in files
    assert any(f.startswith(os.path.dirname(pyoxigraph.__file__)) for f in files)
    assert str(place / "data" / "attribution.trig") in files


def test_a_file_changed_too_lately_leaves_no_kept_answer(place, monkeypatch, capsysbinary):
    """A change in the same tick of the file system's clock as the run could leave a file's times
    as they were: files whose times are not settled before the run began keep nothing."""
    path = place / "data" / "events.ttl"
    future = time.time_ns() + 3600 * 10**9
    os.utime(path, ns=(future, future))
    code, out, _ = hkit(monkeypatch, capsysbinary, "--root", str(place), "query", "funds-by-size")
    assert code == 0 and out
    assert entries(place) == []


def test_no_answer_is_kept_or_replayed_without_the_cache(place, monkeypatch, capsysbinary):
    args = ("--root", str(place), "query", "funds-by-size")
    hkit(monkeypatch, capsysbinary, *args)
    monkeypatch.setenv("HKIT_NO_CACHE", "1")
    calls = ran(monkeypatch)
    hkit(monkeypatch, capsysbinary, *args)
    assert calls == ["query"]
    shutil.rmtree(place.parent / "cache" / "answers")
    hkit(monkeypatch, capsysbinary, *args)
    assert entries(place) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"\x00" * 64,
        lambda data: marshal.dumps((*marshal.loads(data)[:2], 5, b"", b"")),
        lambda data: marshal.dumps((*marshal.loads(data)[:3], "text", b"")),
        lambda data: marshal.dumps((*marshal.loads(data)[:2], [("a", "b", "c")], b"", b"")),
    ],
    ids=["empty", "cut short", "garbage", "files not a list", "text not bytes", "odd files"],
)
def test_a_damaged_entry_is_passed_by(damage, place, monkeypatch, capsysbinary):
    args = ("--root", str(place), "query", "funds-by-size")
    first = hkit(monkeypatch, capsysbinary, *args)
    [entry] = entries(place)
    entry.write_bytes(damage(entry.read_bytes()))
    calls = ran(monkeypatch)
    assert hkit(monkeypatch, capsysbinary, *args) == first
    assert calls == ["query"]


def test_an_entry_for_another_key_is_not_replayed(place, monkeypatch, capsysbinary):
    """Entries are named by a short checksum of their key: one that names the same file for
    another key (a collision) is recognised by the key it holds."""
    args = ("--root", str(place), "query", "funds-by-size")
    first = hkit(monkeypatch, capsysbinary, *args)
    [entry] = entries(place)
    magic, key, files, _, err = marshal.loads(entry.read_bytes())
    entry.write_bytes(marshal.dumps((magic, (*key[:-1], "other"), files, b"wrong\n", err)))
    assert hkit(monkeypatch, capsysbinary, *args) == first


def test_only_the_answers_of_the_process_own_command_line_are_kept(
    place, monkeypatch, capsysbinary, tmp_path
):
    with pytest.raises(SystemExit):
        main(["--root", str(place), "query", "funds-by-size"])
    assert entries(place) == []
    out = tmp_path / "answer.txt"
    hkit(monkeypatch, capsysbinary, "--root", str(place), "query", "funds-by-size", "-o", str(out))
    assert out.is_file() and entries(place) == []
    code, _, _ = hkit(monkeypatch, capsysbinary, "--root", str(place), "query", "no-such-query")
    assert code != 0 and entries(place) == []


def test_the_catalogue_is_kept_and_made_anew_when_a_query_is_added(
    place, monkeypatch, capsysbinary
):
    args = ("--root", str(place), "queries")
    first = hkit(monkeypatch, capsysbinary, *args)
    assert len(entries(place)) == 1
    shutil.copy(place / "queries" / "funds-by-size.rq", place / "queries" / "funds-again.rq")
    _, out, _ = hkit(monkeypatch, capsysbinary, *args)
    assert b"funds-again" in out and b"funds-again" not in first[1]


# -- the hazard: Python's start-up here ---------------------------------------------------------

#: A run of the hkit command, in a fresh interpreter, that lists the modules it imported.
_LISTING = (
    "import sys\n"
    "sys.argv = ['hkit', 'query', 'funds-by-size']\n"
    "from hkit.cli.fast import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "with open({out!r}, 'w') as fh:\n"
    "    fh.write('\\n'.join(sorted(sys.modules)))\n"
)


def test_a_replayed_answer_imports_neither_pathlib_nor_the_library(tmp_path):
    """HAZARDS: pathlib imports urllib.parse and ipaddress, several milliseconds of a start that
    should take a few times Python's own; a replayed answer imports none of them, nor the
    library or the engine."""
    env = {**os.environ, "HKIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("HKIT_NO_CACHE", None)
    listing = tmp_path / "modules.txt"
    code = _LISTING.format(out=str(listing))
    for _ in range(3):  # a file of the checkout changed just now keeps no answer at first
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)
        if (tmp_path / "cache" / "answers").is_dir():
            break
        time.sleep(replay.SETTLED_NS / 1e9)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0 and b"I&T Industry-oriented Fund" in done.stdout
    modules = set(listing.read_text(encoding="utf-8").split())
    for heavy in ("pathlib", "urllib.parse", "ipaddress", "pyoxigraph", "hkit.api", "hashlib"):
        assert heavy not in modules, heavy


def test_the_seccomp_program_is_packed_as_the_kernel_reads_it():
    """HAZARDS: ``struct sock_fprog`` is a short then a pointer at its native alignment; packed
    without the padding, the kernel reads the pointer from the wrong place."""

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    address = 0x1122334455667788 if ctypes.sizeof(ctypes.c_void_p) == 8 else 0x11223344
    packed = sock_fprog(8, address)
    assert packed == bytes(SockFprog(8, address))
    assert len(packed) == ctypes.sizeof(SockFprog)


# -- one child per query ------------------------------------------------------------------------


def test_a_saved_query_forks_one_child(monkeypatch, capsys):
    forks = []
    real = os.fork

    def fork() -> int:
        forks.append(1)
        return real()

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.delenv("HKIT_IN_PROCESS", raising=False)
    for args in (["query", "funds-by-size"], ["query", "start-ups-and-unicorns"]):
        forks.clear()
        with pytest.raises(SystemExit) as stop:
            main(["--root", str(ROOT), *args])
        assert stop.value.code == 0
        assert "[1]" in capsys.readouterr().out  # the source legend is there
        assert len(forks) == 1


# -- SPARQL's terminals ---------------------------------------------------------------------------

_SPARQL_ALPHABET = st.sampled_from(
    [*"?$_:<>\"'#\\.@-0123456789eEaZz \n{}()", "SERVICE", "\u00b7", "\u00e9", "\U00010000"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPARQL_ALPHABET, max_size=40).map("".join))
def test_ascii_text_is_read_as_the_full_pattern_reads_it(text):
    wide = re.compile(sparql._terminal_pattern(True), re.VERBOSE | re.DOTALL)
    chosen = sparql._terminals(text)
    assert (chosen is not sparql._TERMINALS[False]) == (not text.isascii())
    found = [(m.lastgroup, m.span()) for m in chosen.finditer(text)]
    assert found == [(m.lastgroup, m.span()) for m in wide.finditer(text)]


def test_clearing_the_cache_removes_the_kept_answers(place, monkeypatch, capsysbinary):
    hkit(monkeypatch, capsysbinary, "--root", str(place), "query", "funds-by-size")
    assert len(entries(place)) == 1
    clear_cache()
    assert entries(place) == []


def test_an_answer_that_changes_from_run_to_run_is_not_kept(place, monkeypatch, capsysbinary):
    (place / "queries" / "at-random.rq").write_text(
        "#+ summary: A number at random\nSELECT (RAND() AS ?n) WHERE { }\n", encoding="utf-8"
    )
    time.sleep(SETTLED * 1.5)
    args = ("--root", str(place), "query", "at-random", "--format", "csv")
    first = hkit(monkeypatch, capsysbinary, *args)
    assert first[0] == 0 and first[1].startswith(b"n\r\n")
    assert entries(place) == []
    assert hkit(monkeypatch, capsysbinary, *args)[1] != first[1]


def test_the_answer_cache_alone_can_be_turned_off(place, monkeypatch, capsysbinary):
    args = ("--root", str(place), "query", "funds-by-size")
    monkeypatch.setenv("HKIT_NO_ANSWER_CACHE", "1")
    hkit(monkeypatch, capsysbinary, *args)
    assert entries(place) == []
    assert list((place.parent / "cache").iterdir())  # the graph's own caches are still kept


def test_a_working_folder_removed_keeps_nothing_and_still_answers(
    place, monkeypatch, capsysbinary, tmp_path
):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    code, out, _ = hkit(monkeypatch, capsysbinary, "--root", str(place), "query", "funds-by-size")
    assert code == 0 and b"I&T Industry-oriented Fund" in out
    assert entries(place) == []
