"""OWL 2 reasoning with owlready2 and HermiT, in a child process bounded by a timeout.

HermiT accepts only the datatypes of the OWL 2 datatype map; ``xsd:date``, ``xsd:gYearMonth`` and
``xsd:gYear`` are not in it (HAZARDS 15). hkit's ontology gives date-valued properties the range
``rdfs:Literal`` and SHACL checks their datatypes, so no OWL axiom depends on those values: before
reasoning, every literal outside the datatype map is *set aside* (removed from the copy handed to
HermiT) and reported, never silently dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from hkit.errors import ReasonerError

#: The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4).
OWL2_DATATYPES = frozenset(
    [OWL.real, OWL.rational, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger "
            "negativeInteger long int short byte unsignedLong unsignedInt unsignedShort "
            "unsignedByte double float string normalizedString token language Name NCName "
            "NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)

DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class SetAside:
    """A triple left out of the reasoner's copy because HermiT cannot read its literal."""

    subject: str
    predicate: str
    value: str
    datatype: str


@dataclass
class ReasonerReport:
    """What HermiT concluded about a graph."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Consistent, and every named class satisfiable."""
        return self.consistent and not self.unsatisfiable


def prepare_for_owl(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[SetAside]]:
    """A copy of ``graph`` without literals outside the OWL 2 datatype map, and what was removed."""
    kept = rdflib.Graph()
    set_aside: list[SetAside] = []
    for s, p, o in graph:
        if (
            isinstance(o, rdflib.Literal)
            and o.datatype is not None
            and o.datatype not in OWL2_DATATYPES
        ):
            set_aside.append(SetAside(str(s), str(p), str(o), str(o.datatype)))
            continue
        kept.add((s, p, o))
    set_aside.sort(key=lambda x: (x.subject, x.predicate, x.value))
    return kept, set_aside


def run_hermit(graph: rdflib.Graph, timeout: float = DEFAULT_TIMEOUT) -> ReasonerReport:
    """Check ``graph`` with HermiT: consistency and unsatisfiable classes.

    Runs owlready2 in a child process (in its own process group, so that the Java process it
    starts is stopped too) and raises :class:`ReasonerError` when Java is missing, the time is up,
    or the reasoner fails for another reason.
    """
    if shutil.which(os.environ.get("HKIT_JAVA", "java")) is None:
        raise ReasonerError(
            "the reasoner needs Java, and there is no 'java' on PATH",
            hint="install a Java runtime (Debian: apt-get install default-jre-headless)",
        )
    prepared, set_aside = prepare_for_owl(graph)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hkit-reason-") as tmp:
        nt_path = Path(tmp) / "graph.nt"
        prepared.serialize(nt_path, format="nt", encoding="utf-8")
        cmd = [sys.executable, "-m", "hkit.reason", str(nt_path)]
        env = dict(os.environ)
        package_parent = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ReasonerError(
                f"the reasoner did not finish within {timeout:g} seconds",
                hint="raise --timeout",
            ) from None
    if proc.returncode != 0 or not out.strip():
        last = (err.strip().splitlines() or ["no output"])[-1]
        raise ReasonerError(f"the reasoner failed: {last}")
    answer = json.loads(out.strip().splitlines()[-1])
    return ReasonerReport(
        consistent=answer["consistent"],
        unsatisfiable=answer["unsatisfiable"],
        set_aside=set_aside,
        seconds=time.monotonic() - started,
    )


def _worker(nt_path: str) -> dict[str, object]:
    """Child-process side: load the N-Triples file into owlready2 and run HermiT."""
    import owlready2

    owlready2.JAVA_EXE = os.environ.get("HKIT_JAVA", "java")
    world = owlready2.World()
    onto = world.get_ontology(Path(nt_path).resolve().as_uri()).load()
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return {"consistent": False, "unsatisfiable": []}
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
    return {"consistent": True, "unsatisfiable": unsatisfiable}


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1])))
