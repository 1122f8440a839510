"""HAProxy with the repository's config (tools/setup/haproxy/psephos.cfg) in
front of two psephos-server nodes, for tests/ha and tools/bench/ha_load.py.
Python standard library only.
"""

import os
import socket
import subprocess
import time

from voting import Failure

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "setup", "haproxy",
                      "psephos.cfg")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HAProxy:
    """HAProxy in the foreground with the repository's config, the addresses in its environment."""

    running = set()  # stopped when the test ends, whatever happens (kill_all)

    def __init__(self, binary, work, listen, nodes, log):
        self.socket = os.path.join(work, "haproxy.sock")
        env = dict(os.environ, PSEPHOS_LISTEN=listen, PSEPHOS_NODE1=nodes[0], PSEPHOS_NODE2=nodes[1],
                   PSEPHOS_HAPROXY_SOCKET=self.socket, PSEPHOS_HAPROXY_LOG="stdout",
                   PSEPHOS_HAPROXY_UNPRIVILEGED="1", PSEPHOS_HAPROXY_MAXCONN="2000")
        checked = subprocess.run([binary, "-c", "-f", CONFIG], env=env, capture_output=True, text=True)
        if checked.returncode != 0:
            raise Failure("haproxy -c refuses %s:\n%s%s" % (CONFIG, checked.stdout, checked.stderr))
        self.log = log.name
        self.proc = subprocess.Popen([binary, "-db", "-f", CONFIG], env=env, stdout=log, stderr=subprocess.STDOUT)
        HAProxy.running.add(self)

    def stats(self):
        """{server name: {column: value}} of the nodes' backend, from `show stat` on the admin socket."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r["pxname"] == "psephos_nodes" and r["svname"] != "BACKEND"}

    def wait_status(self, node, status, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                with open(self.log) as f:
                    raise Failure("haproxy exited %d:\n%s" % (self.proc.returncode, f.read()[-2000:]))
            try:
                if self.stats()[node]["status"].startswith(status):
                    return
            except (OSError, IndexError, KeyError):
                pass  # the socket is not there yet
            time.sleep(0.1)
        raise Failure("HAProxy did not see %s %s within %d s" % (node, status, timeout))

    def sessions(self, node):
        return int(self.stats()[node]["stot"])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        HAProxy.running.discard(self)

    @staticmethod
    def kill_all():
        for haproxy in list(HAProxy.running):
            haproxy.proc.kill()
            haproxy.proc.wait()
            HAProxy.running.discard(haproxy)

    def command(self, line):
        """One command on the admin socket (`disable server psephos_nodes/node2`, ...); its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.socket)
            s.sendall(line.encode() + b"\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data.decode()
                data += chunk
