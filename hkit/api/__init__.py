"""hkit as a Python library: one object for the graph, its saved queries and its checks.

Open the graph (the checkout in the current directory, ``root``, or the copy inside the
installed package), then ask it questions:

>>> import hkit
>>> kg = hkit.open()
>>> answer = kg.query("funds-by-size", currency="HKD")
>>> answer.variables[:5]
['initiative', 'label', 'qualifier', 'value', 'currency']
>>> first = next(iter(answer))
>>> print(first["initiative"], first["value"], first["currency"])
id:it-industry-oriented-fund 10000000000 HKD

Every answer renders to the command line's formats, and to a ``pandas.DataFrame`` with the
``pandas`` extra (``answer.to_pandas()``). The reports (``validate``, ``reason``, ``check``,
``review``) hold their findings as data and render as the commands print them.

The library is four modules: :mod:`hkit.api.graph` (``KnowledgeGraph``),
:mod:`hkit.api.rules` (what the library accepts: where the graph comes from, parameters as
texts), :mod:`hkit.api.functions` (what needs no open graph: the diff, the ledger's new
documents, the cache) and this one (``open`` and the registries).

May import :mod:`hkit.present` and every layer below it.
"""

from __future__ import annotations

from pathlib import Path

from hkit.api.functions import (
    cache_dir,
    cached_stores,
    clear_cache,
    diff,
    export_suffixes,
    register_document,
)
from hkit.api.graph import SOURCE_LOOKUP_LIMIT, KnowledgeGraph
from hkit.api.rules import SOURCE_RULES, check_sources
from hkit.core.limits import DEFAULT_TIMEOUT

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "REGISTRIES",
    "SOURCE_LOOKUP_LIMIT",
    "SOURCE_RULES",
    "KnowledgeGraph",
    "cache_dir",
    "cached_stores",
    "check_sources",
    "clear_cache",
    "diff",
    "export_suffixes",
    "open",
    "register_document",
]

#: The registries of the library's choices, by name: the gates of ``check`` and the severities
#: of ``review`` (the formats have theirs, hkit.core.formats). Each is read from its module on
#: first use (those modules are heavy to import).
REGISTRIES = {
    "GATES": ("hkit.quality.checks", "GATES"),
    "SEVERITIES": ("hkit.quality.review", "SEVERITIES"),
    "DIFF_FAIL_ON": ("hkit.quality.diff_classes", "FAIL_ON"),
}


def __getattr__(name: str) -> object:
    if name in REGISTRIES:
        import importlib

        module, attribute = REGISTRIES[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'hkit.api' has no attribute {name!r}")


def open(
    *,
    root: str | Path | None = None,
    data: Iterable[str | Path] = (),
    endpoint: str | None = None,
    default_graphs: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    asserted: bool = False,
) -> KnowledgeGraph:
    """The hkit graph, ready to query. Every option is given by name.

    ``root`` is a folder with ``ontology/``, ``data/`` and ``queries/`` (default: the checkout in
    the current directory, else the copy inside the installed package); ``data`` adds your own
    Turtle, N-Triples, RDF/XML or JSON-LD files; ``endpoint`` runs the queries on a SPARQL 1.1
    endpoint instead of the embedded store (with ``default_graphs``); ``timeout`` bounds each
    query, in seconds. Queries on the embedded store see what the ontology entails as well as
    what the documents state; ``asserted=True`` leaves out what is only entailed.

    >>> kg = open()
    >>> len(kg.queries) >= 25
    True
    """
    return KnowledgeGraph(
        root=root,
        data=data,
        endpoint=endpoint,
        default_graphs=default_graphs,
        timeout=timeout,
        asserted=asserted,
    )
