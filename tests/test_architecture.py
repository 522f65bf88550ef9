"""The architecture holds (docs/architecture.md): each layer imports only the layers below it
(the import-linter contract in pyproject.toml), no module imports itself through others, no
module grows past 700 lines, and the page names every package and module there is."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import grimp
from helpers import ROOT

PACKAGE = ROOT / "hkit"
MAX_LINES = 700


def _modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_the_layers_contract_is_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_import_cycle_counting_imports_inside_functions():
    """Tarjan's strongly connected components over every import hkit's modules make (at the
    top or inside a function); imports made for the type checker alone are left out."""
    graph = grimp.build_graph("hkit", exclude_type_checking_imports=True)
    modules = sorted(m for m in graph.modules if m.startswith("hkit"))
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in edges.get(module, []):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    # a package importing its own sub-modules (hkit -> hkit.api -> hkit.core ...) is no cycle
    # unless a sub-module imports the package back, which the components show
    assert not cycles, cycles


def test_no_module_is_over_700_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_the_architecture_page_names_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(hkit(?:\.\w+)*)`", page)) | set(
        re.findall(r"\b(hkit(?:/\w+)+)\.py\b", page)
    )
    named = {n.replace("/", ".") for n in named}
    missing = [m for m in _modules() if m not in named and not m.endswith("__main__")]
    assert not missing, f"docs/architecture.md does not name {missing}"


def test_every_layer_package_says_what_it_may_import():
    import importlib

    contract = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layers = re.search(r"layers = \[(.*?)\]", contract, re.S)
    assert layers is not None
    names = re.findall(r'"(hkit[.\w]*)"', layers.group(1))
    for upper, lower in itertools.pairwise(names):
        module = importlib.import_module(upper)
        if module.__file__ and module.__file__.endswith("__init__.py"):
            assert "May import" in (module.__doc__ or ""), upper
            assert f":mod:`{lower}`" in module.__doc__ or "every layer below" in module.__doc__, (
                upper
            )


def test_every_route_is_a_view_in_the_table_and_in_the_openapi_document():
    """The route recipe of docs/architecture.md: a route is a view of hkit/web/views, a line of
    the route table, and a path of the OpenAPI document (which the fuzz test works from); a
    saved query's API path is described once per query, as grlc does."""
    import hkit
    from hkit.web.app import ROUTES
    from hkit.web.openapi import openapi_document

    document = openapi_document(hkit.open(root=ROOT), "http://127.0.0.1:7878")
    described = set(document["paths"])
    for entry in ROUTES:
        assert entry.view.__module__.startswith("hkit.web.views."), entry.path
        if entry.path == "/api/queries/{name}":
            assert all(f"/api/queries/{n}" in described for n in hkit.open(root=ROOT).queries)
        else:
            assert entry.path in described, entry.path
