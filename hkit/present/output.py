"""Writing what hkit produces where the user points: stdout, or a file written atomically (a
temporary file beside it, renamed into place), a device or a FIFO written in place, a symbolic
link written through."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from hkit.core.errors import HkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_output(text: str | bytes, output: str | None) -> None:
    """Print, or write the file atomically (a temporary file beside it, then rename)."""
    write_chunks([text.encode("utf-8") if isinstance(text, str) else text], output)


def write_chunks(chunks: Iterable[bytes], output: str | None) -> None:
    """Write ``chunks`` as they come: to stdout, or to the file ``output``.

    A regular file is written through a temporary file beside it that is renamed into place only
    when every chunk is written (and removed when anything fails or a SIGTERM or SIGHUP comes, so
    nothing is left half-written); it keeps an existing file's mode, and a symbolic link is
    written through, to the file it names. A file with other hard links is written in place once
    the whole output is ready, so that the links stay one file. A device, a FIFO or a socket is
    written to as it is, never replaced. (One function, longer than most: each case is a branch
    of the same atomic write, and apart they would each repeat its cleanup.)
    """
    if output is None or output == "-":
        sys.stdout.flush()
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    import stat
    import tempfile

    if not output.strip():
        raise HkitError("the output file name is empty", hint="give a file name, or - for stdout")
    if output.endswith(("/", os.sep)) or os.path.basename(output) in (".", ".."):
        raise HkitError(
            f"cannot write {output}: it names a folder, not a file", hint="give a file name"
        )
    try:
        st = os.stat(output)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise HkitError(f"cannot write {output}: it is a folder", hint="give a file name")
    with _CleanupOnSignals():
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_in_place(chunks, output)
            return
        target = Path(os.path.realpath(output))
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        except OSError as exc:
            raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            if st is not None and st.st_nlink > 1:
                with open(tmp, "rb") as ready:
                    _write_in_place(iter(lambda: ready.read(1 << 20), b""), output)
                Path(tmp).unlink()
                return
            os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else _file_mode())
            if st is not None and os.geteuid() == 0:
                os.chown(tmp, st.st_uid, st.st_gid)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _write_in_place(chunks: Iterable[bytes], output: str) -> None:
    try:
        with open(output, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError as exc:
        raise HkitError(f"cannot write {output}: {exc.strerror or exc}") from exc


class _CleanupOnSignals:
    """While writing a file, SIGTERM and SIGHUP end the process through Python's own exit, so
    that the temporary file is removed (their default action would leave it behind)."""

    SIGNALS = ("SIGTERM", "SIGHUP")

    def __enter__(self) -> None:
        import signal
        import threading

        self.saved: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for name in self.SIGNALS:
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) in (signal.SIG_DFL, None):
                self.saved[number] = signal.signal(number, _exit_on_signal)

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self.saved.items():
            signal.signal(number, handler)


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)
