"""Guards for RDF/XML input: no DOCTYPE, no entity declarations."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hkit.core.errors import InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    pass


def refuse_doctype(path: Path) -> None:
    """Refuse an RDF/XML file with a DOCTYPE (or an entity declaration) before any parser sees
    it: its entities can make a parser build strings for minutes or gigabytes (HAZARDS 7), or
    pull in other files. The whole prolog is read, however long its comments, in whatever
    encoding the file declares."""
    try:
        with path.open("rb") as fh:
            found = xml_declares_entities(iter(lambda: fh.read(1 << 16), b""))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if found:
        raise InputError(f"{path}: RDF/XML with a DOCTYPE is refused")


def xml_declares_entities(chunks: Iterable[bytes]) -> bool:
    """Whether the XML document in ``chunks`` has a DOCTYPE or an entity declaration before its
    root element: its prolog is decoded by its byte order mark or declared encoding, and
    comments and processing instructions of any length are passed over (memory stays bounded).

    >>> xml_declares_entities([b'<?xml version="1.0"?><!-- a -->', b'<!DOCTYPE r [ ]><r/>'])
    True
    >>> xml_declares_entities(['<!DOCTYPE r><r/>'.encode("utf-16")])
    True
    >>> xml_declares_entities([b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'])
    False
    """
    import codecs

    decoder = None
    buf = ""
    for chunk in chunks:
        if decoder is None:
            decoder = codecs.getincrementaldecoder(_xml_encoding(chunk))(errors="replace")
        buf += decoder.decode(chunk)
        while True:
            buf = buf.lstrip("\ufeff \t\r\n")
            if any(marker.startswith(buf.upper()) for marker in _PROLOG_MARKERS):
                break  # nothing yet, or too little to tell: read on
            if buf.startswith("<?"):
                end = buf.find("?>", 2)
                if end < 0:
                    buf = "<?" + buf[-1:]  # keep what could start the end marker
                    break
                buf = buf[end + 2 :]
            elif buf.startswith("<!--"):
                end = buf.find("-->", 4)
                if end < 0:
                    buf = "<!--" + buf[-2:]
                    break
                buf = buf[end + 3 :]
            else:
                head = buf[:9].upper()
                return head.startswith(("<!DOCTYPE", "<!ENTITY"))
    return False


_PROLOG_MARKERS = ("<?", "<!--", "<!DOCTYPE", "<!ENTITY")


def _xml_encoding(head: bytes) -> str:
    """The encoding of an XML document from its first bytes: a byte order mark, else the
    encoding its declaration names, else UTF-8."""
    import codecs
    import re

    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    if head.startswith(b"<\0?\0"):
        return "utf-16-le"
    if head.startswith(b"\0<\0?"):
        return "utf-16-be"
    declared = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", head[:200])
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "utf-8"
