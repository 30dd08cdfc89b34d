"""A real, throw-away PostgreSQL server for the tests: Debian's binaries, a temporary directory, a free port.

`PostgresServer.start()` runs `initdb` in a fresh directory under the system's temp dir and
`pg_ctl start` on 127.0.0.1 (its socket in that directory too); `stop()` stops it and removes the
directory. `initdb` refuses to run as root, so under root (CI) every server command runs as the
`postgres` user, which owns the directory. The superuser has a random password and TCP logins need
it, so the store's password masking is exercised by every test that uses the server.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"  # the unprivileged user Debian's package creates
ROLE = "handwriting_test"


def find_bin() -> Path | None:
    """The newest Debian PostgreSQL bin directory holding initdb (`HANDWRITING_POSTGRES_BIN` names
    another, e.g. on macOS), or None."""
    pattern = os.environ.get("HANDWRITING_POSTGRES_BIN") or BIN_GLOB
    found = [Path(p) for p in glob.glob(pattern) if (Path(p) / "initdb").is_file()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.password = secrets.token_urlsafe(18)
        self.root = Path(tempfile.mkdtemp(prefix="hw-postgres-"))
        self.data = self.root / "data"
        self.port = 0
        self._as_user = os.geteuid() == 0
        self._databases = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_user:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}"
                               + (f"\nserver log:\n{log.read_text()[-2000:]}" if log.exists() else ""))

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_user:
            shutil.chown(self.root, SERVER_USER)
            shutil.chown(pwfile, SERVER_USER)
        self._run("initdb", "-D", str(self.data), "-U", ROLE, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        pwfile.unlink()
        for attempt in range(3):  # a free port can be taken between the check and the start
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                       "-c max_connections=60 -c shared_buffers=32MB")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                          "-w", "-t", "60", "start")
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def url(self, database: str = "postgres", password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database's name."""
        self._databases += 1
        name = f"hw_test_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
