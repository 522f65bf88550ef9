"""The channel between hkit and a child process: messages framed over a pair of pipe ends, and
hkit's errors carried across by their type.

A message is a tuple of plain values (str, bytes, int, float, bool, None, and lists, tuples and
dicts of them), written with marshal, which needs no import on a query's start-up path, after
its length in 8 bytes. A channel carries any number of messages each way, so the same pipe pair
serves one job (a child forked for one query) or many (a long-lived worker given one job after
another): the processes at either end are :mod:`hkit.store.runner`'s, and the child's side of
a job is :func:`answer_jobs`. A message's first item names its kind: ``"error"`` and ``"bug"``
are the channel's own, and ``("done",)`` ends each of a worker's jobs.

Errors cross by type, never by their text: one of hkit's errors is sent as ``("error", its
class's name, message, hint)`` and raised on the other side as the class of that name in
:mod:`hkit.core.errors`; anything else is a bug on the other side, sent as ``("bug", "Type:
text")`` and raised as :class:`RemoteBug`, which the owner of the process words for its work.
"""

from __future__ import annotations

import marshal
import os
import select
import time

from hkit.core import errors
from hkit.core.answers import Result, Term
from hkit.core.errors import HkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

    #: How work sends one message to the process that started it.
    Send = Callable[[tuple], None]
    #: A one-job child's work: it sends its answer as messages.
    Work = Callable[[Send], None]
    #: A worker's work for each job it is sent.
    Serve = Callable[[tuple, Send], None]

#: The bytes that give a message's length.
LENGTH = 8


class ChannelClosed(Exception):
    """The other end closed the channel: its process ended, or it sends no more jobs."""


class ChannelTimeout(Exception):
    """No whole message came before the deadline."""


class RemoteBug(Exception):
    """An error on the other side that is not one of hkit's (a bug there): its type and text."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Channel:
    """Messages to and from the process at the other end of two pipe ends: ``incoming`` is read,
    ``outgoing`` written (either may be None, for a channel used one way). The channel owns the
    two file descriptors: :meth:`close` closes them."""

    def __init__(self, incoming: int | None = None, outgoing: int | None = None) -> None:
        self.incoming = incoming
        self.outgoing = outgoing
        # what was read past the last whole message (a bytearray: taking a message off its front
        # does not copy the rest)
        self._buffer = bytearray()

    def send(self, message: tuple) -> None:
        """Write one message, whole (blocking while the pipe is full)."""
        fd = self.outgoing
        if fd is None:
            raise ChannelClosed("this channel sends nothing")
        data = marshal.dumps(message)
        view = memoryview(len(data).to_bytes(LENGTH, "big") + data)
        while view:
            view = view[os.write(fd, view) :]

    def send_error(self, exc: BaseException) -> None:
        """Send ``exc`` to be raised at the other end: one of hkit's errors as its own class,
        anything else as a :class:`RemoteBug`."""
        if isinstance(exc, HkitError):
            self.send(("error", type(exc).__name__, exc.message, exc.hint))
        else:
            self.send(("bug", f"{type(exc).__name__}: {exc}"[:500]))

    def receive(self, deadline: float | None = None) -> tuple:
        """The next message, read by ``deadline`` (a :func:`time.monotonic` time; None waits as
        long as it takes): :class:`ChannelTimeout` when it is passed, :class:`ChannelClosed` when
        the other end closes first. An error sent with :meth:`send_error` is raised here."""
        size = int.from_bytes(self._read(LENGTH, deadline), "big")
        message = marshal.loads(self._read(size, deadline))
        if message[0] == "error":
            _, kind, text, hint = message
            error = getattr(errors, kind, HkitError)
            if not (isinstance(error, type) and issubclass(error, HkitError)):
                error = HkitError
            raise error(text, hint=hint)
        if message[0] == "bug":
            raise RemoteBug(message[1])
        return message

    def jobs(self) -> Iterator[tuple]:
        """The messages received until the other end closes the channel (a worker's jobs)."""
        while True:
            try:
                yield self.receive()
            except ChannelClosed:
                return

    def _read(self, size: int, deadline: float | None) -> bytes:
        fd = self.incoming
        if fd is None:
            raise ChannelClosed("this channel receives nothing")
        buffer = self._buffer
        while len(buffer) < size:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ChannelTimeout
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise ChannelTimeout
            # what the message still needs, at least 64 KiB (a short message arrives whole with
            # its length) and at most 1 MiB: a read of 1 MiB each time has the allocator map and
            # unmap a megabyte for a message of a few hundred bytes
            chunk = os.read(fd, min(1 << 20, max(1 << 16, size - len(buffer))))
            if not chunk:
                raise ChannelClosed("the other end closed the channel")
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def close(self) -> None:
        """Close both ends (the process at the other end then reads the end of its jobs, or
        fails to write)."""
        for name in ("incoming", "outgoing"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                os.close(fd)


def answer_jobs(
    serve: Serve,
    channel: Channel,
    jobs: Iterable[tuple],
    translate: Callable[[BaseException], BaseException],
    say_done: bool = False,
) -> None:
    """The child's end of the channel: ``serve(job, send)`` for each job, its messages sent as
    they come and an error it raises sent (by type) after ``translate`` made it hkit's where it
    can, with ``("done",)`` after each job that ended well when ``say_done`` (a worker's jobs;
    a one-job child's answer ends with the child). A MemoryError is let through: the child then
    has to end, and its exit status says why."""
    for job in jobs:
        try:
            serve(job, channel.send)
        except MemoryError:
            raise
        except BaseException as exc:
            channel.send_error(translate(exc))
        else:
            if say_done:
                channel.send(("done",))


# -- what goes over the channel ------------------------------------------------------------------


def _pack_row(row: dict[str, Term]) -> dict[str, tuple]:
    return {var: tuple(term) for var, term in row.items()}


def _pack(result: Result) -> tuple:
    return (
        result.form,
        result.variables,
        [_pack_row(row) for row in result.rows],
        result.boolean,
        [tuple(tuple(t) for t in triple) for triple in result.triples],
    )


def _unpack(packed: tuple) -> Result:
    form, variables, rows, boolean, triples = packed
    return Result(
        form,
        variables=list(variables),
        rows=[{var: Term(*term) for var, term in row.items()} for row in rows],
        boolean=boolean,
        triples=[(Term(*s), Term(*p), Term(*o)) for s, p, o in triples],
    )


def pickled(work: Callable[[], Any]) -> Work:
    """Work that sends ``work()``'s value pickled, for a value marshal cannot carry (rdflib's
    terms, a report); :func:`unpickle` reads the message back."""
    import pickle  # start-up: not on a query's path

    def send_value(send: Send) -> None:
        send(("value", pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)))

    return send_value


def unpickle(message: tuple) -> Any:
    """The value in a message that :func:`pickled` work sent."""
    import pickle  # start-up: not on a query's path

    return pickle.loads(message[1])
