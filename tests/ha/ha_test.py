#!/usr/bin/env python3
"""High-availability test: two psephos-server nodes on one PostgreSQL behind
HAProxy (tools/setup/haproxy/psephos.cfg); one node is killed with SIGKILL
while voters vote through HAProxy.

Makes a database of its own on a test cluster (tests/support/pg_cluster.py),
starts node 1 on it, creates and opens a process with voter codes there, then
starts node 2 on the same database (the same certificate) and HAProxy in front
of both (free ports, a temporary folder); the nodes read HAProxy's PROXY v2
headers, so a code guesser behind HAProxy is limited and another voter is not
(checked first, on node 1 alone). Concurrent voters, each from its own
127.0.0.x address, cast ballots
through HAProxy, each code once, opening a new connection every few ballots so
both nodes serve them. After a while one node (chosen by the seed) is killed
with `kill -9`; the others keep voting through HAProxy, and a voter whose
request got no answer retries it at once with the same code and ballot. Later
the killed node is started again and HAProxy must send voters to it again;
then it is frozen (SIGSTOP: a machine that hangs rather than dies) and the
other node must go on storing ballots, even if the frozen one held the
database's write lock; it is continued (SIGCONT) and must be up again.
Then the process is closed and published on the surviving node, and:
  - every retry after a request without an answer was answered by the other
    node: 201 (the first attempt was not stored) or 409 used_code (it was
    stored, its receipt lost with the node); nothing else, no 5xx at all;
  - both nodes show the same board (size and head) at the end;
  - every receipt a voter received is in the published log exactly once,
    holding the ballot that voter sent; the log holds exactly the ballots
    known to be stored; no code has two ballots, and exactly those codes are
    spent; amcheck passes on every index (after the kill and at the end);
  - the published votes equal a recount, and `psephos audit` passes.
It prints how long voters went without an answer after the kill and the freeze.

Only the Python standard library is used. Exit status 0 when every check
holds, 1 otherwise. See docs/postgresql.md.

usage: ha_test.py --server build/server/psephos-server --psephos build/tools/psephos
                  --postgres-cluster DIR [--haproxy haproxy] [--clients 8] [--seed N] [--keep]
"""

import argparse
import collections
import os
import random
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from haproxy import HAProxy, free_port  # noqa: E402
from voting import (Client, Failure, Postgres, Server, Shared, check_published, definition, expect,  # noqa: E402
                    make_codes, publish_and_fetch, stop_servers, request)

SLUG = "ha-test"
DEFINITION = definition(SLUG, "High-availability test")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--psephos", required=True, help="the psephos CLI, for `psephos audit`")
    parser.add_argument("--postgres-cluster", required=True, help="a cluster from tests/support/pg_cluster.py")
    parser.add_argument("--haproxy", default="haproxy")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--codes", type=int, default=4000, help="codes per client")
    parser.add_argument("--before-kill", type=float, default=2.0, help="seconds of voting on both nodes")
    parser.add_argument("--after-kill", type=float, default=2.0, help="seconds on one node before restarting the other")
    parser.add_argument("--after-rejoin", type=float, default=1.5, help="seconds on both nodes again")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder and its logs")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="psephos-ha-")
    print("ha test: seed %d, %d clients, work dir %s" % (seed, args.clients, work), flush=True)
    ok = False
    postgres = None
    try:
        postgres = Postgres(args.postgres_cluster, "psephos_ha_%d" % os.getpid())
        Server.database_args = ["--database", postgres.url]
        run(args, rng, work, postgres)
        ok = True
    except Failure as e:
        print("FAILED: %s" % e, flush=True)
        print("logs: %s" % work)
    finally:
        for server in list(Server.running):
            server.kill()
        HAProxy.kill_all()
        if postgres and (ok or not args.keep):
            postgres.drop()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s" % work)
    return 0 if ok else 1


def run(args, rng, work, postgres):
    started = time.monotonic()
    log = open(os.path.join(work, "nodes.log"), "w")
    ports = [free_port(), free_port()]
    listen = ["127.0.0.1:%d" % p for p in ports]
    data = [os.path.join(work, "node1"), os.path.join(work, "node2")]
    # Node 2 serves node 1's certificate: a voter meets the same one after a failover.
    cert_args = ["--cert", os.path.join(data[0], "tls", "cert.pem"), "--key", os.path.join(data[0], "tls", "key.pem")]
    # HAProxy (from 127.0.0.1) names each voter's address in a PROXY v2 header; 3 wrong codes
    # at once per address, so that the limiter is seen to count voters apart.
    node_args = ["--proxy-protocol-from", "127.0.0.1", "--code-failures", "3"]

    # The process and its codes are made on node 1 before node 2 starts (node 2 reads them at its start).
    nodes = [Server(args.server, data[0], log, listen[0], node_args)]
    nodes[0].wait_ready()
    token = nodes[0].token
    if not token:
        raise Failure("no organizer token printed on first start")
    expect(ports[0], "POST", "/api/v1/processes", 201, DEFINITION, token)
    codes = make_codes(ports[0], token, SLUG, args.codes * args.clients)
    rng.shuffle(codes)
    expect(ports[0], "POST", "/api/v1/processes/%s/open" % SLUG, 200, token=token)
    nodes.append(Server(args.server, data[1], log, listen[1], node_args + cert_args))
    nodes[1].wait_ready()

    haproxy_port = free_port()
    haproxy = HAProxy(args.haproxy, work, "127.0.0.1:%d" % haproxy_port, listen,
                      open(os.path.join(work, "haproxy.log"), "w"))
    for name in ("node1", "node2"):
        haproxy.wait_status(name, "UP")

    # Voters behind the balancer are told apart: a guesser of codes (127.0.0.2) is
    # limited, another voter (127.0.0.3) is not. On node 1 alone, whose limiter holds them.
    haproxy.command("disable server psephos_nodes/node2")
    check = "/api/v1/processes/%s/codes/check" % SLUG
    guesses = [request(haproxy_port, "POST", check, {"code": "WRONG-CODE-%04d" % i}, source="127.0.0.2")[0]
               for i in range(6)]
    if 429 not in guesses:
        raise Failure("6 wrong codes from one address were answered %s, never 429" % guesses)
    if request(haproxy_port, "POST", check, {"code": codes[-1]}, source="127.0.0.2")[0] != 429:
        raise Failure("the guesser's next check was not limited")
    status = request(haproxy_port, "POST", check, {"code": codes[-1]}, source="127.0.0.3")[0]
    if status != 200:
        raise Failure("another voter behind HAProxy got %d: the node counted it with the guesser (the PROXY "
                      "header was not read)" % status)
    haproxy.command("enable server psephos_nodes/node2")
    haproxy.wait_status("node2", "UP")

    shared = Shared()
    with shared.lock:
        shared.port = haproxy_port
    shared.up.set()  # HAProxy stays up throughout
    clients = [Client(i, SLUG, codes[i * args.codes:(i + 1) * args.codes], shared,
                      random.Random(rng.randrange(1 << 30)), reconnect_every=20, source="127.0.0.%d" % (10 + i))
               for i in range(args.clients)]
    for c in clients:
        c.start()

    def check_clients():
        if shared.errors:
            raise Failure("; ".join(shared.errors))

    time.sleep(args.before_kill)
    check_clients()
    before = {name: haproxy.sessions(name) for name in ("node1", "node2")}
    if min(before.values()) == 0:
        raise Failure("HAProxy sent voters to only one node before the kill: %s" % before)
    victim = rng.randrange(2)
    survivor = 1 - victim
    killed_at = time.monotonic()
    nodes[victim].kill()
    print("node%d killed after %.1f s of voting on both nodes (sessions so far %s)"
          % (victim + 1, args.before_kill, before), flush=True)
    verdict = postgres.integrity()
    if verdict != "ok":
        raise Failure("after the kill, amcheck: %s" % verdict)
    haproxy.wait_status("node%d" % (victim + 1), "DOWN")
    marked_down = time.monotonic() - killed_at
    time.sleep(max(0.0, args.after_kill - (time.monotonic() - killed_at)))
    check_clients()

    # The killed node comes back (same port, same data folder) and gets voters again.
    nodes[victim] = Server(args.server, data[victim], log, listen[victim],
                           node_args + (cert_args if victim == 1 else []))
    nodes[victim].wait_ready()
    haproxy.wait_status("node%d" % (victim + 1), "UP")
    rejoined = haproxy.sessions("node%d" % (victim + 1))
    time.sleep(args.after_rejoin)
    check_clients()
    served_again = haproxy.sessions("node%d" % (victim + 1)) - rejoined

    # A node that hangs (SIGSTOP: a frozen machine) rather than dies: HAProxy
    # marks it down and cuts its connections; the other node must go on storing
    # ballots even if the frozen one was inside a write transaction, holding the
    # database's write lock.
    def receipted():
        return sum(len(c.receipts) for c in clients)

    hung = nodes[victim]
    hung_at = time.monotonic()
    hung.proc.send_signal(signal.SIGSTOP)
    haproxy.wait_status("node%d" % (victim + 1), "DOWN")
    down_count = receipted()
    deadline = time.monotonic() + 30
    while receipted() < down_count + 2 * args.clients and time.monotonic() < deadline:
        time.sleep(0.05)
    if receipted() < down_count + 2 * args.clients:
        raise Failure("with node%d frozen, node%d stored %d ballots in 30 s" % (victim + 1, survivor + 1,
                                                                              receipted() - down_count))
    resumed_after = time.monotonic() - hung_at
    hung.proc.send_signal(signal.SIGCONT)
    haproxy.wait_status("node%d" % (victim + 1), "UP")
    time.sleep(0.5)
    check_clients()
    shared.stop = True
    for c in clients:
        c.join(120)
        if c.is_alive():
            raise Failure("client %d did not finish" % c.number)
    check_clients()
    if served_again == 0:
        raise Failure("HAProxy sent no voter to node%d after it came back" % (victim + 1))

    # What the voters went through.
    unanswered = sum(c.unanswered for c in clients)
    retries = sum((c.retry_answers for c in clients), start=collections.Counter())
    if unanswered == 0:
        raise Failure("the kill cut no voter's request: nothing was failed over")
    wrong = {answer: n for answer, n in retries.items() if answer not in ("201", "409 used_code")}
    if wrong:
        raise Failure("retries after a request without an answer were answered %s (only 201 or 409 used_code "
                      "are right; all answers: %s)" % (wrong, dict(retries)))
    server_errors = sum(c.server_errors for c in clients)
    if server_errors:
        raise Failure("%d ballots were answered with a 5xx" % server_errors)
    outages = [end - start for c in clients for start, end in c.outages if end >= killed_at]
    longest = max(outages) if outages else 0.0

    # Both nodes read the same log from the database.
    boards = [expect(n.port, "GET", "/api/v1/processes/%s/board" % SLUG, 200) for n in nodes]
    if (boards[0]["ballots"], boards[0]["head"]) != (boards[1]["ballots"], boards[1]["head"]):
        raise Failure("the nodes show different boards: %s / %s" % (boards[0], boards[1]))

    # Closed and published on the node that was never killed.
    port = nodes[survivor].port
    expect(port, "POST", "/api/v1/processes/%s/close" % SLUG, 200, token=token)
    results, bundle, key, board = publish_and_fetch(port, SLUG, token)
    stop_servers(nodes)
    haproxy.stop()
    log.close()

    stored, receipts = check_published(clients, DEFINITION, bundle, results, board, key, postgres.integrity(),
                                       postgres.rows, args.psephos, work, rng)
    print("ha test passed in %.1f s: node%d killed under load; HAProxy marked it down after %.2f s; %d requests "
          "cut, each retried through HAProxy on the other node (%s); longest time a voter went without an answer "
          "%.2f s; node%d rejoined and served %d connections, then froze (SIGSTOP): node%d stored ballots again "
          "%.2f s after the freeze; %d ballots stored, %d receipts all in the log once; no code counted twice; "
          "the nodes' boards agree; audit passed"
          % (time.monotonic() - started, victim + 1, marked_down, unanswered,
             ", ".join("%d %s" % (n, a) for a, n in sorted(retries.items())), longest, victim + 1, served_again,
             survivor + 1, resumed_after, len(stored), len(receipts)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
