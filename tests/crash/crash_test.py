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
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from voting import (Client, Failure, Postgres, Server, Shared, check_published, definition, expect,  # noqa: E402
                    make_codes, publish_and_fetch, stop_servers, request, request_quietly)

SLUG = "crash-test"
DEFINITION = definition(SLUG, "Crash test")


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
            postgres = Postgres(args.postgres_cluster, "psephos_crash_%d" % os.getpid())
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
    codes = make_codes(port, token, SLUG, codes_per_client * args.clients)
    rng.shuffle(codes)
    expect(port, "POST", "/api/v1/processes/%s/open" % SLUG, 200, token=token)

    shared = Shared()
    clients = [Client(i, SLUG, codes[i * codes_per_client:(i + 1) * codes_per_client], shared,
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
    results, bundle, key, board = publish_and_fetch(port, SLUG, token)
    stop_servers([server])
    log.close()

    if postgres:
        verdict, rows = postgres.integrity(), postgres.rows
    else:
        db = sqlite3.connect(os.path.join(data, "psephos.db"))
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = lambda sql: db.execute(sql).fetchall()
    stored, receipts = check_published(clients, DEFINITION, bundle, results, board, key, verdict, rows,
                                       args.psephos, work, rng)

    unanswered = sum(c.unanswered for c in clients)
    lost = sum(c.lost_first_try for c in clients)
    print("crash test passed in %.1f s: %d kills (+%d during recovery), %d ballots stored, %d receipts all in the "
          "log once, %d stored without a receipt reaching the client, %d unanswered requests (%d of them not "
          "stored, retried), %d server errors; integrity_check ok after every kill; audit passed"
          % (time.monotonic() - started, kills, early_kills, len(stored), len(receipts),
             len(stored) - len(receipts), unanswered, lost, sum(c.server_errors for c in clients)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
