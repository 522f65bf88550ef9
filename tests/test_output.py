"""--output writes what the path names, as a user expects: a regular file atomically (keeping its
mode, through a symbolic link, keeping hard links), a device or a FIFO as it is, never replaced;
and a signal while writing leaves no temporary file behind."""

from __future__ import annotations

import os
import signal
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from hkit import HkitError
from hkit.cli.group import main
from hkit.present.output import write_chunks


def export(output: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(ROOT), "export", "-o", str(output)])
    assert result.exit_code == 0, result.output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_an_existing_file_keeps_its_mode(tmp_path):
    out = tmp_path / "hkit.ttl"
    out.write_text("old")
    out.chmod(0o600)
    export(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8").startswith("@prefix")


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "real.ttl"
    real.write_text("old")
    link = tmp_path / "link.ttl"
    link.symlink_to(real)
    export(link)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("@prefix")
    assert leftovers(tmp_path) == []


def test_a_hard_link_stays_one_file(tmp_path):
    first = tmp_path / "a.ttl"
    first.write_text("old")
    second = tmp_path / "b.ttl"
    os.link(first, second)
    export(first)
    assert first.stat().st_ino == second.stat().st_ino
    assert second.read_text(encoding="utf-8").startswith("@prefix")
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_written_to_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    export(fifo)
    reader.join(timeout=60)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"@prefix")


def test_a_device_is_written_to_not_replaced():
    before = os.stat("/dev/null")
    write_chunks([b"nothing\n"], "/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(HkitError, match="it is a folder"):
        write_chunks([b"x"], str(tmp_path))


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "out.ttl"

    def chunks():
        yield b"first\n"
        os.kill(os.getpid(), signal.SIGTERM)
        yield b"never\n"

    with pytest.raises(SystemExit) as info:
        write_chunks(chunks(), str(out))
    assert info.value.code == 128 + signal.SIGTERM
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_an_empty_file_name_is_a_clear_error():
    result = CliRunner().invoke(main, ["--root", str(ROOT), "export", "-o", ""])
    assert result.exit_code == 2
    assert "the output file name is empty" in result.output


@pytest.mark.parametrize("name", ["a.csv/", "sub/.", "sub/.."])
@pytest.mark.parametrize("command", [["query", "funds-by-size"], ["export"], ["validate"]])
def test_a_name_ending_in_a_slash_is_refused_and_nothing_written(tmp_path, name, command):
    (tmp_path / "sub").mkdir()
    target = f"{tmp_path}/{name}"  # as typed (a Path would drop the trailing slash)
    result = CliRunner().invoke(main, ["--root", str(ROOT), *command, "-o", target])
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith(f"hkit: error: cannot write {target}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
    assert list((tmp_path / "sub").iterdir()) == []


def test_a_folder_given_to_a_command_is_refused(tmp_path):
    result = CliRunner().invoke(
        main, ["--root", str(ROOT), "query", "funds-by-size", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "it is a folder" in result.output
    assert list(tmp_path.iterdir()) == []
