"""The namespaces hkit writes and reads, and compact names for their IRIs: one table for every
output (tables, reports, exports, documentation) and every input that takes ``prefix:local``.

>>> compact("https://w3id.org/hkit/id/innohk")
'id:innohk'
>>> expand("org:Organization")
'http://www.w3.org/ns/org#Organization'
"""

from __future__ import annotations

#: The XML Schema datatypes' namespace (xsd:), for every module that names a datatype.
XSD = "http://www.w3.org/2001/XMLSchema#"

#: Prefix -> namespace, in the order compact() tries them.
PREFIXES = {
    "id": "https://w3id.org/hkit/id/",
    "hkit": "https://w3id.org/hkit/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "frapo": "http://purl.org/cerif/frapo/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vann": "http://purl.org/vocab/vann/",
    "xsd": XSD,
}


#: The SPARQL prologue that declares every prefix above.
PROLOGUE = "".join(f"PREFIX {prefix}: <{ns}>\n" for prefix, ns in PREFIXES.items())

#: hkit's ontology namespace, and the namespace of the entities in its data.
HKIT = PREFIXES["hkit"]
ID = PREFIXES["id"]
#: The ontology's own IRI (also the named graph the export puts it in).
ONTOLOGY_IRI = "https://w3id.org/hkit/ontology"


def compact(iri: str) -> str:
    """``prefix:local`` for an IRI in one of PREFIXES' namespaces, else the IRI itself."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def expand(name: str) -> str:
    """The IRI of a ``prefix:local`` name with one of PREFIXES, else ``name`` itself."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name
