#!/usr/bin/env python3
"""Crash test: psephos-server is killed with SIGKILL while voters vote.

Starts psephos-server on a loopback port with a fresh --data directory, creates
and opens a process with voter codes, then runs concurrent clients that each
cast ballots with their own codes (each code once) while the server is killed
with `kill -9` at random moments and started again, CYCLES times. A client
whose request got no answer retries the same code with the same ballot once the
server is back: 201 means the first attempt was lost, 409 used_code means it
was stored without a receipt reaching the client. Some restarts are killed
again before they are ready (a crash during recovery).

After every kill, a copy of the database as the crash left it must pass
PRAGMA integrity_check (on PostgreSQL: the database, recovered by PostgreSQL
itself, must pass amcheck's bt_index_check on every index), and after every restart the public board must count at
least every ballot a client holds a receipt for. At the end the process is
closed and published, and:
  - every receipt a client received names exactly one entry of the published
    log (leaf hash = SHA-256(0x00 || entry), server/AUDIT.md), and the entry
    holds the ballot that client sent;
  - the log holds exactly the ballots known to be stored (receipted, or
    refused on retry as used): nothing lost, nothing invented, nothing twice;
  - in the database each code that voted has exactly one ballot and is spent,
    and no other code is; PRAGMA integrity_check is ok after the final stop;
  - the published votes per project equal a recount of those ballots, and
    `psephos audit` (signature, log head, .pb files, full recount) passes.

Only the Python standard library is used. Exit status 0 when every check
holds, 1 otherwise. See docs/reliability.md.

usage: crash_test.py --server build/server/psephos-server --psephos build/tools/psephos
                     [--cycles 5] [--clients 4] [--seed N] [--keep] [--postgres-cluster DIR]

With --postgres-cluster (a cluster from tests/support/pg_cluster.py) the server
keeps its data in a new database there (--database postgresql://...), dropped
at the end.
"""

import argparse
import collections
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SLUG = "crash-test"
TOKEN_RE = re.compile(r"organizer token \(shown once; keep it safe\): ([0-9a-f]{64})")
READY_RE = re.compile(r"listening on https://127\.0\.0\.1:([0-9]+) \(ready\)")
DEFINITION = {
    "slug": SLUG,
    "title": "Crash test",
    "groups": ["north", "south"],
    "budgets": [
        {"id": "parks", "amount": 1000, "rule": "mes",
         "ballot": {"type": "approval", "min_projects": 1, "max_projects": 3},
         "projects": [{"id": f"p{i}", "name": f"Park {i}", "cost": c}
                      for i, c in enumerate([400, 300, 250, 200, 150, 100], start=1)]},
        {"id": "streets", "amount": 500, "rule": "schulze",
         "ballot": {"type": "ranked", "min_projects": 1, "max_projects": 4},
         "projects": [{"id": f"s{i}", "name": f"Street {i}", "cost": c}
                      for i, c in enumerate([250, 200, 150, 100], start=1)]},
    ],
}


class Failure(Exception):
    pass


def tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry.encode("utf-8")).hexdigest()


def code_hash(code):
    normalized = code.replace("-", "").upper()
    return hashlib.sha256(b"psephos voter code\n" + normalized.encode()).hexdigest()


class Server:
    """One psephos-server process; its output is read by a thread."""

    running = set()  # killed when the test ends, whatever happens
    database_args = []  # --database postgresql://... on PostgreSQL

    def __init__(self, binary, data, log):
        self.lines = []
        self.ready = threading.Event()
        self.port = None
        self.token = None
        self.log = log
        self.proc = subprocess.Popen([binary, "--data", data, "--listen", "127.0.0.1:0", "--threads", "2"]
                                     + Server.database_args,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        Server.running.add(self)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self.log.write(line)
            m = TOKEN_RE.search(line)
            if m:
                self.token = m.group(1)
            m = READY_RE.search(line)
            if m:
                self.port = int(m.group(1))
                self.ready.set()

    def wait_ready(self, timeout=60):
        if not self.ready.wait(timeout):
            raise Failure("the server was not ready within %d s; output:\n%s" % (timeout, "\n".join(self.lines)))

    def kill(self):
        self.proc.kill()  # SIGKILL
        self.proc.wait()
        Server.running.discard(self)
        self.reader.join(10)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(60)
        Server.running.discard(self)
        self.reader.join(10)
        return code


def request(port, method, path, body=None, token=None, timeout=30):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls_context())
    try:
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


def request_quietly(*args, **kwargs):
    try:
        return request(*args, **kwargs)
    except (OSError, http.client.HTTPException):
        return None, ""


def expect(port, method, path, status, body=None, token=None):
    got, text = request(port, method, path, body, token)
    if got != status:
        raise Failure("%s %s: expected %d, got %d: %s" % (method, path, status, got, text[:500]))
    return json.loads(text) if text else None


class Shared:
    """What clients need to know about the server that is up now, if any."""

    def __init__(self):
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.port = None
        self.stop = False
        self.errors = []


class Client(threading.Thread):
    def __init__(self, number, codes, shared, rng):
        super().__init__(daemon=True)
        self.number = number
        self.codes = collections.deque(codes)
        self.shared = shared
        self.rng = rng
        self.ballots = {}          # code -> ballot sent (the same on a retry)
        self.receipts = {}         # code -> receipt
        self.stored_no_receipt = set()  # codes refused as used on retry: stored, receipt lost
        self.lost_first_try = 0    # retries that got 201: the first attempt was not stored
        self.unanswered = 0        # requests without an answer (killed mid-request)
        self.server_errors = 0
        self.pending = None        # a code whose last attempt got no answer
        self.conn = None
        self.port = None

    def make_ballot(self):
        parks = self.rng.sample([f"p{i}" for i in range(1, 7)], self.rng.randint(1, 3))
        streets = self.rng.sample([f"s{i}" for i in range(1, 5)], self.rng.randint(1, 4))
        return {"parks": {"projects": parks}, "streets": {"projects": streets}}

    def connect(self):
        while True:
            self.shared.up.wait()
            with self.shared.lock:
                port = self.shared.port
            if port is not None:
                self.port = port
                self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=tls_context())
                return

    def run(self):
        try:
            self.loop()
        except Exception as e:  # reported by the main thread
            self.shared.errors.append("client %d: %r" % (self.number, e))

    def loop(self):
        while True:
            if self.pending is None:
                if self.shared.stop or not self.codes:
                    return
                code = self.codes.popleft()
                self.ballots[code] = self.make_ballot()
            else:
                code = self.pending
            if self.conn is None:
                self.connect()
            body = json.dumps({"code": code, "ballots": self.ballots[code]})
            try:
                self.conn.request("POST", "/api/v1/processes/%s/ballots" % SLUG, body=body,
                                  headers={"Content-Type": "application/json"})
                response = self.conn.getresponse()
                status, text = response.status, response.read().decode("utf-8")
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                self.unanswered += 1
                self.pending = code
                time.sleep(0.02)
                continue
            retry = self.pending is not None
            self.pending = None
            answer = json.loads(text) if text else {}
            error = answer.get("error", {}).get("code")
            if status == 201:
                self.receipts[code] = answer["receipt"]
                if retry:
                    self.lost_first_try += 1
            elif status == 409 and error == "used_code" and retry:
                self.stored_no_receipt.add(code)
            elif status == 409 and error == "code_in_use":
                self.pending = code  # an earlier attempt is still being written: ask again
                time.sleep(0.05)
            elif status >= 500:
                self.server_errors += 1
                self.pending = code
            else:
                raise Failure("code %s (%s): unexpected %d %s" % (code, "retry" if retry else "first try",
                                                                  status, text[:300]))


class Postgres:
    """A database of its own on a test cluster, through psql (standard library only)."""

    def __init__(self, cluster):
        with open(os.path.join(cluster, "url")) as f:
            self.admin = f.read().strip()
        self.name = "psephos_crash_%d" % os.getpid()
        self.psql(self.admin, "DROP DATABASE IF EXISTS %s" % self.name)
        self.psql(self.admin, "CREATE DATABASE %s" % self.name)
        self.url = self.admin.replace("/postgres?", "/%s?" % self.name)

    @staticmethod
    def psql(url, sql):
        done = subprocess.run(["psql", "--no-psqlrc", "--quiet", "--tuples-only", "--no-align",
                               "--set", "ON_ERROR_STOP=1", url, "--command", sql],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure("psql: %s: %s" % (sql, done.stderr.strip()))
        return [line.split("|") for line in done.stdout.splitlines() if line]

    def rows(self, sql):
        return self.psql(self.url, sql)

    def integrity(self):
        """amcheck on every index of Psephos's tables: each agrees with its table (an error otherwise)."""
        try:
            self.rows("CREATE EXTENSION IF NOT EXISTS amcheck")
            checked = self.rows("SELECT c.relname, bt_index_check(i.indexrelid, true) FROM pg_index i "
                                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE a.amname = 'btree' AND n.nspname = 'public'")
        except Failure as e:
            return str(e)
        return "ok" if checked else "no index to check"

    def drop(self):
        self.psql(self.admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)


def integrity_of_copy(data, scratch):
    """PRAGMA integrity_check on a copy of the database files as a crash left them."""
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    for suffix in ("", "-wal"):
        source = os.path.join(data, "psephos.db" + suffix)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(scratch, "psephos.db" + suffix))
    db = sqlite3.connect(os.path.join(scratch, "psephos.db"))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--psephos", required=True, help="the psephos CLI, for `psephos audit`")
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--codes", type=int, default=0, help="codes per client (default: enough for the cycles)")
    parser.add_argument("--min-uptime", type=float, default=0.3, help="seconds a server runs before a kill, at least")
    parser.add_argument("--max-uptime", type=float, default=2.5, help="... and at most")
    parser.add_argument("--kill-during-close", action=argparse.BooleanOptionalAction, default=True,
                        help="also kill the server while it closes and tallies (default: yes)")
    parser.add_argument("--close-kill-window", type=float, default=0.3,
                        help="the kill comes up to this many seconds after the close request")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    parser.add_argument("--postgres-cluster", help="run on PostgreSQL: a new database on this test cluster")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="psephos-crash-")
    print("crash test: seed %d, %d cycles, %d clients, work dir %s" % (seed, args.cycles, args.clients, work),
          flush=True)
    ok = False
    postgres = None
    try:
        if args.postgres_cluster:
            postgres = Postgres(args.postgres_cluster)
            Server.database_args = ["--database", postgres.url]
        run(args, rng, work, postgres)
        ok = True
    except Failure as e:
        print("FAILED: %s" % e, flush=True)
        print("server output: %s" % os.path.join(work, "server.log"))
    finally:
        for server in list(Server.running):
            server.kill()
        if postgres and (ok or not args.keep):
            postgres.drop()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s" % work)
    return 0 if ok else 1


def run(args, rng, work, postgres):
    data = os.path.join(work, "data")
    log = open(os.path.join(work, "server.log"), "w")
    started = time.monotonic()
    server = Server(args.server, data, log)
    server.wait_ready()
    token, port = server.token, server.port
    if not token:
        raise Failure("no organizer token printed on first start")
    # A client casts ~1000 ballots a second here (about 1200 per cycle): enough codes that none runs out.
    codes_per_client = args.codes or 2000 * (args.cycles + 1)
    expect(port, "POST", "/api/v1/processes", 201, DEFINITION, token)
    codes = []
    while len(codes) < codes_per_client * args.clients:
        group = ("north", "south")[len(codes) % 2]
        n = min(50000, codes_per_client * args.clients - len(codes))
        batch = expect(port, "POST", "/api/v1/processes/%s/codes" % SLUG, 201, {"count": n, "group": group}, token)
        status, csv = request(port, "GET", batch["download"], token=token)
        if status != 200:
            raise Failure("code download: %d" % status)
        codes += [line.split(",")[0] for line in csv.splitlines()[1:]]
    rng.shuffle(codes)
    expect(port, "POST", "/api/v1/processes/%s/open" % SLUG, 200, token=token)

    shared = Shared()
    clients = [Client(i, codes[i * codes_per_client:(i + 1) * codes_per_client], shared,
                      random.Random(rng.randrange(1 << 30))) for i in range(args.clients)]
    with shared.lock:
        shared.port = port
    shared.up.set()
    for c in clients:
        c.start()

    def receipts_now():
        return sum(len(c.receipts) for c in clients)

    kills = early_kills = 0
    for cycle in range(1, args.cycles + 1):
        time.sleep(rng.uniform(args.min_uptime, args.max_uptime))
        shared.up.clear()  # clients that lose their connection wait for the next server
        server.kill()
        kills += 1
        verdict = postgres.integrity() if postgres else integrity_of_copy(data, os.path.join(work, "crash-copy"))
        if verdict != "ok":
            raise Failure("cycle %d: the database as the crash left it fails integrity_check: %s" % (cycle, verdict))
        if shared.errors:
            raise Failure("; ".join(shared.errors))
        # Sometimes the restarted server is killed again while it recovers.
        while rng.random() < 0.25:
            early = Server(args.server, data, log)
            time.sleep(rng.uniform(0.0, 0.15))
            early.kill()
            early_kills += 1
        server = Server(args.server, data, log)
        server.wait_ready()
        board = expect(server.port, "GET", "/api/v1/processes/%s/board" % SLUG, 200)
        held = receipts_now()  # clients are waiting: only answers already on the wire can still arrive
        if board["ballots"] < held:
            raise Failure("cycle %d: the board counts %d ballots but clients hold %d receipts"
                          % (cycle, board["ballots"], held))
        print("cycle %d: killed, restarted; board %d ballots, %d receipted so far"
              % (cycle, board["ballots"], held), flush=True)
        with shared.lock:
            shared.port = server.port
        shared.up.set()

    # Let the clients vote on the last server a moment, then stop them; a
    # client with an unanswered code settles it first.
    time.sleep(rng.uniform(args.min_uptime, args.max_uptime))
    shared.stop = True
    for c in clients:
        c.join(120)
        if c.is_alive():
            raise Failure("client %d did not finish" % c.number)
    if shared.errors:
        raise Failure("; ".join(shared.errors))
    port = server.port

    # The close (state change, tally, results: the tally takes a while) is
    # killed too: afterwards the process must be open (close again) or closed
    # with its results.
    if args.kill_during_close:
        closer = threading.Thread(target=lambda: request_quietly(port, "POST", "/api/v1/processes/%s/close" % SLUG,
                                                                 token=token))
        closer.start()
        time.sleep(rng.uniform(0.0, args.close_kill_window))
        server.kill()
        closer.join(60)
        server = Server(args.server, data, log)
        server.wait_ready()
        port = server.port
        state = expect(port, "GET", "/api/v1/processes/%s" % SLUG, 200, token=token)["state"]
        print("killed during the close: the process is %s after the restart" % state, flush=True)
        # Closed on disk without results: the restarted server counts it again in the background.
        deadline = time.monotonic() + 120
        while state == "tallying" and time.monotonic() < deadline:
            time.sleep(0.05)
            state = expect(port, "GET", "/api/v1/processes/%s" % SLUG, 200, token=token)["state"]
        if state == "closed":
            status, text = request(port, "GET", "/api/v1/processes/%s/results" % SLUG, token=token)
            if status != 200:
                raise Failure("a kill during the close left the process closed without results: GET results "
                              "answers %d %s" % (status, text[:300]))
        elif state != "open":
            raise Failure("after a kill during the close the process is %s" % state)
    if expect(port, "GET", "/api/v1/processes/%s" % SLUG, 200, token=token)["state"] == "open":
        expect(port, "POST", "/api/v1/processes/%s/close" % SLUG, 200, token=token)
    expect(port, "POST", "/api/v1/processes/%s/publish" % SLUG, 200, token=token)
    results = expect(port, "GET", "/api/v1/processes/%s/results" % SLUG, 200)
    bundle = expect(port, "GET", "/api/v1/processes/%s/bundle" % SLUG, 200)
    key = expect(port, "GET", "/api/v1/key", 200)["public_key"]
    board = expect(port, "GET", "/api/v1/processes/%s/board" % SLUG, 200)
    status = server.stop()
    if status != 0:
        raise Failure("psephos-server exited %d after SIGTERM" % status)
    log.close()

    receipts = {}  # receipt -> (client, code)
    stored = {}    # code -> ballot, for every code known to be stored
    for c in clients:
        for code, receipt in c.receipts.items():
            receipts[receipt] = code
            stored[code] = c.ballots[code]
        for code in c.stored_no_receipt:
            stored[code] = c.ballots[code]
    ballots_sent = {code: b for c in clients for code, b in c.ballots.items()}

    # 1. Receipts against the published log.
    entries = bundle["log"]["entries"]
    leaves = collections.Counter(leaf_hash(e["entry"]) for e in entries)
    if any(n > 1 for n in leaves.values()):
        raise Failure("the log holds the same entry twice")
    for receipt, code in receipts.items():
        if leaves[receipt] != 1:
            raise Failure("receipt %s (code %s) is not in the published log" % (receipt, code))
    for e in entries:
        entry = json.loads(e["entry"])
        if entry["process"] != SLUG or e.get("superseded"):
            raise Failure("unexpected log entry %s" % e)
        code = receipts.get(leaf_hash(e["entry"]))
        if code is not None and entry["ballot"] != ballots_sent[code]:
            raise Failure("receipt of code %s names ballot %s, the client sent %s"
                          % (code, entry["ballot"], ballots_sent[code]))
    if len(entries) != len(stored) or board["ballots"] != len(stored) or bundle["log"]["size"] != len(stored):
        raise Failure("the log holds %d ballots (board %d), clients know of %d stored (%d receipted, %d without "
                      "receipt)" % (len(entries), board["ballots"], len(stored), len(receipts),
                                    len(stored) - len(receipts)))
    unreceipted = [json.loads(e["entry"])["ballot"] for e in entries if leaf_hash(e["entry"]) not in receipts]
    receipted_codes = set(receipts.values())
    expected_unreceipted = [stored[c] for c in stored if c not in receipted_codes]
    key_of = lambda b: json.dumps(b, sort_keys=True)
    if sorted(map(key_of, unreceipted)) != sorted(map(key_of, expected_unreceipted)):
        raise Failure("the log's ballots without a receipt differ from those clients sent")

    # 2. The database after the final stop.
    if postgres:
        verdict, rows = postgres.integrity(), postgres.rows
    else:
        db = sqlite3.connect(os.path.join(data, "psephos.db"))
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = lambda sql: db.execute(sql).fetchall()
    if verdict != "ok":
        raise Failure("integrity_check after the final stop: %s" % verdict)
    twice = rows("SELECT code_hash, COUNT(*) FROM ballots GROUP BY code_hash HAVING COUNT(*) > 1")
    if twice:
        raise Failure("codes with more than one ballot: %s" % twice)
    voted = {row[0] for row in rows("SELECT code_hash FROM ballots")}
    spent = {row[0] for row in rows("SELECT code_hash FROM voter_codes WHERE spent")}
    known = {code_hash(c) for c in stored}
    if voted != known or spent != known:
        raise Failure("codes with a ballot (%d) or spent (%d) differ from the %d known to have voted"
                      % (len(voted), len(spent), len(known)))

    # 3. The published tally against a recount of the stored ballots.
    for budget in results["budgets"]:
        votes = collections.Counter()
        for ballot in stored.values():
            votes.update(ballot[budget["budget"]]["projects"])
        recount = {p["id"]: votes[p["id"]] for b in DEFINITION["budgets"] if b["id"] == budget["budget"]
                   for p in b["projects"]}
        if budget["votes"] != recount or budget["ballots"] != len(stored):
            raise Failure("budget %s: published votes %s over %d ballots, recount %s over %d"
                          % (budget["budget"], budget["votes"], budget["ballots"], recount, len(stored)))
    bundle_file = os.path.join(work, "bundle.json")
    with open(bundle_file, "w") as f:
        json.dump(bundle, f)
    some_receipt = rng.choice(sorted(receipts)) if receipts else None
    audit = subprocess.run([args.psephos, "audit", bundle_file, "--key", key]
                           + (["--receipt", some_receipt] if some_receipt else []),
                           capture_output=True, text=True)
    if audit.returncode != 0 or "AUDIT PASSED" not in audit.stdout:
        raise Failure("psephos audit failed (exit %d):\n%s%s" % (audit.returncode, audit.stdout, audit.stderr))

    unanswered = sum(c.unanswered for c in clients)
    lost = sum(c.lost_first_try for c in clients)
    print("crash test passed in %.1f s: %d kills (+%d during recovery), %d ballots stored, %d receipts all in the "
          "log once, %d stored without a receipt reaching the client, %d unanswered requests (%d of them not "
          "stored, retried), %d server errors; integrity_check ok after every kill; audit passed"
          % (time.monotonic() - started, kills, early_kills, len(stored), len(receipts),
             len(stored) - len(receipts), unanswered, lost, sum(c.server_errors for c in clients)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
