"""Shared fixtures: the repository's files, parsed once per session."""

from __future__ import annotations

import pytest
import rdflib
from helpers import ROOT

import hkit
from hkit.store.files import ONTOLOGY, SHAPES
from hkit.store.rdf import load_rdflib


@pytest.fixture(scope="session")
def ontology_graph() -> rdflib.Graph:
    return load_rdflib([ROOT / ONTOLOGY])


@pytest.fixture(scope="session")
def shapes_graph() -> rdflib.Graph:
    return load_rdflib([ROOT / SHAPES])


#: Variables of the test run's own that stay; every other HKIT_* variable is the user's.
_RUN_SETTINGS = ("HKIT_REQUIRE_EXTERNAL", "HKIT_ALL_TESTS", "HKIT_JAVA", "HKIT_WRITE_GOLDEN")
#: Other variables of the user's environment that change what hkit prints or where it writes.
_USER_SETTINGS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE")


def _user_settings() -> list[str]:
    import os

    return [
        name
        for name in os.environ
        if (name.startswith(("HKIT_", "XDG_")) and name not in _RUN_SETTINGS)
        or name in _USER_SETTINGS
    ]


#: The test run's own cache folder (XDG_CACHE_HOME), made when the run starts.
_RUN_CACHE: list[str] = []


def pytest_configure(config):
    """The user's settings are gone before any fixture starts a server or a store (a module's
    fixture runs before the per-test isolation below), and the cache folder is the run's own."""
    import os
    import tempfile

    for name in _user_settings():
        del os.environ[name]
    _RUN_CACHE.append(tempfile.mkdtemp(prefix="hkit-test-cache-"))
    os.environ["XDG_CACHE_HOME"] = _RUN_CACHE[0]


def pytest_unconfigure(config):
    import shutil

    for folder in _RUN_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """Every test starts from the same environment, whatever the user's holds: no HKIT_*
    setting of theirs (a cache folder, a root, an endpoint, a memory limit), no terminal size
    or colour settings, and a cache folder (XDG_CACHE_HOME) of the test run's own."""
    for name in _user_settings():  # set by a test or a fixture since the run started
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", _RUN_CACHE[0])


def pytest_collection_modifyitems(config, items):
    """Tests marked reasoner need Java: without it they are skipped with the reason, unless
    HKIT_REQUIRE_EXTERNAL is set (CI), when they run and fail. Tests marked slow run in CI or with
    HKIT_ALL_TESTS=1; the default run skips them, with the reason, so that it stays within about
    three minutes."""
    import os
    import shutil

    required = os.environ.get("HKIT_REQUIRE_EXTERNAL")
    if not required and shutil.which(os.environ.get("HKIT_JAVA", "java")) is None:
        no_java = pytest.mark.skip(reason="Java is not installed (the OWL reasoner needs it)")
        for item in items:
            if "reasoner" in item.keywords:
                item.add_marker(no_java)
    if os.environ.get("HKIT_ALL_TESTS") or required:
        return
    skip = pytest.mark.skip(reason="slow: run with HKIT_ALL_TESTS=1 (CI runs every test)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_addoption(parser):
    parser.addoption(
        "--generate-golden",
        action="store_true",
        help="rewrite tests/golden/*.json from the current saved-query results",
    )


@pytest.fixture(scope="module")
def canary():
    """An HTTP server on 127.0.0.1 that records every request it gets (helpers.Canary)."""
    from helpers import Canary

    server = Canary()
    yield server
    server.server.shutdown()
    server.server.server_close()


#: The graph the Virtuoso tests load hkit's Turtle export into.
VIRTUOSO_GRAPH = "https://w3id.org/hkit/"


@pytest.fixture(scope="session")
def jena(tmp_path_factory) -> str:
    """A class path on which Debian's Jena runs (see tests/stores.py)."""
    from stores import jena_classpath

    return jena_classpath(tmp_path_factory.mktemp("jena"))


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A Virtuoso 7 server on 127.0.0.1, with hkit's Turtle export loaded into VIRTUOSO_GRAPH
    and its N-Quads export beside it (each source document's named graph, as docs/loading.md
    says); stopped at the end of the session."""
    from stores import Virtuoso

    workdir = tmp_path_factory.mktemp("virtuoso")
    server = Virtuoso(workdir)
    server.start()
    try:
        export_file = workdir / "hkit.ttl"
        export_file.write_bytes(hkit.open(root=ROOT).export("turtle"))
        server.load(export_file, VIRTUOSO_GRAPH)
        dataset = workdir / "hkit.nq"
        dataset.write_bytes(hkit.open(root=ROOT).export("nquads"))
        server.load(dataset, VIRTUOSO_GRAPH)  # (the graphs are the file's own)
        server.restart()
        yield server
    finally:
        server.stop()
