"""Measuring a whole process (its time, and its memory with its children's) and writing the
figures, for the benchmark's sections (run.py, entailment.py)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def tree_rss_mb(pid: int) -> float:
    """The memory of process ``pid`` and all its descendants (proportional set size, so that
    pages they share count once), summed, in MB."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    family, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in family:
                family.add(child)
                todo.append(child)
    total = 0.0  # proportional set sizes: a page shared by forked workers counts once
    for member in family:
        try:
            with open(f"/proc/{member}/smaps_rollup", encoding="ascii") as fh:
                pss = next(line for line in fh if line.startswith("Pss:"))
            total += int(pss.split()[1]) * 1024
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    return total / 1e6


def measure_tree(
    cmd: list[str], env: dict[str, str] | None, limit_mb: float, timeout: float
) -> tuple[float, float, str]:
    """One whole-process run, its memory summed over the process and its children (sampled
    every 0.1 s): (seconds, peak MB, "exit N"), or the run stopped when it goes above
    ``limit_mb`` or ``timeout`` seconds (the outcome then says which)."""
    import signal

    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    peak, outcome = 0.0, ""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:  # ended: its own peak too, for runs shorter than a sampling interval
            peak = max(peak, usage.ru_maxrss / 1024)
            outcome = f"exit {os.waitstatus_to_exitcode(status)}"
            break
        peak = max(peak, tree_rss_mb(proc.pid))
        elapsed = time.perf_counter() - start
        if peak > limit_mb or elapsed > timeout:
            outcome = (
                f"stopped above {limit_mb / 1000:g} GB"
                if peak > limit_mb
                else f"stopped after {timeout / 60:g} min"
            )
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            break
        time.sleep(0.1)
    proc.returncode = 0  # reaped above
    return time.perf_counter() - start, peak, outcome


def size_label(size: int) -> str:
    """100k, 1M, 10M."""
    return f"{size / 1_000_000:g}M" if size >= 1_000_000 else f"{size / 1000:g}k"
