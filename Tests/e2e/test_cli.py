"""The `tradelane` command line as an operator uses it (K5 audit verify, key bootstrap, migrations).

Needs TRADELANE_BIN (default .build/debug/tradelane); TRADELANE_BASE_URL and
TRADELANE_DEMO_DIR point at the running demo server started by scripts/test.sh.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRADELANE_BIN") or str(ROOT / ".build" / "debug" / "tradelane")


def run(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("TRADELANE_")}
    e["TRADELANE_DATA_DIR"] = str(data_dir)
    e.update(env or {})
    return subprocess.run([BIN, *args], env=e, capture_output=True, text=True, timeout=120)


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    first = run("migrate", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied kernel #1" in first.stdout and "applied parties #1" in first.stdout
    second = run("migrate", data_dir=tmp_path)
    assert second.returncode == 0 and second.stdout.strip() == "schema is up to date"


def test_keys_create_prints_only_the_key(tmp_path: Path) -> None:
    r = run("keys", "create", "--role", "operator-admin", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"tl_[A-Za-z0-9_-]{43}\n", r.stdout), repr(r.stdout)
    bad = run("keys", "create", "--role", "emperor", data_dir=tmp_path)
    assert bad.returncode != 0 and bad.stdout == ""
    assert "role" in bad.stderr
    merchantless = run("keys", "create", "--role", "merchant-admin", data_dir=tmp_path)
    assert merchantless.returncode != 0 and merchantless.stdout == ""


def test_audit_verify_reports_the_first_broken_link(tmp_path: Path) -> None:
    seeded = run("demo", "--seed-only", data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "admin@tradelane.local" in seeded.stdout
    ok = run("audit", "verify", data_dir=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    entries = int(re.search(r"intact: (\d+) entries", ok.stdout).group(1))
    assert entries > 10
    assert "checkpoint written" in ok.stdout
    db = sqlite3.connect(tmp_path / "tradelane.sqlite")
    # The table refuses changes (K5); an intruder with file access drops the trigger first.
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit_log SET actor = 'usr_intruder' WHERE seq = 5")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET actor = 'usr_intruder' WHERE seq = 5")
    db.commit()
    db.close()
    broken = run("audit", "verify", data_dir=tmp_path)
    assert broken.returncode == 1
    assert "BROKEN at entry 5" in broken.stdout


def test_audit_verify_detects_a_deleted_tail_against_the_checkpoint(tmp_path: Path) -> None:
    seeded = run("demo", "--seed-only", data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    cp = run("audit", "checkpoint", data_dir=tmp_path)
    assert cp.returncode == 0 and "checkpoint written" in cp.stdout, cp.stdout + cp.stderr
    assert (tmp_path / "audit-checkpoints.log").read_text().count("\n") == 1
    db = sqlite3.connect(tmp_path / "tradelane.sqlite")
    n = db.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute("DELETE FROM audit_log WHERE seq > ?", (n - 3,))
    db.commit()
    db.close()
    broken = run("audit", "verify", data_dir=tmp_path)
    assert broken.returncode == 1, broken.stdout
    assert f"entries {n - 2}…{n} were deleted" in broken.stdout
    refused = run("audit", "checkpoint", data_dir=tmp_path)
    assert refused.returncode == 1 and "REFUSED" in refused.stdout


def test_production_mode_requires_a_master_key(tmp_path: Path) -> None:
    r = run("migrate", data_dir=tmp_path, env={"TRADELANE_MODE": "production"})
    assert r.returncode != 0
    assert "TRADELANE_MASTER_KEY" in r.stderr + r.stdout
    assert not (tmp_path / "master.key").exists()
    key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    ok = run("migrate", data_dir=tmp_path, env={"TRADELANE_MODE": "production", "TRADELANE_MASTER_KEY": key})
    assert ok.returncode == 0, ok.stderr


def test_a_key_created_while_the_server_runs_works_at_once() -> None:
    base, demo = os.environ.get("TRADELANE_BASE_URL"), os.environ.get("TRADELANE_DEMO_DIR")
    if not base or not demo:
        pytest.fail("TRADELANE_BASE_URL and TRADELANE_DEMO_DIR must point at the running demo (scripts/test.sh sets them)")
    r = run("keys", "create", "--role", "operator-admin", "--name", "e2e", data_dir=Path(demo))
    assert r.returncode == 0, r.stderr
    req = urllib.request.Request(base + "/api/v1/merchants?limit=5", headers={"Authorization": "Bearer " + r.stdout.strip()})
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = json.load(resp)
    names = [m["name"] for m in body["data"]]
    assert "Shenzhen Bright Lamp Trading Co." in names
