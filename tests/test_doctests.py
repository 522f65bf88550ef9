"""The examples in hkit's docstrings run as tests: every module that has one (a ``>>>`` in its
source), in the checkout, with a cache folder of its own."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from helpers import ROOT

import hkit

PACKAGE = Path(hkit.__file__).parent

#: The optional extras' libraries: a module with examples that needs one is skipped without it.
EXTRAS = {"pandas", "starlette", "uvicorn", "jinja2", "mimeparse"}


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules_with_examples()


def test_the_public_modules_examples_are_found():
    assert {"hkit", "hkit.api", "hkit.core.values", "hkit.core.formats"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path))
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in EXTRAS:
            raise
        pytest.skip(f"{name} needs {exc.name}, an optional extra")
    runner = doctest.DocTestRunner(verbose=False)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=report.append)
    assert runner.tries > 0, f"{name} has '>>>' but no example was found"
    assert runner.failures == 0, "".join(report)
