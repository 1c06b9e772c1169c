"""The old check_recording_worker.py's work, re-written from its
description in ../shared/research/anchors.md §1.0 (not copied), for the
small-world health benchmark: ping Redis; the recordings queue's length
and first 10 job ids; the failed registry's first 5 jobs and their error
text; the database's queued/running runs, completed and failed in the last
hour with the last 5 error messages; the recordings directory's .mp3
count. One Python process, real rq and psycopg, the database URL as given
(default sslmode: prefer, so TLS when the server offers it).

Usage: old_logic.py REDIS_URL DATABASE_URL RECORDINGS_DIR
"""
import os
import sys

import psycopg
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry

redis_url, db_url, rec_dir = sys.argv[1:4]
conn = Redis.from_url(redis_url)
conn.ping()
queue = Queue("recordings", connection=conn)
print("queued:", len(queue), queue.get_job_ids(0, 10))
failed = FailedJobRegistry(queue=queue)
for job in Job.fetch_many(failed.get_job_ids(0, 4), connection=conn):
    if job is not None:
        result = job.latest_result()
        print("failed:", job.id, ((result.exc_string if result else "") or "")[:200])
with psycopg.connect(db_url) as db:
    cur = db.cursor()
    cur.execute("SELECT status, count(*) FROM recording_runs WHERE status IN ('queued', 'running') GROUP BY status")
    print("active:", cur.fetchall())
    cur.execute(
        "SELECT status, count(*) FROM recording_runs WHERE created_at >= (now() at time zone 'utc') - interval '1 hour' "
        "AND status IN ('completed', 'failed') GROUP BY status")
    print("last hour:", cur.fetchall())
    cur.execute("SELECT error_message FROM recording_runs WHERE status = 'failed' ORDER BY created_at DESC LIMIT 5")
    print("errors:", [r[0] for r in cur.fetchall()])
if os.path.isdir(rec_dir):
    print("mp3:", sum(1 for f in os.listdir(rec_dir) if f.endswith(".mp3")))
