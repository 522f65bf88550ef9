"""When the on-disk store cannot be built (no space left, a file-size quota, a folder that
cannot be created), hkit answers from memory with one warning that names the cache folder, and
never blames the input file; an input that is really at fault still gets its own error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

#: Runs hkit with the on-disk store used from 100 kB, under a file-size limit: every file
#: written past 64 kB fails as on a full disk (SIGXFSZ ignored, so the write returns EFBIG).
RUNNER = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
if sys.argv[1] == "limit":
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
import hkit.store.stores
hkit.store.stores.PERSISTENT_FROM_BYTES = 100_000
from hkit.cli.fast import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.nt"
    with path.open("w", encoding="utf-8") as out:
        generate(3000, 1, out)
    assert path.stat().st_size > 100_000
    return path


def run(cache: str, data: Path, limit: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "HKIT_CACHE_DIR": cache}
    env.pop("HKIT_NO_CACHE", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            "limit" if limit else "free",
            "--root",
            str(ROOT),
            "--data",
            str(data),
            "query",
            "funds-by-size",
            "--format",
            "tsv",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_a_full_cache_disk_falls_back_to_memory(big, tmp_path):
    expected = run(str(tmp_path / "free"), big, limit=False)
    assert expected.returncode == 0, expected.stderr
    done = run(str(tmp_path / "cache"), big)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected.stdout
    warnings = done.stderr.splitlines()
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith("hkit: warning: cannot build the on-disk store in ")
    assert str(tmp_path / "cache") in warnings[0] and "File too large" in warnings[0]
    assert "big.nt" not in done.stderr
    stores = tmp_path / "cache" / "stores"
    assert not stores.exists() or list(stores.iterdir()) == []  # nothing half-built left


def test_a_cache_folder_that_cannot_be_created_falls_back_to_memory(big):
    done = run("/proc/hkit-cannot-be-here", big, limit=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("?initiative")
    assert done.stderr.count("\n") == 1 and "/proc/hkit-cannot-be-here" in done.stderr


def test_a_broken_input_still_gets_its_own_error(big, tmp_path):
    broken = tmp_path / "broken.nt"
    broken.write_text(big.read_text(encoding="utf-8") + "<a> <b> .\n", encoding="utf-8")
    done = run(str(tmp_path / "cache"), broken, limit=False)
    assert done.returncode == 2
    assert done.stderr.startswith(f"hkit: error: {broken}")
    assert "warning" not in done.stderr
