"""The peer's side of the benchmark: the same workflows as benchmarks/_workflows.py, written for aiida-core.

These scripts run in the aiida venv that `make bench` builds (build/peer/aiida-venv) and import aiida only, never
jupyter_workflows. Each script is one fresh process: ``setup()`` imports aiida, loads the profile and opens its
storage before any timer starts; the script then prints one JSON line (``emit()``).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

_started = time.perf_counter()

import aiida  # noqa: E402
from aiida import load_profile, orm  # noqa: E402
from aiida.engine import ToContext, WorkChain, append_, calcfunction, workfunction  # noqa: E402

__all__ = ["FanOut", "OneChild", "WaitForever", "add", "add_loop", "emit", "measure", "recurse", "setup"]


@calcfunction
def add(x, y):
    return x + y


@workfunction
def add_loop(n):
    total = orm.Int(0).store()
    for i in range(n.value):
        total = add(total, orm.Int(i))
    return total


LEVELS_ENTERED = [0]  # how many ``recurse`` bodies have started, to tell at which depth a RecursionError came


@workfunction
def recurse(depth):
    LEVELS_ENTERED[0] += 1
    if depth.value == 0:
        return add(depth, orm.Int(1))
    return recurse(orm.Int(depth.value - 1))


class FanOut(WorkChain):
    """setup -> launch (K ``add`` children via ToContext/append_) -> collect (output ``total``)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("k", valid_type=orm.Int)
        spec.output("total", valid_type=orm.Int)
        spec.outline(cls.setup, cls.launch, cls.collect)

    def setup(self):
        self.ctx.k = self.inputs.k.value

    def launch(self):
        for i in range(self.ctx.k):
            # `self.submit(add, ...)` fails in a locally run WorkChain ("Cannot submit a process function"): submit
            # the calcfunction's process class, which the local runner schedules on its loop.
            self.to_context(children=append_(self.submit(add.process_class, x=orm.Int(i), y=orm.Int(i))))

    def collect(self):
        self.out("total", orm.Int(sum(child.outputs.result.value for child in self.ctx.children)).store())


class OneChild(WorkChain):
    """The daemon case's small WorkChain (benchmarks/daemon_workflows.py's OneChild): submits one ``add`` child,
    waits for it, and returns its result through an ``add`` its last step calls (3 processes in all)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=orm.Int)
        spec.output("result", valid_type=orm.Int)
        spec.outline(cls.submit_child, cls.collect)

    def submit_child(self):
        return ToContext(child=self.submit(add.process_class, x=self.inputs.x, y=orm.Int(1)))

    def collect(self):
        self.out("result", add(self.ctx.child.outputs.result, orm.Int(0)))


class WaitForever(WorkChain):
    """Waits (state ``waiting``, the worker's loop free) on a node no process will ever finish: what the daemon case
    pauses, plays and kills. (A sleeping calcfunction would block the worker's loop and its RPCs.)"""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.wait_forever, cls.end)  # a ToContext of the outline's last step is not waited for

    def wait_forever(self):
        return ToContext(never=orm.WorkflowNode().store())

    def end(self):
        pass


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_nodes() -> int:
    return orm.QueryBuilder().append(orm.Node).count()  # type: ignore[no-any-return]


_state: dict[str, Any] = {}


def setup() -> dict[str, Any]:
    """Load the profile (``AIIDA_PROFILE``, default ``bench``) and open its storage; what it cost."""
    profile = load_profile(os.environ.get("AIIDA_PROFILE", "bench"), allow_switch=True)
    _state["nodes_before"] = count_nodes()  # opens the storage, as jw.configure() opens ours before the timer
    storage = profile.storage_backend
    pragmas: dict[str, Any] = {}
    if storage.startswith("core.sqlite"):
        from aiida.manage import get_manager
        from sqlalchemy import text

        session = get_manager().get_profile_storage().get_session()
        for name in ("journal_mode", "synchronous"):
            pragmas[name] = session.execute(text(f"PRAGMA {name}")).scalar()
        pragmas["synchronous"] = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
            pragmas["synchronous"], pragmas["synchronous"]
        )
    return {
        "aiida_core": aiida.__version__,
        "python": sys.version.split()[0],
        "profile": profile.name,
        "storage": storage,
        "sqlite_pragmas": pragmas,
        "broker": profile.process_control_backend,
        "runner_poll_interval_s": profile.get_option("runner.poll.interval"),
        "import_and_load_profile_s": round(time.perf_counter() - _started, 3),
        "rss_after_load_profile_mib": round(rss_mib(), 1),
        "profile_nodes_before": _state["nodes_before"],
    }


def measure(action: Callable[[], Any]) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "result": result}


def emit(setup_figures: dict[str, Any], case: dict[str, Any], figures: dict[str, Any]) -> None:
    """Print the one JSON line: the case, its figures (rounded), peak RSS, nodes written, load, the set-up."""
    print(
        json.dumps(
            {
                **case,
                **{k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
                "nodes_written": count_nodes() - _state["nodes_before"],
                "peak_rss_mib": round(rss_mib(), 1),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                **setup_figures,
            }
        )
    )
