"""Every command's output, byte for byte: each command and saved query in each of its formats,
the help texts, the usual errors and the server's pages, compared with the files in
tests/golden/outputs/.

The files were written before the package was split into its layers, and a refactoring must
leave them unchanged. When an output is meant to change, write the files anew with
``HKIT_WRITE_GOLDEN=1 pytest tests/test_golden_outputs.py`` and say why in the commit.

The command line runs in this process through the installed ``hkit`` entry point (so the test
does not depend on which module holds it), with its standard output and error read from the file
descriptors; paths of this checkout and of the test's own folder are written as <root> and <tmp>.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, read_terminal

import hkit

GOLDEN = Path(__file__).resolve().parent / "golden" / "outputs"
WRITE = bool(os.environ.get("HKIT_WRITE_GOLDEN"))
SOURCES = Path(os.environ.get("HKIT_SOURCES", ROOT.parent / "shared" / "sources"))

QUERIES = hkit.open(root=ROOT).queries
TABULAR = ("table", "csv", "tsv", "json", "xml", "md")
EXPORTS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
REVIEW_DATA = FIXTURES / "review" / "data.ttl"
BROKEN_ONTOLOGY = FIXTURES / "review" / "broken-ontology.ttl"
FAILING_DATA = FIXTURES / "shapes" / "AgreementShape.fail.ttl"

SPARQL_SELECT = (
    "SELECT ?u ?label { ?u a hkit:University ; rdfs:label ?label "
    'FILTER(LANG(?label) = "en") } ORDER BY ?label'
)
SPARQL_CONSTRUCT = "CONSTRUCT { ?u a hkit:University } WHERE { ?u a hkit:University }"


def _cases() -> dict[str, list[str]]:
    """Each case's name and its command line (after the global --root)."""
    cases: dict[str, list[str]] = {
        "help": ["--help"],
        "version": ["--version"],
        "no-such-command": ["frobnicate"],
        "queries": ["queries"],
        "queries-json": ["queries", "--format", "json"],
        "queries-md": ["queries", "--format", "md"],
        "queries-tag": ["queries", "--tag", "innohk"],
        "queries-no-tag": ["queries", "--tag", "nothing-has-this"],
        "query-unknown": ["query", "no-such-query"],
        "query-bad-param": ["query", "funds-by-size", "-p", "nonsense=1"],
        "query-turtle-of-select": ["query", "universities", "--format", "turtle"],
        "query-with-sources": ["query", "universities", "--with-sources"],
        "query-file-names": ["query", "universities", "--with-sources", "--file-names"],
        "query-wide": ["query", "universities", "--wide"],
        "query-show": ["query", "funds-by-size", "--show"],
        "query-param": ["query", "funds-by-size", "-p", "currency=HKD", "--format", "csv"],
        "sparql-select": ["sparql", SPARQL_SELECT],
        "sparql-select-json": ["sparql", SPARQL_SELECT, "--format", "json"],
        "sparql-ask": ["sparql", "ASK { ?s a hkit:University }"],
        "sparql-construct": ["sparql", SPARQL_CONSTRUCT],
        "sparql-construct-nt": ["sparql", SPARQL_CONSTRUCT, "--format", "ntriples"],
        "sparql-syntax-error": ["sparql", "SELECT * WHERE {"],
        "sparql-update-refused": ["sparql", "INSERT DATA { <a:b> <a:c> <a:d> }"],
        "sparql-service-refused": ["sparql", "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"],
        "describe": ["describe", "hkust"],
        "describe-json": ["describe", "hkust", "--format", "json"],
        "describe-unknown": ["describe", "no such thing at all"],
        "stats": ["stats"],
        "stats-json": ["stats", "--format", "json"],
        "validate": ["validate"],
        "validate-json": ["validate", "--format", "json"],
        "validate-ttl": ["validate", "--format", "ttl"],
        "validate-failing": ["--data", str(FAILING_DATA), "validate"],
        "validate-failing-json": ["--data", str(FAILING_DATA), "validate", "--format", "json"],
        "validate-failing-ttl": ["--data", str(FAILING_DATA), "validate", "--format", "ttl"],
        "review": ["review"],
        "review-md": ["review", "--format", "md"],
        "review-json": ["review", "--format", "json"],
        "check-list": ["check", "--list"],
        "check": ["check", "--skip", "reason"],
        "check-json": ["check", "--skip", "reason", "--format", "json"],
        "diff-same": [
            "diff",
            str(ROOT / "ontology" / "hkit.ttl"),
            str(ROOT / "ontology" / "hkit.ttl"),
        ],
        "diff": ["diff", str(BROKEN_ONTOLOGY), str(ROOT / "ontology" / "hkit.ttl")],
        "diff-md": [
            "diff",
            str(BROKEN_ONTOLOGY),
            str(ROOT / "ontology" / "hkit.ttl"),
            "--format",
            "md",
        ],
        "diff-json": [
            "diff",
            str(BROKEN_ONTOLOGY),
            str(ROOT / "ontology" / "hkit.ttl"),
            "--format",
            "json",
        ],
        "diff-missing": ["diff", str(ROOT / "nope.ttl"), str(ROOT / "ontology" / "hkit.ttl")],
        "export-bad-format": ["export", "--format", "nonsense"],
        "docs": ["docs", "-o", "{tmp}/docs"],
        "reason": ["reason"],
        "reason-json": ["reason", "--format", "json"],
    }
    for command in (
        "queries",
        "query",
        "sparql",
        "describe",
        "stats",
        "show",
        "validate",
        "review",
        "check",
        "ledger",
        "diff",
        "export",
        "docs",
        "cache",
        "reason",
        "serve",
    ):
        cases[f"help-{command}"] = [command, "--help"]
    for name in QUERIES:
        cases[f"show-{name}"] = ["show", name]
        for fmt in TABULAR:
            cases[f"query-{name}-{fmt}"] = ["query", name, "--format", fmt]
    for fmt in EXPORTS:
        cases[f"export-{fmt}"] = ["export", "--format", fmt]
    cases["export-o"] = ["export", "-o", "{tmp}/graph.nt"]
    cases["query-o-csv"] = ["query", "universities", "-o", "{tmp}/universities.csv"]
    cases["validate-o"] = [
        "--data",
        str(FAILING_DATA),
        "validate",
        "--format",
        "json",
        "-o",
        "{tmp}/report.json",
    ]
    return cases


CASES = _cases()


def _entry_point():
    (found,) = entry_points(group="console_scripts", name="hkit")
    return found.load()


#: Times measured by the run itself (check's table, the reasoner's line, their JSON).
_TIMES = (
    (re.compile(r"\b\d+\.\d+ s\b"), "<t> s"),
    (re.compile(r'"seconds": \d+(\.\d+)?'), '"seconds": <t>'),
)


def _normalise(data: bytes, tmp: Path) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    text = text.replace(str(tmp), "<tmp>").replace(str(ROOT), "<root>")
    for pattern, replacement in _TIMES:
        text = pattern.sub(replacement, text)
    return text.encode("utf-8", errors="surrogateescape")


def _canonical_turtle(data: bytes) -> bytes:
    """A Turtle report's triples in a canonical order with canonical blank node labels: rdflib
    writes a report's blank nodes with fresh labels and in no fixed order."""
    import rdflib
    from rdflib.compare import to_canonical_graph

    graph = to_canonical_graph(rdflib.Graph().parse(data=data, format="turtle"))
    return "".join(
        sorted(line + "\n" for line in graph.serialize(format="nt").splitlines() if line)
    ).encode()


def _digest_if_large(data: bytes) -> bytes:
    if len(data) <= 64_000:
        return data
    return f"sha256 {hashlib.sha256(data).hexdigest()} ({len(data)} bytes)\n".encode()


def _written(tmp: Path) -> list[tuple[str, bytes]]:
    """The files a command wrote into the test's folder: small ones whole, large ones by digest."""
    found = []
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        data = _normalise(path.read_bytes(), tmp)
        name = path.relative_to(tmp).as_posix()
        if name.startswith("docs/"):
            data = f"sha256 {hashlib.sha256(data).hexdigest()} ({len(data)} bytes)\n".encode()
        found.append((name, _digest_if_large(data)))
    return found


def _record(code: object, out: bytes, err: bytes, files: list[tuple[str, bytes]]) -> bytes:
    parts = [f"exit: {code}\n".encode(), b"--- stdout\n", out, b"--- stderr\n", err]
    for name, data in files:
        parts += [f"--- file {name}\n".encode(), data]
    return b"".join(parts)


def _compare(name: str, got: bytes) -> None:
    path = GOLDEN / f"{name}.out"
    if WRITE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got)
        return
    assert path.exists(), f"no golden output for {name}: write it with HKIT_WRITE_GOLDEN=1"
    want = path.read_bytes()
    if got != want:
        import difflib

        diff = "\n".join(
            difflib.unified_diff(
                want.decode(errors="replace").splitlines(),
                got.decode(errors="replace").splitlines(),
                "golden",
                "now",
                lineterm="",
                n=2,
            )
        )
        pytest.fail(f"{name}: the output changed\n{diff[:6000]}")


def _marks(name: str) -> tuple[pytest.MarkDecorator, ...]:
    """The reasoner's cases need Java; every saved query in the formats besides table runs in
    CI, so that the default run keeps within its time."""
    if name.startswith("reason"):
        return (pytest.mark.reasoner,)
    if name.startswith("query-") and name.rsplit("-", 1)[1] in ("csv", "tsv", "xml", "md", "json"):
        return (
            (pytest.mark.slow,) if name.removeprefix("query-").rsplit("-", 1)[0] in QUERIES else ()
        )
    return ()


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in CASES])
def test_command_output_is_unchanged(name, tmp_path, capfdbinary, monkeypatch):
    import shutil

    if name == "docs" and shutil.which(os.environ.get("HKIT_DOT", "dot")) is None:
        # the pages embed the diagram Graphviz draws; without it hkit writes a plainer one
        if os.environ.get("HKIT_REQUIRE_EXTERNAL"):
            pytest.fail("Graphviz's dot is not installed (HKIT_REQUIRE_EXTERNAL is set)")
        pytest.skip("needs Graphviz's dot, whose diagram the golden pages hold (CI has it)")
    if name in ("check", "check-json") and not SOURCES.is_dir():
        # the ledger gate reads the source documents, which live beside the repository
        pytest.skip(f"the source documents are not at {SOURCES} (the ledger gate skips)")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    args = ["--root", str(ROOT), *(a.replace("{tmp}", str(tmp_path)) for a in CASES[name])]
    main = _entry_point()
    code: object = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code if exc.code is not None else 0
    out, err = capfdbinary.readouterr()
    out = _normalise(out, tmp_path)
    if name.endswith("-ttl") and code == 1:
        out = _canonical_turtle(out)
    files = [] if name.startswith("help") else _written(tmp_path)
    _compare(name, _record(code, _digest_if_large(out), _normalise(err, tmp_path), files))


# The server: each kind of page and answer, through the application itself (no socket).

PAGES = {
    "home": ("/", "text/html"),
    "search": ("/search?q=hkust", "text/html"),
    "entity": ("/id/hkust", "text/html"),
    "entity-turtle": ("/id/hkust", "text/turtle"),
    "entity-json": ("/id/hkust", "application/json"),
    "entity-missing": ("/id/no-such-thing", "text/html"),
    "entity-rdfxml": ("/id/hkust", "application/rdf+xml"),
    "class": ("/classes/University", "text/html"),
    "class-json": ("/classes/University.json", "application/json"),
    "class-missing": ("/classes/NoSuchClass", "text/html"),
    "sources": ("/sources", "text/html"),
    "source": ("/sources/000_1039700805b26dd8", "text/html"),
    "source-json": ("/sources/000_1039700805b26dd8.json", "application/json"),
    "ontology-html": ("/ontology", "text/html"),
    "shapes": ("/shapes", "text/html"),
    "shapes-json": ("/shapes.json", "application/json"),
    "ontology-json": ("/ontology.json", "application/json"),
    "sparql-editor": ("/sparql", "text/html,application/xhtml+xml,*/*;q=0.8"),
    "sparql-editor-json": (
        "/sparql.json?query=" + __import__("urllib.parse").parse.quote(SPARQL_SELECT),
        "application/json",
    ),
    "query-page": ("/queries/funds-by-size", "text/html"),
    "query-page-param": ("/queries/funds-by-size?currency=HKD", "text/html"),
    "query-page-missing": ("/queries/no-such-query", "text/html"),
    "api-queries": ("/api/queries", "application/json"),
    "api-query": ("/api/queries/universities", "application/sparql-results+json"),
    "api-query-csv": ("/api/queries/universities", "text/csv"),
    "api-query-bad-param": ("/api/queries/funds-by-size?nonsense=1", "application/json"),
    "openapi": ("/api/openapi.json", "application/json"),
    "sparql-select": (
        "/sparql?query=" + __import__("urllib.parse").parse.quote(SPARQL_SELECT),
        "application/sparql-results+json",
    ),
    "sparql-description": ("/sparql", "text/turtle"),
    "sparql-refused": (
        "/sparql?query=" + __import__("urllib.parse").parse.quote("INSERT DATA {}"),
        "application/sparql-results+json",
    ),
    "not-acceptable": ("/api/queries/universities", "image/png"),
}


def _app():
    from hkit.web.app import make_app

    return make_app(hkit.open(root=ROOT))


@pytest.fixture(scope="module")
def app():
    return _app()


def _get(app, target: str, accept: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:7878"), (b"accept", accept.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 7878),
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start["headers"], body


_KEPT_HEADERS = (b"content-type", b"vary", b"link", b"access-control-allow-origin", b"allow")


@pytest.mark.parametrize("name", list(PAGES))
def test_server_answer_is_unchanged(name, app):
    target, accept = PAGES[name]
    status, headers, body = _get(app, target, accept)
    kept = sorted((k, v) for k, v in headers if k in _KEPT_HEADERS)
    head = "".join(f"{k.decode()}: {v.decode()}\n" for k, v in kept).encode()
    body = re.sub(rb"hkit-docs-[0-9]+-[a-z0-9_]+", b"<docs>", body)
    _compare(f"serve-{name}", f"status: {status}\n".encode() + head + b"--- body\n" + body)


def test_every_case_has_its_file_and_no_file_is_left_over():
    names = {f"{n}.out" for n in [*CASES, *TERMINAL]} | {f"serve-{n}.out" for n in PAGES}
    on_disk = {p.name for p in GOLDEN.glob("*.out")}
    if WRITE:
        for stale in on_disk - names:
            (GOLDEN / stale).unlink()
        return
    assert on_disk == names


# On a terminal, tables and texts are fitted to its width.

TERMINAL = {
    "terminal-80-funds-by-size": (80, ["query", "funds-by-size"]),
    "terminal-120-funds-by-size": (120, ["query", "funds-by-size"]),
    "terminal-80-innohk-clusters": (80, ["query", "innohk-clusters"]),
    "terminal-80-queries": (80, ["queries"]),
    "terminal-80-describe": (80, ["describe", "hkust"]),
    "terminal-120-wide": (120, ["query", "universities", "--wide"]),
}


@pytest.mark.parametrize("name", list(TERMINAL))
def test_terminal_output_is_unchanged(name):
    import subprocess
    import sys

    columns, args = TERMINAL[name]
    hkit = str(Path(sys.executable).parent / "hkit")
    controller, terminal = os.openpty()
    env = {**os.environ, "COLUMNS": str(columns)}
    with subprocess.Popen(
        [hkit, "--root", str(ROOT), *args], stdout=terminal, stderr=subprocess.PIPE, env=env
    ) as process:
        os.close(terminal)
        shown = read_terminal(controller)  # read while it writes: a pty's buffer is small
        err = process.stderr.read()
        code = process.wait()
    _compare(name, _record(code, shown.replace(b"\r\n", b"\n"), err, []))
