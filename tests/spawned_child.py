"""A module that hkit.store.runner.Spawned runs in the tests (``python -m spawned_child WHAT``):
it answers over the channel its parent handed down, as the reasoner's worker does."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from hkit.core.errors import InputError
from hkit.store.child import spawned_main


def work(send) -> None:
    what = sys.argv[1]
    if what == "answer":
        print("noise on standard output, which the channel never sees")
        send(("answer", os.getpid(), os.getpgid(0), {"x": [1, 2]}))
    elif what == "hkit-error":
        raise InputError("the input is wrong", hint="give another")
    elif what == "bug":
        raise KeyError("nothing here")
    elif what == "grandchild":  # a process of its own that outlives it unless its group is killed
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        send(("started", sleeper.pid))
        time.sleep(120)
    elif what == "dies":
        sys.stderr.write("first line\nthe last words\n")
        sys.stderr.flush()
        os._exit(3)


if __name__ == "__main__":
    spawned_main(work, lambda exc: exc)
