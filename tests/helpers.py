"""Paths shared by the tests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHAPE_FIXTURES = FIXTURES / "shapes"
CHECK_FIXTURES = FIXTURES / "checks"
GATE_FIXTURES = FIXTURES / "gates"

#: The classes whose counts the README's "What is in the graph" table reports (asserted, and with
#: what the ontology entails).
README_COUNT_CLASSES = (
    "Person",
    "Organisation",
    "GovernmentBody",
    "StatutoryBody",
    "University",
    "ResearchInstitution",
    "ResearchCluster",
    "Company",
    "Unicorn",
    "Initiative",
    "Fund",
    "Scheme",
    "PolicyMeasure",
    "Place",
    "Event",
    "Agreement",
    "Post",
    "Appointment",
    "Observation",
    "Target",
    "MonetaryAmount",
    "Statement",
    "Quotation",
    "Plan",
    "Allocation",
    "EligibilityCriterion",
)


def graph_counts(graph):
    """Counts per class (instances of the class or its subclasses, in the id: namespace) and
    per source document (nodes that cite it), as the README reports them."""
    import rdflib
    from rdflib.namespace import RDF, RDFS

    from hkit.store.files import HKIT, HKIT_ID

    derived_from = rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    per_class = {
        name: len(
            {
                s
                for sub in graph.transitive_subjects(RDFS.subClassOf, HKIT[name])
                for s in graph.subjects(RDF.type, sub)
                if str(s).startswith(str(HKIT_ID))
            }
        )
        for name in README_COUNT_CLASSES
    }
    per_source = {
        str(name): len(set(graph.subjects(derived_from, doc)))
        for doc, name in graph.subject_objects(HKIT.fileName)
    }
    return per_class, dict(sorted(per_source.items()))


def expected_messages(path: Path) -> list[str]:
    """The ``# expect: ...`` lines of a fixture: what a check must say about it."""
    import re

    return re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.M)


def read_terminal(controller: int) -> bytes:
    """Everything a pseudo-terminal showed, read from its controller side until the other side is
    closed (Linux reports that as EIO); closes the controller."""
    import os

    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks)


def report_results(graph) -> set[tuple]:  # an rdflib.Graph
    """A report graph's top-level results, comparable across runs."""
    import rdflib
    from rdflib.namespace import SH

    from hkit.quality.validate import _path_text

    found = set()
    for report in graph.subjects(rdflib.RDF.type, SH.ValidationReport):
        for result in graph.objects(report, SH.result):
            path = graph.value(result, SH.resultPath)
            found.add(
                (
                    graph.value(result, SH.focusNode),
                    None if path is None else _path_text(graph, path),
                    graph.value(result, SH.value),
                    graph.value(result, SH.sourceShape),
                    graph.value(result, SH.sourceConstraintComponent),
                    graph.value(result, SH.resultSeverity),
                    str(graph.value(result, SH.resultMessage)),
                )
            )
    return found


class Canary:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                body = b'{"@context": {"x": "http://example.org/x"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        # a short poll, so that shutdown() returns at once rather than within half a second
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()


@contextlib.contextmanager
def serving_in_thread(app: Any, port: int) -> Iterator[str]:
    """``app`` (an ASGI application) on a real uvicorn server in a thread of this process, on
    ``port`` of 127.0.0.1, with hkit's own protocol (its request timeout); its base URL."""
    import uvicorn

    from hkit.web.guard import _protocol

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", http=_protocol(5.0), lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        started.wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@functools.cache
def owlrl_closure_of_the_shipped_graph() -> tuple[Any, frozenset]:
    """The shipped graph with owlrl's OWL 2 RL closure (an rdflib graph; do not change it), and
    its asserted triples: computed once a test run (several seconds), shared by the tests that
    compare hkit's closure and the saved queries with it."""
    import owlrl
    import rdflib

    from hkit.store.files import graph_files

    graph = rdflib.Graph()
    for path in graph_files(ROOT):
        graph.parse(path)
    asserted = frozenset(graph)
    # improved_datatypes=False: owlrl's own lexical conversions stay registered in rdflib after
    # expand for datatypes rdflib has none for, and its xsd:gMonth one refuses "--09", so every
    # later rdflib literal of that month would be ill-typed in this process
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        axiomatic_triples=False,
        datatype_axioms=False,
        improved_datatypes=False,
    ).expand(graph)
    return graph, asserted
