#!/usr/bin/env python3
"""Figures for several nodes on PostgreSQL (issue #17): durable ballots/s with
one and with two psephos-server nodes behind HAProxy, and how long voters go
without an answer when a node dies. Prints figures; it is not a test.

  python3 tools/bench/ha_load.py --server build/server/psephos-server \\
      --load build/tools/psephos_server_load [--postgres-cluster DIR] [--seconds 5] [--connections 32,128]

Starts a throwaway PostgreSQL cluster (tests/support/pg_cluster.py; or uses
--postgres-cluster DIR, as ctest's), a database on it, node 1, makes the
processes and codes there (psephos_server_load --setup-only, and one with two
budgets for the Python voters), then node 2 and HAProxy with the repository's
config (tools/setup/haproxy/psephos.cfg). Then:
  1. throughput: psephos_server_load's closed loop (each of --connections
     keep-alive TLS connections, ballots back to back, each a new code) through HAProxy with
     node 2 disabled (one node), with both nodes, and straight to node 1
     without HAProxy; each a fresh slice of codes. Every 201 is durable: the
     server keeps synchronous_commit on. The board must count every
     acknowledged ballot. PostgreSQL's commits per phase show the grouping;
  2. failover: --clients Python voters (tests/support/voting.py) vote through
     HAProxy; node 2 is killed with SIGKILL, voting goes on, node 2 is started
     again; then node 1 is stopped with SIGSTOP (a machine that hangs rather
     than dies) and continued after HAProxy marked it down. For each, the
     longest time a voter waited from sending a request that got no answer to
     the answer of its retry, and how many requests were cut. Every retry must
     be answered 201 or 409 used_code.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "..", "tests", "support")
sys.path.insert(0, SUPPORT)
from haproxy import HAProxy, free_port  # noqa: E402
from voting import Client, Failure, Postgres, Server, Shared, definition, expect, make_codes  # noqa: E402

LOAD_SLUG = "load-test"  # psephos_server_load's process
VOTERS_SLUG = "ha-bench"
CLOSED_RE = re.compile(r"closed loop, .*: ([0-9]+) ballots/s acknowledged, p50 ([0-9.]+) ms, p90 [0-9.]+ ms, "
                       r"p99 ([0-9.]+) ms")


def commits(postgres):
    return int(postgres.psql(postgres.admin, "SELECT xact_commit FROM pg_stat_database WHERE datname = '%s'"
                             % postgres.name)[0][0])


def load(args, port, codes_file, connections, label, postgres):
    before = commits(postgres)
    done = subprocess.run([args.load, "--port", str(port), "--codes-file", codes_file, "--connections",
                           str(connections), "--seconds", str(args.seconds), "--warmup", "1", "--rate", "0"],
                          capture_output=True, text=True)
    committed = commits(postgres) - before
    m = CLOSED_RE.search(done.stdout)
    acknowledged = re.search(r"acknowledged: ([0-9]+)", done.stdout)
    if done.returncode != 0 or not m or not acknowledged:
        raise Failure("%s: psephos_server_load exited %d:\n%s%s" % (label, done.returncode, done.stdout, done.stderr))
    ballots = int(acknowledged.group(1))
    print("%3d connections, %-32s %6s ballots/s durable, p50 %s ms, p99 %s ms; %d ballots in %d commits (%.1f a commit)"
          % (connections, label, m.group(1), m.group(2), m.group(3), ballots, committed, ballots / max(committed, 1)),
          flush=True)
    return ballots


def failover(clients, disrupt, restore, seconds_before, seconds_after):
    """Voters vote; `disrupt()` at a moment; returns (requests cut, longest wait, retry answers)."""
    time.sleep(seconds_before)
    cut_before = sum(c.unanswered for c in clients)
    at = time.monotonic()
    disrupt()
    time.sleep(seconds_after)
    restore()
    waits = [end - start for c in clients for start, end in c.outages if end >= at]
    return sum(c.unanswered for c in clients) - cut_before, max(waits, default=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--load", required=True, help="build/tools/psephos_server_load")
    parser.add_argument("--haproxy", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    parser.add_argument("--postgres-cluster", help="a running cluster from tests/support/pg_cluster.py "
                                                   "(default: start one for this run)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", default="32,128", help="connection counts to measure, comma-separated")
    parser.add_argument("--codes", type=int, default=40000, help="codes for each throughput run")
    parser.add_argument("--clients", type=int, default=8, help="Python voters in the failover runs")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="psephos-ha-load-")
    cluster = args.postgres_cluster
    own_cluster = cluster is None
    postgres = None
    try:
        if own_cluster:
            cluster = os.path.join(work, "postgres")
            subprocess.run([sys.executable, os.path.join(SUPPORT, "pg_cluster.py"), "start", cluster], check=True,
                           stdout=subprocess.DEVNULL)
        postgres = Postgres(cluster, "psephos_ha_load_%d" % os.getpid())
        Server.database_args = ["--database", postgres.url]
        run(args, work, postgres)
        return 0
    except Failure as e:
        print("FAILED: %s (logs in %s)" % (e, work), flush=True)
        return 1
    finally:
        for server in list(Server.running):
            server.proc.send_signal(signal.SIGCONT)
            server.kill()
        HAProxy.kill_all()
        if postgres:
            postgres.drop()
        if own_cluster:
            subprocess.run([sys.executable, os.path.join(SUPPORT, "pg_cluster.py"), "stop", cluster])
        shutil.rmtree(work, ignore_errors=True)


def run(args, work, postgres):
    log = open(os.path.join(work, "nodes.log"), "w")
    ports = [free_port(), free_port()]
    listen = ["127.0.0.1:%d" % p for p in ports]
    data = [os.path.join(work, "node1"), os.path.join(work, "node2")]
    cert_args = ["--cert", os.path.join(data[0], "tls", "cert.pem"), "--key", os.path.join(data[0], "tls", "key.pem")]
    node_args = ["--proxy-protocol-from", "127.0.0.1"]  # HAProxy's address: it sends PROXY v2 headers
    nodes = [Server(args.server, data[0], log, listen[0], node_args)]
    nodes[0].wait_ready()
    token = nodes[0].token

    # Everything is made on node 1 before node 2 starts.
    all_codes = os.path.join(work, "codes")
    connections = [int(n) for n in args.connections.split(",")]
    runs = 3 * len(connections)
    setup = subprocess.run([args.load, "--port", str(ports[0]), "--token", token, "--setup-only", "--codes-file",
                            all_codes, "--codes", str(runs * args.codes)], capture_output=True, text=True)
    if setup.returncode != 0:
        raise Failure("setup: %s%s" % (setup.stdout, setup.stderr))
    with open(all_codes) as f:
        codes = f.read().split()
    slices = []
    for i in range(runs):
        path = os.path.join(work, "codes-%d" % i)
        with open(path, "w") as f:
            f.write("\n".join(codes[i * args.codes:(i + 1) * args.codes]) + "\n")
        slices.append(path)
    expect(ports[0], "POST", "/api/v1/processes", 201, definition(VOTERS_SLUG, "HA bench"), token)
    voter_codes = make_codes(ports[0], token, VOTERS_SLUG, args.clients * 3000)
    expect(ports[0], "POST", "/api/v1/processes/%s/open" % VOTERS_SLUG, 200, token=token)
    nodes.append(Server(args.server, data[1], log, listen[1], node_args + cert_args))
    nodes[1].wait_ready()
    proxy_port = free_port()
    haproxy = HAProxy(args.haproxy, work, "127.0.0.1:%d" % proxy_port, listen,
                      open(os.path.join(work, "haproxy.log"), "w"))
    haproxy.wait_status("node1", "UP")
    haproxy.wait_status("node2", "UP")
    cores = os.cpu_count()
    print("PostgreSQL %s (synchronous_commit %s, fsync %s), %d cores, load average %.1f"
          % (postgres.rows("SHOW server_version")[0][0], postgres.rows("SHOW synchronous_commit")[0][0],
             postgres.rows("SHOW fsync")[0][0], cores, os.getloadavg()[0]), flush=True)

    # 1. Throughput.
    acknowledged = 0
    for n in connections:
        haproxy.command("disable server psephos_nodes/node2")
        acknowledged += load(args, proxy_port, slices.pop(), n, "one node, through HAProxy", postgres)
        haproxy.command("enable server psephos_nodes/node2")
        haproxy.wait_status("node2", "UP")
        acknowledged += load(args, proxy_port, slices.pop(), n, "two nodes, through HAProxy", postgres)
        acknowledged += load(args, ports[0], slices.pop(), n, "one node, straight (no HAProxy)", postgres)
    board = expect(proxy_port, "GET", "/api/v1/processes/%s/board" % LOAD_SLUG, 200)
    if board["ballots"] != acknowledged:
        raise Failure("the board counts %d ballots, %d were acknowledged" % (board["ballots"], acknowledged))
    print("board: %d ballots, every acknowledged one" % board["ballots"], flush=True)

    # 2. Failover.
    shared = Shared()
    shared.port = proxy_port
    shared.up.set()
    rng = random.Random(1)
    per_client = len(voter_codes) // args.clients
    clients = [Client(i, VOTERS_SLUG, voter_codes[i * per_client:(i + 1) * per_client], shared,
                      random.Random(rng.randrange(1 << 30)), reconnect_every=20) for i in range(args.clients)]
    for c in clients:
        c.start()

    def restart_node2():
        nodes[1] = Server(args.server, data[1], log, listen[1], node_args + cert_args)
        nodes[1].wait_ready()
        haproxy.wait_status("node2", "UP")

    killed = failover(clients, nodes[1].kill, restart_node2, 2.0, 3.0)
    print("node 2 killed (kill -9): %d requests cut, the longest a voter waited for an answer %.2f s"
          % killed, flush=True)

    def hang():
        nodes[0].proc.send_signal(signal.SIGSTOP)

    def wake():
        haproxy.wait_status("node1", "DOWN")
        nodes[0].proc.send_signal(signal.SIGCONT)
        haproxy.wait_status("node1", "UP")

    hung = failover(clients, hang, wake, 2.0, 8.0)
    print("node 1 hung (SIGSTOP): %d requests cut, the longest a voter waited for an answer %.2f s" % hung,
          flush=True)
    shared.stop = True
    for c in clients:
        c.join(60)
    if shared.errors:
        raise Failure("; ".join(shared.errors))
    retries = {}
    for c in clients:
        for answer, n in c.retry_answers.items():
            retries[answer] = retries.get(answer, 0) + n
    print("retries answered: %s; 5xx answers: %d; ballots by the voters: %d"
          % (retries, sum(c.server_errors for c in clients), sum(len(c.receipts) for c in clients)), flush=True)
    if set(retries) - {"201", "409 used_code"}:
        raise Failure("a retry got another answer than 201 or 409 used_code")
    haproxy.stop()


if __name__ == "__main__":
    sys.exit(main())
