"""Processes and databases for the reliability tests: a `tradelane` server on a free port, and the
engine (SQLite file or a fresh PostgreSQL database) it keeps its data in, read back by the test.

Environment: TRADELANE_BIN (default .build/debug/tradelane), TRADELANE_TEST_DATABASE_URL
(PostgreSQL admin URL, from scripts/start-postgres.sh).
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRADELANE_BIN", str(ROOT / ".build/debug/tradelane"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    return found[-1] if found else (shutil.which("psql") or "psql")


class Engine:
    """Where the server keeps its data, and how the test reads it back."""

    def __init__(self, kind: str, data_dir: Path, prefix: str = "tl_crash_"):
        self.kind = kind
        self.data_dir = data_dir
        self.admin_url = os.environ.get("TRADELANE_TEST_DATABASE_URL", "").strip()
        if kind == "sqlite":
            self.url = f"sqlite://{data_dir}/tradelane.sqlite"
        else:
            if not self.admin_url:
                pytest.fail("TRADELANE_TEST_DATABASE_URL is not set: start PostgreSQL (scripts/start-postgres.sh)")
            self.name = prefix + secrets.token_hex(6)
            self.psql("CREATE DATABASE " + self.name, url=self.admin_url)
            base, _, _ = self.admin_url.rpartition("/")
            self.url = f"{base}/{self.name}"

    def psql(self, query: str, url: str | None = None) -> list[list[str]]:
        out = subprocess.run([psql_bin(), url or self.url, "-At", "-F", "\t", "-c", query],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def rows(self, query: str) -> list[list[str]]:
        if self.kind == "postgres":
            return self.psql(query)
        con = sqlite3.connect(f"file:{self.data_dir}/tradelane.sqlite?mode=ro", uri=True, timeout=30)
        try:
            return [[str(v) for v in row] for row in con.execute(query).fetchall()]
        finally:
            con.close()

    def drop(self) -> None:
        if self.kind == "postgres":
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", url=self.admin_url)


class Server:
    """`tradelane serve` on a free port over `engine`; several may share one engine (one log file each)."""

    def __init__(self, engine: Engine, extra_env: dict[str, str] | None = None):
        self.engine = engine
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = engine.data_dir / f"server-{self.port}.log"
        self.extra_env = extra_env or {}

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("TRADELANE_TEST_DATABASE_URL", None)
        env.update(TRADELANE_DATA_DIR=str(self.engine.data_dir), TRADELANE_DATABASE_URL=self.engine.url, TRADELANE_LOG_LEVEL="warning")
        env.update(self.extra_env)
        return env

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cli(self, *args: str) -> str:
        return subprocess.run([BIN, *args], env=self.env(), check=True, capture_output=True, text=True, timeout=300).stdout.strip()

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([BIN, "serve", "--port", str(self.port)], env=self.env(), stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited: " + self.log.read_text(errors="replace")[-2000:]
            try:
                if self.request("GET", "/health/ready", None, None, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("server not ready after 120 s")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def request(self, method: str, path: str, key: str | None, body: bytes | None, idem: str | None = None,
                content_type: str = "application/json", timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": content_type}
            if key:
                headers["Authorization"] = f"Bearer {key}"
            if idem:
                headers["Idempotency-Key"] = idem
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, key: str, payload: dict | None = None, **kw) -> dict:
        status, _, body = self.request(method, path, key, json.dumps(payload or {}).encode(), **kw)
        assert status < 300, f"{method} {path}: {status} {body[:300]!r}"
        return json.loads(body)
