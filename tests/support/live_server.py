"""Seed a SQLite database and serve it with `tiexin serve` in a subprocess (for browser tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.workbench import Seeded, seed_calls, seed_users
from tiexin.adapters.storage import make_engine, migrate
from tiexin.adapters.storage.engine import make_session_factory
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed_database(folder: Path) -> tuple[str, Seeded]:
    url = f"sqlite:///{folder / 'var' / 'tiexin.db'}"
    engine = make_engine(url)
    migrate(engine)
    session_factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory)

    seeded = seed_calls(
        uow_factory, engine, Settings(data_dir=folder / "var", database_url=url), folder
    )
    seed_users(uow_factory)
    engine.dispose()
    return url, seeded


class LiveServer:
    def __init__(self, folder: Path, database_url: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "TIEXIN_DATA_DIR": str(folder / "var"),
            "TIEXIN_DATABASE_URL": database_url,
        }
        self._log = (folder / "server.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tiexin", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._folder = folder
        self._wait_until_up()

    def _wait_until_up(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited: {(self._folder / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/login", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()
