"""The closure of an on-disk store's input files, found in Python as the files are parsed again.

Building an on-disk store, :func:`hkit.store.closure.materialise` finds what the asserted
triples entail here rather than by SPARQL updates on the store: in an on-disk store each
derived triple's terms would be read back from disk to be written (a million generated
triples: 14 s of CPU time for the reads, 4 s to parse the files again), and each round of the
rules of two premises would be a query, a file and two bulk loads (6 s at a million).

:func:`closure_of_files` parses the files once. Each triple's consequences by the rules of one
premise, closed over the schema (:class:`hkit.store.closure._Effects`), are written as it is
read; the triples of the properties that the rules of two premises join (transitive properties
and the steps of property chains) are kept in memory, a small part of the graph, and those
rules run on them round after round (semi-naive evaluation) until a round adds nothing, the
closed rules applied to what each round adds. The profile and the triples are those of the
SPARQL path (hkit.store.closure), which the tests hold it to.
"""

from __future__ import annotations

from hkit.store import closure
from hkit.store.closure import INFERRED, RDF_TYPE, RDFS, Schema, _Effects, _reach
from hkit.store.rdf import base_iri, parsing

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Any

#: The lists of a predicate's plan in :func:`closure_of_files`, in order.
_PLAN = (
    "forward",
    "forward_guarded",
    "backward",
    "subject_types",
    "subject_types_guarded",
    "object_types",
)

#: Properties whose triples the rules read back as schema: a rule of two premises on them, or
#: consequences of their triples, are left to the SPARQL path, which reads the store.
_SCHEMA = {RDF_TYPE, f"{RDFS}subClassOf", f"{RDFS}subPropertyOf"}


def materialise(store: Any, folder: str, files: Iterable[Path], ahead: Ahead | None = None) -> int:
    """:func:`hkit.store.closure.materialise` for an on-disk store being built in ``folder``
    from ``files``: the same triples, found by :func:`closure_of_files` (by ``ahead`` while the
    files loaded, if it used the store's schema) and bulk-loaded; by the SPARQL rules when it
    cannot (a blank node with consequences, rules on the schema's own vocabulary)."""
    import os

    import pyoxigraph

    schema = Schema(store)
    if ahead is None or not ahead.use(schema):
        read = os.path.join(folder, "hkit-entailed.nt")
        try:
            if not closure_of_files(schema, files, read):
                return closure.materialise(store, folder)
            # what a thread found with another schema, if anything, goes
            store.update(f"CLEAR SILENT GRAPH <{INFERRED}>")
            if os.path.getsize(read):
                nt = pyoxigraph.RdfFormat.N_TRIPLES
                store.bulk_load(path=read, format=nt, to_graph=pyoxigraph.NamedNode(INFERRED))
        finally:
            if os.path.exists(read):
                os.unlink(read)
    closure.add_schema(store, schema)
    return closure.count(store)


def _rules(schema: Schema) -> list[tuple[str, list[tuple[str, bool]]]]:
    """The rules of two premises as chains: a property chain as it is; a transitive property
    ``p`` as the chain ``p p`` with ``p`` as its head (``prp-trp``)."""
    return [*schema.chains, *((p, [(p, False), (p, False)]) for p in schema.transitive)]


def closure_of_files(
    schema: Schema, files: Iterable[Path], out: str, stop: threading.Event | None = None
) -> bool:
    """Write to the N-Triples file ``out`` every triple that the default-graph triples of
    ``files`` entail under the profile, beyond the schema's own closed hierarchy (which
    :func:`hkit.store.closure.materialise` adds): what the rules of one premise give, and the
    rules of two premises run to their fixpoint with the rules of one premise on what they add.
    A triple may be written twice (the store keeps one), an asserted one never, one with a
    literal as subject never.

    False, with nothing to use, when the SPARQL path must do it: a triple with consequences
    names a blank node (which the store knows by another name), or the rules would derive more
    schema (a superproperty, inverse, domain or range of ``rdf:type``, ``rdfs:subClassOf`` or
    ``rdfs:subPropertyOf``, or a rule of two premises on them); or ``stop`` was set."""
    import os

    import pyoxigraph

    effects = _Effects(schema)
    reach = _reach(schema)
    rules = _rules(schema)
    joined = {prop for _, steps in rules for prop, _ in steps}  # the properties the rules join
    if (set(reach) | joined | {head for head, _ in rules}) & _SCHEMA:
        return False
    plans: dict[str, tuple[list[str], ...]] = {}
    for name, rows in (
        ("forward", effects.forward),
        ("forward_guarded", effects.forward_guarded),
        ("backward", effects.backward),
        ("subject_types", effects.subject_types),
        ("subject_types_guarded", effects.subject_types_guarded),
        ("object_types", effects.object_types),
    ):
        at = _PLAN.index(name)
        for p, x in rows:
            plans.setdefault(p, tuple([] for _ in _PLAN))[at].append(f"<{x}>")
    # the joined properties each triple of a predicate is or entails: (q, True) for s q o, and
    # (q, False) for o q s, which only an o that is not a literal gives
    joins: dict[str, list[tuple[str, bool]]] = {}
    for p, guards in reach.items():
        for q, along in guards:
            if q in joined:
                joins.setdefault(p, []).append((f"<{q}>", along))
    for q in joined:
        if (f"<{q}>", True) not in joins.setdefault(q, []):
            joins[q].append((f"<{q}>", True))
    for p in joins:  # a predicate with something to join is read as one with consequences
        plans.setdefault(p, tuple([] for _ in _PLAN))
    supers: dict[str, list[str]] = {}
    for c, d in effects.superclasses:
        supers.setdefault(f"<{c}>", []).append(f"<{d}>")
    a = f"<{RDF_TYPE}>"
    blank, literal, default = pyoxigraph.BlankNode, pyoxigraph.Literal, pyoxigraph.DefaultGraph
    # What is asserted is never written to the inferred graph: the asserted triples that a rule
    # could derive (of a derived property, or a type of a derived class) are kept, a few of
    # the data's triples, and what was derived is filtered against them at the end.
    made = {p for _, p in [*effects.forward, *effects.forward_guarded, *effects.backward]}
    made |= {head for head, _ in rules}
    made_classes = {f"<{c}>" for _, c in [*effects.subject_types, *effects.object_types]}
    made_classes |= {f"<{c}>" for _, c in [*effects.subject_types_guarded]}
    made_classes |= {f"<{d}>" for _, d in effects.superclasses}
    asserted: set[str] = set()
    known: dict[str, set[tuple[str, str]]] = {f"<{q}>": set() for q in joined}
    typed: set[str] = set()  # the types written, node and class: a node is typed many times
    lines: list[str] = []
    write = lines.append
    with open(out, "w", encoding="utf-8") as written:
        for path in files:
            with parsing(path) as fmt:
                dataset = fmt.supports_datasets
                for t in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                    if dataset and type(t.graph_name) is not default:
                        continue  # a named graph's triple: not asserted in the default graph
                    p = t.predicate.value
                    plan = plans.get(p)
                    if p == RDF_TYPE:
                        o_text = str(t.object)
                        classes = supers.get(o_text)
                        if o_text in made_classes:
                            asserted.add(f"{t.subject} {a} {o_text} .\n")
                        if plan is None and classes is None:
                            continue
                    elif plan is None:
                        if p in made:
                            asserted.add(f"{t.subject} <{p}> {t.object} .\n")
                        continue
                    else:
                        classes = None
                        o_text = str(t.object)
                        if p in made:
                            asserted.add(f"{t.subject} <{p}> {o_text} .\n")
                    s, o = t.subject, t.object
                    if type(s) is blank or type(o) is blank:
                        return False
                    s_text = str(s)
                    for c in classes or ():
                        if s_text + c not in typed:
                            typed.add(s_text + c)
                            write(f"{s_text} {a} {c} .\n")
                    if plan is None:
                        continue
                    forward, guarded, backward, types, types_guarded, object_types = plan
                    is_literal = type(o) is literal
                    for q, along in joins.get(p, ()):
                        if along:
                            known[q].add((s_text, o_text))
                        elif not is_literal:
                            known[q].add((o_text, s_text))
                    for q in forward:
                        write(f"{s_text} {q} {o_text} .\n")
                    for c in types:
                        if s_text + c not in typed:
                            typed.add(s_text + c)
                            write(f"{s_text} {a} {c} .\n")
                    if is_literal:
                        continue
                    for q in guarded:
                        write(f"{s_text} {q} {o_text} .\n")
                    for q in backward:
                        write(f"{o_text} {q} {s_text} .\n")
                    for c in types_guarded:
                        if s_text + c not in typed:
                            typed.add(s_text + c)
                            write(f"{s_text} {a} {c} .\n")
                    for c in object_types:
                        if o_text + c not in typed:
                            typed.add(o_text + c)
                            write(f"{o_text} {a} {c} .\n")
                    if len(lines) > 100_000:
                        if stop is not None and stop.is_set():
                            return False
                        if len(typed) > 1_000_000:  # bounded: a type written twice is harmless
                            typed.clear()
                        written.write("".join(lines))
                        lines.clear()
        _join(rules, plans, joins, known, write, typed)
        written.write("".join(lines))
    if asserted:
        kept = out + ".kept"
        with open(out, encoding="utf-8") as derived, open(kept, "w", encoding="utf-8") as new:
            new.writelines(line for line in derived if line not in asserted)
        os.replace(kept, out)
    return True


def _join(
    rules: list[tuple[str, list[tuple[str, bool]]]],
    plans: dict[str, tuple[list[str], ...]],
    joins: dict[str, list[tuple[str, bool]]],
    known: dict[str, set[tuple[str, str]]],
    emit: Callable[[str], None],
    typed: set[str],
) -> None:
    """The rules of two premises (``rules``, :func:`_rules`) on ``known`` (each joined
    property's pairs, asserted or entailed), round after round until a round adds nothing: a
    round joins what the round before added (at first, everything) with everything known, and
    each new triple is written with what the closed rules of one premise give from it (its
    predicate's plan; a type only when ``typed``, node and class, does not have it yet); what
    is new of a joined property is the next round's."""
    a = f"<{RDF_TYPE}>"
    ahead: dict[str, dict[str, set[str]]] = {q: {} for q in known}  # s -> its objects
    behind: dict[str, dict[str, set[str]]] = {q: {} for q in known}  # o -> its subjects
    for q, pairs in known.items():
        for s, o in pairs:
            ahead[q].setdefault(s, set()).add(o)
            behind[q].setdefault(o, set()).add(s)
    delta = {q: set(pairs) for q, pairs in known.items() if pairs}
    written: set[tuple[str, str, str]] = set()  # the rules' conclusions, each applied once

    def learn(q: str, s: str, o: str, fresh: dict[str, set[tuple[str, str]]]) -> None:
        if (s, o) not in known[q]:
            known[q].add((s, o))
            ahead[q].setdefault(s, set()).add(o)
            behind[q].setdefault(o, set()).add(s)
            fresh.setdefault(q, set()).add((s, o))

    chains = [  # the rules with their properties as N-Triples terms, as the pairs have them
        (f"<{head}>", [(f"<{prop}>", inverse) for prop, inverse in steps]) for head, steps in rules
    ]
    while delta:
        found: set[tuple[str, str, str]] = set()
        for head, names in chains:
            for i, (prop, inverse) in enumerate(names):
                for s, o in delta.get(prop, ()):
                    first, end = (o, s) if inverse else (s, o)  # the edge along the chain
                    lefts = {first}
                    for before, back in reversed(names[:i]):
                        index = ahead[before] if back else behind[before]
                        lefts = {x for n in lefts for x in index.get(n, ())}
                    rights = {end}
                    for after, back in names[i + 1 :]:
                        index = behind[after] if back else ahead[after]
                        rights = {z for n in rights for z in index.get(n, ())}
                    found.update((head, x, z) for x in lefts for z in rights)
        fresh: dict[str, set[tuple[str, str]]] = {}
        for triple in found - written:
            written.add(triple)
            h, x, z = triple
            if x.startswith('"'):
                continue  # never a literal as subject
            emit(f"{x} {h} {z} .\n")
            is_literal = z.startswith('"')
            for q, forward in joins.get(h[1:-1], ()):
                if forward:
                    learn(q, x, z, fresh)
                elif not is_literal:
                    learn(q, z, x, fresh)
            # the closed rules, as closure_of_files applies them to each triple it reads (inline
            # there, where it runs once for every triple of the input, without a call)
            plan = plans.get(h[1:-1])
            if plan is None:
                continue
            forward_, guarded, backward, types, types_guarded, object_types = plan
            for q in forward_:
                emit(f"{x} {q} {z} .\n")
            for c in types:
                if x + c not in typed:
                    typed.add(x + c)
                    emit(f"{x} {a} {c} .\n")
            if is_literal:
                continue
            for q in guarded:
                emit(f"{x} {q} {z} .\n")
            for q in backward:
                emit(f"{z} {q} {x} .\n")
            for c in types_guarded:
                if x + c not in typed:
                    typed.add(x + c)
                    emit(f"{x} {a} {c} .\n")
            for c in object_types:
                if z + c not in typed:
                    typed.add(z + c)
                    emit(f"{z} {a} {c} .\n")
        delta = fresh


class Ahead:
    """The closure of the input files found and bulk-loaded by a thread of its own while the
    store's large files are bulk-loaded, both of which let other threads run (a million
    generated triples: the build with the closure from 2.0 to 1.6-1.9 times the build without
    it, on two cores, for about 400 MB more at its peak: docs/benchmarks.md).

    It starts (:meth:`start`) once the small files, the ontology among them, are in the store,
    with the schema they give. The whole store's schema is known only after the load: if it is
    not the same (a large file holds axioms too), :meth:`use` says so, and what the thread put
    in the inferred graph is cleared and found again."""

    def __init__(self, folder: str, files: Iterable[Path]) -> None:
        import os
        import threading

        self.path = os.path.join(folder, "hkit-entailed-ahead.nt")
        self.files = list(files)
        self.stop = threading.Event()
        self.schema: Schema | None = None
        self.thread: threading.Thread | None = None
        self.loaded = False
        self.error: BaseException | None = None

    def start(self, store: Any) -> None:
        """Read the schema of what ``store`` holds so far and start the closure's thread."""
        import threading

        self.schema = Schema(store)
        self.thread = threading.Thread(
            target=self._run, args=(store,), name="hkit-closure", daemon=True
        )
        self.thread.start()

    def _run(self, store: Any) -> None:
        import os

        import pyoxigraph

        try:
            assert self.schema is not None
            if closure_of_files(self.schema, self.files, self.path, self.stop):
                if os.path.getsize(self.path) and not self.stop.is_set():
                    store.bulk_load(
                        path=self.path,
                        format=pyoxigraph.RdfFormat.N_TRIPLES,
                        to_graph=pyoxigraph.NamedNode(INFERRED),
                    )
                self.loaded = not self.stop.is_set()
        except BaseException as error:  # raised again by use()
            self.error = error
        finally:
            self._remove()

    def use(self, schema: Schema) -> bool:
        """Whether the inferred graph holds what the files entail, found with ``schema``. An
        error of the thread (the input's, or the folder's) is raised here."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.loaded and self.schema == schema

    def _remove(self) -> None:
        import contextlib
        import os

        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def cancel(self) -> None:
        """Stop the thread (a failed or interrupted load) and wait for it."""
        self.stop.set()
        self.join()
