"""The answer model: an RDF term (:class:`Term`) and a query's answer (:class:`Result`),
the same whichever engine gave it."""

from __future__ import annotations

from collections import namedtuple

from hkit.core.errors import HkitError
from hkit.core.formats import render
from hkit.core.values import to_python
from hkit.core.vocab import XSD

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, NamedTuple

    class _TermFields(NamedTuple):
        kind: str
        value: str
        datatype: str | None = None
        lang: str | None = None

else:
    # the same fields, typed above for the type checker (typing is not imported at run time)
    _TermFields = namedtuple("Term", "kind value datatype lang", defaults=(None, None))


class Term(_TermFields):
    """An RDF term, engine-neutral: ``kind`` is 'uri', 'literal' or 'bnode'; ``value`` the IRI,
    the literal's text or the blank node's label; ``datatype`` a literal's datatype IRI (None for
    a plain string) and ``lang`` its language tag.

    (A named tuple rather than a dataclass: dataclasses imports inspect, which would cost
    ``hkit query`` a sizeable share of its start-up time.)
    """

    __slots__ = ()


class Result:
    """A query's answer: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE."""

    __slots__ = ("boolean", "form", "rows", "source_names", "triples", "variables")

    def __init__(
        self,
        form: str,
        variables: list[str] | None = None,
        rows: list[dict[str, Term]] | None = None,
        boolean: bool | None = None,
        triples: list[tuple[Term, Term, Term]] | None = None,
    ) -> None:
        self.form = form
        self.variables = variables if variables is not None else []
        self.rows = rows if rows is not None else []
        self.boolean = boolean
        self.triples = triples if triples is not None else []
        #: What a person knows each source document by, by file name, for :meth:`to_pandas`: a
        #: mapping, or a function that looks it up when first needed (the graph that answered
        #: gives one), or None.
        self.source_names: dict[str, str] | Callable[[], dict[str, str]] | None = None

    def _key(self) -> tuple[object, ...]:
        return (self.form, self.variables, self.rows, self.boolean, self.triples)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, so not hashable

    def __getstate__(self) -> tuple[None, dict[str, object]]:
        """What pickle keeps: every slot, the source names only when already looked up (the
        function that looks them up holds the graph, which stays behind)."""
        state = {slot: getattr(self, slot) for slot in self.__slots__}
        if callable(self.source_names):
            state["source_names"] = None
        return None, state

    def __repr__(self) -> str:
        return (
            f"Result(form={self.form!r}, variables={self.variables!r}, rows={self.rows!r}, "
            f"boolean={self.boolean!r}, triples={self.triples!r})"
        )

    def __iter__(self) -> Iterator[dict[str, object]]:
        """The rows of a SELECT answer as dicts of Python values (``Decimal``, ``int``,
        ``datetime.date``, ``str``, :class:`hkit.core.values.IRI`...); an unbound variable is absent
        from its row. ``rows`` keeps the RDF terms."""

        for row in self.rows:
            yield {var: to_python(term) for var, term in row.items()}

    def __len__(self) -> int:
        """The number of rows (of triples, for CONSTRUCT and DESCRIBE)."""
        return len(self.triples) if self.form in ("CONSTRUCT", "DESCRIBE") else len(self.rows)

    def render(self, fmt: str = "table") -> str:
        """The answer in one of the formats of the registry (hkit.core.formats): ``table``,
        ``csv``, ``tsv``, ``json``, ``xml``, ``md``; ``turtle``, ``ntriples`` and ``jsonld`` for
        graph answers."""
        return render(self, fmt)

    def to_pandas(self, *, exact: bool = False, file_names: bool = False) -> Any:
        """The rows as a ``pandas.DataFrame``, one column per variable, typed (see
        :mod:`hkit.core.frames`): numbers as nullable ``Int64`` or ``Float64`` columns, exact
        dates as ``datetime64``, a period (a year, ``2024/2025``) as its text with a ``_start``
        and an ``_end`` date column beside it, text as ``string``. Source documents are shown by
        their titles and dates (as the tables show them) unless ``file_names``.

        Money: a sum of money is a ``Float64`` column by default (what a plot needs, but a float
        is not exact); ``exact=True`` gives every non-integer number as the exact
        ``decimal.Decimal`` instead (an ``object`` column), for totals that must be exact.

        Needs pandas (``pip install 'hkit[pandas]'``), imported only here."""
        try:
            import pandas  # noqa: F401  # the pandas extra: only to say when it is missing
        except ImportError as exc:
            raise HkitError(
                "to_pandas() needs pandas, which is not installed",
                hint="pip install 'hkit[pandas]'",
            ) from exc
        from hkit.core.frames import frame  # imports pandas

        names = None if file_names else self.source_names
        if callable(names):
            names = self.source_names = names()
        return frame(self, exact=exact, names=names)


XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
