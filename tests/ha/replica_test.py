#!/usr/bin/env python3
"""Failover test of the database: two psephos-server nodes on a PostgreSQL
primary with a synchronous streaming standby; the primary crashes under load,
the standby is promoted, the nodes reconnect, and nothing acknowledged is lost.

Makes its own two clusters in a temporary folder (tests/support/pg_cluster.py:
a primary, and a standby made with pg_basebackup whose WAL receiver the
primary lists in synchronous_standby_names, so a commit returns only once the
standby has flushed it). The nodes' --database URL names both servers with
target_session_attrs=read-write: libpq connects to whichever takes writes.
Node 1 makes and opens a process with voter codes, node 2 starts, concurrent
voters vote on both; the primary is stopped as a crash would (immediate
shutdown: every backend ended at once, no checkpoint) and the standby
promoted. Meanwhile the nodes answer 500 not_stored, and voters retry the same
code and ballot until it is answered. After the promotion the nodes must store
ballots again without being restarted. Then, on the promoted server:
  - every ballot a voter got a receipt for (before or after the crash) is in
    the published log exactly once, with the ballot sent; the log holds
    exactly the ballots known to be stored; no code has two ballots;
  - every retry ended in 201 or 409 used_code (500 only while no server took
    writes); amcheck passes; the published votes equal a recount, and
    `psephos audit` passes.

Only the Python standard library is used. Exit status 0 when every check
holds, 1 otherwise. See docs/postgresql.md ("A synchronous standby").

usage: replica_test.py --server build/server/psephos-server --psephos build/tools/psephos
                       [--clients 6] [--seed N] [--keep]
"""

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import pg_cluster  # noqa: E402
from voting import (Client, Failure, Postgres, Server, Shared, check_published, definition, expect,  # noqa: E402
                    make_codes, publish_and_fetch, stop_servers)

SLUG = "replica-test"
DEFINITION = definition(SLUG, "Replica test")
STANDBY = "psephos_standby"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--psephos", required=True, help="the psephos CLI, for `psephos audit`")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--codes", type=int, default=1000, help="codes per client")
    parser.add_argument("--before-crash", type=float, default=2.0)
    parser.add_argument("--after-promotion", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder, its logs and clusters")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="psephos-replica-")
    os.chmod(work, 0o755)  # the clusters inside belong to the postgres user when run as root
    print("replica test: seed %d, %d clients, work dir %s" % (seed, args.clients, work), flush=True)
    ok = False
    try:
        run(args, rng, work)
        ok = True
    except (Failure, subprocess.CalledProcessError) as e:
        print("FAILED: %s" % e, flush=True)
    finally:
        for server in list(Server.running):
            server.kill()
        if ok or not args.keep:
            for name in ("primary", "standby"):
                pg_cluster.stop(os.path.join(work, name))
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s (stop its clusters with tests/support/pg_cluster.py stop)" % work)
    return 0 if ok else 1


def run(args, rng, work):
    started = time.monotonic()
    primary_dir, standby_dir = os.path.join(work, "primary"), os.path.join(work, "standby")
    pg_cluster.start(primary_dir)
    primary = Postgres(primary_dir, "psephos_replica")
    pg_cluster.start_standby(primary_dir, standby_dir, STANDBY)
    standby = Postgres(standby_dir, "psephos_replica", create=False)
    # Synchronous from now on: a commit on the primary waits for the standby's flush.
    primary.psql(primary.admin, "ALTER SYSTEM SET synchronous_standby_names = '%s'" % STANDBY)
    primary.psql(primary.admin, "SELECT pg_reload_conf()")
    deadline = time.monotonic() + 20
    while primary.psql(primary.admin, "SELECT sync_state FROM pg_stat_replication WHERE application_name = '%s'"
                       % STANDBY) != [["sync"]]:
        if time.monotonic() > deadline:
            raise Failure("the standby did not become synchronous")
        time.sleep(0.1)
    # Both servers in one URL: libpq takes the one that accepts writes.
    hosts = [primary.url.split("host=")[1].split("&")[0], standby.url.split("host=")[1].split("&")[0]]
    ports = [primary.url.split("port=")[1], standby.url.split("port=")[1]]
    url = "postgresql://postgres@/psephos_replica?host=%s&port=%s&target_session_attrs=read-write" % (
        ",".join(hosts), ",".join(ports))
    Server.database_args = ["--database", url]

    log = open(os.path.join(work, "nodes.log"), "w")
    data = [os.path.join(work, "node1"), os.path.join(work, "node2")]
    nodes = [Server(args.server, data[0], log)]
    nodes[0].wait_ready()
    token = nodes[0].token
    if not token:
        raise Failure("no organizer token printed on first start")
    expect(nodes[0].port, "POST", "/api/v1/processes", 201, DEFINITION, token)
    codes = make_codes(nodes[0].port, token, SLUG, args.codes * args.clients)
    rng.shuffle(codes)
    expect(nodes[0].port, "POST", "/api/v1/processes/%s/open" % SLUG, 200, token=token)
    nodes.append(Server(args.server, data[1], log))
    nodes[1].wait_ready()

    shared = [Shared(), Shared()]
    for s, node in zip(shared, nodes):
        s.port = node.port
        s.up.set()
    clients = [Client(i, SLUG, codes[i * args.codes:(i + 1) * args.codes], shared[i % 2],
                      random.Random(rng.randrange(1 << 30))) for i in range(args.clients)]
    for c in clients:
        c.start()

    def check_clients():
        for s in shared:
            if s.errors:
                raise Failure("; ".join(s.errors))

    def receipted():
        return sum(len(c.receipts) for c in clients)

    time.sleep(args.before_crash)
    check_clients()
    before = receipted()
    crashed_at = time.monotonic()
    pg_cluster.crash(primary_dir)
    pg_cluster.promote(standby_dir)
    promoted = time.monotonic() - crashed_at
    # The nodes, not restarted, store ballots again.
    deadline = time.monotonic() + 30
    resumed = receipted()
    while receipted() < resumed + 2 * args.clients and time.monotonic() < deadline:
        time.sleep(0.05)
    if receipted() < resumed + 2 * args.clients:
        raise Failure("the nodes stored no ballot in 30 s after the standby was promoted")
    back_after = time.monotonic() - crashed_at
    time.sleep(args.after_promotion)
    for s in shared:
        s.stop = True
    for c in clients:
        c.join(120)
        if c.is_alive():
            raise Failure("client %d did not finish" % c.number)
    check_clients()

    retries = sum((c.retry_answers for c in clients), start=collections.Counter())
    wrong = {a: n for a, n in retries.items() if a not in ("201", "409 used_code", "500 not_stored", "unanswered")}
    if wrong:
        raise Failure("retries were answered %s (all: %s)" % (wrong, dict(retries)))
    failed = sum(c.server_errors + c.unanswered for c in clients)
    if failed == 0:
        raise Failure("the crash failed no request: nothing was failed over")

    port = nodes[1].port
    expect(port, "POST", "/api/v1/processes/%s/close" % SLUG, 200, token=token)
    results, bundle, key, board = publish_and_fetch(port, SLUG, token)
    stop_servers(nodes)
    log.close()
    stored, receipts = check_published(clients, DEFINITION, bundle, results, board, key, standby.integrity(),
                                       standby.rows, args.psephos, work, rng)
    print("replica test passed in %.1f s: %d ballots receipted before the primary crashed; the standby promoted in "
          "%.2f s; the nodes stored ballots again %.2f s after the crash, unrestarted; %d requests failed meanwhile "
          "(retries: %s); %d ballots stored on the promoted server, %d receipts all in its log once; no code counted "
          "twice; audit passed"
          % (time.monotonic() - started, before, promoted, back_after, failed,
             ", ".join("%d %s" % (n, a) for a, n in sorted(retries.items())), len(stored), len(receipts)),
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
