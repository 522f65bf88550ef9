"""``hkit docs``: static HTML documentation of the ontology that opens from disk.

One page, ``index.html``, with the ontology's metadata; every class and property with its label,
definition, place in the hierarchy, domain and range, alignments and examples from the data; the
SKOS concept schemes; the saved queries as the ontology's competency questions, with their SPARQL;
and a diagram of the classes and their relations (``diagram.svg``, also inlined in the page),
drawn by Graphviz ``dot`` when it is installed and by a simple layered layout otherwise. The
folder also gets a copy of the ontology (``hkit.ttl``). Nothing is loaded from the network.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hkit.core import vocab
from hkit.core.catalog import catalog
from hkit.core.errors import HkitError
from hkit.core.vocab import HKIT, compact
from hkit.present.output import write_output
from hkit.quality.ontology import disjoint_pairs, disjoint_with
from hkit.store.files import ONTOLOGY, QUERIES_DIR, graph_files
from hkit.store.rdf import english_label, load_rdflib

SCHEMA = rdflib.Namespace("https://schema.org/")
NS = HKIT
ONTOLOGY_IRI = rdflib.URIRef(vocab.ONTOLOGY_IRI)
PROPERTY_KINDS = (
    ("Object properties", OWL.ObjectProperty, "object-properties"),
    ("Datatype properties", OWL.DatatypeProperty, "datatype-properties"),
)
MAPPINGS = (
    (OWL.equivalentClass, "equivalent to"),
    (OWL.equivalentProperty, "equivalent to"),
    (SKOS.exactMatch, "exact match"),
    (SKOS.closeMatch, "close match"),
    (SKOS.broadMatch, "broader match"),
    (SKOS.narrowMatch, "narrower match"),
)
EXAMPLES = 5

CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem;
       line-height: 1.45; color: #1d2330; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #c9d3e3; padding-bottom: 0.2rem;
margin-top: 2.5rem; } h3 { margin-bottom: 0.3rem; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f3f5f9; padding: 0.8rem; overflow-x: auto; border-radius: 4px; }
.term { border-left: 4px solid #c9d3e3; padding: 0.1rem 1rem; margin: 1.2rem 0; }
.iri { color: #56607a; font-size: 0.9em; word-break: break-all; }
dl { display: grid; grid-template-columns: 11rem 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; color: #56607a; } dd { margin: 0; }
nav ul { columns: 3; } #diagram { overflow: auto; border: 1px solid #c9d3e3; padding: 0.5rem; }
#diagram svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #c9d3e3; padding: 0.2rem 0.5rem;
text-align: left; vertical-align: top; }
"""


class _Docs:
    def __init__(
        self, ontology: rdflib.Graph, data: rdflib.Graph, queries: list, served: bool = False
    ) -> None:
        # served by hkit serve: entities, classes and queries link to their pages there, and
        # the page links home; from disk, an entity links to its IRI
        self.served = served
        self.g = ontology
        self.data = data
        self.all = ontology + data
        self.queries = queries

        def terms(kind: rdflib.URIRef) -> list[rdflib.URIRef]:
            found = {s for s in ontology.subjects(RDF.type, kind) if str(s).startswith(NS)}
            return sorted(found, key=lambda t: (self.label(t).lower(), str(t)))

        self.classes = terms(OWL.Class)
        self.properties = {kind: terms(kind) for _, kind, _ in PROPERTY_KINDS}
        self.annotation_properties = terms(OWL.AnnotationProperty)
        self.schemes = sorted(
            {s for s in self.all.subjects(RDF.type, SKOS.ConceptScheme)},
            key=lambda t: (self.label(t).lower(), str(t)),
        )
        self.disjoint_pairs = disjoint_pairs(ontology)
        self.documented = (
            set(self.classes)
            | {p for props in self.properties.values() for p in props}
            | set(self.annotation_properties)
            | set(self.schemes)
        )

    # -- text ------------

    def label(self, term: rdflib.term.Node) -> str:
        return english_label(self.all, term) or self.compact(term)

    @staticmethod
    def compact(term: rdflib.term.Node) -> str:
        return compact(str(term))

    @staticmethod
    def anchor(term: rdflib.term.Node) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "-", re.split(r"[#/]", str(term))[-1])

    def link(self, term: rdflib.term.Node) -> str:
        """A link to a term: within the page when it is documented here, else to its IRI."""
        if isinstance(term, rdflib.BNode):
            return self.expression(term)
        if isinstance(term, rdflib.Literal):
            return f"<code>{html.escape(str(term))}</code>"
        text = html.escape(self.label(term) if term in self.documented else self.compact(term))
        if term in self.documented:
            return f'<a href="#{self.anchor(term)}">{text}</a>'
        return f'<a href="{html.escape(str(term))}"><code>{text}</code></a>'

    def entity_href(self, term: rdflib.term.Node) -> str:
        """Where an entity of the data links to: its page when served, else its IRI."""
        if self.served and str(term).startswith(vocab.ID):
            return "/id/" + str(term)[len(vocab.ID) :]
        return str(term)

    def expression(self, node: rdflib.term.Node) -> str:
        """An OWL class expression in words (restrictions, unions, lists)."""
        g = self.g
        if not isinstance(node, rdflib.BNode):
            return self.link(node)
        if (node, RDF.first, None) in g:
            return ", ".join(self.expression(x) for x in rdflib.collection.Collection(g, node))
        prop = g.value(node, OWL.onProperty)
        for predicate, word in (
            (OWL.someValuesFrom, "some"),
            (OWL.allValuesFrom, "only"),
            (OWL.hasValue, "value"),
        ):
            filler = g.value(node, predicate)
            if prop is not None and filler is not None:
                return f"{self.link(prop)} {word} {self.expression(filler)}"
        for predicate, word in ((OWL.unionOf, "any of"), (OWL.intersectionOf, "all of")):
            members = g.value(node, predicate)
            if members is not None:
                return f"{word} ({self.expression(members)})"
        inverse = g.value(node, OWL.inverseOf)
        if inverse is not None:
            return f"inverse of {self.link(inverse)}"
        return "an anonymous class expression"

    def texts(self, term: rdflib.term.Node, predicate: rdflib.URIRef) -> list[str]:
        return sorted(
            str(o) for o in self.all.objects(term, predicate) if isinstance(o, rdflib.Literal)
        )

    # -- sections ------------

    def metadata(self) -> str:
        g, o = self.g, ONTOLOGY_IRI
        rows = []
        for predicate, name in (
            (DCTERMS.title, "Title"),
            (DCTERMS.description, "Description"),
            (RDFS.comment, "Comment"),
            (OWL.versionInfo, "Version"),
            (OWL.versionIRI, "Version IRI"),
            (OWL.priorVersion, "Prior version"),
            (DCTERMS.license, "Licence"),
            (DCTERMS.creator, "Creator"),
            (DCTERMS.created, "Created"),
            (DCTERMS.modified, "Modified"),
            (rdflib.URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"), "Prefix"),
            (rdflib.URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"), "Namespace"),
        ):
            values = list(g.objects(o, predicate))
            if name == "Namespace":  # a literal, but an IRI all the same: a link
                values = [rdflib.URIRef(str(v)) for v in values]
            if values:
                shown = ", ".join(
                    f'<a href="{html.escape(str(v))}">{html.escape(str(v))}</a>'
                    if isinstance(v, rdflib.URIRef)
                    else html.escape(str(v))
                    for v in values
                )
                rows.append(f"<dt>{name}</dt><dd>{shown}</dd>")
        counts = (
            f"{len(self.classes)} classes, {len(self.properties[OWL.ObjectProperty])} object "
            f"properties, {len(self.properties[OWL.DatatypeProperty])} datatype properties, "
            f"{len(self.schemes)} concept schemes, {len(self.queries)} competency questions"
        )
        iri = html.escape(str(o))
        rows.append(f'<dt>Ontology IRI</dt><dd><a href="{iri}"><code>{iri}</code></a></dd>')
        rows.append(f"<dt>Contents</dt><dd>{counts}</dd>")
        rows.append('<dt>Download</dt><dd><a href="hkit.ttl">hkit.ttl</a> (Turtle)</dd>')
        return '<section id="metadata"><h2>Ontology</h2><dl>' + "".join(rows) + "</dl></section>"

    def hierarchy(self) -> str:
        """The class list, as a tree by rdfs:subClassOf within hkit."""
        classes = set(self.classes)
        children: dict[rdflib.term.Node, list[rdflib.term.Node]] = {}
        roots = []
        for cls in self.classes:
            parents = [p for p in self.g.objects(cls, RDFS.subClassOf) if p in classes]
            for p in parents:
                children.setdefault(p, []).append(cls)
            if not parents:
                roots.append(cls)

        def tree(nodes: list[rdflib.term.Node], seen: frozenset) -> str:
            items = []
            for node in nodes:
                if node in seen:
                    continue
                sub = children.get(node, [])
                inner = tree(sub, seen | {node}) if sub else ""
                items.append(f"<li>{self.link(node)}{inner}</li>")
            return "<ul>" + "".join(items) + "</ul>"

        return tree(roots, frozenset()).replace("<ul>", '<ul id="class-list">', 1)

    def class_section(self, cls: rdflib.term.Node) -> str:
        g = self.g
        rows = self._common_rows(cls)
        supers = [p for p in g.objects(cls, RDFS.subClassOf)]
        if supers:
            rows.append(("Subclass of", ", ".join(self.link(p) for p in sorted(supers, key=str))))
        subs = sorted(g.subjects(RDFS.subClassOf, cls), key=lambda t: self.label(t).lower())
        if subs:
            rows.append(("Subclasses", ", ".join(self.link(s) for s in subs)))
        equivalents = list(g.objects(cls, OWL.equivalentClass))
        if equivalents:
            rows.append(("Equivalent to", ", ".join(self.expression(e) for e in equivalents)))
        disjoint = disjoint_with(self.disjoint_pairs, cls)
        if disjoint:
            rows.append(
                (
                    "Disjoint with",
                    ", ".join(
                        self.link(d) for d in sorted(disjoint, key=lambda t: self.label(t).lower())
                    ),
                )
            )
        for title, predicates in (
            ("Properties (domain)", (RDFS.domain, SCHEMA.domainIncludes)),
            ("Used as range of", (RDFS.range, SCHEMA.rangeIncludes)),
        ):
            props = sorted(
                {p for pred in predicates for p in g.subjects(pred, cls)},
                key=lambda t: self.label(t).lower(),
            )
            if props:
                rows.append((title, ", ".join(self.link(p) for p in props)))
        instances = sorted(
            {s for s in self.data.subjects(RDF.type, cls) if isinstance(s, rdflib.URIRef)},
            key=lambda t: self.label(t).lower(),
        )
        if instances:
            shown = ", ".join(
                f'<a href="{html.escape(self.entity_href(i))}" '
                f'title="{html.escape(self.compact(i))}">{html.escape(self.label(i))}</a>'
                for i in instances[:EXAMPLES]
            )
            more = f" and {len(instances) - EXAMPLES} more" if len(instances) > EXAMPLES else ""
            if self.served:
                local = html.escape(str(cls)[len(NS) :])
                more += f' (<a href="/classes/{local}">all of them</a>)'
            rows.append((f"Examples ({len(instances)} in the data)", shown + more))
        return self._term_block(cls, "class", rows)

    def property_section(self, prop: rdflib.term.Node) -> str:
        g = self.g
        rows = self._common_rows(prop)
        kinds = [
            self.compact(k)
            for k in g.objects(prop, RDF.type)
            if k not in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        ]
        if kinds:
            rows.append(("Characteristics", ", ".join(html.escape(k) for k in sorted(kinds))))
        for title, predicate in (
            ("Domain", RDFS.domain),
            ("Domain includes", SCHEMA.domainIncludes),
            ("Range", RDFS.range),
            ("Range includes", SCHEMA.rangeIncludes),
            ("Sub-property of", RDFS.subPropertyOf),
            ("Inverse of", OWL.inverseOf),
        ):
            values = list(g.objects(prop, predicate))
            if predicate == OWL.inverseOf:
                values += list(g.subjects(OWL.inverseOf, prop))
            if values:
                rows.append((title, ", ".join(self.link(v) for v in sorted(values, key=str))))
        chain = g.value(prop, OWL.propertyChainAxiom)
        if chain is not None:
            rows.append(
                (
                    "Property chain",
                    " then ".join(
                        self.expression(x) for x in rdflib.collection.Collection(g, chain)
                    ),
                )
            )
        uses = sorted(self.data.subject_objects(prop), key=lambda so: (str(so[0]), str(so[1])))
        if uses:
            shown = "<br>".join(
                f"{html.escape(self.label(s))} → "
                + (
                    html.escape(self.label(o))
                    if isinstance(o, rdflib.URIRef)
                    else f"<code>{html.escape(str(o)[:80])}</code>"
                )
                for s, o in uses[:3]
            )
            rows.append((f"Examples ({len(uses)} in the data)", shown))
        return self._term_block(prop, "property", rows)

    def _common_rows(self, term: rdflib.term.Node) -> list[tuple[str, str]]:
        rows = []
        for text in self.texts(term, SKOS.definition):
            rows.append(("Definition", html.escape(text)))
        for predicate, title in (
            (SKOS.altLabel, "Also called"),
            (SKOS.scopeNote, "Scope note"),
            (RDFS.comment, "Comment"),
            (SKOS.editorialNote, "Note"),
        ):
            values = self.texts(term, predicate)
            if values:
                rows.append((title, "; ".join(html.escape(v) for v in values)))
        aligned = []
        for predicate, word in MAPPINGS:
            for o in self.g.objects(term, predicate):
                if isinstance(o, rdflib.URIRef) and not str(o).startswith(NS):
                    aligned.append(f"{word} {self.link(o)}")
        for predicate in (RDFS.subClassOf, RDFS.subPropertyOf):
            for o in self.g.objects(term, predicate):
                if isinstance(o, rdflib.URIRef) and not str(o).startswith(NS):
                    aligned.append(f"specialises {self.link(o)}")
        if aligned:
            rows.append(("Alignments", ", ".join(aligned)))
        return rows

    def _term_block(self, term: rdflib.term.Node, kind: str, rows: list[tuple[str, str]]) -> str:
        body = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return (
            f'<div class="term {kind}" id="{self.anchor(term)}">'
            f"<h3>{html.escape(self.label(term))}</h3>"
            f'<div class="iri"><a href="{html.escape(str(term))}">{html.escape(str(term))}</a>'
            f"</div><dl>{body}</dl></div>"
        )

    def schemes_section(self) -> str:
        parts = ['<section id="concept-schemes"><h2>Concept schemes</h2>']
        for scheme in self.schemes:
            concepts = sorted(
                set(self.all.subjects(SKOS.inScheme, scheme))
                | set(self.all.subjects(SKOS.topConceptOf, scheme)),
                key=lambda t: self.label(t).lower(),
            )
            rows = []
            for c in concepts:
                definition = "; ".join(html.escape(d) for d in self.texts(c, SKOS.definition))
                # hkit's own grouping of sectors (hkit:groupedUnder, stated by no document) is
                # marked as hkit's; a plain skos:broader, as in user data, is shown as it is
                broader = ", ".join(
                    [html.escape(self.label(b)) for b in self.all.objects(c, SKOS.broader)]
                    + [
                        f"{html.escape(self.label(b))} (hkit's grouping)"
                        for b in self.all.objects(c, rdflib.URIRef(HKIT + "groupedUnder"))
                    ]
                )
                # hkit's own concepts have their anchor here, where their IRIs lead
                row_id = f' id="{self.anchor(c)}"' if str(c).startswith(NS) else ""
                rows.append(
                    f"<tr{row_id}><td>{html.escape(self.label(c))}</td>"
                    f'<td><a href="{html.escape(self.entity_href(c))}"><code>'
                    f"{html.escape(self.compact(c))}</code></a></td><td>{broader}</td>"
                    f"<td>{definition}</td></tr>"
                )
            definition = " ".join(html.escape(d) for d in self.texts(scheme, SKOS.definition))
            parts.append(
                f'<div class="term scheme" id="{self.anchor(scheme)}">'
                f"<h3>{html.escape(self.label(scheme))} ({len(concepts)} concepts)</h3>"
                f'<div class="iri"><a href="{html.escape(str(scheme))}">'
                f"{html.escape(str(scheme))}</a></div><p>{definition}</p>"
                "<table><tr><th>concept</th><th>IRI</th><th>broader</th><th>definition</th></tr>"
                + "".join(rows)
                + "</table></div>"
            )
        parts.append("</section>")
        return "".join(parts)

    def questions_section(self) -> str:
        parts = [
            '<section id="competency-questions"><h2>Competency questions</h2>'
            "<p>The questions the ontology must answer, as saved queries that run with "
            "<code>hkit query NAME</code>; each is tested against expected answers.</p>"
        ]
        for q in self.queries:
            params = ", ".join(
                f"<code>{html.escape(p.name)}</code> ({html.escape(p.type)}"
                f"{'' if p.required else ', optional'})"
                for p in q.params
            )
            body = q.text.split("\n")
            sparql = "\n".join(line for line in body if not line.startswith("#+"))
            summary = html.escape(q.summary)
            if self.served:
                summary = f'<a href="/queries/{html.escape(q.name)}">{summary}</a>'
            parts.append(
                f'<div class="term query" id="query-{html.escape(q.name)}">'
                f"<h3>{summary}</h3>"
                f'<div class="iri">hkit query {html.escape(q.name)}</div>'
                f"<p>{html.escape(q.description)}</p>"
                + (f"<p>Parameters: {params}</p>" if params else "")
                + f"<pre><code>{html.escape(sparql.strip())}</code></pre></div>"
            )
        parts.append("</section>")
        return "".join(parts)

    # -- diagram ------------

    def relations(self) -> list[tuple[rdflib.term.Node, rdflib.term.Node, str]]:
        """Object properties whose domain and range are both hkit classes."""
        classes = set(self.classes)
        edges = []
        for prop in self.properties[OWL.ObjectProperty]:
            for d in self.g.objects(prop, RDFS.domain):
                for r in self.g.objects(prop, RDFS.range):
                    if d in classes and r in classes:
                        edges.append((d, r, self.label(prop)))
        return sorted(edges, key=lambda e: (str(e[0]), str(e[1]), e[2]))

    def dot(self) -> str:
        def q(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        lines = [
            "digraph hkit {",
            '  graph [rankdir=RL, fontname="Helvetica", nodesep=0.25, ranksep=0.5];',
            '  node [shape=box, style="rounded,filled", fillcolor="#eef2f8", color="#56607a",'
            ' fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=9, color="#56607a"];',
        ]
        for cls in self.classes:
            lines.append(
                f"  {q(str(cls))} [label={q(self.label(cls))}, URL={q('#' + self.anchor(cls))},"
                f" tooltip={q(self.compact(cls))}];"
            )
        for cls in self.classes:
            for parent in self.g.objects(cls, RDFS.subClassOf):
                if parent in self.classes:
                    lines.append(f"  {q(str(cls))} -> {q(str(parent))} [arrowhead=onormal];")
        for d, r, name in self.relations():
            lines.append(
                f"  {q(str(d))} -> {q(str(r))} [label={q(name)}, style=dashed, "
                'color="#9aa6bd", fontcolor="#56607a", constraint=false];'
            )
        lines.append("}")
        return "\n".join(lines) + "\n"

    def svg(self) -> str:
        """The diagram: Graphviz dot when installed (HKIT_DOT names another binary), else a
        simple layered layout."""
        dot = shutil.which(os.environ.get("HKIT_DOT", "dot"))
        if dot is not None:
            try:
                done = subprocess.run(
                    [dot, "-Tsvg"],
                    input=self.dot(),
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=True,
                )
                svg = done.stdout
                return svg[svg.index("<svg") :]
            except (subprocess.SubprocessError, OSError, ValueError):
                pass  # fall back to the simple layout
        return self.simple_svg()

    def simple_svg(self) -> str:
        """Classes in rows by depth in the hierarchy, each linked to its superclasses (the
        diagram when Graphviz is missing; one drawing, longer than most functions)."""
        classes = set(self.classes)
        depth: dict[rdflib.term.Node, int] = {}

        def level(cls: rdflib.term.Node, seen: frozenset = frozenset()) -> int:
            if cls in depth:
                return depth[cls]
            parents = [
                p for p in self.g.objects(cls, RDFS.subClassOf) if p in classes and p not in seen
            ]
            depth[cls] = 0 if not parents else 1 + max(level(p, seen | {cls}) for p in parents)
            return depth[cls]

        rows: dict[int, list[rdflib.term.Node]] = {}
        for cls in self.classes:
            rows.setdefault(level(cls), []).append(cls)
        # wide enough for the longest label (about 6.6 px a character at 11 px Helvetica)
        longest = max((len(self.label(c)) for c in self.classes), default=10)
        box_w, box_h, gap_x, gap_y = max(120, int(longest * 6.6) + 16), 28, 14, 60
        width = max(len(r) for r in rows.values()) * (box_w + gap_x) + gap_x
        height = len(rows) * (box_h + gap_y) + gap_y
        position = {}
        for d, members in rows.items():
            for i, cls in enumerate(members):
                position[cls] = (gap_x + i * (box_w + gap_x), gap_y / 2 + d * (box_h + gap_y))
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M 0 0 L 10 5 L 0 10 z" fill="#9aa6bd"/></marker></defs>',
        ]
        for cls, (x, y) in position.items():
            for parent in self.g.objects(cls, RDFS.subClassOf):
                if parent in position:
                    px, py = position[parent]
                    parts.append(
                        f'<line x1="{x + box_w / 2}" y1="{y}" x2="{px + box_w / 2}" '
                        f'y2="{py + box_h}" stroke="#9aa6bd" marker-end="url(#arrow)"/>'
                    )
        for cls, (x, y) in position.items():
            parts.append(
                f'<a xlink:href="#{self.anchor(cls)}"><title>{html.escape(str(cls))}</title>'
                f'<rect x="{x}" y="{y}" width="{box_w}" '
                f'height="{box_h}" rx="5" fill="#eef2f8" stroke="#56607a"/>'
                f'<text x="{x + box_w / 2}" y="{y + 18}" font-family="Helvetica" font-size="11" '
                f'text-anchor="middle">{html.escape(self.label(cls))}</text></a>'
            )
        parts.append("</svg>")
        return "\n".join(parts) + "\n"

    # -- the page ------------

    def page(self, svg: str) -> str:
        g = self.g
        title = str(g.value(ONTOLOGY_IRI, DCTERMS.title) or "hkit ontology")
        sections = [
            self.metadata(),
            '<section id="diagram-section"><h2>Diagram</h2><p>Classes (boxes) with their '
            "superclasses (hollow arrows) and the object properties between them (dashed); "
            'click a class to read about it. Also as <a href="diagram.svg">diagram.svg</a>.</p>'
            f'<div id="diagram">{svg}</div></section>',
            '<section id="classes"><h2>Classes</h2>'
            + self.hierarchy()
            + "".join(self.class_section(c) for c in self.classes)
            + "</section>",
        ]
        for title_, kind, anchor in PROPERTY_KINDS:
            sections.append(
                f'<section id="{anchor}"><h2>{title_}</h2>'
                + "".join(self.property_section(p) for p in self.properties[kind])
                + "</section>"
            )
        sections.append(
            '<section id="annotation-properties"><h2>Annotation properties</h2>'
            + "".join(self.property_section(p) for p in self.annotation_properties)
            + "</section>"
        )
        sections += [self.schemes_section(), self.questions_section()]
        nav = (
            '<nav><ul><li><a href="#metadata">Ontology</a></li>'
            '<li><a href="#diagram-section">Diagram</a></li>'
            '<li><a href="#classes">Classes</a></li>'
            '<li><a href="#object-properties">Object properties</a></li>'
            '<li><a href="#datatype-properties">Datatype properties</a></li>'
            '<li><a href="#annotation-properties">Annotation properties</a></li>'
            '<li><a href="#concept-schemes">Concept schemes</a></li>'
            '<li><a href="#competency-questions">Competency questions</a></li></ul></nav>'
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + (
                '<p><a href="/">hkit</a> &rsaquo; Ontology · as data: '
                '<a href="/ontology?format=turtle">Turtle</a>, '
                '<a href="/ontology?format=rdfxml">RDF/XML</a>, '
                '<a href="/ontology?format=jsonld">JSON-LD</a></p>'
                if self.served
                else ""
            )
            + f"<header><h1>{html.escape(title)}</h1>"
            f'<div class="iri"><a href="{html.escape(str(ONTOLOGY_IRI))}">'
            f"{html.escape(str(ONTOLOGY_IRI))}</a></div></header>"
            + nav
            + "".join(sections)
            + "<footer><p>Generated by <code>hkit docs</code> from ontology/hkit.ttl, the data "
            "and the saved queries.</p></footer></body></html>\n"
        )


def write_docs(
    root: Path, output: Path, extra: tuple[Path, ...] = (), *, served: bool = False
) -> list[Path]:
    """Write the documentation of the ontology of ``root`` into the folder ``output`` (created
    when missing; other files in it are left alone); return the files written. ``served``, for
    ``hkit serve``: entities, classes and saved queries link to their pages on the server."""

    files = graph_files(root, extra)
    docs = _Docs(
        load_rdflib([root / ONTOLOGY]),
        load_rdflib(files[1:]),
        list(catalog(root / QUERIES_DIR).values()),
        served,
    )
    svg = docs.svg()
    contents = {
        "index.html": docs.page(svg).encode("utf-8"),
        "diagram.svg": svg.encode("utf-8"),
        "diagram.dot": docs.dot().encode("utf-8"),
        "hkit.ttl": (root / ONTOLOGY).read_bytes(),
    }
    if output.exists() and not output.is_dir():
        raise HkitError(f"{output} exists and is not a folder", hint="give a folder for --output")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
    # each file atomically (hkit.present.output.write_output); nothing else in the folder is touched
    for name, data in contents.items():
        write_output(data, str(output / name))
    return [output / name for name in contents]
