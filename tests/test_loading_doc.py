"""docs/loading.md, run as written: every command of each store that runs here, in a temporary
folder, with each server on 127.0.0.1, and the answers compared with the embedded engine's.

How the page is marked (an HTML comment on the line before each fenced block):

- ``<!-- test: STORE -->``: the block is run (``sh`` by bash, ``python`` by the Python hkit is
  installed in), after the store's blocks before it, in one shell, so that the variables a
  block sets hold in the next; a block that fails fails the test.
- ``<!-- test: STORE, server on VAR ... -->``: the block starts a server that keeps running; it
  is run in the background and the next block waits until each port ``$VAR`` answers on
  127.0.0.1. A second server block of the store waits for the first server to have stopped.
- ``<!-- test: STORE, file NAME -->``: the block is a file the recipe saves as NAME.
- ``<!-- test: STORE, same as: hkit ... -->``: the block prints SPARQL JSON results, which must
  be the answers of that hkit command on the embedded engine.
- ``<!-- install: STORE -->``: installs what the store needs; not run (the test run installs it
  itself: pyproject's test extra, tests/oracles/package.json, .ci/run).
- ``<!-- on paper: STORE -->``: a store that does not run here; not run.
- ``<!-- synopsis -->``: a command's form, with placeholders; not run.

The only change made to what the page says is the value of each ``...PORT=NUMBER`` line it
defines, set to a free port. ``hkit``, ``java`` and ``comunica-sparql-file`` are recorded as
they are called (shell functions that call the real commands): afterwards each call that runs a
query is run again with SPARQL JSON results, and compared with the same query on the embedded
engine, row by row, in order. Servers are stopped at the end, by their process group.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from helpers import ROOT
from stores import missing
from test_queries import typed_rows

import hkit
from hkit.cli.group import main

DOC = ROOT / "docs" / "loading.md"
ORACLES = ROOT / "tests" / "oracles"
NODE_BIN = ORACLES / "node_modules" / ".bin"
BIN = Path(sys.executable).parent
KG = hkit.open(root=ROOT, timeout=120)

#: The stores that run here, and those the page gives on paper.
TESTED = ("export", "oxigraph", "virtuoso", "jena", "rdflib", "comunica")
ON_PAPER = ("fuseki", "graphdb", "stardog", "qlever")

_MARK = re.compile(r"<!--\s*(test|install|on paper|synopsis)\s*:?\s*(.*?)\s*-->\s*$")
_FENCE = re.compile(r"^```(\w*)\s*$")
_PORT_LINE = re.compile(r"^([ \t]*)([A-Z_]*PORT)=(\d+)[ \t]*$", re.M)


@dataclass
class Block:
    """A fenced block of the page and its mark."""

    kind: str  # test, install, on paper, synopsis
    store: str
    lang: str
    text: str
    line: int
    server: list[str] = field(default_factory=list)  # the port variables it serves on
    file: str | None = None
    same_as: str | None = None


def blocks() -> list[Block]:
    """Every fenced block of the page, with the mark on the line before it (AssertionError for
    a block with none)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        mark = _MARK.match(lines[i - 1]) if i else None
        assert mark, f"docs/loading.md:{i + 1}: a block with no mark on the line before it"
        kind, rest = mark.group(1), mark.group(2)
        store, _, option = rest.partition(",")
        block = Block(kind, store.strip(), fence.group(1), "\n".join(lines[i + 1 : end]), i + 1)
        option = option.strip()
        if option.startswith("server on "):
            block.server = option.removeprefix("server on ").split()
        elif option.startswith("file "):
            block.file = option.removeprefix("file ").strip()
        elif option.startswith("same as: "):
            block.same_as = option.removeprefix("same as: ")
        else:
            assert not option, f"docs/loading.md:{i + 1}: unknown option {option!r}"
        found.append(block)
        i = end + 1
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_PRELUDE = r"""set -euo pipefail
__calls="$PWD/.calls"
__record() { printf '%s\0' "$PWD" "$#" "$@" >> "$__calls"; }
hkit() { __record hkit "$@"; command hkit "$@"; }
java() { __record java "$@"; command java "$@"; }
comunica-sparql-file() { __record comunica-sparql-file "$@"; command comunica-sparql-file "$@"; }
__wait_ports() {  # the server's process, then its ports
  local pid=$1 port i; shift
  for port in "$@"; do
    for i in $(seq 1500); do
      if (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then break; fi
      if ! kill -0 "$pid" 2> /dev/null; then echo "the server stopped" >&2; return 1; fi
      if [ "$i" = 1500 ]; then echo "nothing answers on port $port" >&2; return 1; fi
      sleep 0.2
    done
  done
}
__stopped() {  # a server the recipe stops, before the next one starts
  local i
  for i in $(seq 600); do kill -0 "$1" 2> /dev/null || return 0; sleep 0.2; done
  echo "the server before this one still runs" >&2; return 1
}
__server=""
"""


@dataclass
class Run:
    """A store's recipe, run: its folder, its environment and the calls it made."""

    folder: Path
    env: dict[str, str]
    calls: list[tuple[str, list[str]]]
    outputs: dict[int, str]


def run_recipe(store: str, folder: Path) -> Run:
    """Run the page's blocks for ``store`` in ``folder``, as one bash script; leave its servers
    running (``stop`` ends them)."""
    mine = [b for b in blocks() if b.kind == "test" and b.store == store]
    assert mine, store
    ports: dict[str, int] = {}

    def with_free_ports(text: str) -> str:
        def replace(m: re.Match) -> str:
            ports.setdefault(m.group(2), free_port())
            return f"{m.group(1)}{m.group(2)}={ports[m.group(2)]}"

        return _PORT_LINE.sub(replace, text)

    script = [_PRELUDE]
    for n, block in enumerate(mine):
        text = with_free_ports(block.text)
        script.append(f"# docs/loading.md:{block.line}\necho {n} > .current")
        if block.file:
            script.append(f"cat > {block.file} <<'__HKIT_DOC_EOF'\n{text}\n__HKIT_DOC_EOF")
        elif block.lang == "python":
            (folder / f".block-{n}.py").write_text(text + "\n", encoding="utf-8")
            script.append(f"python3 .block-{n}.py > .block-{n}.out 2> .block-{n}.err")
        elif block.server:
            assert all(v in ports for v in block.server), f"{block.server} not defined before"
            script.append(
                f'if [ -n "$__server" ]; then __stopped "$__server"; fi\n'
                f"( {text}\n) > .block-{n}.out 2> .block-{n}.err &\n__server=$!\n"
                f"__wait_ports $__server {' '.join('$' + v for v in block.server)}"
            )
        else:
            assert block.lang == "sh", f"docs/loading.md:{block.line}: a {block.lang} block"
            script.append(f"{{\n{text}\n}} > .block-{n}.out 2> .block-{n}.err")
    (folder / ".recipe.sh").write_text("\n".join(script) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), str(NODE_BIN), os.environ["PATH"]]),
        "NODE_OPTIONS": f"--require {ORACLES / 'loopback.js'}",
    }
    process = subprocess.Popen(
        ["bash", ".recipe.sh"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _RUNNING.append(process.pid)
    try:
        out, _ = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        stop()
        raise
    if process.returncode:
        n = int((folder / ".current").read_text())
        block = mine[n]
        err = folder / f".block-{n}.err"
        said = err.read_text(errors="replace")[-3000:] if err.exists() else ""
        pytest.fail(
            f"docs/loading.md:{block.line} ({store}) failed:\n{block.text}\n--- it said:\n"
            f"{said}\n{out.decode(errors='replace')[-2000:]}"
        )
    outputs = {
        n: (folder / f".block-{n}.out").read_text(encoding="utf-8")
        for n in range(len(mine))
        if (folder / f".block-{n}.out").exists()
    }
    return Run(folder, env, _calls(folder / ".calls"), outputs)


#: The process groups of the recipes run (each led by its bash script).
_RUNNING: list[int] = []


def stop() -> None:
    """End what the recipes started, by their process groups."""
    while _RUNNING:
        group = _RUNNING.pop()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            for _ in range(100):
                try:
                    os.killpg(group, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                continue
            break


@pytest.fixture
def recipe(tmp_path):
    """Run a store's recipe in tmp_path; its servers are stopped when the test ends."""
    try:
        yield lambda store: run_recipe(store, tmp_path)
    finally:
        stop()


def _calls(path: Path) -> list[tuple[str, list[str]]]:
    """The calls recorded: (folder, argv) each."""
    fields = path.read_bytes().decode().split("\0")[:-1] if path.exists() else []
    calls, i = [], 0
    while i < len(fields):
        folder, count = fields[i], int(fields[i + 1])
        calls.append((folder, fields[i + 2 : i + 2 + count]))
        i += 2 + count
    return calls


def _json(argv: list[str], run: Run, folder: str) -> dict:
    result = subprocess.run(
        argv, cwd=folder, env=run.env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{argv}: {result.stderr[-2000:]}"
    return json.loads(result.stdout[result.stdout.index("{") :])


def _embedded(text: str) -> list[dict]:
    return typed_rows(json.loads(KG.run(text).render("json")))


def _option(argv: list[str], *names: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg in names:
            return argv[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def compare_answers(run: Run) -> int:
    """Run each recorded query again with SPARQL JSON results and compare it with the embedded
    engine's answers; return how many were compared."""
    compared = 0
    for folder, (tool, *args) in run.calls:
        if tool == "hkit" and {"query", "sparql"} & set(args) and _option(args, "--endpoint"):
            theirs = _json(["hkit", *args, "--format", "json"], run, folder)
            here, skip = [], 0
            for arg in args:  # the same command on the embedded engine
                if skip:
                    skip -= 1
                elif arg in ("--endpoint", "--default-graph"):
                    skip = 1
                elif not arg.startswith(("--endpoint=", "--default-graph=")):
                    here.append(arg)
            ours = _json(["hkit", *here, "--format", "json"], run, folder)
            assert typed_rows(theirs) == typed_rows(ours), args
        elif tool == "java" and set(args) & {"arq.arq", "arq.sparql", "tdb2.tdbquery"}:
            query = Path(folder, _option(args, "--query", "--file") or "").read_text()
            theirs = _json(["java", *args, "--results=json"], run, folder)
            assert typed_rows(theirs) == _embedded(query), args
        elif tool == "comunica-sparql-file":
            file = _option(args, "-f", "--file")
            query = Path(folder, file).read_text() if file else args[-1]
            argv = [tool, *args, "-t", "application/sparql-results+json"]
            assert typed_rows(_json(argv, run, folder)) == _embedded(query), args
        else:
            continue
        compared += 1
    return compared


def compare_printed(run: Run, store: str) -> int:
    """Each block marked ``same as:`` printed the answers of that hkit command."""
    compared = 0
    mine = [b for b in blocks() if b.kind == "test" and b.store == store]
    for n, block in enumerate(mine):
        if block.same_as:
            argv = block.same_as.split()
            assert argv[0] == "hkit", block.same_as
            ours = _json([*argv, "--format", "json"], run, str(run.folder))
            assert typed_rows(json.loads(run.outputs[n])) == typed_rows(ours), block.same_as
            compared += 1
    return compared


# -- the page's marks --------------------------------------------------------------------------


def test_every_block_of_the_page_is_marked_and_every_store_is_tested_or_on_paper():
    found = blocks()
    stores = {b.store for b in found if b.kind in ("test", "install", "on paper")}
    assert {b.store for b in found if b.kind == "test"} == set(TESTED)
    assert {b.store for b in found if b.kind == "on paper"} == set(ON_PAPER)
    assert stores == set(TESTED) | set(ON_PAPER)
    text = DOC.read_text(encoding="utf-8")
    assert "HAZARDS" not in text and "../shared" not in text
    # the commands the page gives for Debian's Jena never put all of /usr/share/java on the path
    assert all("/usr/share/java/*" not in b.text for b in found if b.kind == "test")


def test_the_fuseki_configuration_is_turtle_with_a_union_default_graph():
    (config,) = [b for b in blocks() if b.file == "hkit-fuseki.ttl"]
    graph = rdflib.Graph().parse(data=config.text, format="turtle", publicID="file:///hkit/")
    fuseki = rdflib.Namespace("http://jena.apache.org/fuseki#")
    tdb2 = rdflib.Namespace("http://jena.apache.org/2016/tdb#")
    (service,) = graph.subjects(rdflib.RDF.type, fuseki.Service)
    assert graph.value(service, fuseki.name) == rdflib.Literal("hkit")
    (endpoint,) = graph.objects(service, fuseki.endpoint)
    assert graph.value(endpoint, fuseki.operation) == fuseki.query
    assert graph.value(endpoint, fuseki.name) == rdflib.Literal("sparql")
    dataset = graph.value(service, fuseki.dataset)
    assert (dataset, rdflib.RDF.type, tdb2.DatasetTDB2) in graph
    assert graph.value(dataset, tdb2.location) == rdflib.Literal("hkit-tdb2")
    assert graph.value(dataset, tdb2.unionDefaultGraph).toPython() is True
    # no update, upload or graph store operation is offered
    operations = set(graph.objects(None, fuseki.operation))
    assert operations == {fuseki.query}


# -- the stores that run here ------------------------------------------------------------------


def test_the_export_commands_run_as_written(recipe):
    run = recipe("export")
    assert (run.folder / "hkit.ttl").read_bytes() == KG.export("turtle")
    assert (run.folder / "hkit.nq").read_bytes() == KG.export("nquads")
    # which document states which triple: the documents' graphs, in hkit's own store
    printed = "".join(run.outputs.values())
    assert "hkit:establishedBy" in printed and "id:hksar-government" in printed
    assert all(f"{n}_" in printed for n in ("000", "001", "002"))


@pytest.mark.stores
@pytest.mark.slow
def test_the_oxigraph_server_recipe_runs_and_answers_as_hkit(recipe):
    if not (BIN / "oxigraph").exists():
        missing("the Oxigraph server (PyPI's oxigraph)")
    run = recipe("oxigraph")
    # a saved query, and an ad-hoc one that only the inferred triples answer (the export has
    # --inferred): both as on the embedded engine
    assert compare_answers(run) == 2
    holds = "SELECT (COUNT(*) AS ?n) WHERE { ?p hkit:holdsPost ?post }"
    (url,) = _endpoints(run)
    result = CliRunner().invoke(main, ["sparql", holds, "--endpoint", url, "--format", "json"])
    assert json.loads(result.output)["results"]["bindings"][0]["n"]["value"] == "12"
    # every saved query, on the server the recipe started
    (url,) = _endpoints(run)
    for name, query in sorted(KG.queries.items()):
        for example in query.examples:
            args = [a for k, vs in example.items() for v in vs for a in ("-p", f"{k}={v}")]
            result = CliRunner().invoke(
                main,
                ["--root", str(ROOT), "query", name, *args, "--endpoint", url, "--format", "json"],
                catch_exceptions=False,
            )
            assert result.exit_code == 0, result.output
            expected = typed_rows(json.loads(KG.query(name, **example).render("json")))
            assert typed_rows(json.loads(result.output)) == expected, name


@pytest.mark.stores
@pytest.mark.slow
def test_the_virtuoso_recipe_runs_and_answers_as_hkit(recipe):
    for program in ("virtuoso-t", "isql-vt"):
        if not any(Path(p, program).exists() for p in os.environ["PATH"].split(os.pathsep)):
            missing("Virtuoso (Debian's virtuoso-opensource)")
    run = recipe("virtuoso")
    assert compare_answers(run) == 1
    # the load list has one row, hkit.ttl's, whose error column is NULL
    rows = [line for out in run.outputs.values() for line in out.splitlines() if "hkit.ttl" in line]
    assert len(rows) == 1 and rows[0].split()[-1] == "NULL", rows


def _jena_available() -> None:
    if not Path("/usr/share/java/jena-core.jar").exists() or not any(
        Path(p, "java").exists() for p in os.environ["PATH"].split(os.pathsep)
    ):
        missing("Apache Jena (Debian's libapache-jena-java) and Java")


@pytest.mark.stores
@pytest.mark.slow
def test_the_jena_recipe_runs_and_answers_as_hkit(recipe):
    _jena_available()
    run = recipe("jena")
    assert compare_answers(run) == 2  # TDB2 through the Fuseki configuration, and arq
    calls = [args for _, (tool, *args) in run.calls if tool == "java"]
    assert all("SLF4J" not in out for out in run.outputs.values())
    (tdbquery,) = [args for args in calls if "tdb2.tdbquery" in args]
    # every saved query, on the TDB2 database the recipe loaded, through the Fuseki configuration
    for name, query in sorted(KG.queries.items()):
        for index, example in enumerate(query.examples):
            text = KG.prepare(name, **example)
            path = run.folder / f"{name}.{index}.rq"
            path.write_text(text, encoding="utf-8")
            argv = ["java", *tdbquery[: tdbquery.index("--query")], "--query", str(path)]
            theirs = _json([*argv, "--results=json"], run, str(run.folder))
            assert typed_rows(theirs) == _embedded(text), name


@pytest.mark.stores
def test_the_rdflib_recipe_runs_and_answers_as_hkit(recipe):
    run = recipe("rdflib")
    assert compare_printed(run, "rdflib") == 1


#: Comunica 4.5's answers that differ from the embedded engine's, as docs/loading.md says:
#: saved query -> "order" (the same rows in another order), "rows" or "fails".
COMUNICA = {
    **dict.fromkeys(
        (
            "document-contributions",
            "innohk-clusters",
            "plans-and-proposals",
            "sites-and-occupants",
            "who-works-in-sector",
        ),
        "order",
    ),
    # agreements, entity-provenance: the Turtle export has neither the documents' graphs nor
    # the editor's
    **dict.fromkeys(("agreements", "entity-provenance", "sector-activity"), "rows"),
    **dict.fromkeys(("events-timeline", "targets", "who-said-what"), "fails"),
}


def _comunica_available() -> None:
    if not (NODE_BIN / "comunica-sparql-file-http").exists():
        missing("Comunica (npm ci --prefix tests/oracles)")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        missing("Node.js 20 or later (Comunica 4.5)")


@pytest.mark.stores
@pytest.mark.slow
def test_the_comunica_recipe_runs_and_answers_as_hkit(recipe):
    _comunica_available()
    run = recipe("comunica")
    assert compare_answers(run) == 2  # comunica-sparql-file, and hkit on its endpoint
    (url,) = _endpoints(run)
    found = {}
    for name, query in sorted(KG.queries.items()):
        _answering(url)  # Comunica starts a new worker after one has failed
        example = query.examples[0]
        args = [a for k, vs in example.items() for v in vs for a in ("-p", f"{k}={v}")]
        argv = ["--root", str(ROOT), "--timeout", "120", "query", name, *args]
        result = CliRunner().invoke(
            main, [*argv, "--endpoint", url, "--format", "json"], catch_exceptions=False
        )
        if result.exit_code:
            found[name] = "fails"
            continue
        theirs = typed_rows(json.loads(result.stdout))  # stderr may hold a note
        ours = typed_rows(json.loads(KG.query(name, **example).render("json")))
        if theirs != ours:
            same = sorted(map(_key, theirs)) == sorted(map(_key, ours))
            found[name] = "order" if same else "rows"
    assert found == COMUNICA
    section = DOC.read_text(encoding="utf-8").split("## Comunica")[1].split("\n## ")[0]
    assert all(f"`{name}`" in section for name in COMUNICA)
    assert f"The other {_number(len(KG.queries) - len(COMUNICA))} answer the same" in section


def _endpoints(run: Run) -> list[str]:
    """The endpoints the recipe's hkit commands queried."""
    found = [u for _, (tool, *args) in run.calls if (u := _option(args, "--endpoint"))]
    return list(dict.fromkeys(found))  # each once, in the order first queried


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _number(n: int) -> str:
    words = "zero one two three four five six seven eight nine ten eleven twelve thirteen"
    return (words + " fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()[n]


def _answering(url: str) -> None:
    """Wait until the endpoint answers a query."""
    endpoint = hkit.open(endpoint=url, timeout=10)
    for _ in range(300):
        try:
            assert endpoint.run("ASK { }").boolean is True  # the empty pattern matches
            return
        except hkit.EndpointError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer again")
