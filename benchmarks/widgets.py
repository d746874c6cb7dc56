"""Widgets in a real kernel, measured the way a browser sees them (comm messages on the wire). Prints one JSON object.

    python benchmarks/widgets.py [--n 1000] [--clicks 30] [--kernel python3]

- click_to_visible: a front end sends a Button click (a comm message) to a ProcessWidget of a waiting WorkChain; the
  time until the kernel's update of the widget's state badge arrives at the client. Alternating Pause / Play on an
  idle kernel, one click every 0.25 s.
- responsiveness: ``--n`` WorkChains keep running (each loops: a child that sleeps 4-8 s, then the next), so events
  never stop. A trivial cell's round trip is measured with no widget, then with a monitor (ProcessListWidget) and a
  ProcessWidget displayed; also how many widget messages (and kilobytes) per second the kernel sends meanwhile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jupyter_workflows.testing.kernels import FrontEnd, Kernel  # noqa: E402

SETUP = f"""
import asyncio, json, random, sys
sys.path.insert(0, {str(ROOT)!r})
import jupyter_workflows as jw
import jupyter_workflows.testing  # jw.testing.get_runtime() below: a submodule, not imported by the package
from jupyter_workflows import Float, Int, WorkChain, append_, calcfunction, while_
from jupyter_workflows.widgets import ProcessListWidget, ProcessWidget

@calcfunction
async def nap(seconds):
    await asyncio.sleep(seconds.value)
    return seconds + 0

@calcfunction
def add(x, y):
    return x + y

class Slow(WorkChain):  # first -> launch (n napping children of `seconds`) -> collect (output `total`)

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=lambda: Float(0.05))
        spec.input("n", valid_type=Int, default=lambda: Int(2))
        spec.output("total", valid_type=Float)
        spec.outline(cls.first, cls.launch, cls.collect)

    def first(self):
        self.report("first")

    def launch(self):
        self.report("launching %d children", self.inputs.n.value)
        for _ in range(self.inputs.n.value):
            self.to_context(children=append_(self.submit(nap, self.inputs.seconds)))

    def collect(self):
        self.report("collecting")
        total = sum(child.outputs.result.value for child in self.ctx.children)
        self.out("total", add(Float(total), 0))

class Churn(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("rounds", valid_type=Int)
        spec.outline(cls.setup, while_(cls.more)(cls.launch))

    def setup(self):
        self.ctx.round = 0

    def more(self):
        return self.ctx.round < self.inputs.rounds.value

    def launch(self):
        self.ctx.round += 1
        return {{"child": self.submit(nap, Float(random.uniform(4, 8)))}}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "p90": round(percentile(values, 0.9), 2),
        "max": round(max(values), 2),
    }


def badge(front: FrontEnd, model: str) -> str:
    value = front.value(model) or ""
    return value.split('data-state="', 1)[1].split('"', 1)[0] if 'data-state="' in value else ""


def click_to_visible(front: FrontEnd, clicks: int) -> dict[str, object]:
    cell = front.run(
        "node = jw.submit(Slow, seconds=Float(600), n=Int(2))\nwidget = ProcessWidget(node)\ndisplay(widget)\n"
        "print(json.dumps({'pause': widget.pause_button.model_id, 'play': widget.play_button.model_id, "
        "'head': widget.head.model_id}))"
    )
    ids = front.ids(cell)
    front.pump_until(lambda: badge(front, ids["head"]) == "waiting")
    latencies = []
    for index in range(clicks):
        button, state = ("pause", "paused") if index % 2 == 0 else ("play", "waiting")
        front.pump_for(0.25)  # an idle kernel between clicks
        sent = front.click(ids[button])
        seen = front.pump_until(lambda state=state: badge(front, ids["head"]) == state)
        latencies.append((seen - sent) * 1e3)
    front.run("jw.kill(node)")
    return {"clicks": clicks, "ms": summary(latencies)}


def trivial_cells(front: FrontEnd, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        result = front.run("1 + 1")
        latencies.append((result.finished_at - started) * 1e3)
        front.pump_for(0.1)
    return latencies


def traffic(front: FrontEnd, since: float) -> tuple[float, float]:
    """Widget update messages per second since ``since``, and their state's JSON kilobytes per second."""
    window = time.perf_counter() - since
    recent = [state for at, _, state in front.updates if at >= since]
    return round(len(recent) / window, 1), round(sum(len(json.dumps(state)) for state in recent) / window / 1e3, 1)


def responsiveness(front: FrontEnd, n: int, samples: int) -> dict[str, object]:
    started = time.perf_counter()
    submit = front.run(f"churn = [jw.submit(Churn, rounds=Int(1000)) for _ in range({n})]")
    submit_seconds = submit.finished_at - started
    front.pump_for(3)  # every WorkChain is past its first step and waits for a child
    running = front.run("print(len(jw.testing.get_runtime().runner.live))").stdout.strip()
    baseline_idle = trivial_cells(front, samples)
    front.run(
        "monitor = ProcessListWidget(state='active')\ndisplay(monitor)\n"
        "watched = ProcessWidget(churn[0])\ndisplay(watched)"
    )
    front.pump_for(2)
    front.run("refreshes = (monitor._throttle.refreshes, watched._throttle.refreshes)")
    measured_since = time.perf_counter()
    with_monitor = trivial_cells(front, samples)
    rate, kilobytes = traffic(front, measured_since)
    elapsed = time.perf_counter() - measured_since
    counts = front.run(
        "print(json.dumps([monitor._throttle.refreshes - refreshes[0], watched._throttle.refreshes - refreshes[1]]))"
    ).stdout
    monitor_refreshes, widget_refreshes = json.loads(counts)
    at_end = front.run("print(len(jw.testing.get_runtime().runner.live))").stdout.strip()
    front.run("jw.kill(*[p.node for p in list(jw.testing.get_runtime().runner.live)])")
    return {
        "workchains": n,
        "live_processes": int(running),
        "live_processes_at_end": int(at_end),
        "submit_cell_s": round(submit_seconds, 2),
        "trivial_cell_ms_without_widgets": summary(baseline_idle),
        "trivial_cell_ms_with_monitor_and_widget": summary(with_monitor),
        "widget_messages_per_s": rate,
        "widget_kilobytes_per_s": kilobytes,
        "monitor_refreshes_per_s": round(monitor_refreshes / elapsed, 1),
        "process_widget_refreshes_per_s": round(widget_refreshes / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--kernel", default="python3")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        Kernel(args.kernel, env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{folder}/provenance.sqlite"}) as kernel,
    ):
        front = FrontEnd(kernel)
        front.run(SETUP)
        result = {
            "case": "widgets",
            "kernel": args.kernel,
            "click_to_visible": click_to_visible(front, args.clicks),
            "responsiveness": responsiveness(front, args.n, args.samples),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
