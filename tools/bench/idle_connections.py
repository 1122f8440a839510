#!/usr/bin/env python3
"""Memory per idle connection: starts psephos-server, opens N keep-alive TLS
connections that each made one request and then wait, and prints the server's
resident memory before and after, per connection. A figure, not a test.

    python3 tools/bench/idle_connections.py --server build/server/psephos-server [--connections 2000]
"""
import argparse
import re
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--connections", type=int, default=2000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.connections * 2 + 256)), hard))

    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [args.server, "--data", data, "--listen", "127.0.0.1:0", "--idle-timeout", "600",
             "--max-connections-per-address", str(args.connections + 100)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = None
            for line in server.stdout:
                found = re.search(r"listening on https://[^:]+:(\d+)", line)
                if found:
                    port = int(found.group(1))
                    break
            if port is None:
                sys.exit("the server did not start")
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

            def open_one():
                s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
                s.sendall(request)
                answer = b""
                while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                    answer += s.recv(4096)
                return s

            warm = [open_one() for _ in range(20)]  # threads, TLS context and allocator warmed up
            time.sleep(0.5)
            before = rss_kb(server.pid)
            held = [open_one() for _ in range(args.connections)]
            time.sleep(1.0)
            after = rss_kb(server.pid)
            per = (after - before) / args.connections
            print(f"{args.connections} idle TLS connections: server RSS {before / 1024:.1f} MB -> "
                  f"{after / 1024:.1f} MB, {per:.1f} KB per idle connection")
            for s in held + warm:
                s.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
