"""Real triple stores for the tests, started on loopback by the test run: Virtuoso 7
(Debian's virtuoso-opensource) and Apache Jena's riot (Debian's libapache-jena-java).

When HKIT_REQUIRE_EXTERNAL is set (CI sets it), a missing store fails the tests instead of
skipping them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

#: Debian's Jena packages and what they need at run time.
JENA_PACKAGES = (
    "libapache-jena-java libcommons-cli-java libcommons-codec-java libcommons-compress-java "
    "libcommons-csv-java libcommons-io-java libcommons-lang3-java libdexx-java "
    "libgoogle-gson-java libguava-java libhttpclient-java libhttpcore-java "
    "libjackson2-core-java libjackson2-databind-java libjackson2-annotations-java "
    "libjsonld-java libjsonp2-java libprotobuf-java libthrift-java libtitanium-json-ld-java"
).split()


def missing(what: str) -> None:
    """Skip, or fail when the stores are required."""
    if os.environ.get("HKIT_REQUIRE_EXTERNAL"):
        pytest.fail(f"{what} is not installed, and HKIT_REQUIRE_EXTERNAL is set")
    pytest.skip(f"{what} is not installed")


# -------------------------------------------------------------------------------------------------
# Apache Jena
# -------------------------------------------------------------------------------------------------


def jena_classpath(workdir: Path) -> str:
    """A class path for Debian's Jena 4.5.

    Debian's packaging moved Jena's bundled Xerces classes to the package ``xerces`` but left
    their message resources under ``org/apache/jena/ext/xerces``, so Jena dies at start-up with
    an ExceptionInInitializerError (HAZARDS 14). The resources are copied to the relocated path,
    first on the class path. Only Jena and its own dependencies go on it (all of /usr/share/java
    would bring two clashing SLF4J bindings).
    """
    if shutil.which("java") is None or shutil.which("dpkg") is None:
        missing("Java or dpkg")
    jars: list[str] = []
    for package in JENA_PACKAGES:
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
        if listing.returncode != 0:
            if package == "libapache-jena-java":
                missing("Apache Jena (Debian's libapache-jena-java)")
            continue
        for line in listing.stdout.splitlines():
            name = Path(line).name
            if line.startswith("/usr/share/java/") and name.endswith(".jar"):
                stem = name[: -len(".jar")]
                if not stem.rsplit("-", 1)[-1][:1].isdigit():  # the unversioned link only
                    jars.append(line)
    jars += ["/usr/share/java/slf4j-api.jar", "/usr/share/java/slf4j-simple.jar"]
    resources = workdir / "jena-resources"
    with zipfile.ZipFile("/usr/share/java/jena-core.jar") as jar:
        for member in jar.namelist():
            prefix = "org/apache/jena/ext/xerces/"
            if member.startswith(prefix) and not member.endswith((".class", "/")):
                target = resources / "xerces" / member[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(member))
    return os.pathsep.join([str(resources), *[j for j in jars if Path(j).exists()]])


def riot(classpath: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Jena's riot command line."""
    return subprocess.run(
        ["java", "-cp", classpath, "riotcmd.riot", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


# -------------------------------------------------------------------------------------------------
# Virtuoso
# -------------------------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = ., {d}
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {d}
ServerThreads      = 10
Charset            = UTF-8

[SPARQL]
ResultSetMaxRows      = 100000
MaxQueryExecutionTime = 120
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Virtuoso:
    """A Virtuoso 7 server with its database in a temporary folder, listening on 127.0.0.1 only,
    with a new DBA password (the default, 'dba', is changed at once: HAZARDS 13)."""

    def __init__(self, workdir: Path) -> None:
        for program in ("virtuoso-t", "isql-vt"):
            if shutil.which(program) is None:
                missing("Virtuoso (Debian's virtuoso-opensource)")
        self.dir = workdir
        self.sql_port, self.http_port = free_port(), free_port()
        self.password = "dba"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self) -> None:
        ini = self.dir / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(d=self.dir, sql_port=self.sql_port, http_port=self.http_port),
            encoding="utf-8",
        )
        self.log = (self.dir / "server.out").open("ab")
        self.process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=self.dir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Virtuoso exited: {self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/", timeout=2):
                    pass
            except urllib.error.HTTPError:
                pass  # the HTTP server answers: it is up
            except OSError:
                time.sleep(0.5)
                continue
            if self.sql("select 1;").returncode == 0:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"Virtuoso did not start: {self.output()}")
        if self.password == "dba":
            new = "hkit" + secrets.token_hex(8)
            self.sql(f"USER_CHANGE_PASSWORD('dba', 'dba', '{new}');", check=True)
            self.password = new
            if self.sql("select 1;", password="dba").returncode == 0:
                raise RuntimeError("the default DBA password still works")

    def restart(self) -> None:
        """Stop and start again on the same database. A Virtuoso 7.2 database queried in the
        session that created it answers some property paths wrongly; after a restart it answers
        them right (openlink/virtuoso-opensource#929, seen here)."""
        self.stop()
        self.start()

    def output(self) -> str:
        log = self.dir / "virtuoso.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def sql(
        self, statement: str, *, password: str | None = None, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [
                "isql-vt",
                f"127.0.0.1:{self.sql_port}",
                "dba",
                password or self.password,
                f"exec={statement}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        failed = result.returncode != 0 or "*** Error" in result.stdout + result.stderr
        if check and failed:
            raise RuntimeError(f"isql failed: {statement}\n{result.stdout}\n{result.stderr}")
        if failed and result.returncode == 0:
            result.returncode = 1
        return result

    def load(self, path: Path, graph: str) -> None:
        """Bulk-load one file into a named graph, and check that the load reported no error
        (a failed Virtuoso load is not atomic: HAZARDS 13)."""
        target = self.dir / path.name  # Virtuoso reads only from its DirsAllowed
        if target.resolve() != path.resolve():
            shutil.copyfile(path, target)
        self.sql(
            f"ld_dir('{self.dir}', '{path.name}', '{graph}'); rdf_loader_run(); checkpoint;",
            check=True,
        )
        errors = self.sql(
            "select ll_file, ll_error from DB.DBA.LOAD_LIST where ll_error is not null;",
            check=True,
        )
        if path.name in errors.stdout:
            raise RuntimeError(f"Virtuoso could not load {path.name}: {errors.stdout}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.sql("checkpoint; shutdown;")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
