"""``hkit serve`` fuzzed from its own OpenAPI document with Schemathesis: a real server on
loopback, every operation of the document sent the cases that Hypothesis generates from it, and
every answer checked: no 5xx, and its status, media type and (JSON) body as documented. The
document must describe every route the router serves, or the fuzzer would never reach the ones
it leaves out; the first test checks that."""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request

import pytest
from helpers import ROOT, serving_in_thread
from stores import free_port

import hkit

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hkit.web.app import make_app
from hkit.web.openapi import openapi_document

try:
    import schemathesis
except ImportError:  # the fuzzing tests skip, or fail under HKIT_REQUIRE_EXTERNAL: _fuzzer()
    schemathesis = None

#: Cases per operation that Hypothesis generates (max_examples) in the default run, beside the
#: documented examples; the slow run generates more, and adds Schemathesis's coverage phase
#: (boundary values, wrong types, missing parameters, other methods: about 30 per operation).
QUICK_EXAMPLES = 2
THOROUGH_EXAMPLES = 25
#: Cases are derived from it (and Hypothesis derandomized), so that a run can be repeated.
SEED = 20_240_607
#: The keys of an OpenAPI path item that are operations.
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _fuzzer():
    """Schemathesis, or a skip with the reason (a failure when HKIT_REQUIRE_EXTERNAL is set, as
    in CI, where the fuzzing must run)."""
    if schemathesis is not None:
        return schemathesis
    if os.environ.get("HKIT_REQUIRE_EXTERNAL"):
        pytest.fail("Schemathesis is not installed, and HKIT_REQUIRE_EXTERNAL asks for it")
    pytest.skip("Schemathesis is not installed (pip install -e '.[test]'): the API is not fuzzed")


@pytest.fixture(scope="module")
def app():
    """The application over the repository's graph (its /ontology pages removed afterwards)."""
    application = make_app(hkit.open(root=ROOT))
    yield application
    shutil.rmtree(application.state.server.docs_folder, ignore_errors=True)


@pytest.fixture(scope="module")
def live(app):
    """``app`` on a real uvicorn server in a thread of this process, on a free port of
    127.0.0.1 (a Host the server answers for); its base URL."""
    with serving_in_thread(app, free_port()) as base:
        yield base


# -- the document describes every route ------------


def _template(route: Route | Mount) -> str:
    """The route's path as an OpenAPI template: a mount's with the file below it as {path},
    Starlette's convertors ({name:int}) left out."""
    path = route.path + "/{path}" if isinstance(route, Mount) else route.path
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _served(app) -> dict[str, set[str]]:
    """The paths the router serves, as OpenAPI templates, with their methods."""
    served: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Route):
            served[_template(route)] = set(route.methods or ())
        elif isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            served[_template(route)] = {"GET", "HEAD"}  # all that StaticFiles answers
        else:
            pytest.fail(f"a route this test cannot read (teach it how): {route!r}")
    return served


def test_the_openapi_document_describes_every_route_the_router_serves(app):
    from openapi_spec_validator import validate

    document = openapi_document(app.state.server.kg, "http://127.0.0.1:7878")
    validate(document)
    documented = {
        path: {m.upper() for m in item if m in METHODS} for path, item in document["paths"].items()
    }
    served = _served(app)

    missing = sorted(set(served) - set(documented))
    assert not missing, f"routes the OpenAPI document does not describe: {missing}"
    methods = {
        path: sorted(m - documented[path]) for path, m in served.items() if m - documented[path]
    }
    assert not methods, f"methods the OpenAPI document does not describe, by route: {methods}"

    # ...and it describes nothing else (a saved query's own path, /api/queries/funds-by-size,
    # is one of /api/queries/{name}'s)
    for path, path_methods in documented.items():
        if path in served:
            template = path
        else:
            routes = [r for r in app.routes if r.path_regex.fullmatch(path)]
            assert routes, f"the OpenAPI document describes {path}, which no route serves"
            template = _template(routes[0])
        extra = sorted(path_methods - served[template])
        assert not extra, f"the OpenAPI document describes {extra} {path}, which is not served"

    # every answer of every operation is described: its media types, with a schema each
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            assert "200" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                where = (method, path, status)
                if method == "head":  # no body
                    assert "content" not in response, where
                    continue
                assert response.get("content"), where
                assert all("schema" in body for body in response["content"].values()), where


def test_the_document_fuzzed_is_the_one_the_server_serves(app, live):
    """The fuzzing below reads openapi_document() (Schemathesis makes its tests as they are
    collected, before the server starts): it is what /api/openapi.json answers."""
    with urllib.request.urlopen(live + "/api/openapi.json", timeout=30) as response:
        served = json.load(response)
    expected = json.loads(json.dumps(openapi_document(app.state.server.kg, live)))
    assert served == expected


# -- the fuzzing ------------


def _schema(examples: int, *, coverage: bool):
    """The OpenAPI document as Schemathesis reads it, to generate ``examples`` cases per
    operation from SEED, and with ``coverage`` its coverage phase's too. Made from the document
    as the tests are collected, one test per operation, and sent to the server that the ``live``
    fixture starts; Schemathesis's loader from a fixture (schemathesis.pytest.from_fixture) fails
    on pytest 9.2, which has no Node._nodeid to set."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": coverage}},
        }
    )
    document = openapi_document(hkit.open(root=ROOT), "http://127.0.0.1")
    return schemathesis.openapi.from_dict(document, config=config)


def _check(case, base: str) -> None:
    """Send ``case`` to the server at ``base``; fail on a 5xx, or on an answer the document does
    not describe: its status, its media type, or its body's schema."""
    checks = schemathesis.checks
    case.call_and_validate(
        base_url=base,
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
        timeout=60,
    )


if schemathesis is not None:
    # a SPARQL query sent as the body of a POST (application/sparql-query) is text
    schemathesis.serializer.alias("application/sparql-query", "text/plain")

    # The default run fuzzes every route but HEAD (Starlette answers it as GET) and three of the
    # saved queries' paths (each is the same route); CI fuzzes every operation thoroughly below.
    @(
        _schema(QUICK_EXAMPLES, coverage=False)
        .exclude(method="HEAD")
        .exclude(
            path_regex=r"^/api/queries/(?!funds-by-size$|who-works-in-sector$|entity-provenance$)"
            r"[^{]+$"
        )
        .parametrize()
    )
    def test_every_operation_fuzzed_from_the_openapi_document(case, live):
        _check(case, live)

    @pytest.mark.slow
    @_schema(THOROUGH_EXAMPLES, coverage=True).parametrize()
    def test_every_operation_fuzzed_thoroughly(case, live):
        _check(case, live)

else:

    def test_every_operation_fuzzed_from_the_openapi_document():
        _fuzzer()

    @pytest.mark.slow
    def test_every_operation_fuzzed_thoroughly():
        _fuzzer()
