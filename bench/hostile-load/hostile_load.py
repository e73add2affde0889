#!/usr/bin/env python3
"""Hostile screening load against a running Tradelane server (CMP2, issue 10 item 5).

Fires the most expensive screening requests the API accepts (every text field at its limit, filled with brand
words, so each one matches thousands of times), plus oversized ones the API must refuse (the 190 KB request of
the original attack), from several clients in parallel for a fixed time, while a sampler calls /health/live every
50 ms. Passes when the /health/live p99 is under the threshold and every answer is 200, 422 or 503 (with
Retry-After). Standard library only.

    hostile_load.py --base http://127.0.0.1:8080 --key tl_... [--clients 8] [--seconds 20] [--p99-ms 100]
"""
import argparse
import http.client
import json
import multiprocessing
import sys
import threading
import time
import urllib.parse

BRANDS = "Nike Rolex Gucci Louis Vuitton Chanel Adidas Prada Hermes Apple Samsung "


def fill(n: int) -> str:
    return (BRANDS * (n // len(BRANDS) + 1))[:n]


def worst_allowed() -> bytes:
    """Every field at its limit (docs/api.md 'Size limits'): ~220 KB of brand words."""
    return json.dumps({
        "market": "US",
        "title": fill(500),
        "description": fill(20_000),
        "attributes": {f"a{i:03d}": fill(1_000) for i in range(100)},
        "imageTexts": [fill(2_000) for _ in range(50)],
    }).encode()


def original_attack() -> bytes:
    """The issue's 190 KB request of brand words (95 KB description + one 95 KB attribute, each under the old 100 KB
    per-field limit): refused now with 422 naming both fields."""
    return json.dumps({"market": "US", "title": "Brand sale", "description": fill(95_000),
                       "attributes": {"spec": fill(95_000)}}).encode()


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def sampler(host: str, port: int, seconds: float, timeout: float, results) -> None:
    """GET /health/live every 50 ms for `seconds`; puts (latencies in ms, errors) on `results`."""
    deadline = time.monotonic() + seconds
    health_ms, errors = [], []
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=timeout)
            c.request("GET", "/health/live")
            r = c.getresponse()
            r.read()
            c.close()
            ok = r.status == 200
        except Exception as e:
            ok = False
            errors.append(f"/health/live: {e!r}")
        ms = (time.monotonic() - t0) * 1000
        health_ms.append(ms if ok else timeout * 1000)
        time.sleep(max(0.0, 0.05 - ms / 1000))
    results.put((health_ms, errors))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--p99-ms", type=float, default=100)
    ap.add_argument("--timeout", type=float, default=60)
    # The generator shares the machine with the server: a client spinning on 503 would measure Python, not Tradelane.
    ap.add_argument("--busy-pause", type=float, default=0.1, help="seconds a client waits after a 503")
    args = ap.parse_args()

    url = urllib.parse.urlsplit(args.base)
    host, port = url.hostname, url.port or 80
    bodies = [worst_allowed(), worst_allowed(), worst_allowed(), original_attack()]
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    statuses: dict = {}
    hostile_ms: list = []
    errors: list = []
    response_bytes = [0]

    def hostile(i: int) -> None:
        n = i
        while time.monotonic() < deadline:
            body = bodies[n % len(bodies)]
            n += 1
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection(host, port, timeout=args.timeout)
                c.request("POST", "/api/v1/screenings", body=body, headers={
                    "Authorization": "Bearer " + args.key, "Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                retry_after = r.getheader("Retry-After")
                c.close()
            except Exception as e:  # a dropped connection is a failure, not a pass
                with lock:
                    errors.append(f"hostile request: {e!r}")
                continue
            ms = (time.monotonic() - t0) * 1000
            with lock:
                statuses[r.status] = statuses.get(r.status, 0) + 1
                response_bytes[0] = max(response_bytes[0], len(data))
                if r.status == 200:
                    hostile_ms.append(ms)
                if r.status not in (200, 422, 503):
                    errors.append(f"hostile request answered {r.status}: {data[:200]!r}")
                if r.status == 503 and not retry_after:
                    errors.append("503 without Retry-After")
            if r.status == 503:
                time.sleep(args.busy_pause)

    # The sampler is its own process: in a thread it would share the interpreter lock with the hostile clients
    # and measure their scheduling as well as the server's.
    results = multiprocessing.Queue()
    sampler_process = multiprocessing.Process(target=sampler, args=(host, port, args.seconds, args.timeout, results), daemon=True)
    threads = [threading.Thread(target=hostile, args=(i,), daemon=True) for i in range(args.clients)]
    started = time.monotonic()
    sampler_process.start()
    for t in threads:
        t.start()
    health_ms, sampler_errors = results.get(timeout=args.seconds + args.timeout + 10)
    errors.extend(sampler_errors)
    for t in threads:
        t.join(args.seconds + args.timeout + 5)
    sampler_process.join(5)
    elapsed = time.monotonic() - started

    p99 = percentile(health_ms, 99)
    summary = {
        "clients": args.clients, "seconds": round(elapsed, 1),
        "hostile": {"statuses": {str(k): v for k, v in sorted(statuses.items())},
                    "screened_p50_ms": round(percentile(hostile_ms, 50), 1),
                    "screened_max_ms": round(max(hostile_ms), 1) if hostile_ms else None,
                    "largest_response_bytes": response_bytes[0]},
        "health_live": {"samples": len(health_ms), "p50_ms": round(percentile(health_ms, 50), 1),
                        "p99_ms": round(p99, 1), "max_ms": round(max(health_ms), 1) if health_ms else None},
        "threshold_p99_ms": args.p99_ms,
    }
    print(json.dumps(summary, indent=2))
    failures = list(dict.fromkeys(errors))[:10]
    if len(health_ms) < 20:
        failures.append(f"only {len(health_ms)} /health/live samples")
    if not statuses.get(200):
        failures.append("no hostile screening completed: the load did not exercise the engine")
    if not statuses.get(422):
        failures.append("the oversized (190 KB) request was not refused with 422")
    if not p99 < args.p99_ms:
        failures.append(f"/health/live p99 {p99:.1f} ms is not under {args.p99_ms} ms")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    print("hostile-load: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
