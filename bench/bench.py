#!/usr/bin/env python3
"""recdiag benchmarks: build large worlds, time recdiag beside the anchors
in the same run, print ratios.

Usage: bench/bench.py [--world dir] [--files 200000] [--repeat 5]

Worlds are built under bench/work/ (git-ignored) and reused when present.
Each command runs --repeat times; the median wall time and the peak RSS
(from wait4) are reported.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
BIN = ROOT / "target" / "release" / "recdiag"


GNU_TIME = "/usr/bin/time"


def run_once(argv, env=None):
    """Run argv; return (seconds, peak RSS in KiB, exit code).

    Peak RSS comes from GNU time, which forks from a small process: a
    child forked from this Python would inherit its RSS in ru_maxrss.
    """
    with open(os.devnull, "w") as null:
        start = time.perf_counter()
        proc = subprocess.run([GNU_TIME, "-f", "%M", *argv], stdout=null,
                              stderr=subprocess.PIPE, env=env)
        took = time.perf_counter() - start
    err = proc.stderr.decode(errors="replace").strip().splitlines()
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"{argv[0]} failed with {proc.returncode}: {err}")
    rss = int(err[-1]) if err and err[-1].isdigit() else 0
    return took, rss, proc.returncode


def measure(argv, repeat, env=None):
    run_once(argv, env)  # warm the page cache and the binary
    samples = [run_once(argv, env) for _ in range(repeat)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


# Between two commands of a round: the one before has gone, and so has
# what it left the servers to do (a PostgreSQL backend exiting, a Redis
# connection closed). Without it, the command after the old logic shared
# the CPU with the old logic's backend going away: the same recdiag build
# took about 1 ms more in that place than in the last one (2026-12-07).
SETTLE_S = 0.1


def measure_interleaved(argvs, repeat, env=None):
    """Each command once per round, round after round: on a machine whose
    speed drifts (a shared VM), the commands meet the same drift. Each
    starts on a settled machine, as a cron job's run does."""
    for argv in argvs:
        run_once(argv, env)  # warm the page cache and the binary

    def settled(argv):
        time.sleep(SETTLE_S)
        return run_once(argv, env)
    return per_command([[settled(argv) for argv in argvs] for _ in range(repeat)])


def per_command(rounds):
    """Rounds of (seconds, RSS) per command → each command's (median
    seconds, max RSS, median of its ratio to the first command per round)."""
    return [(statistics.median(r[i][0] for r in rounds), max(r[i][1] for r in rounds),
             statistics.median(r[i][0] / r[0][0] for r in rounds)) for i in range(len(rounds[0]))]


def drop_caches():
    """Empty the page cache (root only); False if not allowed."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def cold_rounds(argvs, repeat, env=None):
    """Like measure_interleaved, the page cache dropped before every run;
    None when it cannot be dropped."""
    rounds = []
    for _ in range(repeat):
        this = []
        for argv in argvs:
            if not drop_caches():
                return None
            this.append(run_once(argv, env))
        rounds.append(this)
    return per_command(rounds)


def build_dir_world(files):
    path = WORK / f"recordings-{files}"
    marker = path / ".complete"
    if marker.exists():
        return path
    print(f"building {path} ({files:,} files, 1 in 1000 undersized)…", file=sys.stderr)
    path.mkdir(parents=True, exist_ok=True)
    big = b"\xff" * 4096
    small = b"\x00" * 500
    for i in range(files):
        name = path / f"CA{i:032x}.mp3"
        with open(name, "wb") as f:
            f.write(small if i % 1000 == 0 else big)
    marker.touch()
    return path


SCANDIR_EQUIVALENT = r"""
import os, sys, time
path = sys.argv[1]
count = total = small = 0
newest = None
with os.scandir(path) as it:
    for e in it:
        if not e.name.endswith('.mp3') or not e.is_file():
            continue
        st = e.stat()
        count += 1
        total += st.st_size
        if st.st_size <= 1000:
            small += 1
        if newest is None or st.st_mtime > newest:
            newest = st.st_mtime
vfs = os.statvfs(path)
print(count, total, small, time.time() - (newest or 0), vfs.f_bavail * vfs.f_frsize)
"""

LISTDIR_OLD_SCRIPT = r"""
import os, sys
path = sys.argv[1]
if os.path.exists(path):
    files = [f for f in os.listdir(path) if f.endswith('.mp3')]
    print(f"✅ Recordings directory exists: {path}")
    print(f"   Files: {len(files)} MP3 files")
"""


SUMMARY = []


def row(name, seconds, rss, base):
    ratio = f"{seconds / base:6.2f}×" if base else "     —"
    print(f"  {name:<50} {seconds * 1000:9.1f} ms {rss / 1024:8.1f} MiB  {ratio}")
    SUMMARY.append((name, seconds, rss, seconds / base if base else None))


def bench_dir(files, repeat):
    path = build_dir_world(files)
    print(f"\nrecordings directory: {files:,} files ({path})")
    print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs recdiag")
    env = dict(os.environ, NO_COLOR="1")
    ours = measure([str(BIN), "dir", "--no-env-file", "--format", "json", "--recordings-dir", str(path)], repeat, env)
    scan = measure([sys.executable, "-c", SCANDIR_EQUIVALENT, str(path)], repeat)
    old = measure([sys.executable, "-c", LISTDIR_OLD_SCRIPT, str(path)], repeat)
    row("recdiag dir (count, bytes, undersized, age, free)", *ours, ours[0])
    row("python os.scandir + stat (same facts)", *scan, ours[0])
    row("old script: os.listdir count only", *old, ours[0])
    print(f"  → recdiag is {scan[0] / ours[0]:.1f}× faster than the scandir equivalent (target ≥ 3×)")


RQ_VERSION = "3.0.0"
VENV = WORK / f"venv-rq-{RQ_VERSION}"


def rq_python():
    """A virtualenv with real rq, made once."""
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {VENV} with rq {RQ_VERSION}…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"rq=={RQ_VERSION}"], check=True)
    if subprocess.run([str(py), "-c", "import psycopg"], capture_output=True).returncode != 0:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "psycopg[binary]>=3.1,<4"], check=True)
    return py


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RqWorld:
    """A redis-server holding an RQ world built by real rq, cached as RDB."""

    def __init__(self, failed, queued):
        WORK.mkdir(parents=True, exist_ok=True)
        self.rdb = f"rq-{failed}-failed-{queued}-queued.rdb"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        cached = (WORK / self.rdb).exists()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(WORK), "--dbfilename", self.rdb],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() == b"PONG":
                break
            time.sleep(0.1)
        if not cached:
            print(f"building RQ world: {failed:,} failed + {queued:,} queued jobs with real rq…", file=sys.stderr)
            subprocess.run([str(rq_python()), str(ROOT / "bench" / "rq_world.py"), "--url", self.url,
                            "--failed", str(failed), "--queued", str(queued)], check=True)
            subprocess.run(["redis-cli", "-p", str(self.port), "save"], check=True, capture_output=True)

    def close(self):
        self.proc.kill()
        self.proc.wait()


FAILED_PY_EQUIVALENT = r"""
import sys
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
conn = Redis.from_url(sys.argv[1])
reg = FailedJobRegistry(queue=Queue("recordings", connection=conn))
ids = reg.get_job_ids(0, 19)
for job in Job.fetch_many(ids, connection=conn):
    if job is None:
        continue
    result = job.latest_result()
    text = result.exc_string if result else None
    print(job.id, (text or "").strip().splitlines()[-1:] )
"""


def bench_rq(repeat):
    env = dict(os.environ, NO_COLOR="1")
    big = RqWorld(100_000, 1000)
    small = RqWorld(100, 1000)
    try:
        print("\nRQ: 1,000 queued + 100,000 failed jobs written by real rq "
              f"{RQ_VERSION} (and a 100-failed twin)")
        print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs recdiag")
        ours = measure([str(BIN), "queues", "--no-env-file", "--json", "--redis-url", big.url], repeat, env)
        rq_info = measure([str(VENV / "bin" / "rq"), "info", "--url", big.url], repeat, env)
        row("recdiag queues", *ours, ours[0])
        row("rq info (cleans registries: it writes)", *rq_info, ours[0])
        print(f"  → recdiag queues takes {ours[0] / rq_info[0]:.3f} of rq info's time "
              f"(1/{rq_info[0] / ours[0]:.0f}; target ≤ 1/40)")
        f_big = measure([str(BIN), "failed", "--no-env-file", "--json", "--limit", "20", "--redis-url", big.url], repeat, env)
        f_small = measure([str(BIN), "failed", "--no-env-file", "--json", "--limit", "20", "--redis-url", small.url], repeat, env)
        py_big = measure([str(rq_python()), "-c", FAILED_PY_EQUIVALENT, big.url], repeat, env)
        row("recdiag failed --limit 20 (100,000 failed)", *f_big, f_big[0])
        row("recdiag failed --limit 20 (100 failed)", *f_small, f_big[0])
        row("python rq API: newest 20 failed + exc (100,000)", *py_big, f_big[0])
        print(f"  → 100,000 vs 100 failed: {f_big[0] / f_small[0]:.2f}× (target ≤ 2×: cost follows --limit)")
    finally:
        big.close()
        small.close()


PG_ADMIN = os.environ.get("RECDIAG_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "recdiag_bench_runs"
RUNS_ROWS = 10_000_000


def psql(db, sql, *extra):
    out = subprocess.run(["psql", f"{PG_ADMIN}/{db}", "-v", "ON_ERROR_STOP=1", "-qAt", *extra, "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"psql failed: {out.stderr}")
    return out.stdout


def build_runs_world():
    """10,000,000 recording_runs spread over 90 days, built once."""
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'").strip() == "1"
    if exists:
        has_meta = psql(PG_DB, "SELECT count(*) FROM pg_tables WHERE tablename = 'bench_meta'").strip() == "1"
        if has_meta and psql(PG_DB, "SELECT rows FROM bench_meta").strip() == str(RUNS_ROWS):
            return
    print(f"building {RUNS_ROWS:,} recording_runs over 90 days (a few minutes)…", file=sys.stderr)
    psql("postgres", f"DROP DATABASE IF EXISTS {PG_DB}")
    psql("postgres", f"CREATE DATABASE {PG_DB}")
    schema = (ROOT / "tests" / "fixtures" / "schema.sql").read_text()
    tables, _, _ = schema.partition("CREATE INDEX")
    psql(PG_DB, tables)
    # Realistic shape: ~93 % completed, 5 % failed, 1 % cancelled, the rest
    # queued or running in the last minutes; 1 in 5 download+transcribe.
    psql(PG_DB, f"""
        INSERT INTO recording_runs (business_id, call_sid, status, job_type, error_message,
                                    created_at, started_at, completed_at)
        SELECT g % 50 + 1, 'CA' || lpad(to_hex(g), 32, '0'), st,
               CASE WHEN g % 5 = 0 THEN 'full' ELSE 'download' END,
               CASE WHEN st = 'failed' THEN 'twilio.base.exceptions.TwilioRestException: HTTP 401 error' END,
               c,
               CASE WHEN st IN ('completed', 'failed', 'running') THEN c + interval '3 seconds' END,
               CASE WHEN st IN ('completed', 'failed') THEN c + (23 + g % 97) * interval '1 second' END
        FROM (SELECT g, c,
                     CASE WHEN c > (now() at time zone 'utc') - interval '4 minutes' AND r < 0.5 THEN 'queued'
                          WHEN c > (now() at time zone 'utc') - interval '4 minutes' THEN 'running'
                          WHEN r < 0.93 THEN 'completed' WHEN r < 0.98 THEN 'failed' ELSE 'cancelled' END AS st
              FROM (SELECT g, random() AS r,
                           (now() at time zone 'utc') - ({RUNS_ROWS} - g) * (interval '90 days' / {RUNS_ROWS}) AS c
                    FROM generate_series(1, {RUNS_ROWS}) g) a) b
    """)
    for line in schema.splitlines():
        if line.startswith("CREATE INDEX"):
            psql(PG_DB, line)
    psql(PG_DB, "VACUUM ANALYZE recording_runs")
    psql(PG_DB, f"CREATE TABLE bench_meta AS SELECT {RUNS_ROWS}::bigint AS rows")


# The queries recdiag runs (src/probe/runs.rs), for EXPLAIN.
RUNS_EXPLAIN = [
    ("counts by status × job_type", "SELECT status, job_type, COUNT(*) FROM recording_runs WHERE created_at >= $1::timestamp GROUP BY status, job_type"),
    ("download percentiles", "SELECT COUNT(*), AVG(d), percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM (SELECT EXTRACT(EPOCH FROM (completed_at - started_at))::float8 AS d FROM recording_runs WHERE created_at >= $1::timestamp AND status = 'completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL AND completed_at >= started_at) s"),
    ("active runs (24 h lookback)", "SELECT CAST(id AS BIGINT), call_sid, status FROM recording_runs WHERE created_at >= $2::timestamp AND status IN ('queued', 'running') ORDER BY created_at LIMIT 10000"),
    ("newest failures", "SELECT CAST(id AS BIGINT), call_sid, LEFT(error_message, 65536) FROM recording_runs WHERE created_at >= $1::timestamp AND status = 'failed' ORDER BY created_at DESC LIMIT 10"),
]

OLD_SCRIPT_SQL = """
SELECT count(*) FROM recording_runs WHERE status IN ('queued', 'running');
SELECT count(*) FROM recording_runs WHERE status = 'completed' AND created_at >= (now() at time zone 'utc') - interval '1 hour';
SELECT count(*) FROM recording_runs WHERE status = 'failed' AND created_at >= (now() at time zone 'utc') - interval '1 hour';
SELECT error_message FROM recording_runs WHERE status = 'failed' ORDER BY created_at DESC LIMIT 5;
"""


def bench_runs(repeat):
    build_runs_world()
    env = dict(os.environ, NO_COLOR="1")
    url = f"{PG_ADMIN}/{PG_DB}"
    print(f"\nrecording_runs: {RUNS_ROWS:,} rows over 90 days (PostgreSQL, {url})")
    print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs recdiag")
    ours = measure([str(BIN), "runs", "--no-env-file", "--json", "--window", "1h", "--database-url", url], repeat, env)
    day = measure([str(BIN), "runs", "--no-env-file", "--json", "--window", "24h", "--database-url", url], repeat, env)
    old = measure(["psql", url, "-qAt", "-c", OLD_SCRIPT_SQL], repeat, env)
    row("recdiag runs --window 1h", *ours, ours[0])
    row("recdiag runs --window 24h", *day, ours[0])
    row("old script's queries (psql, no Python start-up)", *old, ours[0])
    print(f"  → recdiag runs, 1 h window: {ours[0] * 1000:.0f} ms (target ≤ 200 ms)")
    since = psql(PG_DB, "SELECT to_char((now() at time zone 'utc') - interval '1 hour', 'YYYY-MM-DD HH24:MI:SS')").strip()
    lookback = psql(PG_DB, "SELECT to_char((now() at time zone 'utc') - interval '24 hours', 'YYYY-MM-DD HH24:MI:SS')").strip()
    print("\n  EXPLAIN (ANALYZE, BUFFERS) of recdiag's queries, 1 h window:")
    for name, sql in RUNS_EXPLAIN:
        q = sql.replace("$1", f"'{since}'").replace("$2", f"'{lookback}'")
        plan = psql(PG_DB, f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {q}")
        print(f"\n  -- {name}")
        for line in plan.strip().splitlines():
            print(f"     {line}")


LOAD_CAPTURE = r"""
import base64, json, sys
import redis
r = redis.Redis.from_url(sys.argv[1])
doc = json.load(open(sys.argv[2]))
for k in doc["keys"]:
    r.restore(k["key"], 0, base64.b64decode(k["dump"]), replace=True)
print(doc["captured_at"])
"""


def start_redis(*extra):
    """A throw-away redis-server on a free port, answering PING: (process, port, URL)."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
            break
        time.sleep(0.05)
    return proc, port, f"redis://127.0.0.1:{port}/0"


def bench_call(repeat):
    """`recdiag call` against a Redis also holding N unrelated keys."""
    env = dict(os.environ, NO_COLOR="1")
    capture = ROOT / "tests" / "fixtures" / "rq" / "rq-3.0.0.json"
    print("\ncall: one SID (a queued job of real rq 3.0.0 data) in a Redis with N unrelated keys")
    print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs 0 keys")
    base = None
    for extra in (0, 100_000, 1_000_000):
        proc, port, url = start_redis("--enable-debug-command", "local")
        try:
            now = subprocess.run([str(rq_python()), "-c", LOAD_CAPTURE, url, str(capture)],
                                 capture_output=True, text=True, check=True).stdout.strip()
            if extra:
                subprocess.run(["redis-cli", "-p", str(port), "debug", "populate", str(extra), "unrelated"],
                               check=True, capture_output=True)
            keys = int(subprocess.run(["redis-cli", "-p", str(port), "dbsize"], capture_output=True, text=True).stdout)
            if keys < extra:
                sys.exit(f"populating {extra:,} keys failed: {keys:,} keys")
            head = subprocess.run(["redis-cli", "-p", str(port), "lindex", "rq:queue:recordings", "0"],
                                  capture_output=True, text=True).stdout
            sid = head[head.index("CA"):head.index("CA") + 34]
            e = dict(env, RECDIAG_NOW=now)
            t = measure([str(BIN), "call", "--no-env-file", "--json", "--redis-url", url, sid], repeat, e)
            base = base or t[0]
            row(f"recdiag call ({extra:,} unrelated keys)", *t, base)
        finally:
            proc.kill()
            proc.wait()
    big = RqWorld(100_000, 1000)
    try:
        head = subprocess.run(["redis-cli", "-p", str(big.port), "lindex", "rq:queue:recordings", "0"],
                              capture_output=True, text=True).stdout
        sid = head[head.index("CA"):head.index("CA") + 34]
        t = measure([str(BIN), "call", "--no-env-file", "--json", "--redis-url", big.url, sid], repeat, env)
        row("recdiag call (RQ world: 100,000 failed, 1,000 queued)", *t, base)
    finally:
        big.close()
    # A million entries in each of the queue and the started and failed
    # registries (RQ's shapes: job ids with the SID, whole-second scores
    # shared by a hundred jobs); the SID is nowhere, so all is read.
    proc, _, url = start_redis()
    try:
        subprocess.run([str(rq_python()), "-c", FILL_MILLIONS, url], check=True)
        # The call's file is there (READY, exit 0); its jobs are still searched for.
        sid = "CA7777777777777777777777777777777d"
        recordings = WORK / "call-recordings"
        recordings.mkdir(parents=True, exist_ok=True)
        (recordings / f"{sid}.mp3").write_bytes(b"\xff" * 2000)
        t = measure([str(BIN), "call", "--no-env-file", "--json", "--redis-url", url, "--timeout", "30s",
                     "--recordings-dir", str(recordings), sid], repeat, env)
        row("recdiag call (1,000,000 queued, started and failed each)", *t, base)
    finally:
        proc.kill()
        proc.wait()
    print("  → the SID lookup walks RQ's own queue lists and registries (ranges, one transaction a round), never the "
          "keyspace: unrelated keys cost nothing, each of RQ's own entries ~0.1 µs (target ≤ 1 s)")


FILL_MILLIONS = """
import sys, redis
r = redis.Redis.from_url(sys.argv[1])
for chunk in range(100):
    ids = [f"recording_download_CA{chunk * 10000 + i:032x}_{1796000000000 + i}" for i in range(10000)]
    p = r.pipeline(transaction=False)
    p.rpush("rq:queue:recordings", *ids)
    p.zadd("rq:wip:recordings", {m: 1796000000 + (chunk * 10000 + i) // 100 for i, m in enumerate(ids)})
    p.zadd("rq:failed:recordings", {m: 1796000000 + (chunk * 10000 + i) // 100 for i, m in enumerate(ids)})
    p.execute()
"""


def bench_health(repeat):
    """Full `recdiag health` against every large world at once."""
    build_runs_world()
    dir_world = build_dir_world(200_000)
    big = RqWorld(100_000, 1000)
    env = dict(os.environ, NO_COLOR="1", REDIS_URL=big.url, DATABASE_URL=f"{PG_ADMIN}/{PG_DB}",
               RECORDINGS_DIR=str(dir_world))
    try:
        print("\nfull health: 1,000 queued + 100,000 failed jobs, 200,000 files, 10,000,000 runs")
        print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs recdiag")
        ours = measure([str(BIN), "health", "--no-env-file", "--json"], repeat, env)
        rq_info = measure([str(VENV / "bin" / "rq"), "info", "--url", big.url], repeat, env)
        scan = measure([sys.executable, "-c", SCANDIR_EQUIVALENT, str(dir_world)], repeat)
        sql = measure(["psql", f"{PG_ADMIN}/{PG_DB}", "-qAt", "-c", OLD_SCRIPT_SQL], repeat, env)
        row("recdiag health (6 checks, concurrently)", *ours, ours[0])
        old = rq_info[0] + scan[0] + sql[0]
        row("rq info + python scandir + old SQL, one after another", old, max(rq_info[1], scan[1], sql[1]), ours[0])
        print(f"  → recdiag health: {ours[0] * 1000:.0f} ms for everything; the anchors, which judge nothing, "
              f"{old * 1000:.0f} ms together")
    finally:
        big.close()


SMALL_DB = "recdiag_bench_small"


def build_small_world():
    """1,000 queued jobs (real rq), 200 runs, 200 files: the world an
    operator's cron sees every minute."""
    rq = RqWorld(0, 1000)
    if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{SMALL_DB}'").strip() != "1":
        psql("postgres", f"CREATE DATABASE {SMALL_DB}")
        out = subprocess.run(["psql", f"{PG_ADMIN}/{SMALL_DB}", "-v", "ON_ERROR_STOP=1", "-q", "-f",
                              str(ROOT / "tests" / "fixtures" / "schema.sql")], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"schema: {out.stderr}")
    psql(SMALL_DB, "DELETE FROM recording_runs")
    psql(SMALL_DB, "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at, started_at, completed_at) "
                   "SELECT 1, 'CA' || lpad(to_hex(i), 32, '0'), 'completed', 'download', "
                   "(now() at time zone 'utc') - i * interval '15 seconds', "
                   "(now() at time zone 'utc') - i * interval '15 seconds' + interval '1 second', "
                   "(now() at time zone 'utc') - i * interval '15 seconds' + interval '5 seconds' "
                   "FROM generate_series(1, 200) i")
    files = WORK / "small-dir"
    if not files.is_dir():
        files.mkdir(parents=True)
        for i in range(1, 201):
            (files / f"CA{i:032x}.mp3").write_bytes(b"\xff" * 4096)
    return rq, files


def build_floor():
    """bench/floor: a program that connects as recdiag does (sqlx, rustls,
    sslmode left at prefer), sends one message and closes: the least any
    sqlx-based tool takes for a read, measured beside recdiag."""
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--manifest-path",
                    str(ROOT / "bench" / "floor" / "Cargo.toml"), "--target-dir", str(ROOT / "target")],
                   check=True)
    return ROOT / "target" / "release" / "sqlx-floor"


def bench_tls(repeat, baseline=None):
    """`recdiag health` on the small world, the database over TLS (the
    server offers it and the URL leaves sslmode at its default, prefer),
    beside the same with sslmode=disable and the old script's Python logic."""
    rq, files = build_small_world()
    url = f"{PG_ADMIN}/{SMALL_DB}"
    sep = "&" if "?" in url else "?"
    env = dict(os.environ, NO_COLOR="1", REDIS_URL=rq.url, RECORDINGS_DIR=str(files))
    try:
        ssl = psql("postgres", "SHOW ssl").strip()
        print(f"\nsmall world, database TLS {ssl}: 1,000 queued jobs, 200 runs, 200 files")
        print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs old logic")
        # Each command once per round, the old logic first: the ratio is
        # the median of each round's own ratio, so the VM's drift meets
        # every command alike.
        floor = build_floor()
        argvs = [[str(rq_python()), str(ROOT / "bench" / "old_logic.py"), rq.url, url, str(files)],
                 [str(BIN), "health", "--no-env-file", "--json", "--database-url", url],
                 [str(BIN), "health", "--no-env-file", "--json", "--database-url", f"{url}{sep}sslmode=disable"],
                 ["psql", f"{url}{sep}sslmode=require", "-qAtc", "SELECT 1"],
                 [str(floor), url, "SELECT 1"],
                 [str(floor), url, "SELECT COUNT(*) FROM recording_runs"],
                 ["true"]]
        if baseline:
            argvs.append([baseline, "health", "--no-env-file", "--json", "--database-url", url])
        results = measure_interleaved(argvs, repeat, env)
        old, tls, plain, psql_tls, floor_1, floor_table, nothing = results[:7]

        def ratio_row(name, r):
            print(f"  {name:<50} {r[0] * 1000:9.1f} ms {r[1] / 1024:8.1f} MiB  {r[2]:6.3f}×")
            SUMMARY.append((name, r[0], r[1], r[2]))

        ratio_row("recdiag health (sslmode default: TLS)", tls)
        ratio_row("recdiag health (sslmode=disable)", plain)
        ratio_row("old script's logic (Python, rq, psycopg; TLS)", old)
        ratio_row("psql SELECT 1 over TLS (libpq, TCP_NODELAY)", psql_tls)
        ratio_row("floor: sqlx connects (TLS), SELECT 1, closes", floor_1)
        ratio_row("floor: sqlx (TLS), COUNT(*) FROM recording_runs", floor_table)
        ratio_row("harness alone: GNU time runs `true`", nothing)
        if baseline:
            ratio_row("baseline build: health (TLS)", results[7])
        print(f"  → with TLS: 1/{1 / tls[2]:.1f} of the old logic; without: 1/{1 / plain[2]:.1f} "
              f"(target ≤ 1/20 with TLS). The floor under it, a program that only connects over TLS "
              f"with sqlx and reads the table once: 1/{1 / floor_table[2]:.1f}; recdiag takes "
              f"{(tls[0] - floor_table[0]) * 1000:.1f} ms more, for everything it reads and judges.")
    finally:
        rq.close()


def bench_serve(seconds):
    """`recdiag serve` under scrapes for `seconds` (30 minutes by default):
    its resident size each minute, which must stay flat. The small world
    (1,000 queued jobs, 200 runs over TLS, 200 files), --min-interval 1s
    and four scrapes a second, so a run every second and most scrapes
    answered from the last run: about 1,800 runs and 7,200 scrapes."""
    import urllib.request
    rq, files = build_small_world()
    url = f"{PG_ADMIN}/{SMALL_DB}"
    env = dict(os.environ, REDIS_URL=rq.url, DATABASE_URL=url, RECORDINGS_DIR=str(files))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen([str(BIN), "serve", "--no-env-file", "--listen", f"127.0.0.1:{port}",
                              "--min-interval", "1s"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        serve.stderr.readline()  # "listening on …"

        def rss_kib():
            with open(f"/proc/{serve.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            return 0

        print(f"\nrecdiag serve under scrapes for {seconds / 60:.0f} min: 4 scrapes/s, --min-interval 1s, "
              f"small world (database over TLS)")
        start = time.time()
        scrapes = failed = 0
        runs = set()
        samples = []
        next_sample = start
        while time.time() - start < seconds:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                    body = r.read().decode()
                scrapes += 1
                for line in body.splitlines():
                    if line.startswith("recdiag_last_run_timestamp_seconds "):
                        runs.add(line.split()[1])
            except OSError:
                failed += 1
            if time.time() >= next_sample:
                samples.append((time.time() - start, rss_kib()))
                next_sample += 60
            time.sleep(0.25)
        samples.append((time.time() - start, rss_kib()))
        print(f"  {scrapes} scrapes ({failed} failed), {len(runs)} runs of the checks")
        print(f"  {'minute':>8} {'RSS':>10}")
        for at, kib in samples:
            print(f"  {at / 60:8.1f} {kib / 1024:8.1f} MiB")
        first = samples[1][1] if len(samples) > 1 else samples[0][1]
        print(f"  → RSS after the first minute {first / 1024:.1f} MiB, at the end {samples[-1][1] / 1024:.1f} MiB, "
              f"highest {max(k for _, k in samples) / 1024:.1f} MiB")
    finally:
        serve.terminate()
        serve.wait(timeout=10)
        rq.close()


LOG_BLOCK_CALLS = 1000


def build_log(mib):
    """A worker log of about `mib` MiB in the app's format through the
    compose prefix: downloads that work, Twilio 401s, jammed slots,
    tracebacks, and the other loggers' chatter (emoji, Hebrew) between."""
    path = WORK / f"worker-{mib}MiB.log"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"building {path}…", file=sys.stderr)
    target = mib * 1024 * 1024
    written, n = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            lines = []
            for _ in range(LOG_BLOCK_CALLS):
                n += 1
                sid = f"CA{n:032x}"
                w = f"worker-{1 + n % 3}  | "
                t = f"[2026-11-25 {9 + n % 10:02d}:{n % 60:02d}:{(n * 7) % 60:02d}]"
                lines.append(f"{w}{t} INFO [server.routes_calls] 📞 שיחה נכנסת call={sid} status=completed duration=37s\n")
                lines.append(f"{w}{t} INFO [server.jobs.recording_job] 🎯 [RQ_RECORDING] Created RecordingRun {n} for call_sid={sid}\n")
                lines.append(f"{w}{t} INFO [server.jobs.recording_job] 🎯 [RQ_RECORDING] Job picked: run_id={n} call_sid={sid} business_id={n % 50} job_type=download\n")
                if n % 97 == 0:
                    lines.append(f"{w}{t} WARNING [server.jobs.recording_job] ⚠️ [RQ_RECORDING] No slot available for business {n % 50}, status=queued\n")
                    lines.append(f"{w}{t} ERROR [server.jobs.recording_job] ❌ [RQ_RECORDING] Job error: run_id={n} error=No slot available: queued\n")
                    continue
                lines.append(f"{w}{t} INFO [server.services.recording_service] [DOWNLOAD_ONLY] Starting download for {sid}\n")
                if n % 41 == 0:
                    lines.append(f"{w}{t} ERROR [server.services.recording_service] [RECORDING_SERVICE] Authentication failed (401) for {sid}\n")
                    lines.append(f"{w}{t} ERROR [server.services.recording_service] [RECORDING_SERVICE] All download attempts failed for {sid}. Last error: None\n")
                    lines.append(f"{w}Traceback (most recent call last):\n{w}  File \"/app/server/x.py\", line 12, in f\n{w}requests.exceptions.HTTPError: 401 Client Error\n")
                    continue
                lines.append(f"{w}{t} INFO [server.services.recording_service] [RECORDING_SERVICE] Recording saved: /app/server/recordings/{sid}.mp3 (183402 bytes) - took 1.2s\n")
                lines.append(f"{w}{t} INFO [server.jobs.recording_job] ✅ [RQ_RECORDING] Complete: run_id={n} call_sid={sid} duration_ms=1210\n")
                lines.append(f"{w}{t} INFO [werkzeug] 127.0.0.1 - - \"GET /api/health HTTP/1.1\" 200 -\n")
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk.encode())
    return path


def bench_logs(repeat, baseline=None):
    """`recdiag logs` over a 1 GiB log against grep -c, and memory flat in the size.
    `baseline`: another recdiag binary (an older build) timed in the same rounds."""
    small, big = build_log(100), build_log(1024)
    print(f"\nworker log: {big.stat().st_size / 2**30:.2f} GiB ({big}), from the page cache")
    print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  vs grep -c")
    env = dict(os.environ, NO_COLOR="1")
    # grep stops at its first match when its output is /dev/null: give it a file.
    counted = WORK / "grep-count.txt"
    argvs = [
        ["sh", "-c", f"grep -c RQ_RECORDING {big} > {counted}"],
        [str(BIN), "logs", "--json", str(big)],
        [str(BIN), "logs", "--json", str(small)],
    ]
    if baseline:
        argvs.append([baseline, "logs", "--json", str(big)])
    grep, ours, ours_small, *base = measure_interleaved(argvs, repeat, env)
    row("grep -c RQ_RECORDING (1 GiB)", grep[0], grep[1], grep[0])
    row("recdiag logs (1 GiB: every download followed)", ours[0], ours[1], grep[0])
    row("recdiag logs (100 MiB)", ours_small[0], ours_small[1], grep[0])
    for b in base:
        row("baseline build: logs (1 GiB)", b[0], b[1], grep[0])
        print(f"  → the baseline build is {b[2]:.2f}× grep -c's time in the same rounds")
    cold = cold_rounds([
        ["sh", "-c", f"grep -c RQ_RECORDING {big} > {counted}"],
        [str(BIN), "logs", "--json", str(big)],
    ], 5, env)
    if cold:
        row("grep -c RQ_RECORDING (1 GiB, from disk)", cold[0][0], cold[0][1], grep[0])
        row("recdiag logs (1 GiB, from disk)", cold[1][0], cold[1][1], grep[0])
        print(f"  → from disk (page cache dropped before each run): recdiag {cold[1][2]:.2f}× grep -c")
    else:
        print("  (from disk: skipped, /proc/sys/vm/drop_caches is not writable without root)")
    print(f"  → recdiag logs is {ours[2]:.2f}× grep -c's time (median of the rounds' ratios; target ≤ 2×); "
          f"peak memory {ours_small[1] / 1024:.1f} MiB on 100 MiB, {ours[1] / 1024:.1f} MiB on 1 GiB (flat); "
          f"{os.cpu_count()} cores")


def bench_busy(seconds):
    """A healthy, busy pipeline of the app for `seconds` (3 workers, 8
    businesses, 1 new download a second of 0.2-3 s and one in 50 of 8-20 s,
    the player reopening calls in flight, webhook full jobs): about two
    thirds of the workers' time, so it keeps up. `recdiag health` and
    `recdiag call` run every 2 s: every finding and every failing verdict is
    a false alarm. Prints false findings per 1,000 health runs (target 0).
    Run it on an otherwise idle machine: a loaded one cannot keep up, and
    then QUEUE_BACKLOG is true."""
    import json
    import shutil
    import tempfile
    py = rq_python()
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = f"recdiag_bench_busy_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="recdiag-busy-"))
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
                break
            time.sleep(0.1)
        psql("postgres", f"DROP DATABASE IF EXISTS {db}")
        psql("postgres", f"CREATE DATABASE {db}")
        subprocess.run(["psql", f"{PG_ADMIN}/{db}", "-qf", str(ROOT / "tests" / "fixtures" / "schema.sql")],
                       check=True, capture_output=True)
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{port}/0", DATABASE_URL=f"{PG_ADMIN}/{db}",
                   RECORDINGS_DIR=str(work / "recordings"))
        out = work / "results.jsonl"
        print(f"\nbusy pipeline: {seconds:.0f} s of a healthy app under load, recdiag every 2 s")
        subprocess.run([str(py), str(ROOT / "tests" / "fixtures" / "busy_pipeline.py"), "--seconds", str(seconds),
                        "--workers", "3", "--businesses", "8", "--rate", "1.0", "--slow-every", "50",
                        "--recdiag", str(ROOT / "target" / "release" / "recdiag"), "--every", "2",
                        "--out", str(out)], env=env, check=True)
        rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        health = [r for r in rows if r.get("cmd") == "health"]
        calls = [r for r in rows if r.get("cmd") == "call"]
        false_health = [r for r in health if r.get("codes")]
        findings = sum(len(r["codes"]) for r in false_health)
        restless = [r for r in calls if r.get("exit", 0) >= 2]
        per_1000 = 1000 * findings / max(len(health), 1)
        print(f"  {len(health)} health runs: {findings} false findings in {len(false_health)} runs "
              f"= {per_1000:.1f} per 1,000 runs (target 0)")
        print(f"  {len(calls)} call runs: {len(restless)} with a failing verdict")
        for r in false_health[:5]:
            print(f"    t={r.get('t', 0):.0f}s {r['codes']}")
        BUSY.append(f"busy pipeline: {per_1000:.1f} false findings per 1,000 health runs "
                    f"({len(health)} runs, {seconds:.0f} s; target 0)")
    finally:
        redis.kill()
        redis.wait()
        psql("postgres", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


BUSY = []


def summary():
    for line in BUSY:
        print(f"\n{line}")
    print("\nsummary (each ratio against the recdiag command of its section)")
    print(f"  {'command':<50} {'median':>12} {'peak RSS':>12}  ratio")
    for name, seconds, rss, ratio in SUMMARY:
        r = f"{ratio:6.2f}×" if ratio is not None else "     —"
        print(f"  {name:<50} {seconds * 1000:9.1f} ms {rss / 1024:8.1f} MiB  {r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", choices=["dir", "rq", "runs", "call", "health", "tls", "logs", "busy", "serve", "all"],
                    default="all")
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", help="logs and tls worlds: another recdiag binary (an older build) timed in the same run")
    ap.add_argument("--busy-seconds", type=float, default=600,
                    help="busy world: how long the healthy pipeline runs (10 min by default)")
    ap.add_argument("--serve-seconds", type=float, default=1800,
                    help="serve world: how long recdiag serve is scraped (30 min by default)")
    args = ap.parse_args()
    if not os.path.exists(GNU_TIME):
        sys.exit("GNU time is needed for peak memory: apt-get install time")
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    print(f"recdiag benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, python {sys.version.split()[0]}")
    if args.world in ("dir", "all"):
        bench_dir(args.files, args.repeat)
    if args.world in ("rq", "all"):
        bench_rq(args.repeat)
    if args.world in ("runs", "all"):
        bench_runs(args.repeat)
    if args.world in ("call", "all"):
        bench_call(args.repeat)
    if args.world in ("health", "all"):
        bench_health(args.repeat)
    if args.world in ("tls", "all"):
        bench_tls(args.repeat, args.baseline)
    if args.world in ("logs", "all"):
        bench_logs(args.repeat, args.baseline)
    if args.world in ("busy", "all"):
        bench_busy(args.busy_seconds)
    if args.world in ("serve", "all"):
        bench_serve(args.serve_seconds)
    summary()


if __name__ == "__main__":
    main()
