"""Drive a real Jupyter kernel message by message: for what nbclient's one-cell-at-a-time execution cannot show
(a cell queued while another runs, an interrupt, a kernel that dies)."""

from __future__ import annotations

import os
import queue
import re
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager

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
