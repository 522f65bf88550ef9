"""A pool of long-lived query workers, for a server: each worker is a forked
:class:`hkit.store.runner.Worker` that holds the loaded store (shared copy-on-write with the
server) and answers one query after another, so that a query costs a message each way instead
of a fork.

Each worker keeps the guarantees of the per-query child (:class:`hkit.store.runner.Child`): it
runs under the query memory limit, set once on its whole address space; it is cut off from the
network before its first query (where the system cannot cut it, a query that could reach the
network is refused, as the per-query child refuses it); and every query has a hard deadline. A
query's own error (bad SPARQL, an answer too large) leaves its worker in service; a worker that
outlives the deadline, dies (out of memory, a crash, killed from outside) or is left half read
is killed, reaped and replaced by a fresh fork, and its query answered with the same one-line
error as the per-query child's. A worker forked while the server runs closes the sockets and
pipes it inherited (clients' connections, the listening socket, the other workers' channels),
so that no connection outlives its close in the server.

The pool is thread-safe: a server calls :meth:`Pool.run` from its worker threads, each thread
holding at most one worker at a time, and waits for a free worker when all are busy (bounded by
the query's timeout). When the graph's store is replaced (a damaged on-disk store is built
again), :meth:`Pool.reload` retires every worker, so that none answers from the old store.
"""

from __future__ import annotations

import os
import threading
import time

from hkit.core.errors import HkitError, QueryFailed, QueryTimeout
from hkit.store.channel import _pack, _unpack
from hkit.store.engines import _checked
from hkit.store.offline import _cut_network, might_reach_network
from hkit.store.runner import _QUERY_WHAT, Worker

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from types import EllipsisType

    from hkit.core.answers import Result
    from hkit.store.channel import Send, Serve
    from hkit.store.engines import EmbeddedEngine


def default_workers() -> int:
    """Workers for this machine: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _serve_queries(engine: EmbeddedEngine) -> Serve:
    """A worker's work for each query job ``("run", text, caps, base, inferred, checks)``: the
    text checked as every query is (read-only; as ad-hoc text too with ``checks``), then the
    answer of ``engine`` (over what the ontology entails unless ``inferred`` is false), sent as
    one ``("result", packed)`` message. The worker cuts itself off from the network before its first
    job; where that cannot be done, a query that could reach the network is refused."""
    why_not: list[str | None] = []  # the network cut's outcome, once tried

    def serve(job: tuple, send: Send) -> None:
        _, text, caps, base, inferred, checks = job
        text = _checked(text, checks)  # here, beside the server: it checks many at once
        if not why_not:
            why_not.append(_cut_network())
        if why_not[0] is not None and might_reach_network(text):
            raise QueryFailed(
                f"{_QUERY_WHAT} cannot be cut off from the network on this system ({why_not[0]})",
                hint="set HKIT_IN_PROCESS=1 to rely on hkit's checks of the query text alone",
            )
        on = engine if inferred else engine.asserted()
        caps = None if caps is None else tuple(caps)
        try:
            answer = on._evaluate(text, caps=caps, base=base)
        except (OSError, RuntimeError) as exc:
            if why_not[0] is None and "os error 13" in str(exc):  # the socket the filter refused
                raise QueryFailed(
                    "the query tried to reach another host (SERVICE), which hkit does not allow"
                ) from None
            raise
        send(("result", _pack(answer)))

    return serve


def _ended(worker: Worker) -> bool:
    """Whether an idle worker has ended (killed from outside): reaped here if so."""
    try:
        pid, _ = os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        pid = worker.pid
    if pid == 0:
        return False
    worker.pid = 0
    return True


class Pool:
    """``size`` long-lived workers (default: :func:`default_workers`) answering queries on
    ``engine``'s store, each under ``memory`` bytes beyond what it holds when forked (``...``:
    the query memory limit). Workers are forked by :meth:`start`, or as queries need them."""

    def __init__(
        self,
        engine: EmbeddedEngine,
        size: int | None = None,
        *,
        memory: int | EllipsisType | None = ...,
    ) -> None:
        if size is not None and size < 1:
            raise ValueError("a pool has at least one worker")
        self.size = size or default_workers()
        self.memory = memory
        self._engine = engine
        self._idle: list[Worker] = []
        self._alive = 0  # workers forked and not yet closed: idle, busy or being forked
        self._generation = 0  # raised by reload(): workers of an older one are retired
        self._born: dict[Worker, int] = {}  # each worker alive -> its generation
        self._changed = threading.Condition()
        self._closed = False
        #: workers replaced after a timeout, a death or a half-read answer (for the tests)
        self.replaced = 0

    # -- the workers ------------

    def _fork(self) -> Worker:
        """A new worker on the current store, closing what else it inherited."""
        return Worker(_serve_queries(self._engine), memory=self.memory, private=True)

    def start(self) -> None:
        """Fork every worker now (a server does this once its store is loaded, before it takes
        requests)."""
        while True:
            with self._changed:
                if self._closed or self._alive >= self.size:
                    return
                self._alive += 1
                generation = self._generation
            self._add(generation)

    def _add(self, generation: int) -> None:
        """Fork one worker (its place already counted in ``_alive``) and make it idle."""
        try:
            worker = self._fork()
        except BaseException:
            with self._changed:
                self._alive -= 1
                self._changed.notify()
            raise
        with self._changed:
            self._born[worker] = generation
            if self._closed or generation != self._generation:
                self._alive -= 1
                self._born.pop(worker, None)
                worker.close()
            else:
                self._idle.append(worker)
            self._changed.notify()

    def _take(self, deadline: float | None, timeout: float | None) -> Worker:
        """An idle worker of the current generation, forking one where there is room, waiting
        for one (until ``deadline``) where there is none."""
        while True:
            with self._changed:
                if self._closed:
                    raise QueryFailed("the server is stopping")
                if self._idle:  # the one idle longest: every worker takes its turn
                    return self._idle.pop(0)
                if self._alive < self.size:
                    self._alive += 1
                    generation = self._generation
                else:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise QueryTimeout(
                            f"the query did not finish within {timeout or 0:g} seconds",
                            hint="raise --timeout",
                        )
                    self._changed.wait(remaining)
                    continue
            self._add(generation)

    def _give_back(self, worker: Worker, healthy: bool) -> None:
        """Return ``worker`` to the idle ones, or close it (and fork its replacement) when it is
        not ``healthy`` or of a retired generation."""
        with self._changed:
            current = self._born.get(worker) == self._generation and not self._closed
            if healthy and current:
                self._idle.append(worker)
                self._changed.notify()
                return
            self._born.pop(worker, None)
        worker.close()
        with self._changed:
            self._alive -= 1
            if not healthy:
                self.replaced += 1
            self._changed.notify()
            replace = not self._closed and self._alive < self.size
            if replace:
                self._alive += 1
                generation = self._generation
        if replace:  # at once, so that the next query finds it ready
            self._add(generation)

    # -- queries ------------

    def run(
        self,
        text: str,
        timeout: float | None = None,
        *,
        caps: tuple[int, int | None] | None = None,
        base: str | None = None,
        inferred: bool = True,
        checks: bool = False,
    ) -> Result:
        """The answer to ``text`` from a worker, within ``timeout`` seconds from now (waiting for
        a free worker included), checked there as :meth:`hkit.store.engines.EmbeddedEngine.run`
        checks it (read-only; ad-hoc text with ``checks``); ``caps`` (rows, bytes) refuse a
        larger answer in the worker."""
        deadline = None if timeout is None else time.monotonic() + timeout
        job = ("run", text, caps, base, inferred, checks)
        for tries in range(self.size + 2):
            if tries > self.size:  # each worker it was handed had died: none can be kept alive
                raise QueryFailed("the SPARQL engine stopped without an answer")
            worker = self._take(deadline, timeout)
            remaining = None if deadline is None else max(0.001, deadline - time.monotonic())
            try:
                if not _ended(worker):
                    worker.submit(job, remaining)
                    break
            except HkitError:  # it ended just now: the job never started
                pass
            # it died while idle (killed from outside): replaced, and the job handed to another
            self._give_back(worker, healthy=False)
        healthy = False
        try:
            worker.timeout = timeout  # the message names the whole timeout, as a child's does
            try:
                message = worker.receive()
            except HkitError:
                # an error the job sent leaves the worker in service, its job ended; a timeout
                # or a death does not
                healthy = worker.pid != 0 and not worker.spoiled
                raise
            result = _unpack(message[1])
            worker.receive()  # ("done",)
            healthy = True
            return result
        finally:
            self._give_back(worker, healthy)

    def reload(self, engine: EmbeddedEngine) -> None:
        """Answer from ``engine``'s store from now on: every worker of the old one is retired
        (the idle ones at once, the busy ones when their query ends)."""
        with self._changed:
            self._engine = engine
            self._generation += 1
            retired = self._take_idle()
        for worker in retired:
            worker.close()

    def pids(self) -> list[int]:
        """The process ids of the workers alive now (for the tests and the benchmark)."""
        with self._changed:
            return sorted(worker.pid for worker in self._born if worker.pid)

    def close(self) -> None:
        """Stop every idle worker now, and each busy one as its query ends."""
        with self._changed:
            self._closed = True
            idle = self._take_idle()
        for worker in idle:
            worker.close()

    def _take_idle(self) -> list[Worker]:
        """The idle workers, taken out of the pool, and the waiters told (with the lock held;
        the caller closes them after letting it go)."""
        idle, self._idle = self._idle, []
        for worker in idle:
            self._born.pop(worker, None)
        self._alive -= len(idle)
        self._changed.notify_all()
        return idle

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
