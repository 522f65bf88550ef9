"""The benchmark's section on materialising what the ontology entails (hkit.store.closure).

At each size: hkit's closure in memory (time, peak memory, triples added), and the on-disk
store's build with it and without it (the same build, in-process, its closure step timed), and,
up to REASONERS_UP_TO, two OWL 2 RL reasoners from PyPI on the same triples: ``reasonable`` (Rust)
and ``owlrl`` (pure Python), each in its own process, stopped at CAP_SECONDS or CAP_MB (a run
stopped is recorded as such). Up to AGREE_UP_TO, the closures are compared triple by triple where
their profiles overlap. run.py calls :func:`measure` for each size and writes :func:`section`.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

from measuring import ROOT, measure_tree, ms, size_label

#: Each reasoner's limits: a run that goes past either is stopped and recorded as such.
CAP_SECONDS = 600
CAP_MB = 12_000
#: hkit's own runs are stopped past these (in memory, it holds the whole graph).
HKIT_CAP_MB = 16_000
HKIT_CAP_SECONDS = 2400
#: The reasoners run up to this size (the issue's comparison: 100k and 1M).
REASONERS_UP_TO = 1_000_000
#: The closures are compared triple by triple up to this size.
AGREE_UP_TO = 100_000
#: The first `hkit query` (building the on-disk store) before the store held the closure:
#: docs/benchmarks.md of the run of 2026-12-01 (seconds, peak MB).
BEFORE_THE_CLOSURE = {100_000: (0.632, 110), 1_000_000: (7.459, 882), 10_000_000: (51.3, 1773)}

#: hkit's closure of the graph in memory (argv: result file, root, data[, triples file]). The
#: result: seconds to load and to materialise, process time of the closure, triples added and
#: the peak memory after each step; with a triples file, every inferred triple (a JSON line of
#: keys), then whether it is still inferred without the property chains.
HKIT_IN_MEMORY = r"""
import json, resource, sys, time
from pathlib import Path
from hkit.store import closure
from hkit.store.files import graph_files
from hkit.store.stores import load_store

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

files = graph_files(Path(sys.argv[2]), [Path(sys.argv[3])])
start = time.perf_counter()
store = load_store(files)
result = {"load": time.perf_counter() - start, "load_peak": peak(), "asserted": len(store)}
start, cpu = time.perf_counter(), time.process_time()
result["added"] = closure.materialise(store)
result["closure"] = time.perf_counter() - start
result["closure_cpu"] = time.process_time() - cpu
result["peak"] = peak()
Path(sys.argv[1]).write_text(json.dumps(result))
if len(sys.argv) > 4:
    import pyoxigraph
    from entailment import ox_key

    graph = pyoxigraph.NamedNode(closure.INFERRED)

    def inferred():
        return {
            tuple(ox_key(t) for t in (q.subject, q.predicate, q.object))
            for q in store.quads_for_pattern(None, None, None, graph)
        }

    full = inferred()
    closure._chains = lambda store: []  # the same rules but property chains
    closure.materialise(store)
    without = inferred()
    with open(sys.argv[4], "w", encoding="utf-8") as out:
        for triple in full:
            out.write(json.dumps([*triple, triple in without]) + "\n")
"""

#: The on-disk store's build, in-process, as hkit builds it on a first run (argv: result file,
#: root, data, "with" or "without" the closure; HKIT_CACHE_DIR names an empty folder).
HKIT_BUILD = r"""
import json, resource, sys, time
from pathlib import Path
from hkit.store import closure, closure_files, stores
from hkit.store.files import graph_files

files = graph_files(Path(sys.argv[2]), [Path(sys.argv[3])])
stores.PERSISTENT_FROM_BYTES = 1  # built on disk at every size, the smoke run's too
spent = {"closure": 0.0, "closure_cpu": 0.0, "added": 0}
materialise = closure_files.materialise

def timed(store, *args):
    start, cpu = time.perf_counter(), time.process_time()
    spent["added"] = materialise(store, *args)
    spent["closure"] += time.perf_counter() - start
    spent["closure_cpu"] += time.process_time() - cpu
    return spent["added"]

if sys.argv[4] == "with":
    closure_files.materialise = timed
else:  # neither the closure's step nor the thread that finds it while the files load
    closure_files.materialise = lambda store, *args: 0
    closure_files.Ahead.start = lambda self, store: None
start, cpu = time.perf_counter(), time.process_time()
store = stores.open_store(files)
spent["build"] = time.perf_counter() - start
spent["build_cpu"] = time.process_time() - cpu
spent["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
Path(sys.argv[1]).write_text(json.dumps(spent))
"""

#: reasonable's OWL 2 RL closure of a Turtle file (argv: result file, file[, triples file]): it
#: returns every triple, asserted and inferred, as rdflib terms.
REASONABLE = r"""
import json, resource, sys, time
from pathlib import Path
import reasonable

start = time.perf_counter()
reasoner = reasonable.PyReasoner()
reasoner.load_file(sys.argv[2])
loaded = time.perf_counter() - start
triples = reasoner.reason()
result = {"load": loaded, "seconds": time.perf_counter() - start, "returned": len(triples)}
result["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
Path(sys.argv[1]).write_text(json.dumps(result))
if len(sys.argv) > 3:
    from entailment import rdflib_key

    with open(sys.argv[3], "w", encoding="utf-8") as out:
        for triple in {tuple(rdflib_key(t) for t in triple) for triple in triples}:
            out.write(json.dumps(triple) + "\n")
"""

#: owlrl's OWL 2 RL closure of an N-Triples file, as hkit's tests run it (argv as REASONABLE).
OWLRL = r"""
import json, resource, sys, time
from pathlib import Path
import owlrl, rdflib

start = time.perf_counter()
graph = rdflib.Graph()
graph.parse(sys.argv[2], format="nt")
loaded, asserted = time.perf_counter() - start, len(graph)
owlrl.DeductiveClosure(
    owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
).expand(graph)
result = {"load": loaded, "seconds": time.perf_counter() - start, "returned": len(graph)}
result["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
Path(sys.argv[1]).write_text(json.dumps(result))
if len(sys.argv) > 3:
    from entailment import rdflib_key

    with open(sys.argv[3], "w", encoding="utf-8") as out:
        for triple in {tuple(rdflib_key(t) for t in triple) for triple in graph}:
            out.write(json.dumps(triple) + "\n")
"""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def ox_key(term: object) -> str:
    """A pyoxigraph term as a string that :func:`rdflib_key` gives the same term: an IRI in
    angle brackets, a literal with its language or datatype, every blank node as ``_:``."""
    kind = type(term).__name__
    if kind == "NamedNode":
        return f"<{term.value}>"  # type: ignore[attr-defined]
    if kind == "Literal":
        language = term.language  # type: ignore[attr-defined]
        tag = f"@{language}" if language else f"^^<{term.datatype.value}>"  # type: ignore[attr-defined]
        return json.dumps(term.value) + tag  # type: ignore[attr-defined]
    return "_:"


def rdflib_key(term: object) -> str:
    """An rdflib term as :func:`ox_key` writes it."""
    import rdflib  # the reasoners' children only

    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        if term.language:
            return json.dumps(str(term)) + f"@{term.language}"
        return json.dumps(str(term)) + f"^^<{term.datatype or XSD_STRING}>"
    return "_:"


def _child(program: str, args: list[str], env: dict[str, str], caps: tuple[float, float]) -> dict:
    """``program`` run by this Python in a process of its own, with a result file (its JSON,
    read back) and ``args``, stopped past ``caps`` (seconds, MB): the result, with the whole
    process's seconds, its peak memory summed with its children's, and how it ended."""
    with tempfile.TemporaryDirectory(prefix="hkit-bench-entail-") as folder:
        result_file = Path(folder) / "result.json"
        cmd = [sys.executable, "-c", program, str(result_file), *args]
        seconds, peak, outcome = measure_tree(cmd, env, caps[1], caps[0])
        result = json.loads(result_file.read_text()) if result_file.is_file() else {}
    return {**result, "process": seconds, "tree_peak": peak, "outcome": outcome}


def measure_apart(size: int, data: Path, work: Path, env: dict[str, str]) -> dict:
    """:func:`measure`, run in a process of its own: what it reads (a graph in memory, the
    closures it compares) would otherwise stay in the benchmark's own memory, which a process
    it starts inherits as its peak (Linux keeps the largest resident size across exec), so that
    every later query would be reported as large as the benchmark."""
    import subprocess

    out = work / "entailment.json"
    subprocess.run(
        [sys.executable, __file__, str(size), str(data), str(work), str(out)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    return dict(json.loads(out.read_text()))


def measure(size: int, data: Path, work: Path, env: dict[str, str]) -> dict:
    """Every figure of the section at ``size`` (the generated triples in ``data``; ``work`` a
    folder of this size's own): a dict of results by name."""
    from hkit.store.files import graph_files
    from hkit.store.stores import load_store

    env = {**env, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)])}
    env.pop("HKIT_NO_CACHE", None)
    results: dict = {}
    agree = size <= AGREE_UP_TO
    triples = work / "hkit-inferred.jsonl"
    args = [str(ROOT), str(data)] + ([str(triples)] if agree else [])
    hkit_caps, caps = (HKIT_CAP_SECONDS, HKIT_CAP_MB), (CAP_SECONDS, CAP_MB)
    results["memory"] = _child(HKIT_IN_MEMORY, args, env, hkit_caps)
    for mode in ("without", "with"):
        cache = work / f"entail-cache-{mode}"
        run_env = {**env, "HKIT_CACHE_DIR": str(cache)}
        results[f"build {mode}"] = _child(
            HKIT_BUILD, [str(ROOT), str(data), mode], run_env, hkit_caps
        )
        _remove(cache)
    if size > REASONERS_UP_TO:
        return results
    store = load_store(graph_files(ROOT, [data]))
    import pyoxigraph

    # reasonable reads Turtle (by the name's ending) and N-Triples is Turtle; owlrl's rdflib
    # parses the same file as N-Triples. Written once, outside the timings.
    everything = work / "everything.ttl"
    store.dump(
        output=str(everything),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
        from_graph=pyoxigraph.DefaultGraph(),
    )
    results["asserted"] = len(store)
    del store
    for name, program in (("reasonable", REASONABLE), ("owlrl", OWLRL)):
        if importlib.util.find_spec(name) is None:
            results[name] = {"outcome": "not installed"}
            continue
        out = work / f"{name}.jsonl"
        results[name] = _child(
            program, [str(everything)] + ([str(out)] if agree else []), env, caps
        )
        if agree and out.is_file() and triples.is_file():
            results[f"{name} agreement"] = _agreement(triples, out, everything, name)
    everything.unlink(missing_ok=True)
    return results


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


#: What a reasoner adds that hkit's profile leaves out by design (hkit.store.closure), by why.
def _trivia(triple: tuple[str, str, str]) -> str | None:
    """Why hkit leaves ``triple`` (a reasoner's, not asserted) out, or None if it would not."""
    s, p, o = triple
    w3c = tuple(f"<{ns}" for ns in (RDF, RDFS, OWL, XSD))
    if not s.startswith("<"):
        return "a blank node or literal as subject"
    if o == "_:":
        return "a blank node as object"
    if p == f"<{OWL}sameAs>":
        return "`owl:sameAs`"
    if s.startswith(w3c):
        return "about the W3C vocabularies' own terms"
    if p == f"<{RDF}type>" and o in (f"<{OWL}Thing>", f"<{RDFS}Resource>"):
        return "`owl:Thing` and `rdfs:Resource` types"
    if p in (f"<{RDFS}subClassOf>", f"<{RDFS}subPropertyOf>") and (s == o or o == f"<{OWL}Thing>"):
        return "a class or property as its own subclass, or of `owl:Thing`"
    schema = ("equivalentClass", "equivalentProperty", "disjointWith")
    if p in {f"<{OWL}{n}>" for n in schema} | {f"<{RDFS}domain>", f"<{RDFS}range>"}:
        return "schema triples about equivalences, domains, ranges, disjointness"
    return None


def _agreement(ours: Path, theirs: Path, everything: Path, name: str) -> dict:
    """hkit's inferred triples (``ours``) against a reasoner's new ones (``theirs``, less the
    asserted triples of ``everything``, less what hkit leaves out by design); for reasonable,
    which has no property chains, against hkit's closure without them."""
    import pyoxigraph

    asserted = {
        (ox_key(t.subject), ox_key(t.predicate), ox_key(t.object))
        for t in pyoxigraph.parse(path=str(everything), format=pyoxigraph.RdfFormat.N_TRIPLES)
    }
    full, without_chains, blank = set(), set(), 0
    with ours.open(encoding="utf-8") as lines:
        for line in lines:
            s, p, o, kept = json.loads(line)
            if s == "_:" or o == "_:":
                blank += 1
                continue
            full.add((s, p, o))
            if kept:
                without_chains.add((s, p, o))
    new: set[tuple[str, str, str]] = set()
    set_aside: collections.Counter[str] = collections.Counter()
    with theirs.open(encoding="utf-8") as lines:
        for line in lines:
            triple = tuple(json.loads(line))
            if triple in asserted:
                continue
            why = _trivia(triple)  # type: ignore[arg-type]
            if why:
                set_aside[why] += 1
            else:
                new.add(triple)  # type: ignore[arg-type]
    compared = without_chains if name == "reasonable" else full

    def by_predicate(triples: set) -> str:
        counts = collections.Counter(_short(p) for _, p, _ in triples)
        return ", ".join(f"`{p}` {n:,}" for p, n in counts.most_common(6)) or "none"

    return {
        "hkit": len(full),
        "hkit_blank": blank,
        "chains": len(full - without_chains),
        "compared": len(compared),
        "theirs_new": len(new) + sum(set_aside.values()),
        "set_aside": dict(set_aside.most_common()),
        "both": len(compared & new),
        "only_hkit": len(compared - new),
        "only_hkit_by": by_predicate(compared - new),
        "only_theirs": len(new - compared),
        "only_theirs_by": by_predicate(new - compared),
    }


def _short(iri: str) -> str:
    """A predicate's prefixed name, for the doc."""
    prefixes = {
        RDF: "rdf:",
        RDFS: "rdfs:",
        OWL: "owl:",
        "https://w3id.org/hkit/ontology#": "hkit:",
        "http://www.w3.org/ns/prov#": "prov:",
        "https://schema.org/": "schema:",
        "http://www.w3.org/ns/org#": "org:",
        "http://xmlns.com/foaf/0.1/": "foaf:",
    }
    bare = iri.strip("<>")
    for namespace, prefix in prefixes.items():
        if bare.startswith(namespace):
            return prefix + bare[len(namespace) :]
    return bare


def _ran(result: dict, figure: str) -> str:
    """A run's figure, or how it ended when it did not finish."""
    if result.get("outcome", "exit 0") != "exit 0" or figure not in result:
        outcome = result.get("outcome", "not run")
        return {
            "not installed": "not installed",
        }.get(outcome, outcome.replace("stopped after", "did not finish in"))
    value = result[figure]
    return f"{value:,.0f} MB" if "peak" in figure else ms(value)


def section(results: dict[int, dict], targets: list, growth: dict) -> list[str]:
    """The section's Markdown, from :func:`measure`'s results by size; the build's target and
    the figures of 'What grows how' are added to ``targets`` and ``growth``."""
    sizes = sorted(results)
    lines = [
        "## Materialising what the ontology entails",
        "",
        "hkit adds what the ontology entails (its OWL 2 RL subset: docs/reasoning.md) to the "
        "store as it builds it, by rules run as SPARQL inside Oxigraph (in the on-disk build, "
        "the same rules run in Python on the input files parsed again, in a thread of its own "
        "while the large files load, and what they derive is bulk-loaded by that thread), in "
        "the named graph "
        "`https://w3id.org/hkit/inferred`. Each figure is one run in a process of its own. "
        "*In memory*: the graph loaded into an in-memory store, then the closure materialised. "
        "*On-disk build*: the store built as a first `hkit query` builds it, in-process, with and "
        "without the closure (in brackets, the time the build waits for it after loading; CPU "
        "time is the process's, "
        "less sensitive to the other work on this shared machine). *Before*: the first "
        "`hkit query` in the run of 2026-12-01, before the store held the closure.",
        "",
        "| size | triples added | in memory | in memory, peak | on-disk build without | "
        "with the closure (its wait) | with / without | CPU with / without | build peak | "
        "before (first `hkit query`) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        r = results[size]
        memory, without, with_ = r["memory"], r["build without"], r["build with"]
        ratio = cpu_ratio = "—"
        if "build" in without and "build" in with_:
            ratio = f"{with_['build'] / without['build']:.2f}"
            cpu_ratio = f"{with_['build_cpu'] / without['build_cpu']:.2f}"
            growth[("on-disk build without the closure, in-process (s)", size)] = without["build"]
            growth[("on-disk build with the closure, in-process (s)", size)] = with_["build"]
            growth[("the on-disk build's wait for the closure after loading (s)", size)] = with_[
                "closure"
            ]
            if size == 1_000_000:
                targets.append(
                    (
                        "on-disk build at 1M with the closure ≤ 2 x without it (same run)",
                        "x",
                        with_["build"] / without["build"],
                        2,
                    )
                )
        if "closure" in memory:
            growth[("the closure in memory (s)", size)] = memory["closure"]
            growth[("the closure in memory, peak memory (MB)", size)] = memory["peak"]
        before = BEFORE_THE_CLOSURE.get(size)
        step = f" ({ms(with_['closure'])})" if "closure" in with_ else ""
        added = memory.get("added", with_.get("added"))
        lines.append(
            f"| {size_label(size)} | {f'{added:,}' if added is not None else '—'} | "
            f"{_ran(memory, 'closure')} | {_ran(memory, 'peak')} | {_ran(without, 'build')} | "
            f"{_ran(with_, 'build')}{step} | {ratio} | {cpu_ratio} | {_ran(with_, 'peak')} | "
            f"{f'{ms(before[0])}, {before[1]:,} MB' if before else '—'} |"
        )
    lines += [
        "",
        "The same closure by two OWL 2 RL reasoners from PyPI, each in a process of its own on "
        f"the same triples (one N-Triples file), stopped after {CAP_SECONDS // 60} minutes or "
        f"above {CAP_MB / 1000:g} GB: `reasonable` (Rust; it reads Turtle and returns every "
        "triple, asserted and inferred, to Python as rdflib terms; it has no property chains) "
        "and `owlrl` (pure Python, on an rdflib graph, as hkit's tests run it). Their time "
        "includes parsing the file; hkit's in-memory time above does not (loading is "
        "the first figure in brackets here).",
        "",
        "| size | hkit in memory (load + closure) | hkit, peak | reasonable | reasonable, peak | "
        "reasonable: triples returned | owlrl | owlrl, peak | owlrl: triples in the graph |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        r = results[size]
        if "reasonable" not in r:
            continue
        memory = r["memory"]
        hkit = (
            f"{ms(memory['load'] + memory['closure'])} ({ms(memory['load'])} + "
            f"{ms(memory['closure'])})"
            if "closure" in memory
            else _ran(memory, "closure")
        )
        cells = [hkit, _ran(memory, "peak")]
        for name in ("reasonable", "owlrl"):
            theirs = r[name]
            cells += [_ran(theirs, "seconds"), _ran(theirs, "peak")]
            cells.append(f"{theirs['returned']:,}" if "returned" in theirs else "—")
            if "seconds" in theirs and theirs.get("outcome") == "exit 0":
                growth[(f"{name}'s closure, whole (s)", size)] = theirs["seconds"]
        lines.append(f"| {size_label(size)} | " + " | ".join(cells) + " |")
    lines.append("")
    for size in sizes:
        r = results[size]
        for name in ("reasonable", "owlrl"):
            a = r.get(f"{name} agreement")
            if a is None:
                continue
            against = (
                "hkit's closure without property chains (the same rules with the chains left "
                "out, so that nothing that follows from a chain is counted)"
                if name == "reasonable"
                else "hkit's whole closure"
            )
            aside = "; ".join(f"{why} {n:,}" for why, n in a["set_aside"].items()) or "none"
            lines += [
                f"- Agreement at {size_label(size)}, {name}: of its {a['theirs_new']:,} new "
                f"triples, set aside as what hkit's profile leaves out by design: {aside}. "
                f"Compared with {against}: {a['compared']:,} triples "
                f"(hkit's whole closure: {a['hkit']:,}, {a['chains']:,} of them from property "
                f"chains and what follows from them; {a['hkit_blank']:,} about blank nodes "
                f"left out on both sides). **In both: {a['both']:,}; hkit only: "
                f"{a['only_hkit']:,}** ({a['only_hkit_by']}); **{name} only: "
                f"{a['only_theirs']:,}** ({a['only_theirs_by']}).",
            ]
    lines.append("")
    return lines


if __name__ == "__main__":  # measure_apart's process: size, data, work folder, result file
    size, data, work, out = sys.argv[1:5]
    found = measure(int(size), Path(data), Path(work), dict(os.environ))
    Path(out).write_text(json.dumps(found), encoding="utf-8")
