#!/usr/bin/env python3
"""Regenerate the README's console examples from real runs.

    target/test-python/rq-3.0.0/bin/python doc/examples.py [--check]

(the tests make that venv; any Python with rq, psycopg and redis will do).

It builds each world the way the tests do — a throwaway redis-server, a
throwaway PostgreSQL database with tests/fixtures/schema.sql, real `rq
worker` processes running tests/fixtures/app (the app's real flow), and
tests/fixtures/app_api.py playing the API, the scheduler and time — runs
the built binary (target/debug/recdiag) from a directory where the
recordings live at the app's default `server/recordings`, and writes each
block into README.md between `<!-- example:NAME -->` and the end of the
console block that follows it.

With --check nothing is written: it exits 1 when the README's blocks differ
from a fresh run in anything but what changes from run to run (durations,
ages, timestamps, sizes, ports; and in the worlds that jam a business's
slots, where which downloads win is a real race, counts and call SIDs —
elsewhere every number is compared). The test
`readme::examples_match_the_program` runs it so.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RECDIAG = Path(os.environ.get("RECDIAG_BIN", ROOT / "target" / "debug" / "recdiag"))
README = ROOT / "README.md"
PG_ADMIN = os.environ.get("RECDIAG_TEST_PG", "postgres://postgres@127.0.0.1:5432")


def sid(n):
    return f"CA{n:032x}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    def __init__(self, name, redis_args=()):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"recdiag-{name}-"))
        self.cwd = self.tmp / "app"
        self.dir = self.cwd / "server" / "recordings"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp), *redis_args],
            stdout=subprocess.DEVNULL,
        )
        self.db = f"recdiag_example_{name}_{os.getpid()}"
        self.psql(f"{PG_ADMIN}/postgres", f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        self.psql(f"{PG_ADMIN}/postgres", f"CREATE DATABASE {self.db}")
        subprocess.run(["psql", self.db_url, "-q", "-v", "ON_ERROR_STOP=1", "-f",
                        str(FIXTURES / "schema.sql")], check=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port)).close()
                break
            except OSError:
                time.sleep(0.05)
        self.workers = []

    @property
    def db_url(self):
        return f"{PG_ADMIN}/{self.db}"

    @property
    def env(self):
        return dict(
            PATH=os.environ["PATH"],
            REDIS_URL=f"redis://127.0.0.1:{self.port}/0",
            DATABASE_URL=self.db_url,
            RECORDINGS_DIR=str(self.dir),
            RECDIAG_FIXTURE_LOG=str(self.tmp / "worker.log"),
            PYTHONDONTWRITEBYTECODE="1",
        )

    @staticmethod
    def psql(url, sql):
        subprocess.run(["psql", url, "-qc", sql], check=True, stdout=subprocess.DEVNULL)

    def steps(self, *steps):
        subprocess.run([sys.executable, str(FIXTURES / "app_api.py"), *steps], env=self.env,
                       check=True, stdout=subprocess.DEVNULL)

    def start_worker(self):
        self.workers.append(subprocess.Popen(
            [sys.executable, str(FIXTURES / "app_api.py"), "worker"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.5)

    def wait_files(self, *sids):
        for _ in range(600):
            if all((self.dir / f"{s}.mp3").exists() for s in sids):
                return
            time.sleep(0.1)
        raise SystemExit(f"the worker did not download {sids}")

    def run(self, *args, env=None):
        """`$ recdiag …` and what it printed, as a person sees it."""
        e = {k: v for k, v in self.env.items() if k not in ("RECORDINGS_DIR", "RECDIAG_FIXTURE_LOG")}
        e.update(env or {})
        out = subprocess.run([str(RECDIAG), *args], env=e, cwd=self.cwd, capture_output=True,
                             text=True)
        shown = " ".join(args)
        prefix = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        text = f"$ {prefix + ' ' if prefix else ''}recdiag {shown}\n{out.stdout}{out.stderr}"
        if out.returncode not in (0,):
            text += f"$ echo $?\n{out.returncode}\n"
        return text.rstrip("\n")

    def close(self):
        for w in self.workers:
            w.terminate()
            w.wait()
        self.redis.terminate()
        self.redis.wait()
        self.psql(f"{PG_ADMIN}/postgres", f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)


def healthy():
    """Three downloads done 20 minutes ago, a live worker, the scheduler up."""
    w = World("healthy")
    try:
        w.start_worker()
        sids = [sid(n) for n in (0xA1, 0xA2, 0xA3)]
        steps = []
        for s in sids:
            steps += [f"call:{s}:1", f"open:{s}"]
        w.steps(*steps, "tick")
        w.wait_files(*sids)
        w.steps("age:1200", "tick")
        return {"health-healthy": w.run("health"), "serve": serve(w)}
    finally:
        w.close()


def serve(w):
    """`recdiag serve` in the healthy world, scraped as Prometheus would.
    It listens on a free port; the text shows recdiag's default, 9847."""
    import urllib.request
    port = free_port()
    e = {k: v for k, v in w.env.items() if k != "RECDIAG_FIXTURE_LOG"}
    proc = subprocess.Popen([str(RECDIAG), "serve", "--listen", f"127.0.0.1:{port}"], env=e,
                            cwd=w.cwd, stderr=subprocess.PIPE, text=True)
    try:
        listening = proc.stderr.readline()

        def get(path):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                return r.read().decode()

        healthz = get("/healthz")
        shown = re.compile(r"^recdiag_(status|up|findings|scrape_duration_seconds|result_age_seconds)[{ ]")
        metrics = "\n".join(l for l in get("/metrics").splitlines() if shown.match(l))
        pattern = "'^recdiag_(status|up|findings|scrape_duration_seconds|result_age_seconds)[{ ]'"
        text = (f"$ recdiag serve &\n{listening}"
                f"$ curl -s localhost:9847/healthz\n{healthz}"
                f"$ curl -s localhost:9847/metrics | grep -E {pattern}\n{metrics}")
        return text.replace(f":{port}", ":9847")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def jammed():
    """The app's compose Redis (allkeys-lru), one business's slots jammed by
    six downloads at once on five workers, a Twilio 401, a live worker."""
    w = World("jammed", ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"])
    try:
        ok, denied, fresh = sid(0xB1), sid(0xB2), sid(0xB9)
        steps = [f"call:{ok}:1", f"open:{ok}", f"call:{denied}:1:http-401", f"open:{denied}", "work"]
        for n in range(0xC1, 0xC7):
            steps += [f"call:{sid(n)}:7:slow-4", f"open:{sid(n)}"]
        steps += ["work:5", f"call:{fresh}:7", f"open:{fresh}", "work", "tick"]
        w.steps(*steps)
        w.start_worker()
        shutil.copy(w.tmp / "worker.log", w.cwd / "worker.log")
        log = "worker.log"
        return {
            "logs": w.run("logs", log),
            "logs-sid": w.run("logs", "--sid", denied, log),
            "call-log": w.run("call", denied, "--log", log),
            "redis": w.run("redis"),
            "queues": w.run("queues"),
            "workers": w.run("workers"),
            "dir": w.run("dir"),
            "health-jammed": w.run("health"),
            "health-accepted": w.run("health", "--accept", "REDIS_EVICTION_POLICY"),
            "runs": w.run("runs"),
            "call-401": w.run("call", denied),
            "call-no-slot": w.run("call", fresh),
        }
    finally:
        w.close()


def verdicts():
    """One call in each state the app really reaches."""
    w = World("verdicts")
    try:
        ready, parent, child, old = sid(0xD1), sid(0xD2), sid(0xD3), sid(0xD4)
        waiting, orphan, small, requested, no_url = sid(0xD5), sid(0xD6), sid(0xD7), sid(0xD8), sid(0xD9)
        gave_up, nobody = sid(0xDA), sid(0xDF)
        w.steps(
            f"call:{ready}:1", f"open:{ready}", f"call:{parent}:1", f"call:{child}:1:ok:{parent}",
            f"open:{parent}", "work", f"open:{child}", "work",
            f"call:{old}:1:ok::777600", f"call:{orphan}:1", f"open-broken:{orphan}:1",
            f"call:{requested}:1", f"call:{no_url}:1:none", f"call:{gave_up}:1", f"open:{gave_up}",
            *[x for _ in range(4) for x in ("age:360", f"open:{gave_up}")],
            f"call:{waiting}:1:slow-30", f"open:{waiting}",
        )
        (w.dir / f"{small}.mp3").write_bytes(b"<Response/>")
        blocks = {}
        order = [ready, child, old, gave_up, waiting, orphan, small, requested, no_url, nobody]
        lines = []
        for s in order:
            out = w.run("call", s).splitlines()
            lines += out[:3] + [""]
        blocks["call-verdicts"] = "\n".join(lines).rstrip()
        return blocks
    finally:
        w.close()


def failed():
    """A webhook's full job while the business's slots are jammed: RQ's
    record of it, and the run's own error beside it."""
    w = World("failed")
    try:
        steps = []
        for n in range(0xE1, 0xE7):
            steps += [f"call:{sid(n)}:9:slow-4", f"open:{sid(n)}"]
        w.steps(*steps, "work:5", f"full:{sid(0xE9)}:9", "work")
        return {"failed": w.run("failed")}
    finally:
        w.close()


def sentinel():
    """The same Redis behind Sentinel: a replica, three sentinels; then one
    sentinel down."""
    w = World("sentinel")
    extra = []
    try:
        w.steps(*[x for n in (0xF1, 0xF2) for x in (f"call:{sid(n)}:1", f"open:{sid(n)}")])
        replica = free_port()
        extra.append(subprocess.Popen(
            ["redis-server", "--port", str(replica), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(w.tmp), "--replicaof", "127.0.0.1", str(w.port)], stdout=subprocess.DEVNULL))
        ports = []
        for i in range(3):
            port = free_port()
            conf = w.tmp / f"sentinel-{i}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {w.tmp}\n"
                f"sentinel monitor mymaster 127.0.0.1 {w.port} 2\n"
                "sentinel down-after-milliseconds mymaster 1000\n")
            extra.append(subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL))
            ports.append(port)
        url = "redis+sentinel://" + ",".join(f"127.0.0.1:{p}" for p in ports) + "/mymaster/0"
        for _ in range(200):
            out = subprocess.run(["redis-cli", "-p", str(ports[-1]), "sentinel", "replicas", "mymaster"],
                                 capture_output=True, text=True).stdout
            if str(replica) in out:
                break
            time.sleep(0.1)
        blocks = {"redis-sentinel": w.run("redis", env={"REDIS_URL": url})}
        extra[2].terminate()
        extra[2].wait()
        blocks["redis-sentinel-down"] = w.run("redis", env={"REDIS_URL": url})
        return blocks
    finally:
        for p in extra:
            p.terminate()
            p.wait()
        w.close()


def catalogue():
    """`recdiag explain`: no world, the catalogue alone."""
    def run(*args):
        out = subprocess.run([str(RECDIAG), *args], capture_output=True, text=True)
        text = f"$ recdiag {' '.join(args)}\n{out.stdout}{out.stderr}"
        if out.returncode != 0:
            text += f"$ echo $?\n{out.returncode}\n"
        return text.rstrip("\n")
    return {"explain": run("explain", "PHANTOM_SLOTS"), "explain-unknown": run("explain", "phantom_slot")}


def pgbouncer_binary(into):
    """Debian's pgbouncer: installed, or fetched with apt-get download
    (nothing is installed on the machine)."""
    for installed in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"):
        if os.path.isfile(installed):
            return Path(installed), None
    debs = into / "debs"
    debs.mkdir()
    subprocess.run(["apt-get", "download", "pgbouncer", "libc-ares2"], cwd=debs, check=True,
                   capture_output=True)
    root = into / "root"
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root / "usr/sbin/pgbouncer", root / "usr/lib/x86_64-linux-gnu"


def pooler():
    """A database behind PgBouncer in transaction mode, named by
    DATABASE_URL_POOLER as the app's is."""
    w = World("pooler")
    home = Path(tempfile.mkdtemp(prefix="recdiag-pgbouncer-"))
    bouncer = None
    try:
        w.start_worker()
        s = sid(0xF5)
        w.steps(f"call:{s}:1", f"open:{s}", "tick")
        w.wait_files(s)
        binary, libs = pgbouncer_binary(home)
        shutil.copy(binary, home / "pgbouncer")
        (home / "lib").mkdir()
        if libs:
            for lib in libs.iterdir():
                shutil.copy(lib, home / "lib" / lib.name)
        port = free_port()
        (home / "users.txt").write_text('"postgres" ""\n')
        (home / "pgbouncer.ini").write_text(
            f"[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\n"
            f"listen_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {home}/users.txt\n"
            f"pool_mode = transaction\ndefault_pool_size = 2\nlogfile = {home}/pgbouncer.log\n")
        cmd = [str(home / "pgbouncer"), str(home / "pgbouncer.ini")]
        if os.geteuid() == 0:
            os.chmod(home, 0o755)
            subprocess.run(["chown", "-R", "postgres:postgres", str(home)], check=True)
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        bouncer = subprocess.Popen(cmd, env=dict(os.environ, LD_LIBRARY_PATH=str(home / "lib")),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        url = f"postgresql://postgres@127.0.0.1:{port}/{w.db}?sslmode=disable"
        head = w.run("runs", env={"DATABASE_URL_POOLER": url}).splitlines()
        return {"runs-pooler": "\n".join(head[:4])}
    finally:
        if bouncer:
            subprocess.run(["kill", "-TERM", str(bouncer.pid)])
            bouncer.wait()
        shutil.rmtree(home, ignore_errors=True)
        w.close()


# What differs from run to run, masked before comparing.
VOLATILE = [
    # A cell cut to the table's width ends where the varying spans before
    # it let it end: the cut word is not compared.
    (re.compile(r"\S*…"), "…"),
    (re.compile(r"\d+(\.\d+)? ?(µs|ms|s)\b"), "<t>"),
    (re.compile(r"\b\d+[dhm] ?\d*[hms]?\b"), "<t>"),
    # "59s" and "1m 2s" are one span, whatever a slow machine makes of it.
    (re.compile(r"<t>( <t>)+"), "<t>"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*"), "<when>"),
    (re.compile(r"_\d{10,13}\b"), "_<clock>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"[\d.,]+ ?(KiB|MiB|GiB|B)\b"), "<size>"),
    (re.compile(r"\d+% free"), "<n>% free"),
    # Redis's exact byte count beside the size it rounds to.
    (re.compile(r"<size> \([\d,]+\)"), "<size>"),
    # Each run's throwaway database is named after the script's process.
    (re.compile(r"(recdiag_example_[a-z]+)_\d+"), r"\1_<pid>"),
]

# Which downloads win a jammed business's slots is a real race: in the
# worlds that jam them (jammed(), failed()) the counts and the call SIDs
# vary from run to run, so there — and only there — they are masked too.
RACE = [
    (re.compile(r"\bCA[0-9a-f]{32}\b"), "<sid>"),
    (re.compile(r"\d+"), "<n>"),
]
RACY = {
    "serve", "logs", "logs-sid", "call-log", "redis", "queues", "workers", "dir", "health-jammed",
    "health-accepted", "runs", "call-401", "call-no-slot", "failed",
}


def normal(text, racy=True):
    if racy:
        # The app's dedup lock lives 120-300 s: on a slow machine the world
        # takes longer to build and the lock may be gone by the call.
        text = re.sub(r"(?m)^\s*lock\s+job:download:\S+\s+\(expires in [^)]*\)\n?", "", text)
    for pattern, repl in VOLATILE + (RACE if racy else []):
        text = pattern.sub(repl, text)
    return re.sub(r" +", " ", text).strip()


BLOCK = re.compile(r"(<!-- example:([a-z0-9-]+) -->\n```console\n)(.*?)(^```$)", re.S | re.M)


def main():
    check = "--check" in sys.argv
    if not RECDIAG.is_file():
        raise SystemExit("build first: cargo build")
    blocks = {}
    for make in (catalogue, healthy, jammed, verdicts, failed, sentinel, pooler):
        blocks.update(make())
    text = README.read_text()
    drift = []

    def replace(m):
        name = m.group(2)
        if name not in blocks:
            drift.append(f"README names example '{name}', which this script does not make")
            return m.group(0)
        racy = name in RACY
        if check and normal(m.group(3), racy) != normal(blocks[name], racy):
            import difflib
            diff = "\n".join(difflib.unified_diff(
                normal(m.group(3), racy).splitlines(), normal(blocks[name], racy).splitlines(),
                "README.md", "fresh run", lineterm="", n=1))
            drift.append(f"example '{name}' differs from a fresh run:\n{diff}")
        return m.group(1) + blocks[name] + "\n" + m.group(4)

    new = BLOCK.sub(replace, text)
    missing = set(blocks) - set(m.group(2) for m in BLOCK.finditer(text))
    drift += [f"README has no place for example '{n}'" for n in sorted(missing)]
    if check:
        for d in drift:
            print(d, file=sys.stderr)
        sys.exit(1 if drift else 0)
    README.write_text(new)
    for d in drift:
        print(d, file=sys.stderr)
    print(f"wrote {len(blocks)} examples into README.md")


if __name__ == "__main__":
    main()
