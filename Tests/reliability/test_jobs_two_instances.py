"""Two instances, one job queue, one SIGKILL (issue 11 item 1, K9).

Two `tradelane serve` processes share one PostgreSQL database. 10,000 `system.probe` jobs are
enqueued with `tradelane jobs probe`; each job's effect is one row keyed by the job id, written in
the transaction that completes the job. Once about 30 % are done (and both instances have run
some), one instance is killed with SIGKILL; the survivor must finish every job, including those
the killed one held (they come back when their 20 s lease runs out). Then, from
`tradelane jobs probe-status`:

- done == 10,000 and effects == 10,000: none lost;
- duplicates == 0 and dead == 0: none ran twice (a second run would fail on the effect's key);
- both instances ran probes before the kill.

    eval "$(scripts/start-postgres.sh)"
    TRADELANE_BIN=.build/debug/tradelane python3 -m pytest -q -s Tests/reliability/test_jobs_two_instances.py

Environment: TRADELANE_BIN (default .build/debug/tradelane), TRADELANE_TEST_DATABASE_URL
(PostgreSQL admin URL; required: the test fails, it does not skip, without it),
TRADELANE_PROBE_JOBS (default 10000), TRADELANE_PROBE_TIMEOUT (seconds for the whole run after the
servers are up, default 150), TRADELANE_JOB_CONCURRENCY (per instance, default 2).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from reliability_support import BIN, Engine, Server

JOBS = int(os.environ.get("TRADELANE_PROBE_JOBS", "10000"))
TIMEOUT = float(os.environ.get("TRADELANE_PROBE_TIMEOUT", "150"))
CONCURRENCY = os.environ.get("TRADELANE_JOB_CONCURRENCY", "2")
KILL_AT = 0.3  # share of the jobs done before the SIGKILL
POLL = 0.25    # seconds between status reads while waiting for a condition


def probe_status(server: Server, batch: str) -> dict:
    """What an operator sees: `tradelane jobs probe-status` (its JSON)."""
    return json.loads(server.cli("jobs", "probe-status", "--batch", batch))


def progress(engine: Engine, batch: str) -> dict:
    """A cheap look while waiting (psql, not a CLI process per poll): done and leases held, per worker."""
    done = engine.psql(f"SELECT worker, COUNT(*) FROM job_probes WHERE batch = '{batch}' GROUP BY worker")
    dead = engine.psql("SELECT COUNT(*) FROM jobs WHERE kind = 'system.probe' AND status = 'dead'")
    # Last, so that it is as fresh as possible when the test acts on it (the SIGKILL follows at once).
    held = engine.psql("SELECT locked_by, COUNT(*) FROM jobs WHERE kind = 'system.probe' AND status = 'running' GROUP BY locked_by")
    workers = {w: int(n) for w, n in done}
    return {"done": sum(workers.values()), "workers": workers, "held": {w: int(n) for w, n in held}, "dead": int(dead[0][0])}


def wait_for(what: str, engine: Engine, batch: str, deadline: float, condition: Callable[[dict], bool]) -> dict:
    """Polls the batch's progress until `condition` holds; fails with the last reading at `deadline`."""
    while True:
        now = progress(engine, batch)
        if condition(now):
            return now
        assert time.monotonic() < deadline, f"timed out waiting for {what}; last reading {now}"
        time.sleep(POLL)


def of(server: Server, per_worker: dict[str, int]) -> int:
    """The count of one instance: its worker is named host:pid:id."""
    return sum(n for worker, n in per_worker.items() if f":{server.pid}:" in worker)


def by_instance(per_worker: dict[str, int], servers: dict[str, Server]) -> dict[str, int]:
    return {name: of(server, per_worker) for name, server in servers.items()}


def test_two_instances_run_every_job_exactly_once_through_a_sigkill() -> None:
    assert os.access(BIN, os.X_OK), f"{BIN} is not built"
    data_dir = Path(tempfile.mkdtemp(prefix="tradelane-jobs-"))
    engine = Engine("postgres", data_dir, prefix="tl_jobs_")
    env = {"TRADELANE_JOB_CONCURRENCY": CONCURRENCY}
    victim, survivor = Server(engine, env), Server(engine, env)
    servers = {"killed": victim, "survivor": survivor}
    try:
        victim.cli("migrate")
        victim.start()
        survivor.start()
        started = time.monotonic()
        deadline = started + TIMEOUT
        batch = survivor.cli("jobs", "probe", "--count", str(JOBS), "--batch", "two-instances-" + secrets.token_hex(4))
        enqueued = time.monotonic() - started

        # Kill mid-run, while the victim holds a lease (so its unfinished job has to come back to the survivor).
        at_kill = wait_for(f"{KILL_AT:.0%} done by both instances", engine, batch, deadline,
                           lambda p: p["done"] >= JOBS * KILL_AT and all(by_instance(p["workers"], servers).values())
                           and of(victim, p["held"]) > 0)
        victim.kill9()
        killed = time.monotonic() - started
        after_kill = probe_status(survivor, batch)

        wait_for("every job to finish", engine, batch, deadline, lambda p: p["done"] >= JOBS or p["dead"] > 0)
        elapsed = time.monotonic() - started
        final = probe_status(survivor, batch)
        counts = by_instance(final["workers"], servers)
        print(f"\n[postgres] {JOBS} probe jobs, 2 instances x {CONCURRENCY} lanes: enqueued in {enqueued:.1f} s; "
              f"SIGKILL at {killed:.1f} s with {at_kill['done']} done ({by_instance(at_kill['workers'], servers)}), "
              f"victim holding {of(victim, at_kill['held'])} lease(s); all done at {elapsed:.1f} s "
              f"({final['done'] / elapsed:.0f} jobs/s overall); final: enqueued {final['enqueued']}, done {final['done']}, "
              f"pending {final['pending']}, dead {final['dead']}, retried {final['retried']}, effects {final['effects']}, "
              f"duplicates {final['duplicates']}, per instance {counts}")

        assert final["enqueued"] == JOBS
        assert final["done"] == JOBS, final
        assert final["effects"] == JOBS, final
        assert final["duplicates"] == 0, final
        assert final["dead"] == 0, final
        assert final["pending"] == 0, final
        # Both did work before the kill, and the survivor did the rest (the killed one's count froze at the kill).
        assert counts["killed"] > 0 and counts["survivor"] > 0, counts
        assert counts["killed"] + counts["survivor"] == JOBS, final["workers"]
        assert counts["killed"] == of(victim, after_kill["workers"]), (after_kill["workers"], final["workers"])
    finally:
        victim.stop()
        survivor.stop()
        engine.drop()
        shutil.rmtree(data_dir, ignore_errors=True)
