"""A private RabbitMQ node for tests that stop, restart or misconfigure the broker.

The node has its own node name, AMQP port, distribution port, data and log directories, configuration and (empty)
plugin list, all on 127.0.0.1: the machine's own RabbitMQ (``rabbit@...`` on 5672) is never touched. It registers
its name with the machine's epmd (Erlang's name service, port 4369) as any Erlang node does; it starts epmd if none
runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .._core import UsageError

__all__ = ["RabbitMQNode", "rabbitmq_node"]

# Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user and drops the environment: run the real script.
_SERVER_SCRIPTS = ("/usr/lib/rabbitmq/bin/rabbitmq-server", "rabbitmq-server")
_CTL_SCRIPTS = ("/usr/lib/rabbitmq/bin/rabbitmqctl", "rabbitmqctl")
_SYSTEM_PORT = 5672
_AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


class RabbitMQNode:
    """One private RabbitMQ node; :meth:`start`, :meth:`stop` and :meth:`restart` it, on the same port and data."""

    def __init__(
        self, data_dir: Path, *, consumer_timeout: float | None = None, user: str = "guest", password: str = "guest"
    ) -> None:
        self.data_dir = Path(data_dir)
        self.user, self.password = user, password
        self.port, self.dist_port = _free_port(), _free_port()
        self.node_name = f"jw-test-{self.port}@localhost"
        self.consumer_timeout = consumer_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._write_config()

    def __repr__(self) -> str:
        return f"RabbitMQNode({self.node_name!r}, port={self.port}, {'running' if self.is_running else 'stopped'})"

    @property
    def url(self) -> str:
        """The AMQP URL of the node, with its user and password."""
        return f"amqp://{self.user}:{self.password}@127.0.0.1:{self.port}/"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 120.0) -> None:
        """Start the node and return once it accepts AMQP connections."""
        if self.is_running:
            return
        script = _installed(_SERVER_SCRIPTS)
        output = (self.data_dir / "server.out").open("ab")
        # A session of its own: a kill of the node reaches its Erlang helpers, and never the test's process group.
        self._process = subprocess.Popen(
            [script],
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.data_dir,
        )
        output.close()
        self._wait_ready(time.monotonic() + timeout)

    def stop(self, *, kill: bool = False, timeout: float = 60.0) -> None:
        """Stop the node: cleanly (SIGTERM: queues and persistent messages are flushed), or ``kill`` it (SIGKILL to
        all its processes, as a crash would)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if kill:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(self._beam_pid() or process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # helpers left behind (erl_child_setup, inet_gethost)
            os.killpg(process.pid, signal.SIGKILL)
        _wait_port_closed(self.port, time.monotonic() + timeout)

    def change_password(self, password: str) -> None:
        """Give the node's user another password, and close the connections it holds: clients reconnect with the
        password of their URL, which the node now refuses (:attr:`url` says the new one)."""
        self._ctl("change_password", self.user, password)
        self.password = password
        self._ctl("close_all_connections", "the password was changed")

    def _ctl(self, *arguments: str) -> None:
        command = [_installed(_CTL_SCRIPTS), "-n", self.node_name, *arguments]
        subprocess.run(command, env=self._environment(), check=True, capture_output=True, timeout=60)

    def restart(self, *, kill: bool = False) -> None:
        """Stop (cleanly, or ``kill``) and start again on the same port, with the same data."""
        self.stop(kill=kill)
        self.start()

    def _write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listeners.tcp.default = 127.0.0.1:{self.port}",
            "log.console = false",
            "log.file.level = info",
            f"default_user = {self.user}",  # created when the node first boots
            f"default_pass = {self.password}",
        ]
        advanced = "[]."
        if self.consumer_timeout is not None:
            lines.append(f"consumer_timeout = {round(self.consumer_timeout * 1000)}")
            # The broker checks the timeout on each channel tick (every 60 s by default): tick every second.
            advanced = "[{rabbit, [{channel_tick_interval, 1000}]}]."
        (self.data_dir / "rabbitmq.conf").write_text("\n".join(lines) + "\n")
        (self.data_dir / "advanced.config").write_text(advanced + "\n")
        (self.data_dir / "enabled_plugins").write_text("[].\n")  # no management plugin, no port 15672
        (self.data_dir / "rabbitmq-env.conf").write_text("")  # instead of /etc/rabbitmq/rabbitmq-env.conf

    def _environment(self) -> dict[str, str]:
        base = self.data_dir
        return {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": str(base),  # the node's Erlang cookie goes here
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": self.node_name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
        }

    def _beam_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.data_dir / "rabbitmq.pid").read_text().strip())
        return None

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise UsageError(f"The RabbitMQ node {self.node_name} exited while starting:\n{self._log_tail()}")
            if _speaks_amqp(self.port):
                return
            time.sleep(0.1)
        self.stop(kill=True)
        raise UsageError(f"The RabbitMQ node {self.node_name} did not accept connections in time:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        logs = [self.data_dir / "server.out", *sorted((self.data_dir / "log").glob("*.log"))]
        text = "".join(path.read_text(errors="replace")[-3000:] for path in logs if path.exists())
        return text[-4000:]


@contextlib.contextmanager
def rabbitmq_node(
    *,
    consumer_timeout: float | None = None,
    user: str = "guest",
    password: str = "guest",
    data_dir: str | Path | None = None,
) -> Iterator[RabbitMQNode]:
    """A private RabbitMQ node, started, for the ``with`` block; stopped (and its temporary data removed) after.

    ``consumer_timeout`` (seconds) is the broker's limit on how long a delivered message may stay unacknowledged;
    ``user`` and ``password`` are its one user's login (``node.url`` has them). Needs ``rabbitmq-server``
    (``apt-get install rabbitmq-server``); booting takes a few seconds."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="jw-rabbitmq-"))
        node = RabbitMQNode(Path(data_dir), consumer_timeout=consumer_timeout, user=user, password=password)
        stack.callback(node.stop, kill=True)
        node.start()
        yield node


def _installed(scripts: tuple[str, ...]) -> str:
    """The first of ``scripts`` found (a path, or a name on PATH)."""
    found = next((path for name in scripts if (path := shutil.which(name))), None)
    if found is None:
        name = scripts[-1]
        raise UsageError(f"RabbitMQ is not installed (no {name}): apt-get install rabbitmq-server")
    return found


def _free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port != _SYSTEM_PORT:
            return port


def _speaks_amqp(port: int) -> bool:
    """Whether the node accepts connections and answers the AMQP header (with Connection.Start: a method frame)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(_AMQP_HEADER)
            return connection.recv(1) == b"\x01"
    except OSError:
        return False


def _wait_port_closed(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.1)
