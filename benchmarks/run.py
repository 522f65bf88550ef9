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
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HKIT = str(BIN / "hkit")
ORG = "https://w3id.org/hkit/id/hksar-government"
LOOKUP = ["query", "people-and-posts", "-p", f"organisation={ORG}"]


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """One whole-process run: (seconds, peak resident memory in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
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


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


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
    from hkit.graph import graph_files

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
    for name, cmd in others.items():
        results[name] = median(cmd, max(3, runs // 3))[0]
    base = results["python -c pass"]
    lines += [
        "## Start-up, on the shipped graph",
        "",
        f"Medians of {runs} whole-process runs, in turn; the ratio is to `python -c pass` in the "
        "same environment, with hkit's bytecode compiled (as pip compiles it on install). The "
        "other tools answer the same query on the same files.",
        "",
        "| command | median | x python -c pass |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{k}` | {ms(v)} | {v / base:.1f} |" for k, v in results.items()]
    lines.append("")
    for name in cmds:
        if name.startswith("hkit query"):
            targets.append((f"`{name}` ≤ 5 x python -c pass", "x", results[name] / base, 5))
    for name in ("hkit queries", "hkit --help"):
        targets.append((f"`{name}` ≤ 4 x python -c pass", "x", results[name] / base, 4))


#: Runs of each saved query, in-process and whole-process, whose median is reported.
QUERY_RUNS = 3

#: One query (on stdin) on pyoxigraph in-process: prints [seconds, rows].
DIRECT = r"""
import json, sys, time
from pathlib import Path
from hkit.graph import graph_files, open_store
store = open_store(graph_files(Path(sys.argv[1]), [Path(sys.argv[2])]))  # as hkit opens it
text = sys.stdin.read()
start = time.perf_counter()
count = sum(1 for _ in store.query(text))
print(json.dumps([time.perf_counter() - start, count]))
"""


def scale(size: int, runs: int, lines: list[str], targets: list, validate_at: int) -> None:
    """Synthetic data of ``size`` triples: build, lookup, every saved query, validate, check."""
    import json

    from hkit.catalog import bind_values, catalog
    from hkit.sparql import with_values

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
    build, build_peak, _ = measure([*base, *LOOKUP], env)
    lookup, lookup_peak = median([*base, *LOOKUP], runs, env)
    queries = catalog(ROOT / "queries")
    texts = {
        name: with_values(q.text, bind_values(q, q.examples[0])) for name, q in queries.items()
    }
    rows = []

    def direct(name: str) -> tuple[float, int]:
        done = subprocess.run(
            [sys.executable, "-c", DIRECT, str(ROOT), str(data)],
            input=texts[name],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        seconds, count = json.loads(done.stdout)
        return seconds, count

    worst_ratio, worst_peak = 0.0, max(build_peak, lookup_peak)
    for name, q in sorted(queries.items()):
        args = [a for k, vs in q.examples[0].items() for v in vs for a in ("-p", f"{k}={v}")]
        # no time limit: a timed-out run would pass for a fast one (the default is 30 s)
        cmd = [*base, "--timeout", "900", "query", name, *args, "--format", "tsv"]
        # in turn, in-process then whole process, so that a slow moment slows both
        inners, outers, peak = [], [], 0.0
        for _ in range(QUERY_RUNS):
            inner, count = direct(name)
            seconds, run_peak = measure_ok(cmd, env)
            inners.append(inner)
            outers.append(seconds)
            peak = max(peak, run_peak)
        inner, seconds = statistics.median(inners), statistics.median(outers)
        ratio = seconds / inner if inner == inner and inner > 0 else float("nan")
        floor = 0.15  # below this a ratio says more about start-up than about the query
        judged = ratio if inner >= floor else float("nan")
        if judged == judged:
            worst_ratio = max(worst_ratio, judged)
        worst_peak = max(worst_peak, peak)
        rows.append(
            f"| `{name}` | {count:,} | {ms(inner)} | {ms(seconds)} | "
            + (f"{ratio:.2f}" if ratio == ratio else "—")
            + f" | {peak:,.0f} MB |"
        )
    label = f"{size / 1_000_000:g}M" if size >= 1_000_000 else f"{size / 1000:g}k"
    lines += [
        f"## {label} triples (shipped graph + {size:,} generated)",
        "",
        f"- First `hkit query` (parses the data and builds the on-disk store): {ms(build)}, "
        f"peak {build_peak:,.0f} MB",
        f"- Lookup, `hkit {' '.join(LOOKUP[:2])} -p organisation=…` from the store: "
        f"median {ms(lookup)} of {runs}, peak {lookup_peak:,.0f} MB",
        "",
        f"Every saved query (its example), whole process from the store, against the same query "
        f"run directly on pyoxigraph in-process (opened store, results iterated); medians of "
        f"{QUERY_RUNS} runs each, the two taken in turn:",
        "",
        "| query | rows | pyoxigraph in-process | hkit query | ratio | peak memory |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    if size == max(SIZES):
        targets.append((f"lookup query at {label}, whole process", "ms", lookup * 1000, 150))
        targets.append(
            (
                f"every saved query at {label} within 2 x pyoxigraph in-process (queries of "
                "0.15 s or more in-process)",
                "x",
                worst_ratio,
                2,
            )
        )
        targets.append((f"peak memory at {label}", "MB", worst_peak, 1024))
    if size == validate_at:
        seconds, peak = median([*base, "validate"], 3, env)
        lines.append(f"- `hkit validate`: median {ms(seconds)} of 3, peak {peak:,.0f} MB")
        targets.append((f"`hkit validate` at {label}", "s", seconds, 8))
        seconds, peak, code = measure([*base, "--timeout", "900", "check"], env)
        lines.append(f"- `hkit check`: {ms(seconds)}, peak {peak:,.0f} MB (exit {code})")
        lines.append("")
    shutil.rmtree(work, ignore_errors=True)


SIZES: list[int] = []

NOTES = """
## Notes

- `hkit serve` runs each query in a forked child process (crash isolation, a hard timeout and a
  memory limit per query), at most four at once by default (`--max-queries`), with waiting ones
  queued; Virtuoso runs queries in threads of one process. On two cores that costs hkit most on
  many small queries (the shipped graph); on generated data its p99 is lower than Virtuoso's.
  Raising `--max-queries` trades memory for throughput.
- `hkit query`, `hkit queries` and `hkit --help` start without importing click (hkit.fast);
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
- 10M triples was not run here; `python benchmarks/run.py --sizes 100000,1000000,10000000` runs it
  where the machine has the memory (the 1M store build peaked at about 850 MB).
"""


def _load(url: str, texts: list[str], clients: int, seconds: float, graph: str | None) -> dict:
    """``clients`` threads send the queries in turn to the endpoint ``url`` for ``seconds``:
    the requests, errors, median and 99th-percentile latency, and requests per second."""
    import threading
    import urllib.parse
    import urllib.request

    latencies: list[float] = []
    errors = [0]

    def client(offset: int) -> None:
        stop, i = time.monotonic() + seconds, offset
        while time.monotonic() < stop:
            fields = {"query": texts[i % len(texts)]}
            if graph:
                fields["default-graph-uri"] = graph
            request = urllib.request.Request(
                url,
                data=urllib.parse.urlencode(fields).encode(),
                headers={"Accept": "application/sparql-results+json"},
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                latencies.append(time.perf_counter() - started)
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


def serving(sizes: list[int], seconds: float, lines: list[str]) -> None:
    """``hkit serve`` under load beside Virtuoso 7: 20 clients send every saved query (its
    example, as SPARQL) for ``seconds``, on the shipped graph and on generated data."""
    import urllib.request

    from hkit.catalog import bind_values, catalog
    from hkit.sparql import with_values

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from stores import Virtuoso, free_port
    except ImportError:
        return
    queries = catalog(ROOT / "queries")
    texts = [with_values(q.text, bind_values(q, q.examples[0])) for q in queries.values()]
    lines += [
        "## `hkit serve` under load, beside Virtuoso 7",
        "",
        f"20 clients on loopback send every saved query (its example, as SPARQL, POSTed to "
        f"`/sparql`) in turn for {seconds:g} s; both servers run on this machine, Virtuoso "
        "loaded with `hkit export` and started as the tests start it, both warmed first.",
        "",
        "| graph | server | requests | errors | p50 | p99 | requests/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    graph_name = "https://w3id.org/hkit/"
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
            _load(url, texts, 2, 2, None)
            results["hkit serve"] = _load(url, texts, 20, seconds, None)
        finally:
            server.terminate()
            server.wait(timeout=60)
        virtuoso = None
        try:
            virtuoso = Virtuoso(work)
            virtuoso.start()
            export = work / "export.nt"
            subprocess.run([HKIT, *data, "export", "-o", str(export)], check=True, env=env)
            virtuoso.load(export, graph_name)
            _load(virtuoso.endpoint, texts, 2, 2, graph_name)
            results["Virtuoso 7"] = _load(virtuoso.endpoint, texts, 20, seconds, graph_name)
        except BaseException as exc:  # no Virtuoso here (the tests' helper skips): say so
            if isinstance(exc, KeyboardInterrupt):
                raise
            results["Virtuoso 7"] = {"missing": (str(exc).splitlines() or ["failed"])[0][:80]}
        finally:
            if virtuoso is not None and virtuoso.process is not None:
                virtuoso.stop()
        label = "shipped graph" if not size else f"shipped + {size:,}"
        for name, r in results.items():
            if "missing" in r:
                lines.append(f"| {label} | {name} | — | — | — | — | not run: {r['missing']} |")
                continue
            lines.append(
                f"| {label} | {name} | {r['requests']:,} | {r['errors']} | {ms(r['p50'])} | "
                f"{ms(r['p99'])} | {r['rate']:,.0f} |"
            )
    lines.append("")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="triples, comma-separated")
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
    for size in sizes:
        scale(size, max(3, runs // 3), lines, targets, validate_at=min(sizes))
    serving([min(sizes)], 3 if args.smoke else 30, lines)
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
        shown = f"{value:.2f}" if unit == "x" else f"{value:,.0f}"
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
