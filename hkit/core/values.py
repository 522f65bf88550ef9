"""RDF terms as Python values, for people who use hkit from Python: ``Decimal`` for decimals,
``int``, ``float``, ``bool``, ``datetime.date`` and ``datetime.datetime``, ``str`` for strings and
for dates of a year or a month, and :class:`IRI` for IRIs.

>>> from hkit.core.answers import Term
>>> to_python(Term("literal", "10000000000", "http://www.w3.org/2001/XMLSchema#decimal"))
Decimal('10000000000')
>>> to_python(Term("literal", "2023-12-06", "http://www.w3.org/2001/XMLSchema#date"))
datetime.date(2023, 12, 6)
>>> iri = to_python(Term("uri", "https://w3id.org/hkit/id/innohk"))
>>> print(iri)
id:innohk
>>> iri == "https://w3id.org/hkit/id/innohk"
True
"""

from __future__ import annotations

from hkit.core.vocab import XSD, compact

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from hkit.core.answers import Term

#: XML Schema's integer datatypes: their values are Python ints.
INTEGERS = {
    XSD + name
    for name in (
        "integer long int short byte nonNegativeInteger positiveInteger nonPositiveInteger "
        "negativeInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}


class IRI(str):
    """An IRI: a ``str`` holding the full IRI, that prints compactly (``id:innohk``) when one
    of hkit's prefixes covers it."""

    __slots__ = ()

    @property
    def compact(self) -> str:
        """``prefix:local`` for an IRI in one of hkit's namespaces, else the IRI itself."""

        return compact(str.__str__(self))

    def __str__(self) -> str:
        return self.compact

    def __repr__(self) -> str:
        return f"IRI({self.compact!r})"


def to_python(term: Term) -> object:
    """The Python value of an RDF term (see the module's docstring); a literal of a type with no
    Python counterpart, or one whose text is not valid for its type, stays a ``str``."""
    if term.kind == "uri":
        return IRI(term.value)
    if term.kind == "bnode":
        return f"_:{term.value}"
    datatype, text = term.datatype, term.value
    try:
        if datatype == XSD + "decimal":
            from decimal import Decimal

            return Decimal(text)
        if datatype in INTEGERS:
            return int(text)
        if datatype in (XSD + "double", XSD + "float"):
            return float(text)
        if datatype == XSD + "boolean":
            return text in ("true", "1")
        if datatype == XSD + "date" and len(text) == 10:
            from datetime import date

            return date.fromisoformat(text)
        if datatype == XSD + "dateTime":
            from datetime import datetime

            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, ArithmeticError):
        return text
    return text
