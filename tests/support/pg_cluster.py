#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the tests (Debian's postgresql, no mock).

  pg_cluster.py start DIR   initdb into DIR/data, start it on a free port with its
                            unix socket in DIR; writes DIR/url (a libpq URL of the
                            `postgres` database, user `postgres`, no password)
  pg_cluster.py stop DIR    stops it (immediate shutdown: nothing in it is kept) and deletes DIR

PostgreSQL refuses to run as root: under root the cluster belongs to the
unprivileged `postgres` system user (made if missing) and its commands run
through runuser.
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys

USER = "postgres"


def bindir():
    for candidate in sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0,
                            reverse=True):
        path = os.path.join("/usr/lib/postgresql", candidate, "bin")
        if os.path.exists(os.path.join(path, "initdb")):
            return path
    sys.exit("pg_cluster: no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)")


def as_owner(args):
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", USER, "--"] + args


def ensure_user():
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_folder(folder):
    ensure_user()
    os.makedirs(folder, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chmod(folder, 0o755)


def start(folder, settings=(), initialize=True):
    """`settings`: more `name=value` server settings, e.g. synchronous_standby_names=..."""
    make_folder(folder)
    data = os.path.join(folder, "data")
    pg = bindir()
    if initialize:
        subprocess.run(as_owner([os.path.join(pg, "initdb"), "--pgdata", data, "--username", USER, "--auth", "trust",
                                 "--encoding", "UTF8", "--locale", "C", "--no-instructions", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL)
    for attempt in range(5):
        port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} " \
                  "-c max_connections=200 -c shared_buffers=32MB" + "".join(f" -c {s}" for s in settings)
        started = subprocess.run(as_owner([os.path.join(pg, "pg_ctl"), "--pgdata", data, "--wait",
                                           "--log", os.path.join(folder, "log"), "--options", options, "start"]),
                                 stdout=subprocess.DEVNULL)
        if started.returncode == 0:
            break
    else:
        with open(os.path.join(folder, "log")) as log:
            sys.stderr.write(log.read())
        sys.exit("pg_cluster: the server did not start")
    url = f"postgresql://{USER}@/postgres?host={folder}&port={port}"
    with open(os.path.join(folder, "url"), "w") as out:
        out.write(url)
    print(url)
    return url


def start_standby(primary, folder, name):
    """A streaming replica of the cluster in `primary`, its WAL receiver named `name`
    (list it in the primary's synchronous_standby_names to make it synchronous)."""
    make_folder(folder)
    with open(os.path.join(primary, "url")) as f:
        port = f.read().strip().rsplit("port=", 1)[1]
    subprocess.run(as_owner([os.path.join(bindir(), "pg_basebackup"), "--pgdata", os.path.join(folder, "data"),
                             "--dbname", f"host={primary} port={port} user={USER} application_name={name}",
                             "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL)
    return start(folder, initialize=False)


def promote(folder):
    """The standby in `folder` becomes a primary (pg_ctl promote, waiting until it takes writes)."""
    subprocess.run(as_owner([os.path.join(bindir(), "pg_ctl"), "--pgdata", os.path.join(folder, "data"), "--wait",
                             "promote"]), check=True, stdout=subprocess.DEVNULL)


def crash(folder):
    """Stops the cluster as a crash would: no checkpoint, every backend ended at once."""
    subprocess.run(as_owner([os.path.join(bindir(), "pg_ctl"), "--pgdata", os.path.join(folder, "data"), "--mode",
                             "immediate", "--wait", "stop"]), check=True, stdout=subprocess.DEVNULL)


def stop(folder):
    data = os.path.join(folder, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(as_owner([os.path.join(bindir(), "pg_ctl"), "--pgdata", data, "--mode", "immediate", "--wait",
                                 "stop"]), stdout=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    (start if sys.argv[1] == "start" else stop)(os.path.abspath(sys.argv[2]))
