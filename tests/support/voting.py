"""What the crash test (tests/crash) and the high-availability test (tests/ha)
share: psephos-server processes, HTTPS requests, voters casting ballots with
their own codes (retrying a request that got no answer), a database of their
own on the PostgreSQL test cluster, and the checks of a published vote against
what the voters know was stored. Python standard library only.
"""

import collections
import hashlib
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import threading
import time

TOKEN_RE = re.compile(r"organizer token \(shown once; keep it safe\): ([0-9a-f]{64})")
READY_RE = re.compile(r"listening on https://127\.0\.0\.1:([0-9]+) \(ready\)")


def definition(slug, title):
    """A process with two budgets: approval counted with MES, ranked with Schulze."""
    return {
        "slug": slug,
        "title": title,
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

    def __init__(self, binary, data, log, listen="127.0.0.1:0", extra_args=()):
        self.lines = []
        self.ready = threading.Event()
        self.port = None
        self.token = None
        self.log = log
        self.proc = subprocess.Popen([binary, "--data", data, "--listen", listen, "--threads", "2"]
                                     + Server.database_args + list(extra_args),
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


def request(port, method, path, body=None, token=None, timeout=30, source=None):
    """`source`: a local address to connect from (any 127.x.y.z), as another client would."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls_context(),
                                       source_address=(source, 0) if source else None)
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


def make_codes(port, token, slug, count):
    """`count` voter codes, half in each group, in batches of up to 50,000."""
    codes = []
    while len(codes) < count:
        group = ("north", "south")[len(codes) % 2]
        n = min(50000, count - len(codes))
        batch = expect(port, "POST", "/api/v1/processes/%s/codes" % slug, 201, {"count": n, "group": group}, token)
        status, csv = request(port, "GET", batch["download"], token=token)
        if status != 200:
            raise Failure("code download: %d" % status)
        codes += [line.split(",")[0] for line in csv.splitlines()[1:]]
    return codes


class Shared:
    """What clients need to know about the server that is up now, if any."""

    def __init__(self):
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.port = None
        self.stop = False
        self.errors = []


class Client(threading.Thread):
    """A voter casting ballots with its own codes, each code once, as fast as the server answers.

    A request that gets no answer is retried with the same code and ballot (on a
    new connection): 201 means the first attempt was not stored, 409 used_code
    that it was, the receipt lost on the way. `reconnect_every` opens a new
    connection after that many ballots (a load balancer then spreads them).
    """

    def __init__(self, number, slug, codes, shared, rng, reconnect_every=0, source=None):
        super().__init__(daemon=True)
        self.number = number
        self.path = "/api/v1/processes/%s/ballots" % slug
        self.codes = collections.deque(codes)
        self.shared = shared
        self.rng = rng
        self.reconnect_every = reconnect_every
        self.source = (source, 0) if source else None  # a local address of its own (127.x.y.z)
        self.ballots = {}          # code -> ballot sent (the same on a retry)
        self.receipts = {}         # code -> receipt
        self.stored_no_receipt = set()  # codes refused as used on retry: stored, receipt lost
        self.lost_first_try = 0    # retries that got 201: the first attempt was not stored
        self.unanswered = 0        # requests without an answer (killed mid-request)
        self.server_errors = 0
        self.retry_answers = collections.Counter()  # "201", "409 used_code", "unanswered", ... of every retry
        self.outages = []          # (monotonic time a request that got no answer was sent, time of the next answer)
        self.answered = 0          # requests answered, all kinds
        self.pending = None        # a code whose last attempt got no answer
        self.conn = None
        self.port = None
        self.on_connection = 0

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
                self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=tls_context(),
                                                        source_address=self.source)
                self.on_connection = 0
                return

    def run(self):
        try:
            self.loop()
        except Exception as e:  # reported by the main thread
            self.shared.errors.append("client %d: %r" % (self.number, e))

    def loop(self):
        failed_at = None
        while True:
            if self.pending is None:
                if self.shared.stop or not self.codes:
                    if self.conn:
                        self.conn.close()
                    return
                code = self.codes.popleft()
                self.ballots[code] = self.make_ballot()
            else:
                code = self.pending
            if self.conn is not None and self.reconnect_every and self.on_connection >= self.reconnect_every:
                self.conn.close()
                self.conn = None
            if self.conn is None:
                self.connect()
            body = json.dumps({"code": code, "ballots": self.ballots[code]})
            retry = self.pending is not None
            sent_at = time.monotonic()
            try:
                self.conn.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
                response = self.conn.getresponse()
                status, text = response.status, response.read().decode("utf-8")
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                self.unanswered += 1
                if retry:
                    self.retry_answers["unanswered"] += 1
                if failed_at is None:
                    failed_at = sent_at
                self.pending = code
                time.sleep(0.02)
                continue
            self.answered += 1
            self.on_connection += 1
            if failed_at is not None:
                self.outages.append((failed_at, time.monotonic()))
                failed_at = None
            self.pending = None
            answer = json.loads(text) if text else {}
            error = answer.get("error", {}).get("code")
            if retry:
                self.retry_answers["%d %s" % (status, error) if error else str(status)] += 1
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
                time.sleep(0.02)  # e.g. the database is failing over: not in a tight loop
            else:
                raise Failure("code %s (%s): unexpected %d %s" % (code, "retry" if retry else "first try",
                                                                  status, text[:300]))


class Postgres:
    """A database of its own on a test cluster, through psql (standard library only)."""

    def __init__(self, cluster, name, create=True):
        with open(os.path.join(cluster, "url")) as f:
            self.admin = f.read().strip()
        self.name = name
        if create:
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


def publish_and_fetch(port, slug, token):
    """Publishes the closed process; returns what an auditor downloads: (results, bundle, key, board)."""
    expect(port, "POST", "/api/v1/processes/%s/publish" % slug, 200, token=token)
    results = expect(port, "GET", "/api/v1/processes/%s/results" % slug, 200)
    bundle = expect(port, "GET", "/api/v1/processes/%s/bundle" % slug, 200)
    key = expect(port, "GET", "/api/v1/key", 200)["public_key"]
    board = expect(port, "GET", "/api/v1/processes/%s/board" % slug, 200)
    return results, bundle, key, board


def stop_servers(servers):
    """SIGTERM to each; raises Failure unless each exits 0."""
    for server in servers:
        status = server.stop()
        if status != 0:
            raise Failure("psephos-server exited %d after SIGTERM" % status)


def stored_by_clients(clients):
    """code -> ballot for every code a client knows to be stored; receipt -> code."""
    receipts, stored = {}, {}
    for c in clients:
        for code, receipt in c.receipts.items():
            receipts[receipt] = code
            stored[code] = c.ballots[code]
        for code in c.stored_no_receipt:
            stored[code] = c.ballots[code]
    return receipts, stored


def check_published(clients, definition, bundle, results, board, key, verdict, rows, psephos, work, rng):
    """The published vote against what the clients know was stored; raises Failure.

    `verdict` is the database's integrity check ("ok"), `rows(sql)` a query on it.
    Returns (stored ballots, receipts).
    """
    receipts, stored = stored_by_clients(clients)
    ballots_sent = {code: b for c in clients for code, b in c.ballots.items()}
    slug = definition["slug"]

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
        if entry["process"] != slug or e.get("superseded"):
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
    if verdict != "ok":
        raise Failure("integrity check after the final stop: %s" % verdict)
    twice = rows("SELECT code_hash, COUNT(*) FROM ballots GROUP BY code_hash HAVING COUNT(*) > 1")
    if twice:
        raise Failure("codes with more than one ballot: %s" % twice)
    voted = {row[0] for row in rows("SELECT code_hash FROM ballots")}
    spent = {row[0] for row in rows("SELECT code_hash FROM voter_codes WHERE spent")}
    known = {code_hash(c) for c in stored}
    if voted != known or spent != known:
        raise Failure("codes with a ballot (%d) or spent (%d) differ from the %d known to have voted"
                      % (len(voted), len(spent), len(known)))

    # 3. The published tally against a recount of the stored ballots, and psephos audit.
    for budget in results["budgets"]:
        votes = collections.Counter()
        for ballot in stored.values():
            votes.update(ballot[budget["budget"]]["projects"])
        recount = {p["id"]: votes[p["id"]] for b in definition["budgets"] if b["id"] == budget["budget"]
                   for p in b["projects"]}
        if budget["votes"] != recount or budget["ballots"] != len(stored):
            raise Failure("budget %s: published votes %s over %d ballots, recount %s over %d"
                          % (budget["budget"], budget["votes"], budget["ballots"], recount, len(stored)))
    bundle_file = os.path.join(work, "bundle.json")
    with open(bundle_file, "w") as f:
        json.dump(bundle, f)
    some_receipt = rng.choice(sorted(receipts)) if receipts else None
    audit = subprocess.run([psephos, "audit", bundle_file, "--key", key]
                           + (["--receipt", some_receipt] if some_receipt else []),
                           capture_output=True, text=True)
    if audit.returncode != 0 or "AUDIT PASSED" not in audit.stdout:
        raise Failure("psephos audit failed (exit %d):\n%s%s" % (audit.returncode, audit.stdout, audit.stderr))
    return stored, receipts
