"""Synthetic hkit data of any size, for the benchmarks: deterministic from a seed, in the
ontology's terms, valid against the shapes, and linked into the shipped graph (its sectors,
measures, universities, clusters and economy), so that every saved query has work to do.

    python benchmarks/generate.py --triples 100000 --seed 1 --output /tmp/hkit-100k.nt

The mix follows the real graph's: many companies and dated observations, fewer people, funds,
research centres and events. Every name, number and date here is invented test data, marked as
such in its source document's title; none of it is a fact about Hong Kong.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ID = "https://w3id.org/hkit/id/"
HKIT = "https://w3id.org/hkit/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"

#: Nodes of the shipped graph that generated data links to.
SECTORS = [
    "artificial-intelligence",
    "data-science",
    "robotics",
    "fintech",
    "life-sciences",
    "biotechnology",
    "medical-devices",
    "green-energy",
    "advanced-manufacturing",
    "microelectronics",
]
MEASURES = ["measure-start-ups"]
UNIVERSITIES = ["hku", "cuhk", "hkust", "cityu", "polyu", "hkbu"]
CLUSTERS = ["health-at-innohk", "air-at-innohk"]
ECONOMY = "hong-kong"
WORDS = (
    "Harbour Peak Jade Lantern Orchid Summit Kowloon Victoria Lion Rock Pearl Bridge Dragon "
    "Tide Beacon Cedar Falcon Crane Nova Quantum Vector Helix Prism Orbit Atlas"
).split()
KINDS = ("Robotics", "Analytics", "Biotech", "Fintech", "Devices", "Materials", "Energy", "Labs")


class Writer:
    """N-Triples lines, counted."""

    def __init__(self, out: object) -> None:
        self.out = out
        self.count = 0

    def iri(self, s: str, p: str, o: str) -> None:
        self.out.write(f"<{s}> <{p}> <{o}> .\n")
        self.count += 1

    def lit(
        self, s: str, p: str, value: str, datatype: str | None = None, lang: str | None = None
    ) -> None:
        text = value.replace("\\", "\\\\").replace('"', '\\"')
        suffix = f"@{lang}" if lang else (f"^^<{datatype}>" if datatype else "")
        self.out.write(f'<{s}> <{p}> "{text}"{suffix} .\n')
        self.count += 1


def generate(triples: int, seed: int, out: object) -> int:
    """Write about ``triples`` triples of synthetic data to ``out``; return how many."""
    rng = random.Random(seed)
    w = Writer(out)
    documents = max(2, triples // 5000)
    years = {}
    for d in range(documents):
        doc = f"{ID}gen-doc-{d}"
        year = 2018 + d % 7
        years[doc] = year
        w.iri(doc, RDF_TYPE, HKIT + "NewsArticle")
        w.lit(doc, LABEL, f"Synthetic benchmark article {d}", lang="en")
        w.lit(
            doc, DCT + "title", f"Synthetic benchmark article {d} (generated test data)", lang="en"
        )
        w.lit(doc, HKIT + "fileName", f"generated-{d}.txt")
        w.lit(doc, DCT + "issued", f"{year}-12-31", XSD + "date")
    companies: list[str] = []
    company_doc: dict[str, str] = {}  # figures about a company come from its own document
    n = 0
    while w.count < triples:
        n += 1
        doc = f"{ID}gen-doc-{rng.randrange(documents)}"
        year = years[doc]
        roll = rng.random()
        if roll < 0.30 or not companies:  # a company (some unicorns), in a sector, in Hong Kong
            c = f"{ID}gen-company-{n}"
            kind = "Unicorn" if rng.random() < 0.05 else "StartUp"
            w.iri(c, RDF_TYPE, HKIT + kind)
            w.lit(c, LABEL, f"{rng.choice(WORDS)} {rng.choice(KINDS)} {n}", lang="en")
            w.iri(c, HKIT + "basedIn", ID + ECONOMY)
            w.iri(c, HKIT + "focusArea", ID + rng.choice(SECTORS))
            if rng.random() < 0.2:
                w.iri(c, HKIT + "foundedByMembersOf", ID + rng.choice(UNIVERSITIES))
            w.iri(c, DERIVED, doc)
            companies.append(c)
            company_doc[c] = doc
        elif roll < 0.75:  # a dated figure about a company, with its words
            o = f"{ID}gen-observation-{n}"
            c = rng.choice(companies)
            doc = company_doc[c]
            year = years[doc]
            w.iri(o, RDF_TYPE, HKIT + "Observation")
            w.lit(o, LABEL, f"Synthetic figure {n}", lang="en")
            w.iri(o, HKIT + "observedEntity", c)
            w.iri(o, HKIT + "measure", ID + rng.choice(MEASURES))
            w.lit(o, HKIT + "value", str(rng.randrange(1, 5000)), XSD + "decimal")
            w.iri(o, HKIT + "unit", HKIT + "count")
            w.lit(o, HKIT + "asOf", str(year - rng.randrange(0, 3)), XSD + "gYear")
            w.lit(o, HKIT + "evidence", f"synthetic quote {n}")
            w.iri(o, DERIVED, doc)
        elif roll < 0.87:  # a person, a post in a company, an appointment
            person, post, appt = (
                f"{ID}gen-person-{n}",
                f"{ID}gen-post-{n}",
                f"{ID}gen-appointment-{n}",
            )
            c = rng.choice(companies)
            w.iri(person, RDF_TYPE, HKIT + "Person")
            w.lit(person, LABEL, f"Person {n}", lang="en")
            w.iri(person, DERIVED, doc)
            w.iri(post, RDF_TYPE, HKIT + "Post")
            w.lit(post, LABEL, f"Chief Executive Officer {n}", lang="en")
            w.iri(post, HKIT + "postIn", c)
            w.iri(post, DERIVED, doc)
            w.iri(appt, RDF_TYPE, HKIT + "Appointment")
            w.lit(appt, LABEL, f"Person {n}, Chief Executive Officer {n}", lang="en")
            w.iri(appt, HKIT + "holder", person)
            w.iri(appt, HKIT + "postHeld", post)
            w.iri(appt, HKIT + "organisationOfAppointment", c)
            w.lit(appt, HKIT + "attestedOn", f"{year}-06-30", XSD + "date")
            w.lit(appt, HKIT + "evidence", f"synthetic quote {n}")
            w.iri(appt, DERIVED, doc)
        elif roll < 0.95:  # a fund and its amount
            fund, amount = f"{ID}gen-fund-{n}", f"{ID}gen-amount-{n}"
            w.iri(fund, RDF_TYPE, HKIT + "Fund")
            w.lit(fund, LABEL, f"{rng.choice(WORDS)} Fund {n}", lang="en")
            w.iri(fund, HKIT + "fundingAmount", amount)
            w.iri(fund, HKIT + "focusArea", ID + rng.choice(SECTORS))
            w.iri(fund, DERIVED, doc)
            w.iri(amount, RDF_TYPE, HKIT + "MonetaryAmount")
            w.lit(amount, LABEL, f"{rng.choice(WORDS)} Fund {n}, amount", lang="en")
            w.lit(
                amount, SCHEMA + "value", str(rng.randrange(1, 500) * 10_000_000), XSD + "decimal"
            )
            w.lit(amount, SCHEMA + "currency", "HKD")
            w.lit(amount, HKIT + "evidence", f"synthetic quote {n}")
            w.iri(amount, DERIVED, doc)
        elif roll < 0.98:  # a research centre in a cluster, set up by a university
            centre = f"{ID}gen-centre-{n}"
            w.iri(centre, RDF_TYPE, HKIT + "ResearchCentre")
            w.lit(centre, LABEL, f"{rng.choice(WORDS)} Research Centre {n}", lang="en")
            w.iri(centre, HKIT + "inCluster", ID + rng.choice(CLUSTERS))
            w.iri(centre, HKIT + "establishedBy", ID + rng.choice(UNIVERSITIES))
            w.iri(centre, HKIT + "focusArea", ID + rng.choice(SECTORS))
            w.iri(centre, DERIVED, doc)
        else:  # a summit organised by a company
            event = f"{ID}gen-event-{n}"
            w.iri(event, RDF_TYPE, HKIT + "Summit")
            w.lit(event, LABEL, f"{rng.choice(WORDS)} Summit {n}", lang="en")
            w.lit(event, HKIT + "startDate", f"{year}-03-01", XSD + "date")
            w.iri(event, HKIT + "organisedBy", rng.choice(companies))
            w.iri(event, DERIVED, doc)
    return w.count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
    parser.add_argument("--output", required=True, help="the N-Triples file to write (.nt)")
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error("--triples must be at least 1")
    target = Path(args.output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            count = generate(args.triples, args.seed, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"{count} triples written to {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
