"""The kernels of this Jupyter server as owners of processes: which kernel a pid is, and steering a process through
the kernel that runs it.

Without a broker, a kernel listens to nobody but its own front end; but this server started it, so it can ask it
directly: a silent request on the kernel's shell channel whose only content is a user expression
(``len(jupyter_workflows.pause(pk))``). Nothing shows in the notebook, and the kernel answers as soon as it is idle
or awaiting (the same moments a widget click is handled).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

__all__ = ["KERNEL_TIMEOUT", "ServerKernels"]

KERNEL_TIMEOUT = 10.0  # seconds a kernel may take to answer (it answers once its current cell ends)


class ServerKernels:
    def __init__(self, kernel_manager: Any) -> None:
        self._manager = kernel_manager

    def pids(self) -> dict[int, str]:
        """OS pid -> kernel id of this server's running local kernels."""
        found = {}
        for kernel_id in list(self._manager.list_kernel_ids()):
            try:
                kernel = self._manager.get_kernel(kernel_id)
            except KeyError:  # shut down meanwhile
                continue
            pid = getattr(getattr(kernel, "provisioner", None), "pid", None)
            if isinstance(pid, int):
                found[pid] = kernel_id
        return found

    async def steer(self, kernel_id: str, action: str, pk: int, message: str) -> tuple[bool, bool, str]:
        """Ask kernel ``kernel_id`` to pause/play/kill process ``pk``: (ok, done, message)."""
        arguments = f"{pk}, message={message!r}" if action == "kill" and message else str(pk)
        expression = f"len(__import__('jupyter_workflows').{action}({arguments}))"
        kernel = self._manager.get_kernel(kernel_id)
        client = kernel.client()
        # The shell channel alone: the request and its reply are all it takes. (All five would open five sockets and a
        # heartbeat thread for each click, a burst that a busy server pays for in sockets of its zmq context.)
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            msg_id = client.execute(
                "", silent=True, store_history=False, user_expressions={"done": expression}, allow_stdin=False
            )
            reply = await _reply_to(client, msg_id)
        except TimeoutError:
            return (
                False,
                False,
                (
                    f"The kernel that runs process {pk} did not answer in {KERNEL_TIMEOUT:.0f} s: it is busy with a "
                    f"cell. The {action} is carried out when that cell ends."
                ),
            )
        finally:
            client.stop_channels()
        result = reply["content"].get("user_expressions", {}).get("done", {})
        if result.get("status") != "ok":
            return False, False, f"{result.get('ename', 'Error')}: {result.get('evalue', 'the kernel refused')}"
        done = result.get("data", {}).get("text/plain", "0") != "0"
        return True, done, f"{action} of process {pk}: {'done' if done else 'nothing to do'} (by its kernel)"


async def _reply_to(client: Any, msg_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + KERNEL_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            reply: dict[str, Any] = await client.get_shell_msg(timeout=remaining)
        except asyncio.TimeoutError:
            raise TimeoutError from None
        except Exception as error:  # queue.Empty from jupyter_client on a timeout
            if type(error).__name__ == "Empty":
                raise TimeoutError from None
            raise
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return reply
