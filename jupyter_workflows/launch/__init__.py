"""What users call: run, run_get_node, run_async, submit, wait, wait_async (and AiiDA's await_processes)."""

from ._continue import Claims as Claims, continue_process as continue_process
from ._launch import (
    await_processes as await_processes,
    run as run,
    run_async as run_async,
    run_get_node as run_get_node,
    run_get_pk as run_get_pk,
    submit as submit,
    wait as wait,
    wait_async as wait_async,
)
from ._resume import resume as resume

__all__ = [
    "Claims",
    "await_processes",
    "continue_process",
    "resume",
    "run",
    "run_async",
    "run_get_node",
    "run_get_pk",
    "submit",
    "wait",
    "wait_async",
]
