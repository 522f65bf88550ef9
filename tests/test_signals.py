"""Stopping hkit: Ctrl-C, SIGTERM and SIGHUP, a closed output pipe, and errors inside hkit each
give one line and a documented exit code, never a traceback (and never exit 1)."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, read_terminal

import hkit.cli.fast
from hkit import HkitError, QueryTimeout
from hkit.cli.boundary import ErrorBoundary, Stopped
from hkit.cli.group import main

HKIT = str(Path(sys.executable).parent / "hkit")

#: Billions of rows to count: runs far longer than any test waits, in little memory.
ALL = "SELECT * { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def default_signals() -> None:
    """In a started process: the default disposition of the signals the tests send, whatever
    the test runner inherited (a runner started with nohup or as a background job ignores
    SIGHUP or SIGINT, and its children would inherit that)."""
    import signal

    for name in ("SIGINT", "SIGHUP", "SIGTERM", "SIGPIPE"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


def _has_child(pid: int) -> bool:
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return False


def start_slow_query() -> subprocess.Popen:
    process = subprocess.Popen(
        [HKIT, "--root", str(ROOT), "--timeout", "120", "sparql", SLOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    # started, and counting: the query's child exists (waited for, not guessed)
    deadline = time.monotonic() + 60
    while not _has_child(process.pid):
        assert process.poll() is None, process.communicate()
        if time.monotonic() > deadline or not Path(f"/proc/{process.pid}").exists():
            time.sleep(2)  # no /proc here: give it time instead
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    return process


@pytest.mark.slow
@pytest.mark.parametrize(
    ("number", "code", "line"),
    [
        (signal.SIGINT, 130, "hkit: interrupted"),
        (signal.SIGTERM, 143, "hkit: stopped by SIGTERM"),
        (signal.SIGHUP, 129, "hkit: stopped by SIGHUP"),
    ],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_stops_a_query_with_one_line(number, code, line):
    process = start_slow_query()
    process.send_signal(number)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert err.strip() == line


def test_ctrl_c_in_the_fast_lane(monkeypatch, capsys):
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("hkit.cli.commands.query", interrupted)
    with pytest.raises(SystemExit) as info:
        hkit.cli.fast.main(["--root", str(ROOT), "query", "funds-by-size"])
    assert info.value.code == 130
    assert capsys.readouterr().err == "hkit: interrupted\n"


def test_an_error_inside_hkit_is_one_line_and_exit_3(monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("an unexpected state\nover two lines")

    monkeypatch.setattr("hkit.present.explore.stats", broken)
    result = CliRunner().invoke(main, ["--root", str(ROOT), "stats"])
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert lines[0] == "hkit: internal error: RuntimeError: an unexpected state over two lines"
    assert "--debug" in lines[1] and len(lines) == 2
    debug = CliRunner().invoke(main, ["--root", str(ROOT), "--debug", "stats"])
    assert debug.exit_code == 3
    assert "Traceback (most recent call last)" in debug.output
    assert "RuntimeError: an unexpected state" in debug.output


@pytest.mark.parametrize(
    ("raised", "code", "lines"),
    [
        (HkitError("no such thing", hint="try another"), 2, ["error: no such thing", "hint: try"]),
        (QueryTimeout("too slow"), 2, ["error: too slow"]),
        (KeyboardInterrupt(), 130, ["interrupted"]),
        (Stopped(signal.SIGHUP), 129, ["stopped by SIGHUP"]),
        (ValueError("odd"), 3, ["internal error: ValueError: odd", "hint: this is a bug"]),
        (
            OSError(errno.ENOSPC, "No space left on device"),
            2,
            ["error: cannot write the output: No space"],
        ),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), 141, []),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_the_error_boundary(raised, code, lines, capsys):
    """What both lanes of the command line do with an error: one line (and a hint) after what
    the command wrote, the documented exit code, and the traceback first only with --debug."""
    for debug in (False, True):
        # the lambda is called within this turn of the loop
        with pytest.raises(SystemExit) as info, ErrorBoundary(lambda: debug):  # noqa: B023
            sys.stdout.write("what came before\n")
            raise raised
        out, err = capsys.readouterr()
        assert info.value.code == code
        assert out == "what came before\n"
        shown = err.splitlines()
        if debug and lines:
            assert shown[0] == "Traceback (most recent call last):"
            shown = shown[-len(lines) :]
        assert all(
            line.startswith(f"hkit: {start}") for line, start in zip(shown, lines, strict=True)
        )


def test_the_error_boundary_lets_exits_and_the_passing_errors_through():
    for exit_or_passing in (SystemExit(4), LookupError("click's own")):
        with pytest.raises(type(exit_or_passing)), ErrorBoundary(lambda: True, (LookupError,)):
            raise exit_or_passing


def test_a_closed_output_pipe_stops_quietly(tmp_path):
    big = tmp_path / "big.nt"  # far more output than a pipe holds
    big.write_text(
        "".join(f'<urn:x:{i}> <urn:x:p> "{"x" * 100}" .\n' for i in range(50_000)),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [HKIT, "--root", str(ROOT), "--data", str(big), "sparql", "--format", "tsv", ALL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_signals,
    )
    assert process.stdout.read(100)
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert err == b""


@pytest.mark.reasoner
def test_sigterm_stops_the_reasoner_and_its_java(tmp_path):
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no Java")
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [HKIT, "--root", str(ROOT), "reason"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob("hkit-reason-*")):
        time.sleep(0.05)  # the reasoner's folder exists: the child is starting
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.strip() == "hkit: stopped by SIGTERM"
    time.sleep(0.5)
    assert list(tmp_path.iterdir()) == [], "the reasoner's temporary folder is left behind"
    assert not _running_with(f"hkit.quality.reason {tmp_path}"), "the reasoner's child still runs"


def _running_with(text: str) -> bool:
    """Whether a process whose command line holds ``text`` runs (read from /proc, where
    pgrep may not be installed)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"):
                return True
        except OSError:
            continue
    return False


def on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run hkit with stderr on a terminal; its exit code, stdout and what the terminal showed."""
    import os

    controller, terminal = os.openpty()
    done = subprocess.run(
        [HKIT, "--root", str(ROOT), *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
        timeout=300,
    )
    os.close(terminal)
    return done.returncode, done.stdout, read_terminal(controller).decode("utf-8")


def test_long_work_shows_progress_on_a_terminal_and_nothing_elsewhere():
    code, out, shown = on_a_terminal("check", "--skip", "reason")
    assert code == 0, shown
    assert "hkit: check: shacl..." in shown and "hkit: check: checks..." in shown
    assert "hkit: check" not in out  # the report itself is unchanged
    quiet = subprocess.run(
        [HKIT, "--root", str(ROOT), "check", "--skip", "reason"], capture_output=True, text=True
    )
    assert quiet.returncode == 0 and quiet.stderr == ""
