"""What keeps a query from reaching the network: the last check of its text, and the
seccomp filter (or network namespace) that a child process runs under."""

from __future__ import annotations

from hkit.core.sparql import _loose_expand, check_read_only, expand_escapes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    pass


def _refuse_outreach(text: str) -> None:
    """Every engine's last check, whoever built the text (a saved query with its values, an
    ad-hoc query, a check, a page's own query): nothing that reaches outside the graph or
    changes it is run (see :func:`hkit.core.sparql.check_read_only`)."""

    check_read_only(text)


def might_reach_network(text: str) -> bool:
    """Whether the engine could read ``text`` as reaching another host: only a SERVICE clause
    does (pyoxigraph runs no update and fetches no FROM graph), and no SERVICE can be written
    without the word, once codepoint escapes are read and case is folded. A query for which this
    is true runs cut off from the network (see :func:`_cut_network`), whatever the read-only
    check made of it."""

    return "service" in (expand_escapes(text) + _loose_expand(text)).casefold()


def sock_fprog(length: int, address: int) -> bytes:
    """The kernel's ``struct sock_fprog`` for a seccomp filter of ``length`` instructions at
    ``address``: a short, then a pointer at the pointer's own alignment (native packing: packed
    without padding, the kernel would read the pointer from the wrong place)."""
    import struct

    return struct.pack("@HP", length, address)


def _cut_network() -> str | None:
    """In the forked child, before the query runs: make it unable to open a network socket, so
    that even a SERVICE the read-only check missed reaches no host. A seccomp filter refuses
    every socket() but a local (AF_UNIX) one; where the filter cannot be installed, the child
    moves into a network namespace of its own, which has no interface. None when done, else why
    not."""
    import ctypes
    import os
    import platform
    import struct

    libc = ctypes.CDLL(None, use_errno=True)
    arch = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}.get(platform.machine())
    if arch is not None:
        audit_arch, socket_nr = arch
        load, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
        allow, refuse = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, RET_ERRNO(EACCES)
        program = [
            (load, 0, 0, 4),  # the architecture
            (jeq, 0, 5, audit_arch),
            (load, 0, 0, 0),  # the system call's number
            (jeq, 0, 3, socket_nr),
            (load, 0, 0, 16),  # socket()'s first argument: the address family
            (jeq, 1, 0, 1),  # AF_UNIX
            (ret, 0, 0, refuse),
            (ret, 0, 0, allow),
        ]
        code = b"".join(struct.pack("=HBBI", *ins) for ins in program)
        buffer = ctypes.create_string_buffer(code)
        fprog_buffer = ctypes.create_string_buffer(
            sock_fprog(len(program), ctypes.addressof(buffer))
        )
        no_new_privs, set_seccomp, mode_filter = 38, 22, 2
        if libc.prctl(no_new_privs, 1, 0, 0, 0) == 0 and (
            libc.prctl(set_seccomp, mode_filter, fprog_buffer, 0, 0) == 0
        ):
            return None
    new_net, new_user = 0x40000000, 0x10000000
    if libc.unshare(new_net) == 0 or libc.unshare(new_user | new_net) == 0:
        return None
    return os.strerror(ctypes.get_errno()) or "not supported here"
