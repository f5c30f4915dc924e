"""A private PostgreSQL cluster that a test may stop and start (the shared one stays up).

The binaries come from ``pg_config --bindir`` (or the usual Debian location). Without them the
test is skipped on a laptop and fails under ``CI=true``. ``initdb`` refuses to run as root, so
as root every command runs as the ``postgres`` OS user. The cluster lives in a temporary
directory with its unix socket, listens on 127.0.0.1 on a free port and trusts local users.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.e2e.harness import free_port

SUPERUSER = "postgres"


def _bindir() -> Path | None:
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        candidates.append(result.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).is_file() for tool in ("initdb", "pg_ctl")):
            return Path(candidate)
    return None


def _require_bindir() -> Path:
    bindir = _bindir()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: this test must run)")
        pytest.skip(reason)
    return bindir


class PrivatePostgres:
    """One cluster: ``start``, ``stop``, ``url``. Create it with ``private_postgres()``."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self._bindir = bindir
        self._root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(
            command, cwd=self._root, capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self._root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}): "
                f"{result.stdout}{result.stderr}{tail}"
            )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-sync")

    async def start(self) -> None:
        options = (
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=100"
        )
        log = str(self._root / "server.log")
        await asyncio.to_thread(
            self._run, "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    async def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m mode``: ``fast`` ends every session, ``immediate`` crashes."""
        await asyncio.to_thread(self._run, "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def discard(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)


@asynccontextmanager
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A running private cluster, removed afterwards."""
    bindir = _require_bindir()
    root = Path(tempfile.mkdtemp(prefix="tarsy-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SUPERUSER)
    cluster = PrivatePostgres(bindir, root)
    try:
        await asyncio.to_thread(cluster.init)
        await cluster.start()
        yield cluster
    finally:
        await asyncio.to_thread(cluster.discard)
