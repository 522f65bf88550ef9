"""hkit's benchmark: whole-process medians, side by side in one run, written as Markdown.

    python benchmarks/run.py                 # shipped graph, then 100k and 1M triples
    python benchmarks/run.py --smoke         # the smallest size, a few runs (what CI runs)

Run it with the Python of the environment hkit is installed in: it times that environment's
``hkit`` command against ``python -c pass``, rdflib's ``sparqlquery``, Apache Jena's ``arq`` and
rasqal's ``roqet`` (where installed), then, on synthetic data of each size
(benchmarks/generate.py), the first run (which builds the on-disk store), a lookup query, every
saved query against the same query run directly on pyoxigraph in-process, and ``hkit validate``
and ``hkit check``. Peak memory is each process's own maximum resident set. Nothing in the test
suite asserts a timing; this script reports each target as a ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import entailment
from measuring import measure_tree, ms, size_label

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HKIT = str(BIN / "hkit")
ORG = "https://w3id.org/hkit/id/hksar-government"
LOOKUP = ["query", "people-and-posts", "-p", f"organisation={ORG}"]


def measure(
    cmd: list[str],
    env: dict[str, str] | None = None,
    output: Any = subprocess.DEVNULL,
    errors: Any = subprocess.DEVNULL,
) -> tuple[float, float, int]:
    """One whole-process run, its output written to ``output`` and its errors to ``errors`` (a
    file, or nowhere): (seconds, peak resident memory in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=output, stderr=errors, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def measure_ok(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """measure() for a run that must succeed: (seconds, peak memory in MB); stops otherwise."""
    seconds, peak, code = measure(cmd, env)
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}")
    return seconds, peak


def median(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median seconds and the largest peak memory over ``runs`` runs (after one warm-up)."""
    measure(cmd, env)
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak = measure_ok(cmd, env)
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def interleaved(cmds: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Medians of commands run in turn, so that a busy moment hurts them all alike."""
    for cmd in cmds.values():
        measure(cmd)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for key, cmd in cmds.items():
            times[key].append(measure_ok(cmd)[0])
    return {k: statistics.median(v) for k, v in times.items()}


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("hkit", "pyoxigraph", "click", "rdflib", "pyshacl", "owlready2")
    )
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores{memory}; {platform.platform()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- Run: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
    ]


LOOP = "s = 0\nfor i in range(10_000_000):\n    s += i"


def cpu_check() -> float:
    """Seconds a fixed pure-Python loop takes here now: how fast this machine is at the moment."""
    return measure([sys.executable, "-c", LOOP])[0]


def jena_arq() -> list[str] | None:
    """A command running Debian's Jena arq (its jars need HAZARDS 14's fix), or None."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import pytest  # noqa: F401 - stores.py uses it to skip
        from stores import jena_classpath
    except ImportError:
        return None
    if shutil.which("java") is None or not Path("/usr/share/java/jena-core.jar").exists():
        return None
    import atexit

    folder = Path(tempfile.mkdtemp(prefix="hkit-bench-jena-"))
    atexit.register(shutil.rmtree, folder, True)
    try:
        classpath = jena_classpath(folder)
    except BaseException:
        return None
    return ["java", "-cp", classpath, "arq.sparql"]


def startup(runs: int, lines: list[str], targets: list[tuple[str, str, float, float]]) -> None:
    """The shipped graph: hkit's commands against python -c pass and other tools.

    hkit's own bytecode is compiled first, as pip does when it installs a package (an editable
    install in an environment with PYTHONDONTWRITEBYTECODE set would otherwise compile every
    module on every run, and the start-up measured would be no user's)."""
    import compileall

    import hkit
    from hkit.store.files import graph_files

    compileall.compile_dir(str(Path(hkit.__file__).parent), quiet=1)

    files = [str(p) for p in graph_files(ROOT)]
    query_file = ROOT / "queries" / "funds-by-size.rq"
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "hkit --help": [HKIT, "--help"],
        "hkit queries": [HKIT, "queries"],
        "hkit query funds-by-size": [HKIT, "query", "funds-by-size"],
        "hkit query unicorns-by-sector -p sector=fintech": [
            HKIT,
            "query",
            "unicorns-by-sector",
            "-p",
            "sector=fintech",
        ],
        "hkit query people-and-posts -p organisation=…": [HKIT, *LOOKUP],
        "hkit describe HKSTP": [HKIT, "describe", "HKSTP"],
    }
    others = {}
    if (BIN / "sparqlquery").exists():
        others["rdflib sparqlquery (funds-by-size)"] = [
            str(BIN / "sparqlquery"),
            *files,
            "-qf",
            str(query_file),
        ]
    arq = jena_arq()
    if arq is not None:
        data = [a for f in files for a in ("--data", f)]
        others["Jena arq (funds-by-size)"] = [*arq, *data, "--query", str(query_file)]
    if shutil.which("roqet"):
        data = [a for f in files for a in ("-D", f)]
        others["rasqal roqet (funds-by-size)"] = ["roqet", "-i", "sparql", *data, str(query_file)]
    results = interleaved(cmds, runs)
    anew = answered_anew({k: v for k, v in cmds.items() if k.startswith("hkit query")}, runs)
    for name, cmd in others.items():
        results[name] = median(cmd, max(3, runs // 3))[0]
    base = results["python -c pass"]
    lines += [
        "## Start-up, on the shipped graph",
        "",
        f"Medians of {runs} whole-process runs, in turn; the ratio is to `python -c pass` in the "
        "same environment, with hkit's bytecode compiled (as pip compiles it on install). "
        "`hkit query` and `hkit queries` replay the answer kept for the same run while every "
        "file it came from is as it was; *answered anew* is the same command with no answer "
        "kept (a variable of its own in the environment each run, so the run is a new one), "
        "its ratio to `python -c pass` run in turn with it. The other tools answer the same "
        "query on the same files.",
        "",
        "| command | median | x python -c pass |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{k}` | {ms(v)} | {v / base:.1f} |" for k, v in results.items()]
    anew_base = anew.pop("python -c pass")
    lines += [f"| `{k}`, answered anew | {ms(v)} | {v / anew_base:.1f} |" for k, v in anew.items()]
    lines.append("")
    for name in cmds:
        if name.startswith("hkit query"):
            targets.append((f"`{name}` ≤ 3 x python -c pass", "x", results[name] / base, 3))
    for name, seconds in anew.items():
        ratio = seconds / anew_base
        targets.append((f"`{name}`, answered anew, ≤ 5 x python -c pass", "x", ratio, 5))
    for name in ("hkit queries", "hkit --help"):
        targets.append((f"`{name}` ≤ 3 x python -c pass", "x", results[name] / base, 3))


def answered_anew(cmds: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Medians of commands run in turn with ``python -c pass``, each run a new one for hkit's
    kept answers (hkit.cli.replay keys them on the whole environment): what a first run costs,
    the graph's own caches (the closure kept for small inputs) warm."""
    cmds = {"python -c pass": [sys.executable, "-c", "pass"], **cmds}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for run in range(runs + 1):
        env = {**os.environ, "BENCHMARK_RUN": f"{os.getpid()}-{run}"}
        for key, cmd in cmds.items():
            seconds = measure_ok(cmd, env)[0]
            if run:  # the first round warms up
                times[key].append(seconds)
    return {k: statistics.median(v) for k, v in times.items()}


#: Runs of each saved query, in-process and whole-process, whose median is reported.
QUERY_RUNS = 3

#: One query (on stdin) on pyoxigraph in-process, over the graph hkit's queries see (the
#: asserted triples and the inferred ones): prints [seconds, rows].
DIRECT = r"""
import json, sys, time
from pathlib import Path
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import graph_files
from hkit.store.stores import open_store
store = open_store(graph_files(Path(sys.argv[1]), [Path(sys.argv[2])]))  # as hkit opens it
dataset = EmbeddedEngine(store).dataset()  # and queries it
text = sys.stdin.read()
start = time.perf_counter()
count = sum(1 for _ in store.query(text, **dataset))
print(json.dumps([time.perf_counter() - start, count]))
"""

#: A large answer's time beyond writing its rows, as hkit's embedded engine runs it (on stdin):
#: the engine's rows, on the text hkit hands it (its final ORDER BY taken off when hkit orders
#: the rows itself), plus that ordering; or the text as written when the engine orders it.
#: Reading the rows into Python and writing them out is left out. With a third argument
#: "asserted", over the asserted triples alone (as `--asserted` runs it), so that what the closure
#: costs a large answer is seen. Prints [seconds, rows].
BEYOND_WRITING = r"""
import json, sys, time
from pathlib import Path
from hkit.core.ordering import order_rows
from hkit.core.sparql import final_order
from hkit.store.engines import EmbeddedEngine
from hkit.store.files import graph_files
from hkit.store.stores import open_store
store = open_store(graph_files(Path(sys.argv[1]), [Path(sys.argv[2])]))
engine = EmbeddedEngine(store, inferred=sys.argv[3:] != ["asserted"])
dataset = engine.dataset()
text = sys.stdin.read()
found = final_order(text)
start = time.perf_counter()
count = sum(1 for _ in store.query(found[0] if found else text, **dataset))
seconds = time.perf_counter() - start
if found:
    rows = engine._evaluate(found[0], order_here=False).rows
    start = time.perf_counter()
    ordered = order_rows(rows, found[1])
    seconds += time.perf_counter() - start
    if not ordered:  # the engine orders these rows: the query as written
        start = time.perf_counter()
        count = sum(1 for _ in store.query(text, **dataset))
        seconds = time.perf_counter() - start
print(json.dumps([seconds, count]))
"""


#: The graph that Virtuoso is loaded into and asked about.
VIRTUOSO_GRAPH = "https://w3id.org/hkit/"


def post(url: str, text: str, graph: str | None, timeout: float) -> float:
    """POST one query to the endpoint ``url`` and read its whole answer: the seconds taken
    (an OSError when it fails)."""
    import urllib.parse
    import urllib.request

    fields = {"query": text}
    if graph:
        fields["default-graph-uri"] = graph
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - started


@contextlib.contextmanager
def virtuoso_loaded(work: Path, data: list[str], env: dict[str, str]) -> Iterator[tuple]:
    """Virtuoso 7 started as the tests start it, loaded with ``hkit export`` of the graph (with
    ``data``) into VIRTUOSO_GRAPH and restarted as the tests restart it (Virtuoso 7.2 answers
    some paths right only then): (its endpoint, the seconds the load took, the export's seconds
    and peak MB); stopped after."""
    sys.path.insert(0, str(ROOT / "tests"))
    from stores import Virtuoso

    work.mkdir(parents=True, exist_ok=True)
    server = Virtuoso(work)
    try:
        server.start()
        export = work / "export.nt"
        with tempfile.TemporaryFile() as errors:
            exported = measure([HKIT, *data, "export", "-o", str(export)], env, errors=errors)
            if exported[2] != 0:
                errors.seek(0)
                said = (errors.read().decode(errors="replace").strip().splitlines() or [""])[0]
                raise RuntimeError(f"hkit export failed (exit {exported[2]}): {said}")
        started = time.perf_counter()
        server.load(export, VIRTUOSO_GRAPH)
        loaded = time.perf_counter() - started
        server.restart()
        yield server.endpoint, loaded, exported[:2]
    finally:
        if server.process is not None:
            server.stop()


def not_run(exc: BaseException) -> str:
    """Why Virtuoso did not run (no Virtuoso here: the tests' helper skips), in a table cell;
    a Ctrl-C is raised again."""
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    return (str(exc).splitlines() or ["failed"])[0][:80]


def virtuoso_times(
    data: list[str],
    env: dict[str, str],
    texts: dict[str, str],
    work: Path,
    runs: int = QUERY_RUNS,
    limit: float = 900,
) -> tuple[dict[str, float] | None, str]:
    """Each query's median time of ``runs`` over HTTP on Virtuoso 7 (see
    :func:`virtuoso_loaded`; each query run once first when there are several runs; infinite
    when one is not answered within ``limit`` seconds), with the load time; or why not."""
    try:
        with virtuoso_loaded(work, data, env) as (endpoint, loaded, (seconds, peak)):
            times = {}
            for name, text in texts.items():
                try:
                    if runs > 1:
                        post(endpoint, text, VIRTUOSO_GRAPH, limit)
                    times[name] = statistics.median(
                        post(endpoint, text, VIRTUOSO_GRAPH, limit) for _ in range(runs)
                    )
                except OSError:  # not answered within the limit: stopped
                    times[name] = float("inf")
        return times, (
            f"loaded in {ms(loaded)}, from the N-Triples that `hkit export` wrote in "
            f"{ms(seconds)} (peak {peak:,.0f} MB)"
        )
    except BaseException as exc:
        return None, "not run: " + not_run(exc)


#: Sizes at which each query also runs on Virtuoso 7, for the side-by-side table (once each,
#: with LIGHT_FROM's limit, from that size).
VIRTUOSO_UP_TO = 10_000_000
#: Above this size each query runs once, whole process only, with a time limit.
LIGHT_FROM = 5_000_000
#: Answers above this many rows: their time beyond writing the rows is what the target counts.
LARGE_ANSWER = 10_000

#: Seconds after which an in-process run of a query (DIRECT, BEYOND_WRITING) is stopped, so
#: that an engine that stalls never holds the benchmark up.
DIRECT_LIMIT = 900


def stopped_or_ms(seconds: float) -> str:
    """A time as :func:`ms` writes it, or that the run was stopped at :data:`DIRECT_LIMIT`."""
    return f"stopped after {DIRECT_LIMIT} s" if seconds == float("inf") else ms(seconds)


#: The saved queries whose answers were large at a smaller size (taken as large where a single
#: run at the largest sizes was stopped before its rows were counted).
LARGE_ANSWERS: set[str] = set()


def scale(size: int, runs: int, lines: list[str], targets: list, growth: dict) -> None:
    """Synthetic data of ``size`` triples: build, lookup, every saved query (beside pyoxigraph
    in-process and Virtuoso over HTTP), validate, and check at the smallest size."""
    import json

    from hkit.core.catalog import bind_values, catalog
    from hkit.core.sparql import with_values

    label = size_label(size)
    light = size >= LIGHT_FROM
    work = Path(tempfile.mkdtemp(prefix=f"hkit-bench-{size}-"))
    data = work / f"generated-{size}.nt"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), "--triples", str(size), "--output", str(data)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
    env.pop("HKIT_CACHE_DIR", None)
    env.pop("HKIT_NO_CACHE", None)
    base = [HKIT, "--data", str(data)]
    build, build_peak, _ = measure_tree([*base, *LOOKUP], env, 20_000, 3600)
    os.sync()  # the build's writes on disk before reads are timed
    lookup, lookup_peak = median([*base, *LOOKUP], runs, env)
    growth[("build the on-disk store (s)", size)] = build
    growth[("build, peak memory (MB)", size)] = build_peak
    growth[("lookup, whole process (s)", size)] = lookup
    queries = catalog(ROOT / "queries")
    texts = {
        name: with_values(q.text, bind_values(q, q.examples[0]))
        for name, q in sorted(queries.items())
    }
    virtuoso, how = (None, "not run at this size")
    if size <= VIRTUOSO_UP_TO:
        virtuoso, how = virtuoso_times(
            ["--data", str(data)],
            env,
            texts,
            work / "virtuoso",
            runs=1 if light else QUERY_RUNS,
            limit=60 if light else 900,
        )

    def direct(name: str, program: str = DIRECT, *more: str) -> tuple[float, int | None]:
        """Seconds and rows of ``program`` on query ``name`` in a process of its own; infinite
        seconds and None for the rows when it outlasts DIRECT_LIMIT, where it is stopped."""
        try:
            done = subprocess.run(
                [sys.executable, "-c", program, str(ROOT), str(data), *more],
                input=texts[name],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                timeout=DIRECT_LIMIT,
            )
        except subprocess.TimeoutExpired:
            return float("inf"), None
        seconds, count = json.loads(done.stdout)
        return seconds, count

    rows, beyond = [], []
    worst_small, worst_large, worst_peak, slower_than_virtuoso = 0.0, 0.0, 0.0, []
    over_virtuoso_bar = []  # small answers beyond max(10 x Virtuoso's time, 150 ms)
    for name, q in sorted(queries.items()):
        args = [a for k, vs in q.examples[0].items() for v in vs for a in ("-p", f"{k}={v}")]
        limit = 60 if light else 900  # a timed-out run fails: it never passes for a fast one
        cmd = [*base, "--timeout", str(limit), "query", name, *args, "--format", "tsv"]
        inner, count, peak, code = float("nan"), 0, 0.0, 0
        if light:
            with tempfile.TemporaryFile() as out:
                seconds, peak, code = measure(cmd, env, out)
                out.seek(0)
                count = max(0, sum(1 for _ in out) - 1)  # TSV: a header, then a line per row
            if code != 0:
                seconds, count = float("inf"), 0
        else:
            # in turn, in-process then whole process, so that a slow moment slows both
            inners, outers = [], []
            for _ in range(QUERY_RUNS):
                one, counted = direct(name)
                inners.append(one)
                if counted is None:  # stopped: the whole process, with the same limit, would be
                    outers.append(float("inf"))
                    break
                count = counted
                seconds, run_peak = measure_ok(cmd, env)
                outers.append(seconds)
                peak = max(peak, run_peak)
            inner, seconds = statistics.median(inners), statistics.median(outers)
        growth[(f"`{name}`, whole process (s)", size)] = seconds
        worst_peak = max(worst_peak, peak)
        if count > LARGE_ANSWER or (light and code != 0 and name in LARGE_ANSWERS):
            LARGE_ANSWERS.add(name)
            own, counted = direct(name, BEYOND_WRITING)
            count = count if counted is None else counted
            alone, alone_count = direct(name, BEYOND_WRITING, "asserted")
            differ = "" if alone_count in (count, None) else f", {alone_count:,} rows there"
            beyond.append(
                f"`{name}` {stopped_or_ms(own)} ({count:,} rows; {stopped_or_ms(alone)} on the "
                f"asserted triples alone{differ})"
            )
            growth[(f"`{name}`, beyond writing its rows, in-process (s)", size)] = own
            growth[(f"`{name}`, beyond writing its rows, asserted triples alone (s)", size)] = alone
            worst_large = max(worst_large, own)
        else:
            worst_small = max(worst_small, seconds)
        theirs = virtuoso.get(name) if virtuoso else None
        if theirs is not None and seconds > theirs:
            slower_than_virtuoso.append(name)
        if theirs is not None:
            growth[(f"`{name}`, Virtuoso 7 (s)", size)] = theirs
            if name not in LARGE_ANSWERS and seconds > max(10 * theirs, 0.150):
                over_virtuoso_bar.append(f"`{name}` {ms(seconds)} ({ms(theirs)})")
        shown = "> 60 s (stopped)" if seconds == float("inf") else ms(seconds)
        rows.append(
            f"| `{name}` | {f'{count:,}' if count or not light else '—'} | "
            f"{stopped_or_ms(inner) if inner == inner else '—'} | {shown} | "
            f"{ms(theirs) if theirs is not None else '—'} | {peak:,.0f} MB |"
        )
    lines += [
        f"## {label} triples (shipped graph + {size:,} generated)",
        "",
        "- First `hkit query` (parses the data and builds the on-disk store, with what the "
        f"ontology entails): {ms(build)}, "
        f"peak {build_peak:,.0f} MB (the process and its children)",
        f"- Lookup, `hkit {' '.join(LOOKUP[:2])} -p organisation=…` from the store: "
        f"median {ms(lookup)} of {runs}, peak {lookup_peak:,.0f} MB",
        f"- Virtuoso 7: {how}",
        "",
    ]
    if light:
        lines.append(
            "Every saved query (its example), whole process from the store, once each, with a "
            "60 s limit (rows counted in its TSV output):"
        )
    else:
        lines.append(
            "Every saved query (its example): whole process from the store, the same query run "
            "directly on pyoxigraph in-process (opened store, over the asserted and inferred "
            "triples as hkit's queries see them, results iterated), and on Virtuoso over HTTP "
            "(warm; loaded with `hkit export`, the asserted triples); medians of "
            f"{QUERY_RUNS} runs each, hkit and pyoxigraph in turn:"
        )
    lines += [
        "",
        "| query | rows | pyoxigraph in-process | hkit query | Virtuoso 7 | peak memory |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    growth[("peak memory of a saved query (MB)", size)] = worst_peak
    if virtuoso:
        lines += [
            f"- Answers of at most {LARGE_ANSWER:,} rows beyond max(10 x Virtuoso's time, 150 ms), "
            "whole process (Virtuoso's in brackets): " + (", ".join(over_virtuoso_bar) or "none"),
            "",
        ]
        targets.append(
            (
                f"saved queries at {label} (answers of at most {LARGE_ANSWER:,} rows) beyond "
                "max(10 x Virtuoso's time, 150 ms), whole process",
                "queries",
                len(over_virtuoso_bar),
                0,
            )
        )
    if beyond:
        lines += [
            f"- Answers over {LARGE_ANSWER:,} rows, the time beyond writing the rows (in-process, "
            "once: the engine's rows on the text hkit runs, plus hkit's ordering of them): "
            + ", ".join(beyond),
            "",
        ]
    if size == 1_000_000:
        targets.append(
            (
                f"slowest saved query at {label} (answers of at most {LARGE_ANSWER:,} rows), "
                "whole process",
                "s",
                worst_small,
                2,
            )
        )
        targets.append(
            (
                f"slowest large answer at {label} (over {LARGE_ANSWER:,} rows), in-process "
                "(the time beyond writing the rows)",
                "s",
                worst_large,
                2,
            )
        )
        if virtuoso:
            lines.append(
                f"- hkit slower than Virtuoso at {label}: "
                + (", ".join(f"`{n}`" for n in slower_than_virtuoso) or "none")
            )
            lines.append("")
        targets.append((f"lookup query at {label}, whole process", "ms", lookup * 1000, 150))
        targets.append((f"peak memory of a query at {label}", "MB", worst_peak, 1024))
    if light:
        targets.append((f"lookup query at {label}, whole process", "ms", lookup * 1000, 150))
        targets.append(
            (
                f"slowest saved query at {label} (answers of at most {LARGE_ANSWER:,} rows), "
                "whole process",
                "s",
                worst_small,
                10,
            )
        )
        targets.append(
            (
                f"slowest large answer at {label} (over {LARGE_ANSWER:,} rows), in-process "
                "(the time beyond writing the rows)",
                "s",
                worst_large,
                10,
            )
        )
    validation(size, base, env, lines, targets, growth)
    if size == min(SIZES):
        seconds, peak, code = measure([*base, "--timeout", "900", "check"], env)
        lines.append(f"- `hkit check`: {ms(seconds)}, peak {peak:,.0f} MB (exit {code})")
    lines.append("")
    ENTAILMENT[size] = entailment.measure_apart(size, data, work, env)
    shutil.rmtree(work, ignore_errors=True)


#: validate's limits by size: (seconds, MB) that the targets name.
VALIDATE_LIMITS = {100_000: (8, 4000), 1_000_000: (60, 4000), 10_000_000: (600, 8000)}


def validation(
    size: int, base: list[str], env: dict, lines: list[str], targets: list, growth: dict
) -> None:
    """``hkit validate`` once (three times at the smallest size), its memory summed over its
    worker processes; stopped above its limits (plus half) so that the machine stays usable."""
    seconds_limit, memory_limit = VALIDATE_LIMITS.get(size, (600, 8000))
    label = size_label(size)
    results = [
        measure_tree([*base, "validate"], env, memory_limit * 1.5, seconds_limit * 1.5)
        for _ in range(3 if size == min(SIZES) else 1)
    ]
    seconds = statistics.median(r[0] for r in results)
    peak = max(r[1] for r in results)
    outcome = results[0][2]
    lines.append(
        f"- `hkit validate`: {ms(seconds)}"
        + (f" (median of {len(results)})" if len(results) > 1 else "")
        + f", peak {peak:,.0f} MB summed over its processes ({outcome})"
    )
    if outcome.startswith("stopped"):
        seconds = peak = float("inf")
    growth[("`hkit validate` (s)", size)] = seconds
    growth[("`hkit validate`, peak memory (MB)", size)] = peak
    targets.append((f"`hkit validate` at {label}", "s", seconds, seconds_limit))
    targets.append((f"`hkit validate` at {label}, peak memory", "MB", peak, memory_limit))


def growth_section(growth: dict, sizes: list[int]) -> list[str]:
    """Each figure at every size and how it grows: the exponent k in cost ~ size^k between two
    sizes (1 is linear; 0 is flat)."""
    import math

    if len(sizes) < 2:
        return []
    heads = [size_label(s) for s in sizes]
    steps = [f"{heads[i]}→{heads[i + 1]}" for i in range(len(sizes) - 1)]
    lines = [
        "## What grows how",
        "",
        "Each figure at every size, and k in cost ∝ size^k between two sizes (1: grows as the "
        "data; 0: flat). To predict a graph of N triples, scale the nearest figure by "
        "(N / its size)^k.",
        "",
        "| figure | " + " | ".join(heads) + " | " + " | ".join(f"k {s}" for s in steps) + " |",
        "|---|" + "---:|" * (len(heads) + len(steps)),
    ]
    figures = list(dict.fromkeys(name for name, _ in growth))
    for figure in figures:
        values = [growth.get((figure, s)) for s in sizes]
        shown = [
            "—"
            if v is None
            else ("stopped" if v == float("inf") else (f"{v:,.0f}" if "MB" in figure else ms(v)))
            for v in values
        ]
        slopes = []
        for i in range(len(sizes) - 1):
            one, two = values[i], values[i + 1]
            if not one or not two or math.isinf(one) or math.isinf(two):
                slopes.append("—")
            else:
                slopes.append(f"{math.log(two / one) / math.log(sizes[i + 1] / sizes[i]):.2f}")
        name = figure.replace(" (s)", "").replace(" (MB)", "")
        lines.append(f"| {name} | " + " | ".join(shown) + " | " + " | ".join(slopes) + " |")
    return [*lines, ""]


SIZES: list[int] = []
#: The section on the closure: entailment.measure's results by size.
ENTAILMENT: dict[int, dict] = {}

NOTES = """
## Notes

- `hkit serve` runs queries in a pool of long-lived worker processes (one per core by default,
  `--workers`), each holding the store, with crash isolation, a hard timeout and a memory limit
  per query (a worker that passes either is replaced); the ad-hoc checks of a request's text run
  in the worker too. Its one server process parses requests, reads answers from the workers and
  writes them as JSON: the CPU column shows how the time splits. Virtuoso runs queries in threads
  of one process.
- `hkit query`, `hkit queries` and `hkit --help` start without importing click (hkit.cli.fast);
  importing click alone takes about 4 times Python's own start on this machine.
- Small inputs are parsed into memory on every run (about 15 ms for the shipped graph); from
  8 MB of input the graph is kept in an on-disk pyoxigraph store in the cache folder, which a
  later run reopens in 15-60 ms whatever its size.
- Ratios for queries that take a few milliseconds in-process compare mostly process start-up;
  the target counts queries that take 0.15 s or more in-process.
- `hkit validate` parses with pyoxigraph and hands the triples to pyshacl. pyshacl checks a
  node shape's property shapes one focus node at a time; hkit gives it an equivalent shapes graph
  in which each property shape carries its node shape's targets and is checked once for all its
  nodes (README, "How `hkit validate` runs pyshacl"). Dates and concepts are checked by value
  shapes (`sh:targetObjectsOf`), once per distinct value. From 20,000 triples the shapes are
  dealt out to two processes. Together these took validation at 100k triples from 29 s to the
  time above. What remains is mostly building the rdflib graph pyshacl reads (about 2 s at
  100k, in one process) and the per-value English-label count (`sh:qualifiedValueShape`).
- This machine's speed varies from minute to minute: the same pure-Python loop took from 1.0 to
  1.6 s within a few minutes, so absolute times here can differ by half between runs.
- How the saved queries meet Oxigraph at scale. Oxigraph 0.5 orders a group's joins greedily
  from estimates that count bound positions only, so that every pattern with just its
  predicate bound looks alike (the first written wins); it looks up row by row only single
  patterns and paths, and joins a `UNION`, a subquery or an `OPTIONAL` of several patterns by
  reading it whole. The saved queries are written for that, in standard SPARQL with the same
  answers on every engine: the few anchors first in each `UNION` branch; parameters bound in
  each branch of a top-level `UNION` as well as in the group (hkit writes the `VALUES` block
  there too); a subquery that names its anchor again (`universities`); `GROUP BY` instead of
  `FILTER NOT EXISTS` to pick an amount's first and last document (`funds-by-size`); a value
  and its unit in two `OPTIONAL`s of one pattern each; a path followed from each distinct start
  once (`organisations-by-economy`). Where a query reads a fact of every observation
  (`figures-by-measure`, `start-ups-and-unicorns`, `source-disagreements`), each fact is a
  one-pattern subquery, so that Oxigraph reads it as one list and joins the lists by hashing,
  instead of looking it up once per observation: 3 to 4 times faster at 1M. Together these took
  thirteen queries at 1M triples from 1-6 s to under a second, most to milliseconds, and the two
  large answers from 5-7 s to about 1 s before sorting (their optional dates are lists too); the
  tables above are measured after them.
- Large answers (over 10,000 rows) spent about half their time at 1M in the engine's sort:
  pyoxigraph 0.5.13 reads each sort key's text back from the store at every comparison, row pair
  by row pair (Oxigraph's main branch computes the keys once per row, "spareval: compute
  ordering vector only once", August 2026, not in a release yet). The pyoxigraph column above
  still pays it. hkit takes a final `ORDER BY` of returned variables off the text it hands the
  engine and orders the rows itself, where their values are of kinds it orders exactly as the
  engine does (README): about 0.2 s for 52,700 rows. The time beyond writing the rows counts the
  engine's rows (their terms decoded by the engine) and that ordering, not reading the rows into
  Python or writing them out.
- What 10M triples still miss, and what would be needed. Large answers that join lists of
  every observation or every node (`figures-by-measure` and `start-ups-and-unicorns`, 525,000
  rows each; `document-contributions`, which groups every node by document and most specific
  class) can take more than 10 s beyond writing their rows at 10M. The figure beside each is the
  same answer over the asserted triples alone (as `--asserted` runs it, timed after the first):
  the difference is what the closure costs it. Their time goes to the engine's hash joins, whose
  solutions are as wide as all the variables of their scope, and to reading blocks of a store
  far larger than RocksDB's block cache, whose size pyoxigraph does not let a user set
  (docs/engine-limits.md reports both, with a reproduction); at 1M, where the store fits in
  memory, the same queries on an in-memory pyoxigraph store take as long. Going under 10 s would
  need the facts of an observation read as one row (a table built beside the store when it is
  built, outside SPARQL) or an engine that joins columns rather than rows.
  `source-disagreements` reads every observation three times to find the few things and
  measures that two documents observe; an index of observations by thing and measure, built
  with the store, would make it a lookup. `hkit validate` at 10M validates one slice at a time,
  pyshacl taking each slice's own focus nodes only; what remains is pyshacl reading rdflib
  graphs: going further would need a SHACL engine that reads the compact arrays directly, or a
  faster engine proven to give the same reports.
- `who-works-in-sector` joins its text parameter only at the end (a `FILTER` on a value that no
  pattern shares).
- Oxigraph's plan for one query text can differ from one process to the next: with a
  `FILTER EXISTS`, `organisations-by-economy` took 0.2 s in most runs at 1M and 1.9 s in about
  one in six (and 18.7 s once at 10M). It now joins its organisations as one list (0.3 s every
  time). The medians of three runs above smooth such draws; the single runs at 10M do not.
- Queries see what the ontology entails: hkit's store holds the inferred triples in a named graph
  of their own, and every query's default graph is both the asserted and the inferred triples
  (docs/reasoning.md); the pyoxigraph column queries the same graph. Virtuoso holds
  `hkit export`, the asserted triples alone. Each saved query gives the same rows either way
  (the test suite runs each on the asserted graph, on hkit's closure and on two reasoners').
- Materialising on disk. The closure's rules of one premise (superproperties, inverses,
  symmetry, domains, ranges, superclasses) are closed over the ontology first, so that the
  data is read once per kind of consequence, not once per rule and round. In the on-disk build
  the whole closure is found in Python from the input files, parsed a second time: the rules of
  one premise as each triple is read, and the rules of two premises (transitivity, property
  chains) round after round on the triples they join, a small part of the graph kept in memory.
  Reading each derived triple's terms back from the on-disk store cost about 14 s of CPU time
  at 1M, and each round of those rules as a query, a file and two bulk loads about 6 s. This
  runs in a thread of its own while the large files are bulk-loaded, and that thread
  bulk-loads what it finds beside them; both let the other run (on two cores). The same
  triples, checked by the tests. What remains is mostly writing: at 1M the closure adds 0.7
  triples for each one asserted, and an inferred triple, in a named graph, is written to six
  indexes (an asserted one to three): bulk-loading the 713,000 inferred triples of 1M alone
  takes about 5 s, as long as loading the million asserted ones. At 10M the thread (parsing,
  then loading 7.1 million triples) takes longer than the load it runs beside, and the build
  waits for it.
- The reasoners beside hkit's closure. `reasonable` 0.4.4 applies the instance rules as hkit
  does but does not close the subproperty hierarchy (`scm-spo`): the few triples hkit alone
  infers beside it are `rdfs:subPropertyOf` links from a property to a superproperty's
  superproperty (`hkit:foundedBy` to `prov:wasAttributedTo`), and at the instance level the two
  closures are equal. It returns every triple, asserted and inferred, to Python as rdflib
  terms, which is most of its time and memory. `owlrl` computes OWL 2 RL in full on an rdflib
  graph, with all its trivia (every `owl:sameAs` of a resource with itself, generalised RDF),
  round after round over the whole graph in Python.
- Virtuoso is started as the tests start it (80 MB of buffers, `NumberOfBuffers = 10000`),
  loaded with `hkit export`, restarted, and timed over HTTP on loopback after one warm-up run of
  each query; hkit's times are whole processes, start-up (about 60 ms) included.
- At 10M triples each saved query runs once, whole process, with a 60 s limit, and once on
  Virtuoso, with the same limit. `hkit validate` is stopped when its processes together pass
  one and a half times its memory limit. From 400 MB of input it validates one slice of the
  graph at a time: pyshacl reads an rdflib graph, which holds every triple in Python (about 1 GB
  per million triples), so hkit reads the files into compact arrays and gives pyshacl one
  slice's subjects at a time, with everything the shapes can read from them (README, "How
  `hkit validate` runs pyshacl").
  Below that size (1M here) it validates the whole graph at once, as before.
"""


def _load(url: str, texts: list[str], clients: int, seconds: float, graph: str | None) -> dict:
    """``clients`` threads send the queries in turn to the endpoint ``url`` for ``seconds``:
    the requests, errors, median and 99th-percentile latency, and requests per second."""
    import threading

    latencies: list[float] = []
    errors = [0]

    def client(offset: int) -> None:
        stop, i = time.monotonic() + seconds, offset
        while time.monotonic() < stop:
            try:
                latencies.append(post(url, texts[i % len(texts)], graph, 60))
            except OSError:
                errors[0] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {
        "requests": len(latencies) + errors[0],
        "errors": errors[0],
        "p50": pct(0.50),
        "p99": pct(0.99),
        "rate": len(latencies) / elapsed if elapsed else 0.0,
    }


def _serving_texts() -> list[str]:
    """The race's queries: every saved query without a required parameter as it is, and every
    parameterised one with varied values (each example, each value of each parameter: the
    values the portability tests bind, tests/query_values.py), as SPARQL with the values bound."""
    sys.path.insert(0, str(ROOT / "tests"))
    from query_values import KG, QUERIES, every_binding

    return [
        KG.prepare(name, **binding) for name in sorted(QUERIES) for binding in every_binding(name)
    ]


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) that process ``pid`` has used; 0 where /proc is missing."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> set[int]:
    """The processes ``pid`` forked that still run (hkit serve's workers)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.update(int(child) for child in fh.read().split())
    return found


def _race(url: str, texts: list[str], seconds: float, graph: str | None, pid: int = 0) -> dict:
    """Three runs of 20 clients for ``seconds`` each (after a warm-up), and their medians of
    requests per second, p50 and p99; for hkit (``pid``, its server), the CPU seconds its server
    process and its workers used in the three runs, per request."""
    _load(url, texts, 4, 3, graph)
    workers = _children(pid) if pid else set()
    before = {p: _cpu_seconds(p) for p in (pid, *workers)} if pid else {}
    runs = [_load(url, texts, 20, seconds, graph) for _ in range(3)]
    answered = sum(r["requests"] - r["errors"] for r in runs) or 1
    result = {
        key: statistics.median(r[key] for r in runs) for key in ("rate", "p50", "p99", "requests")
    }
    result["errors"] = sum(r["errors"] for r in runs)
    if pid:
        server_cpu = _cpu_seconds(pid) - before[pid]
        worker_cpu = sum(_cpu_seconds(p) - before[p] for p in workers)
        result["cpu"] = (
            f"{server_cpu / answered * 1000:.1f} + {worker_cpu / answered * 1000:.1f} ms"
        )
    return result


def serving(sizes: list[int], seconds: float, lines: list[str]) -> None:
    """``hkit serve`` raced against Virtuoso 7 in one run, on the shipped graph and on generated
    data: 20 clients send the saved queries (the parameterless ones, and the parameterised ones
    with varied values) over the SPARQL protocol, three runs of ``seconds`` each, medians."""
    import urllib.request

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from stores import free_port
    except ImportError:
        return
    texts = _serving_texts()
    lines += [
        "## `hkit serve` raced against Virtuoso 7",
        "",
        f"20 clients on loopback POST the saved queries to `/sparql` in turn ({len(texts)} texts: "
        "each saved query without a required parameter as it is, each parameterised one with "
        "each example and each value of each parameter), for three runs of "
        f"{seconds:g} s each after a warm-up; the medians of the three. Both servers run on this "
        "machine, one after the other: `hkit serve` with its defaults (a pool of workers, one per "
        "core), Virtuoso loaded with `hkit export` and started (and restarted) as the tests start "
        "it. Neither keeps answers: hkit serve has no answer cache, and none is turned on in "
        "Virtuoso. hkit's CPU column is the CPU time per answered request of its server process "
        "plus that of its workers.",
        "",
        "| graph | server | requests/s | p50 | p99 | requests (median run) | errors | hkit CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in [0, *sizes]:
        work = Path(tempfile.mkdtemp(prefix=f"hkit-bench-serve-{size}-"))
        data = []
        if size:
            path = work / f"generated-{size}.nt"
            generate = [sys.executable, str(HERE / "generate.py"), "--triples", str(size)]
            subprocess.run(
                [*generate, "--output", str(path)], check=True, stderr=subprocess.DEVNULL
            )
            data = ["--data", str(path)]
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
        env.pop("HKIT_CACHE_DIR", None)
        port = free_port()
        server = subprocess.Popen(
            [HKIT, *data, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/sparql"
        results = {}
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/queries", timeout=5)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("hkit serve did not start") from None
                    time.sleep(0.2)
            results["hkit serve"] = _race(url, texts, seconds, None, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
        try:
            with virtuoso_loaded(work / "virtuoso", data, env) as (endpoint, *_):
                results["Virtuoso 7"] = _race(endpoint, texts, seconds, VIRTUOSO_GRAPH)
        except BaseException as exc:
            results["Virtuoso 7"] = {"missing": not_run(exc)}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        label = "shipped graph" if not size else f"shipped + {size:,}"
        for name, r in results.items():
            if "missing" in r:
                lines.append(f"| {label} | {name} | not run: {r['missing']} | | | | | |")
                continue
            lines.append(
                f"| {label} | {name} | {r['rate']:,.0f} | {ms(r['p50'])} | {ms(r['p99'])} | "
                f"{r['requests']:,.0f} | {r['errors']} | {r.get('cpu', '—')} |"
            )
    lines.append("")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100000,1000000,10000000", help="triples, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=15, help="runs per median")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--smoke", action="store_true", help="2,000 triples, 3 runs")
    args = parser.parse_args(argv)
    if not Path(HKIT).exists():
        raise SystemExit(f"no hkit command beside {sys.executable}: install hkit in this venv")
    sizes = [2000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    runs = 3 if args.smoke else args.runs
    SIZES[:] = sizes
    about = machine()
    before = cpu_check()
    lines = ["# Benchmarks", "", *about, ""]
    targets: list[tuple[str, str, float, float]] = []
    startup(runs, lines, targets)
    os.environ["HKIT_NO_ANSWER_CACHE"] = "1"  # what follows times query work, not replays
    growth: dict = {}
    for size in sizes:
        scale(size, max(3, runs // 3), lines, targets, growth)
    lines += entailment.section(ENTAILMENT, targets, growth)
    lines += growth_section(growth, sizes)
    serving([min(sizes)], 3 if args.smoke else 15, lines)
    after = cpu_check()
    about.append(
        f"- Speed check (a 10-million-step Python loop, whole process): {ms(before)} before the "
        f"run, {ms(after)} after it"
    )
    lines[2 : 2 + len(about) - 1] = about
    summary = ["## Targets", "", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for name, unit, value, limit in targets:
        if value != value or (unit == "x" and value == 0):
            summary.append(f"| {name} | — | {limit:g} {unit} | n/a (nothing to compare) |")
            continue
        if value == float("inf"):
            summary.append(f"| {name} | stopped at its limit | {limit:g} {unit} | **no** |")
            continue
        shown = (
            f"{value:.2f}" if unit == "x" else f"{value:.1f}" if unit == "s" else f"{value:,.0f}"
        )
        summary.append(
            f"| {name} | {shown} {unit} | {limit:g} {unit} | "
            f"{'yes' if value <= limit else '**no**'} |"
        )
    head = 3 + len(about)
    text = "\n".join(lines[:head] + summary + [""] + lines[head:]) + "\n"
    text += NOTES
    text += (
        "\nGenerated by `python benchmarks/run.py`; the data by `benchmarks/generate.py` "
        "(seed 1). Timings vary from run to run on a shared machine; ratios measured in one run "
        "are what the targets compare.\n"
    )
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
