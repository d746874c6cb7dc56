"""`make test`'s set-up on a fresh Debian machine: scripts/check-fresh-debian.sh (`make fresh-debian`) runs
scripts/ensure-system-deps.sh and scripts/ensure-services.sh in a minimal Debian without an init system, in
namespaces of its own, and connects to the PostgreSQL and RabbitMQ they installed and started. It needs root, and
makes the minimal Debian once under build/fresh-debian; outside CI a machine that cannot is skipped with the reason,
with CI=true it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import IN_CI

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "scripts" / "check-fresh-debian.sh"
DIRECTORY = PROJECT / "build" / "fresh-debian"


def cannot_check() -> str | None:
    """Why this machine cannot make and enter a minimal Debian, or None."""
    if os.geteuid() != 0:
        return "it needs root (debootstrap, chroot, namespaces): run the suite as root, or `sudo make fresh-debian`"
    if not (shutil.which("debootstrap") and shutil.which("slirp4netns")) and not shutil.which("apt-get"):
        return "debootstrap and slirp4netns are missing, and there is no apt-get to install them"
    namespaces = ["unshare", "--mount", "--net", "--pid", "--uts", "--fork", "true"]
    if subprocess.run(namespaces, capture_output=True, check=False).returncode != 0:
        return f"`{' '.join(namespaces)}` fails here (a container without CAP_SYS_ADMIN?)"
    return None


def processes_left(session: int, directory: Path) -> list[str]:
    """The processes of the check's session, and those whose root is in ``directory`` (daemons start sessions)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            pid = int(proc.name)
            if os.getsid(pid) == session or (proc / "root").readlink().is_relative_to(directory):
                found.append(f"{pid}: {(proc / 'cmdline').read_bytes().decode(errors='replace')}")
        except (ValueError, OSError):  # not a process, or one that has ended
            continue
    return found


def test_the_scripts_install_and_start_postgresql_and_rabbitmq_on_a_fresh_debian():
    reason = cannot_check()
    if reason:
        message = f"scripts/check-fresh-debian.sh cannot run: {reason}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true checks the set-up on a fresh Debian)")
        pytest.skip(message)
    check = subprocess.Popen(
        [str(SCRIPT), str(DIRECTORY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = check.communicate(timeout=1400)
    finally:
        check.kill()  # on a timeout: everything it started dies with it (see the script)
        check.wait()
    done = subprocess.CompletedProcess(check.args, check.returncode, stdout, stderr)
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "system-deps: installing graphviz chromium postgresql rabbitmq-server (apt-get)" in lines
    assert "services: PostgreSQL started, up on 127.0.0.1:5432" in done.stdout
    assert "services: RabbitMQ started, up on 127.0.0.1:5672" in done.stdout
    assert "fresh-debian: a second run of both scripts changes nothing" in lines
    answered = [line for line in lines if "PostgreSQL: psql as postgres" in line or "RabbitMQ: AMQP login" in line]
    assert len(answered) == 4, done.stdout  # as the user, then again as root after a restart
    assert not processes_left(check.pid, DIRECTORY), "the check left processes behind"
