"""The one summary of a latency sample that the daemon benchmarks print, ours and aiida-core's alike (standard library
only: benchmarks/peer/aiida_daemon.py imports it in aiida-core's venv)."""

from __future__ import annotations

import statistics


def summary(seconds: list[float]) -> dict[str, float]:
    """Sample size, median and 99th percentile, in milliseconds."""
    ordered = sorted(seconds)
    return {
        "samples": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
    }
