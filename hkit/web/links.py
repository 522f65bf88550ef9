"""Where an IRI shown on a page links to: an entity's page, a class's page, a term of the
ontology in its documentation, else the IRI itself; and the article before a class's label."""

from __future__ import annotations

import re
from collections.abc import Container

from hkit.core.vocab import HKIT, ID

#: The local name of an entity of the graph, after its namespace (``ID``).
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


def entity_path(iri: str) -> str | None:
    """The page of an entity of the graph, or None for an IRI outside its namespace."""
    if iri.startswith(ID) and SLUG.fullmatch(iri[len(ID) :]):
        return "/id/" + iri[len(ID) :]
    return None


#: The local name of a term of the ontology, after its namespace (``HKIT``).
TERM = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,200}")


def class_path(iri: str) -> str:
    """The page of a class of the ontology (the caller knows ``iri`` is one)."""
    return "/classes/" + iri[len(HKIT) :]


def href(iri: str, classes: Container[str] = ()) -> str | None:
    """Where an IRI shown on a page links to: an entity's page, a class's page (of those in
    ``classes``), another term of the ontology in its documentation, else the IRI itself (a term
    of another vocabulary); None for an IRI that is not a web address (``urn:``...)."""
    path = entity_path(iri)
    if path is not None:
        return path
    local = iri[len(HKIT) :]
    if iri.startswith(HKIT) and TERM.fullmatch(local):
        return class_path(iri) if iri in classes else "/ontology/#" + local
    if iri.startswith(("http://", "https://")):
        return iri
    return None


#: Words that begin with a vowel's letter but not its sound ("a university"), and the reverse
#: ("an hour").
_SOUNDS_LIKE_A = ("uni", "use", "usu", "uti", "eu", "one", "once")
_SOUNDS_LIKE_AN = ("hour", "honest", "honou", "heir")


def article(word: str) -> str:
    """The article before ``word``, by how it sounds: "An initiative", "A university".

    >>> article("initiative"), article("university"), article("person"), article("hour")
    ('An', 'A', 'A', 'An')
    """
    low = word.lower()
    if low.startswith(_SOUNDS_LIKE_AN):
        return "An"
    vowel = low[:1] in ("a", "e", "i", "o", "u") and not low.startswith(_SOUNDS_LIKE_A)
    return "An" if vowel else "A"
