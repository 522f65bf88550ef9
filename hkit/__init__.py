"""hkit: a knowledge graph of Hong Kong's innovation and technology ecosystem.

>>> import hkit
>>> kg = hkit.open()
>>> answer = kg.query("funds-by-size", currency="HKD")
>>> isinstance(answer, hkit.Result), answer.variables[:4]
(True, ['initiative', 'label', 'qualifier', 'value'])
>>> try:
...     kg.query("funds-by-size", currency="EUR")
... except hkit.QueryError as error:
...     print(error.message, error.exit_code == hkit.EXIT_USAGE)
parameter 'currency' cannot be 'EUR' True

``hkit.open()`` returns a :class:`KnowledgeGraph`; see :mod:`hkit.api`.

The public API is the names in ``__all__`` and the modules that define them: the graph
(``open``, ``KnowledgeGraph``), answers (``Result``, ``Term``, ``IRI``), the reports that the
graph's methods return, the errors and exit codes, and ``__version__``. The other modules may
change without notice.
"""

from hkit.core.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CHECK_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    AnswerTooLarge,
    EndpointError,
    HkitError,
    HkitWarning,
    InputError,
    QueryError,
    QueryFailed,
    QueryTimeout,
    ReasonerError,
    ResourceError,
    UnmatchedWarning,
)
from hkit.core.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from hkit.api import open
    from hkit.api.graph import KnowledgeGraph
    from hkit.core.answers import Result, Term
    from hkit.core.catalog import SavedQuery
    from hkit.core.values import IRI
    from hkit.present.explore import Description, Stats
    from hkit.quality.checks import Check, GateReport
    from hkit.quality.diff import OntologyDiff
    from hkit.quality.ledger import LedgerReport
    from hkit.quality.ledger_add import Registration
    from hkit.quality.reason import ReasonerReport
    from hkit.quality.review import Review
    from hkit.quality.validate import ValidationReport

#: The graph, the answers and the classes of the reports and descriptions that the graph's
#: methods return, by the module that defines each: imported on first use. Most of the report
#: modules import rdflib or dataclasses, and the library itself pathlib and the engines, which
#: the command line does not pay for before it knows it needs them (an answer it replays from
#: its cache needs none: hkit.cli.replay).
_LAZY = {
    "open": "hkit.api",
    "KnowledgeGraph": "hkit.api.graph",
    "Result": "hkit.core.answers",
    "Term": "hkit.core.answers",
    "IRI": "hkit.core.values",
    "Check": "hkit.quality.checks",
    "Description": "hkit.present.explore",
    "GateReport": "hkit.quality.checks",
    "LedgerReport": "hkit.quality.ledger",
    "OntologyDiff": "hkit.quality.diff",
    "ReasonerReport": "hkit.quality.reason",
    "Registration": "hkit.quality.ledger_add",
    "Review": "hkit.quality.review",
    "SavedQuery": "hkit.core.catalog",
    "Stats": "hkit.present.explore",
    "ValidationReport": "hkit.quality.validate",
}

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CHECK_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "IRI",
    "AnswerTooLarge",
    "Check",
    "Description",
    "EndpointError",
    "GateReport",
    "HkitError",
    "HkitWarning",
    "InputError",
    "KnowledgeGraph",
    "LedgerReport",
    "OntologyDiff",
    "QueryError",
    "QueryFailed",
    "QueryTimeout",
    "ReasonerError",
    "ReasonerReport",
    "Registration",
    "ResourceError",
    "Result",
    "Review",
    "SavedQuery",
    "Stats",
    "Term",
    "UnmatchedWarning",
    "ValidationReport",
    "__version__",
    "open",
]


def __getattr__(name: str) -> object:
    """A name of the API, imported from its module on first use (see ``_LAZY``)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
