"""Shared fixtures: the repository's files, parsed once per session."""

from __future__ import annotations

import pytest
import rdflib
from helpers import ROOT

from hkit.graph import ONTOLOGY, SHAPES, load_rdflib


@pytest.fixture(scope="session")
def ontology_graph() -> rdflib.Graph:
    return load_rdflib([ROOT / ONTOLOGY])


@pytest.fixture(scope="session")
def shapes_graph() -> rdflib.Graph:
    return load_rdflib([ROOT / SHAPES])


def pytest_addoption(parser):
    parser.addoption(
        "--generate-golden",
        action="store_true",
        help="rewrite tests/golden/*.json from the current saved-query results",
    )
