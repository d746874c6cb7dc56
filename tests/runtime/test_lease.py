"""Owners on other hosts stay alive while they send heartbeats, judged by the store's clock, and are orphaned once
they stop. The other host is a real second OS process in a UTS namespace of its own (``unshare --uts``), so its
hostname differs; the lease is made short for the test with ``JUPYTER_WORKFLOWS_HEARTBEAT_SECONDS``."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import weakref
from pathlib import Path

import jupyter_workflows as jw
from jupyter_workflows._runtime import Ownership, _lease
from jupyter_workflows.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
BEAT = 0.3

OTHER_HOST = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, {root!r})
    import jupyter_workflows as jw
    from jupyter_workflows import Float
    from tests.launch.crash_workflows import slow_add
    jw.configure(store={url!r})
    node = jw.submit(slow_add, 1, 2, Float(3600))
    print(node.pk, flush=True)
    jw.wait(node)
    """
)


def on_another_host(url: str) -> subprocess.Popen[str]:
    unshare = shutil.which("unshare")
    assert unshare is not None, "the test needs util-linux's unshare (apt-get install util-linux) and root"
    script = OTHER_HOST.format(root=str(ROOT), url=url)
    command = [unshare, "--uts", "sh", "-c", 'hostname jw-other-host && exec "$0" -c "$1"', sys.executable, script]
    env = {**os.environ, _lease.HEARTBEAT_ENV: str(BEAT)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_a_kernel_on_another_host_keeps_its_lease_and_loses_it_when_it_dies(store_url, any_store, monkeypatch):
    monkeypatch.setattr(_lease, "HEARTBEAT_SECONDS", BEAT)
    other = on_another_host(store_url)
    try:
        line = other.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), other.stderr.read()  # type: ignore[union-attr]
        node = jw.load_node(int(line))
        seen = set()
        deadline = time.monotonic() + 12 * BEAT  # four times the lease: it would have expired without heartbeats
        while time.monotonic() < deadline:
            status = node.owner_status()
            seen.add((status.ownership, status.owner.hostname if status.owner else None))
            time.sleep(BEAT / 3)
        assert seen == {(Ownership.ELSEWHERE, "jw-other-host")}
        assert socket.gethostname() != "jw-other-host"
    finally:
        other.send_signal(signal.SIGKILL)
        other.communicate()
    deadline = time.monotonic() + 60
    while node.owner_status().ownership is not Ownership.ORPHANED:
        assert time.monotonic() < deadline, "the dead owner's lease never expired"
        time.sleep(BEAT)
    assert node.process_state is jw.ProcessState.RUNNING  # nobody moves it on: orphaned, until resumed or killed


def test_a_heartbeat_connection_is_closed_with_its_store_not_left_for_the_garbage_collector(postgres_url, monkeypatch):
    monkeypatch.setattr(_lease, "HEARTBEAT_SECONDS", 0.05)
    store = Store(postgres_url)
    held = weakref.ref(store)  # the lease must not keep the store alive
    lease = _lease.Lease("owner-of-the-test", "script", lambda: {s for s in [held()] if s is not None})
    lease.register_in(store)
    registered = store.get_owners(["owner-of-the-test"])["owner-of-the-test"].heartbeat
    deadline = time.monotonic() + 30
    while store.get_owners(["owner-of-the-test"])["owner-of-the-test"].heartbeat == registered:
        assert time.monotonic() < deadline, "no heartbeat was recorded"
        time.sleep(0.05)
    store.close()
    del store
    gc.collect()  # a connection dropped open here would be a ResourceWarning, an error under filterwarnings=error
    time.sleep(0.3)  # a few beats: the heartbeat thread closes its connection to the closed store
    lease.end()
    lease_thread = lease._thread
    assert lease_thread is not None
    lease_thread.join(10)
    assert not lease_thread.is_alive()
    gc.collect()
