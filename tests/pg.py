"""A throwaway PostgreSQL 15 cluster for tests (reusable by any test package).

``PostgresCluster.start()`` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/15/bin`` as
the ``postgres`` user (via ``runuser`` when the tests run as root), with the data directory in a
fresh temporary directory owned by ``postgres``, listening on 127.0.0.1 on a free port with trust
authentication. ``create_database()`` gives each test its own database URL. ``pg_unavailable()``
says why a cluster cannot be started (None when it can); with ``CI=true`` callers must fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def pg_unavailable() -> str | None:
    """Why no throwaway cluster can be started here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 server binaries not found in {PG_BIN} (apt install postgresql-15)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "no 'postgres' user to run the server as (PostgreSQL refuses to run as root)"
        if shutil.which("runuser") is None:
            return "runuser not found (needed to start PostgreSQL as the postgres user)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresCluster:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @classmethod
    def start(cls, durable: bool = False) -> PostgresCluster:
        """Start a cluster; ``durable`` keeps fsync on (benchmarks), tests run without it."""
        root = Path(tempfile.mkdtemp(prefix="pgtest-"))
        os.chmod(root, 0o755)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = cls(root, free_port())
        cluster._run(str(PG_BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                     "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -c unix_socket_directories={root}"
                   " -c max_connections=200")
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        cluster._run(str(PG_BIN / "pg_ctl"), "-D", str(cluster.data), "-l", str(root / "log"),
                     "-o", options, "-w", "-t", "60", "start")
        return cluster

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
