"""The public surface is curated: this test pins it, so changes to it are deliberate."""

from __future__ import annotations

import jupyter_workflows as jw

PUBLIC = {
    "ArrayData", "Bool", "CalcFunctionNode", "CheckpointError", "Data", "Dict", "ExitCode", "Float", "Int", "List",
    "NodeNotFoundError", "NotResumableError", "ProcessError", "ProcessKilledError", "ProcessNode",
    "ProcessNotRunningHereError", "ProcessState", "ProvenanceError", "SpecError", "Str", "StoreError",
    "StoreUnreachableError", "ToContext", "ValidationError", "WorkChain", "WorkChainNode", "WorkFunctionNode",
    "WorkflowsError", "append_", "assign_", "calcfunction", "configure", "if_", "kill", "load_node", "pause", "play",
    "processes", "resume", "return_", "run", "run_async", "run_get_node", "run_get_pk", "submit", "wait",
    "wait_async", "while_", "workfunction", "monitor", "graph", "GraphvizError",
    "load_ipython_extension", "unload_ipython_extension", "SerializationError", "UsageError",
    # AiiDA's process API (issue 9)
    "Process", "ExitCodesNamespace", "InputPort", "OutputPort", "PortNamespace", "PortValidationError", "LinkType",
    "to_aiida_type",
    "ProcessBuilder", "ProcessBuilderNamespace",
    "BrokerUnreachableError", "CommunicatorError", "BrokerLoginError", "NoWorkerWarning",
    "BaseRestartWorkChain", "ProcessHandlerReport", "process_handler",
    "enable_caching", "disable_caching",
    "CodeTravelError",
    "InvalidOperationError",
    "daemon",
    "await_processes", "get_true_node", "get_false_node",
    # AiiDA archives (issue 12)
    "export", "import_archive", "ArchiveError",
}  # fmt: skip


def test_all_is_exactly_the_public_surface():
    assert set(jw.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(jw, name) is not None


def test_issue_contract_imports():
    from jupyter_workflows import (  # noqa: F401
        Bool,
        Dict,
        ExitCode,
        Float,
        Int,
        List,
        ProcessState,
        Str,
        ToContext,
        WorkChain,
        append_,
        calcfunction,
        if_,
        kill,
        load_node,
        pause,
        play,
        processes,
        return_,
        run,
        run_async,
        run_get_node,
        submit,
        wait,
        wait_async,
        while_,
        workfunction,
    )  # fmt: skip

    assert callable(jw.processes) and callable(run.get_node)


def test_the_daemon_namespace_is_small():
    assert set(jw.daemon.__all__) == {"start", "stop", "restart", "status", "incr", "decr", "DaemonError"}
    assert issubclass(jw.daemon.DaemonError, jw.WorkflowsError)


def test_errors_form_one_hierarchy():
    for name in PUBLIC:
        value = getattr(jw, name)
        if isinstance(value, type) and issubclass(value, Warning):  # shown, not raised: a UserWarning to filter
            assert issubclass(value, UserWarning), name
        elif isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, jw.WorkflowsError), name
