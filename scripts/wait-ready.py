"""Waits until a server answers 200 on a URL, while its process lives.

    python3 scripts/wait-ready.py URL PID [SECONDS]

Exits 0 when URL answers 200, 1 when the process exits or SECONDS (default 60) pass.
Used by scripts/test.sh and the bench/ scripts that start `tradelane demo`.
"""
import os
import sys
import time
import urllib.request

url, pid = sys.argv[1], int(sys.argv[2])
limit = float(sys.argv[3]) if len(sys.argv) > 3 else 60
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        print("server exited", file=sys.stderr)
        sys.exit(1)
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
print(f"{url} did not return 200 within {limit:.0f} s", file=sys.stderr)
sys.exit(1)
