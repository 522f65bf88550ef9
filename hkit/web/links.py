"""Where an IRI shown on a page links to: an entity's page, a class's page, a term of the
ontology in its documentation, else the IRI itself; where a citation of a source document links
to (its page, at the sentence when known); and the article before a class's label."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

from hkit.core.vocab import HKIT, ID, compact

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


def sentence_index(ledger: Mapping[str, Sequence[Any]]) -> dict[str, dict[str, list[int]]]:
    """For each document of the claims ledger (its rows by file name, in order), the numbers of
    its sentences that each node (by compact name) encodes."""
    index: dict[str, dict[str, list[int]]] = {}
    for file, rows in ledger.items():
        by_node = index.setdefault(file, {})
        for number, row in enumerate(rows, start=1):
            for node in row.nodes:
                by_node.setdefault(node, []).append(number)
    return index


def source_link(
    file: str, index: Mapping[str, Mapping[str, list[int]]], iris: Iterable[str] = ()
) -> str | None:
    """The page of the source document ``file`` (None when the claims ledger has no document of
    that name), at the sentence that states a row's fact when it is known: of the row's
    ``iris`` that the ledger ties to sentences of the document, the one tied to the fewest, when
    it is tied to one sentence alone (an amount, a figure); an entity that many sentences name
    points to none of them."""
    by_node = index.get(file)
    if by_node is None or not SLUG.fullmatch(file.removesuffix(".txt")):
        return None
    path = "/sources/" + file.removesuffix(".txt")
    tied = [by_node[name] for name in map(compact, iris) if name in by_node]
    if tied and len(fewest := min(tied, key=len)) == 1:
        return f"{path}#s{fewest[0]}"
    return path


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
