"""Where the CPU of a daemon run goes: this process (the client), the workers, PostgreSQL and RabbitMQ (from /proc)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of OS process ``pid`` so far (Linux: /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    """The OS processes whose command name is ``name`` (``postgres``, ``beam.smp``), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:  # it ended meanwhile
                continue
    return found


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


class CPU:
    """CPU seconds spent between two readings by this process (the submitting kernel), by the ``workers`` (pids), by the
    database server and by the broker (all their OS processes), and how busy the machine's CPUs were: where each
    process's CPU goes, and whether the run was bound by CPU."""

    def __init__(self, workers: list[int]) -> None:
        self._pids = workers
        self._start = self._read()

    def _read(self) -> tuple[float, ...]:
        def total(pids: list[int]) -> float:
            seconds = 0.0
            for pid in pids:
                try:
                    seconds += cpu_seconds(pid)
                except OSError:  # a database backend that ended meanwhile
                    continue
            return seconds

        busy, jiffies = machine_busy()
        postgres, broker = total(pids_named("postgres")), total(pids_named("beam.smp"))
        return time.process_time(), total(self._pids), postgres, broker, busy, jiffies

    def per_process_ms(self, processes: int) -> dict[str, float]:
        client, workers, postgres, broker, busy, jiffies = (
            now - then for now, then in zip(self._read(), self._start, strict=True)
        )
        per_process = {
            name: round(seconds / processes * 1000, 3)
            for name, seconds in (
                ("client", client), ("workers", workers), ("postgresql", postgres), ("rabbitmq", broker)
            )
        }  # fmt: skip
        per_process["machine_busy_percent"] = round(100 * busy / jiffies, 1) if jiffies else 0.0
        return per_process
