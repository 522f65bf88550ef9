"""Oxigraph's limits that hkit's saved queries work around, each reproduced on its own, with
pyoxigraph alone (no hkit), for Oxigraph's maintainers: ``python benchmarks/engine_limits.py
[--triples N]``. docs/engine-limits.md is the report written from its output.

The data: ``N`` triples of items (a type, a label, a place it is based in and filler facts), one
in thirty a laboratory in one of four clusters set up by one of ten institutions, in an on-disk
store opened read-only, as hkit opens its own. Each query runs five times; the fastest run
counts (the first one reads the store cold). Every pair of queries gives the same answer, which
the script checks.

1. An index nested-loop join on disk: ``?lab :inCluster ?w ; :setUpBy ?i`` looks each
   laboratory's founder up one at a time; the same join written as two subqueries (each list
   read whole, then joined by hashing) is several times faster.
2. The width of a solution: every join copies solutions as wide as all the variables of their
   scope, bound or not. The same hash join with forty more variables in its scope (projected by
   a subquery, never bound) takes nearly twice the time.
3. OPTIONAL of a path and two patterns: the right side is evaluated whole (every item's places,
   through a path, and their types) and joined by hashing, though twenty rows on the left need
   it; the same lookup begun with one pattern, the rest in a nested OPTIONAL, is made row by
   row.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EX = "http://example.org/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
#: laboratories' clusters and founders, each list read whole and joined by hashing
HASHED = "{ SELECT ?lab ?w { ?lab :inCluster ?w } } { SELECT ?lab ?i { ?lab :setUpBy ?i } }"
PREFIX = f"PREFIX : <{EX}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
RUNS = 5

#: name -> (what it shows, the query as hkit's saved queries once wrote it, the way round)
CASES = {
    "nested-loop join on disk": (
        "each laboratory's founder looked up, against both lists read and hashed",
        "SELECT (COUNT(*) AS ?n) { ?lab :inCluster ?w ; :setUpBy ?i }",
        f"SELECT (COUNT(*) AS ?n) {{ {HASHED} }}",
    ),
    "width of a solution": (
        "the same hash join with forty unbound variables in its scope, against none",
        "SELECT (COUNT(*) AS ?n) { SELECT ?lab "
        + " ".join(f"?unused{i}" for i in range(40))
        + f" {{ {HASHED} }} }}",
        f"SELECT (COUNT(*) AS ?n) {{ SELECT ?lab {{ {HASHED} }} }}",
    ),
    "OPTIONAL of a path and two patterns": (
        "twenty institutions' economies: two patterns in the OPTIONAL, against one pattern and "
        "a nested OPTIONAL",
        "SELECT ?i ?economy { ?i a :Institution"
        " OPTIONAL { ?i :basedIn/:locatedIn* ?e . ?e a :Economy ; rdfs:label ?economy } }",
        "SELECT ?i ?economy { ?i a :Institution"
        " OPTIONAL { ?i :basedIn ?place"
        " OPTIONAL { ?place :locatedIn* ?e . ?e a :Economy ; rdfs:label ?economy }"
        " FILTER (BOUND(?economy)) } }",
    ),
}


def generate(triples: int, out: Path) -> int:
    """Write about ``triples`` triples of N-Triples to ``out``; return how many."""
    rng = random.Random(1)
    places = [f"<{EX}place-{p}>" for p in range(30)]
    lines = []
    for p, place in enumerate(places):
        kind = "Economy" if p < 5 else "City"
        lines += [f'{place} {LABEL} "Place {p}" .', f"{place} {TYPE} <{EX}{kind}> ."]
        if p >= 5:  # a city, in an economy
            lines.append(f"{place} <{EX}locatedIn> {places[p % 5]} .")
    for i in range(20):
        node = f"<{EX}institution-{i}>"
        lines += [
            f"{node} {TYPE} <{EX}Institution> .",
            f"{node} <{EX}basedIn> {rng.choice(places)} .",
        ]
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        count = len(lines)
        while count < triples:
            n += 1
            node = f"<{EX}item-{n}>"
            facts = [
                f"{node} {TYPE} <{EX}Item> .",
                f'{node} {LABEL} "Item {n}" .',
                f"{node} <{EX}basedIn> {rng.choice(places)} .",
                f"{node} <{EX}derivedFrom> <{EX}doc-{rng.randrange(200)}> .",
                f'{node} <{EX}value> "{rng.randrange(5000)}" .',
            ]
            if n % 30 == 0:
                facts += [
                    f"{node} <{EX}inCluster> <{EX}cluster-{rng.randrange(4)}> .",
                    f"{node} <{EX}setUpBy> <{EX}institution-{rng.randrange(10)}> .",
                ]
            fh.write("\n".join(facts) + "\n")
            count += len(facts)
    return count


def answer(store: Any, text: str) -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in store.query(PREFIX + text))


def fastest(store: Any, text: str) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        for _row in store.query(PREFIX + text):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def open_generated(triples: int, work: Path) -> tuple[Any, int]:
    """About ``triples`` generated triples in an on-disk store under ``work``, opened read-only
    as hkit opens its own; and how many triples."""
    import pyoxigraph

    data = work / "data.nt"
    count = generate(triples, data)
    writer = pyoxigraph.Store(str(work / "store"))
    writer.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_TRIPLES)
    writer.optimize()
    del writer
    return pyoxigraph.Store.read_only(str(work / "store")), count


def main(argv: list[str] | None = None) -> None:
    import pyoxigraph

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="oxigraph-limits-"))
    try:
        store, count = open_generated(args.triples, work)
        print(
            f"pyoxigraph {pyoxigraph.__version__}, Python {sys.version.split()[0]}, "
            f"{count:,} triples, on disk (read-only), fastest of {RUNS} runs"
        )
        print()
        print("| case | as written | the way round | ratio |")
        print("|---|---:|---:|---:|")
        for name, (what, slow, fast) in CASES.items():
            if answer(store, slow) != answer(store, fast):
                raise SystemExit(f"{name}: the two forms answer differently")
            took, round_ = fastest(store, slow), fastest(store, fast)
            print(
                f"| {name}: {what} | {took * 1000:.1f} ms | {round_ * 1000:.1f} ms "
                f"| {took / round_:.1f} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
