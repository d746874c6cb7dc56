"""Real Jupyter kernels for tests and benchmarks: a kernel driven message by message (``Kernel``: a cell queued
while another runs, an interrupt, a kernel that dies, which nbclient's one-cell-at-a-time execution cannot show), and
a minimal widget front end over it (``FrontEnd``: keeps every widget model's state from the comm messages and sends
what a browser sends). Needs jupyter_client (installed with ipykernel); imported only when used.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager

__all__ = ["CellResult", "FrontEnd", "Kernel", "Reply"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Reply:
    status: str  # "ok", "error", or "timeout"
    stdout: str = ""
    stderr: str = ""
    results: list[str] = field(default_factory=list)
    error: tuple[str, str] | None = None
    traceback: str = ""  # the formatted traceback of an error, as the front end shows it (colours removed)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.stdout + "".join(self.results)


class Kernel:
    """A kernel started from a kernelspec, with the given environment additions."""

    def __init__(self, kernel_name: str, env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        self.manager = KernelManager(kernel_name=kernel_name)
        self.manager.start_kernel(env={**os.environ, **(env or {})}, cwd=cwd)
        self.client = self.manager.blocking_client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self.client.stop_channels()
        if self.manager.has_kernel:
            self.manager.shutdown_kernel(now=True)

    def send(self, code: str) -> str:
        """Queue a cell without waiting; returns its message id."""
        return self.client.execute(code, store_history=True)  # type: ignore[no-any-return]

    def collect(self, msg_id: str, timeout: float = 120) -> Reply:
        """Gather the outputs and the reply of one queued cell."""
        reply = Reply(status="timeout")
        started = time.monotonic()
        deadline = started + timeout
        done_iopub = done_shell = False
        while not (done_iopub and done_shell) and time.monotonic() < deadline:
            if not done_iopub:
                try:
                    message = self.client.get_iopub_msg(timeout=0.05)
                except queue.Empty:
                    message = None
                if message is not None and message["parent_header"].get("msg_id") == msg_id:
                    done_iopub = self._take(message, reply)
            if not done_shell:
                try:
                    shell = self.client.get_shell_msg(timeout=0.05)
                except queue.Empty:
                    shell = None
                if shell is not None and shell["parent_header"].get("msg_id") == msg_id:
                    reply.status = shell["content"]["status"]
                    done_shell = True
        reply.seconds = time.monotonic() - started
        return reply

    def run(self, code: str, timeout: float = 120) -> Reply:
        return self.collect(self.send(code), timeout)

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()

    def kill(self) -> None:
        """Kill the kernel process outright (SIGKILL), as a crash would."""
        os.kill(self.manager.provisioner.pid, signal.SIGKILL)  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        while self.manager.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)

    @staticmethod
    def _take(message: dict[str, Any], reply: Reply) -> bool:
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            if content["name"] == "stdout":
                reply.stdout += content["text"]
            else:
                reply.stderr += content["text"]
        elif kind in {"execute_result", "display_data"}:
            reply.results.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            reply.error = (content["ename"], content["evalue"])
            reply.traceback = _ANSI.sub("", "\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return True
        return False


@dataclass
class CellResult:
    status: str = "timeout"
    stdout: str = ""
    error: tuple[str, str] | None = None
    finished_at: float = 0.0


@dataclass
class FrontEnd:
    kernel: Kernel
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)  # (time, model_id, state)
    _cells: dict[str, CellResult] = field(default_factory=dict)

    # -- sending ------------------------------------------------------------------------------------------------------
    def execute(self, code: str, subshell: str | None = None) -> str:
        """Queue a cell (on a ``subshell``: it runs on that subshell's thread, beside the main shell's cell)."""
        if subshell is None:
            msg_id = self.kernel.send(code)
        else:
            client = self.kernel.client
            message = client.session.msg("execute_request", {"code": code, "silent": False, "store_history": False})
            message["header"]["subshell_id"] = subshell
            client.shell_channel.send(message)
            msg_id = message["header"]["msg_id"]
        self._cells[msg_id] = CellResult()
        return msg_id

    def run(self, code: str, timeout: float = 60) -> CellResult:
        msg_id = self.execute(code)
        self.pump_until(lambda: self._cells[msg_id].status != "timeout", timeout)
        result = self._cells[msg_id]
        assert result.error is None, f"cell failed: {result.error}\n{code}"
        return result

    def cell(self, msg_id: str) -> CellResult:
        return self._cells[msg_id]

    def click(self, model_id: str, subshell: str | None = None) -> float:
        """Send a browser's click to a Button model (on a ``subshell``, as JupyterLab >= 4.4 sends comm messages to
        ipykernel 7); returns when it was sent (time.perf_counter)."""
        self._comm_msg(model_id, {"method": "custom", "content": {"event": "click"}}, subshell)
        return time.perf_counter()

    def subshell(self, timeout: float = 30) -> str:
        """Create a subshell of the kernel (ipykernel >= 7) and return its id: comm messages sent to it are handled
        on a thread of its own, while the main shell runs a cell."""
        client = self.kernel.client
        request = client.session.msg("create_subshell_request", {})
        client.control_channel.send(request)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reply = client.get_control_msg(timeout=0.1)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                if reply["content"].get("status") != "ok":
                    raise AssertionError(f"the kernel made no subshell: {reply['content']}")
                return reply["content"]["subshell_id"]  # type: ignore[no-any-return]
        raise AssertionError("the kernel did not answer create_subshell_request in time")

    def set_value(self, model_id: str, **state: Any) -> None:
        """What a browser sends when the user changes a control (a checkbox, a text field)."""
        self._comm_msg(model_id, {"method": "update", "state": state, "buffer_paths": []})

    def _comm_msg(self, model_id: str, data: dict[str, Any], subshell: str | None = None) -> None:
        client = self.kernel.client
        message = client.session.msg("comm_msg", {"comm_id": model_id, "data": data})
        if subshell is not None:
            message["header"]["subshell_id"] = subshell
        client.shell_channel.send(message)

    # -- receiving ----------------------------------------------------------------------------------------------------
    def pump_until(self, condition: Callable[[], bool], timeout: float = 30) -> float:
        """Handle IOPub messages until ``condition()``; returns the time it became true (time.perf_counter)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("the front end did not see the expected state in time")
            self._take_one(0.02)
        return time.perf_counter()

    def pump_for(self, seconds: float) -> None:
        """Keep handling IOPub messages for a while (as a browser does between clicks)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._take_one(min(0.02, max(0.0, deadline - time.monotonic())))

    def value(self, model_id: str, name: str = "value") -> Any:
        return self.models.get(model_id, {}).get(name)

    def _take_one(self, timeout: float) -> None:
        try:
            message = self.kernel.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return
        kind, content = message["msg_type"], message["content"]
        if kind == "comm_open":
            self.models[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif kind == "comm_msg" and content["data"].get("method") in {"update", "echo_update"}:
            state = content["data"].get("state", {})
            self.models.setdefault(content["comm_id"], {}).update(state)
            self.updates.append((time.perf_counter(), content["comm_id"], state))
        parent = message["parent_header"].get("msg_id")
        cell = self._cells.get(parent)
        if cell is None:
            return
        if kind == "stream" and content["name"] == "stdout":
            cell.stdout += content["text"]
        elif kind == "error":
            cell.error = (content["ename"], content["evalue"])
        elif kind == "status" and content["execution_state"] == "idle":
            cell.status = "error" if cell.error else "ok"
            cell.finished_at = time.perf_counter()

    def ids(self, result: CellResult) -> dict[str, str]:
        """A cell that ended with ``print(json.dumps({...model ids...}))``."""
        return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
