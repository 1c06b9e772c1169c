#!/usr/bin/env python3
"""Build an RQ world with real rq, for recdiag's benchmarks.

Run with a Python that has rq installed, against an empty Redis:

    python bench/rq_world.py --url redis://127.0.0.1:PORT/0 --failed 100000 --queued 1000

Failed jobs are real: they are enqueued with the app's job ids and run by
real `rq worker` processes (SimpleWorker, no fork per job, for speed),
which fail them and write the failed registry, job hashes and results
streams. A failure_ttl of ten years keeps them from expiring mid-benchmark.
Then `--queued` jobs are left waiting (no worker listens any more).
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import redis
from rq import Queue

# The RQ-layout stand-in, whose jobs raise on an HTTP error, so that the
# failed registry fills (the real app's download jobs swallow their errors).
APP = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "layout_app"
TEN_YEARS = 10 * 365 * 24 * 3600


def enqueue(q, n, start, hint):
    pipe = q.connection.pipeline()
    for i in range(start, start + n):
        sid = f"CA{i:032x}"
        q.enqueue(
            "server.jobs.recording_job.process_recording_download_job",
            call_sid=sid,
            recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC00/Recordings/RE{i:032x}/{hint}",
            business_id=1 + i % 7,
            job_id=f"recording_download_{sid}_{1795000000000 + i}",
            job_timeout=600,
            failure_ttl=TEN_YEARS,
            pipeline=pipe,
        )
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--failed", type=int, default=100_000)
    ap.add_argument("--queued", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    conn = redis.Redis.from_url(args.url)
    q = Queue("recordings", connection=conn)
    started = time.time()
    codes = ["401", "401", "401", "404", "500"]
    for k in range(0, args.failed, 10_000):
        n = min(10_000, args.failed - k)
        enqueue(q, n, k, f"fail-{codes[(k // 10_000) % len(codes)]}")
    env = dict(os.environ, PYTHONPATH=str(APP))
    rq_bin = str(Path(sys.executable).with_name("rq"))
    procs = [
        subprocess.Popen([rq_bin, "worker", "--burst", "-w", "rq.worker.SimpleWorker", "--url", args.url,
                          "--name", f"bench-{w}", "--quiet", "recordings"], env=env, cwd=APP,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for w in range(args.workers)
    ]
    for p in procs:
        p.wait()
    enqueue(q, args.queued, args.failed, "ok")
    failed = conn.zcard("rq:failed:recordings")
    print(f"world: {failed} failed, {conn.llen('rq:queue:recordings')} queued "
          f"({time.time() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
