"""The ``jupyter-workflows`` command: ``graph`` writes the file it is asked for, ``--help`` explains every option,
and mistakes end with a message and exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int
from jupyter_workflows.cli import main

from .graph._workflows import AddAndMultiply, parse_svg

pytestmark = pytest.mark.usefixtures("store")


@pytest.fixture
def workchain():
    return jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]


def test_graph_writes_the_file_with_the_issue_options(store, workchain, tmp_path, capsys):
    output = tmp_path / "wf.svg"
    argv = [
        "graph", str(workchain.pk), "--highlight-classes", "Int", "CalcFunctionNode", "-a", "1", "-d", "2",
        "-l", "logic", "-f", "svg", "-o", str(output), "--store", store.url,
    ]  # fmt: skip
    assert main(argv) == 0
    svg = parse_svg(output.read_bytes())
    assert {f"N{workchain.pk}", f"N{workchain.inputs.x.pk}", f"N{workchain.outputs.result.pk}"} <= set(svg.nodes)
    assert all(title.split("->")[1] != f"N{workchain.called[0].pk}" for title in svg.edges)  # no CALL with logic
    assert f"Wrote {output}" in capsys.readouterr().out


def test_graph_defaults_name_the_file_after_pks_engine_and_format(store, workchain, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    other = workchain.called[0]
    assert main(["graph", str(workchain.pk), str(other.pk), "--store", store.url, "-f", "png"]) == 0
    assert (tmp_path / f"{workchain.pk}.{other.pk}.dot.png").read_bytes().startswith(b"\x89PNG")
    assert main(["graph", workchain.uuid, "-o", "out.pdf", "--store", store.url, "-l", "input_work,return"]) == 0
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


def test_graph_uses_the_configured_store_by_default(store, workchain, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_WORKFLOWS_STORE", store.url)
    assert main(["graph", str(workchain.pk), "-o", str(tmp_path / "wf.svg")]) == 0


def test_mistakes_end_with_a_message(store, workchain, tmp_path, capsys):
    assert main(["graph", str(workchain.pk), "-c", "Intt", "--store", store.url, "-o", str(tmp_path / "x.svg")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("jupyter-workflows graph: error: highlight_classes 'Intt'") and "AddAndMultiply" in error
    assert main(["graph", "999999", "--store", store.url]) == 1
    assert "999999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["graph", "1", "-a", "-2"])
    assert exited.value.code == 2 and "is not a depth" in capsys.readouterr().err


def test_without_a_command_the_help_is_shown(capsys):
    assert main([]) == 2
    assert "graph" in capsys.readouterr().out


def test_help_explains_every_option():
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_workflows.cli", "graph", "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--ancestor-depth", "--descendant-depth", "--link-types", "--process-in", "--process-out",
                   "--highlight-classes", "--identifier", "--engine", "--output-format", "--output", "--max-nodes",
                   "--store", "--strategy", "--timeout"):  # fmt: skip
        assert option in done.stdout
    assert "verdi node graph generate" in done.stdout and "example:" in done.stdout


BIN = Path(sys.executable).parent


@pytest.mark.skipif(not (BIN / "jupyter-workflows").exists(), reason="the console script is not installed yet")
def test_it_is_a_jupyter_subcommand():
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(BIN / "jupyter"), "workflows", "graph", "--help"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    assert "--highlight-classes" in done.stdout


def test_a_reader_that_goes_away_ends_it_quietly(store, workchain):
    """``jupyter workflows process status PK | head -1``: the reader closes the pipe before all is written; that is
    no error to show (a traceback of BrokenPipeError was)."""
    command = [sys.executable, "-m", "jupyter_workflows.cli", "process", "status", str(workchain.pk)]
    command += ["--store", store.url]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stdout is not None
    run.stdout.close()  # before it writes: it is still starting Python
    _, said = run.communicate(timeout=120)
    assert run.returncode == 141 and said == ""


@pytest.mark.parametrize(
    "command",
    [["process", "status", "1"], ["daemon", "status"], ["daemon", "logs"], ["graph", "1"], ["archive", "create"]],
)
def test_a_command_that_reads_a_store_makes_none_where_the_path_is_wrong(command, tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "store.sqlite"
    extra = [str(tmp_path / "a.aiida"), "1"] if command[0] == "archive" else []
    assert main([*command, *extra, "--store", f"sqlite:///{missing}"]) == 1
    assert f"error: No store at {missing}: check the path (--store)" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_process_status_shows_what_it_called_as_a_tree_down_to_the_depth_asked(store, capsys):
    from tests.worker.workflows import Parent

    node = jw.run_get_node(Parent, n=Int(2), depth=Int(1))[1]  # two Parents below, each with two adds, then an add
    first, second, last = node.called
    assert main(["process", "status", str(node.pk), "--store", store.url]) == 0
    lines = capsys.readouterr().out.splitlines()
    done = "finished  exit status 0"
    assert lines[:5] == [
        f"Parent<{node.pk}>  {done}",
        f"├── Parent<{first.pk}>  {done}",
        f"│   ├── add<{first.called[0].pk}>  {done}",
        f"│   ├── add<{first.called[1].pk}>  {done}",
        f"│   └── add<{first.called[2].pk}>  {done}",
    ]
    assert lines[5:] == [f"├── Parent<{second.pk}>  {done}", *lines[6:9], f"└── add<{last.pk}>  {done}"]
    assert all(line.startswith("│   ") for line in lines[6:9])
    assert main(["process", "status", str(node.pk), "--max-depth", "1", "--store", store.url]) == 0
    assert capsys.readouterr().out.splitlines() == [lines[0], lines[1], lines[5], lines[9]]
    with pytest.raises(SystemExit) as exited:
        main(["process", "status", str(node.pk), "--max-depth", "x"])
    assert exited.value.code == 2 and "'x' is not a depth" in capsys.readouterr().err


def test_a_negative_pk_is_said_to_be_no_process(store, capsys):
    assert main(["process", "status", "-5", "--store", store.url]) == 1
    assert "No node with pk -5 exists in the store" in capsys.readouterr().err  # not "'-5' is not a uuid"


def test_process_list_shows_the_newest_processes_and_takes_verdi_s_filters(store, capsys):
    from .widgets._workflows import Nested

    @jw.calcfunction
    def broken(x):
        raise RuntimeError("broken on purpose")

    node = jw.run.get_node(Nested, seconds=Float(0.01))[1]  # Nested, Slow below it, and its children
    with pytest.raises(RuntimeError):
        broken(Int(1))
    failed = max(row.pk for row in jw.processes(states=["excepted"]))
    total = jw.processes(limit=None).total  # (before main(), which closes this runtime when it ends)
    assert main(["process", "list", "--store", store.url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PK", "Age", "Process", "label", "State", "Status", "Owner"]
    assert lines[2].split()[0] == str(failed) and "excepted" in lines[2]  # newest first
    assert any(line.split()[0] == str(node.pk) and "Nested" in line and "finished [0]" in line for line in lines)
    assert lines[-1] == f"Total: {total} processes"
    assert main(["process", "list", "-S", "excepted", "--store", store.url]) == 0
    rows = capsys.readouterr().out.splitlines()[2:-2]
    assert [row.split()[0] for row in rows] == [str(failed)]
    assert main(["process", "list", "-L", "Nested", "--limit", "1", "--store", store.url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[2].split()[0] == str(node.pk) and listed[-1] == "Total: 1 process"
    assert main(["process", "list", "--limit", "2", "--store", store.url]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"The newest 2 of {total:,} processes (-a for all)"
    assert main(["process", "list", "-l", "2", "-a", "--store", store.url]) == 0  # -a: every one, as in verdi
    assert capsys.readouterr().out.splitlines()[-1] == f"Total: {total} processes"
    assert main(["process", "list", "--active", "--store", store.url]) == 0
    assert capsys.readouterr().out == "No processes match.\n"
    with pytest.raises(SystemExit) as exited:
        main(["process", "list", "--state", "done"])
    assert (
        exited.value.code == 2 and "invalid choice: 'done' (choose from 'created', 'running'" in capsys.readouterr().err
    )


def test_process_report_shows_the_reports_of_a_process_and_what_it_called(store, capsys):
    from .widgets._workflows import Nested

    # (all read before main(), which ends this runtime when it returns)
    node = jw.run.get_node(Nested, seconds=Float(0.01))[1]
    slow = node.called[0]
    quiet = jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]

    @jw.calcfunction
    def broken(x):
        raise RuntimeError(f"broken on purpose by {x.value}")

    with pytest.raises(RuntimeError):
        broken(Int(7))
    failed = max(row.pk for row in jw.processes(states=["excepted"]))
    assert main(["process", "report", str(node.pk), "--store", store.url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"[{node.pk} | REPORT]: [Nested] inner finished: finished" in out[-1]
    assert any(line.startswith("    ") and f"[{slow.pk} | REPORT]: [Slow] launching 2 children" in line for line in out)
    assert main(["process", "report", str(node.pk), "--max-depth", "0", "--store", store.url]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if "[Slow]" in line] == []
    assert main(["process", "report", str(quiet.pk), "--store", store.url]) == 0
    assert capsys.readouterr().out == f"No reports for AddAndMultiply<{quiet.pk}> or what it called.\n"
    # As verdi process report: an excepted process's traceback, as an ERROR; status says why it ended.
    assert main(["process", "report", str(failed), "--store", store.url]) == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0].endswith(f" [{failed} | ERROR]: [broken] Traceback (most recent call last):")
    assert report[-2:] == [
        '        raise RuntimeError(f"broken on purpose by {x.value}")',
        "    RuntimeError: broken on purpose by 7",
    ]
    assert main(["process", "status", str(failed), "--store", store.url]) == 0
    assert capsys.readouterr().out == f"broken<{failed}>  excepted  RuntimeError: broken on purpose by 7\n"


def test_process_show_gives_properties_inputs_outputs_and_calls_as_verdi_does(store, capsys):
    from jupyter_workflows.testing.workflows import RetryAdd

    node = jw.run_get_node(RetryAdd, add={"x": Int(-3), "y": Int(1)})[
        1
    ]  # (read before main(), which ends this runtime)
    x, y, result = node.inputs.add.x, node.inputs.add.y, node.outputs.result
    first, second = node.called
    failed = f"state        finished [{first.exit_status}]: {first.exit_message}"
    assert main(["process", "show", str(node.pk), "--store", store.url]) == 0
    properties, inputs, outputs, called, logs = capsys.readouterr().out.rstrip("\n").split("\n\n")
    assert properties.splitlines()[2:5] == ["type         RetryAdd (WorkChainNode)", "state        finished [0]",
                                            f"pk           {node.pk}"]  # fmt: skip
    assert f"uuid         {node.uuid}" in properties and "caller" not in properties and "where" not in properties
    rows = {line.split()[0]: line.split()[1:] for line in inputs.splitlines()[2:]}  # namespaces as a.b
    assert rows["add.x"] == [str(x.pk), "Int"] and rows["add.y"] == [str(y.pk), "Int"]
    assert outputs.splitlines()[2] == f"result   {result.pk:<2}  Int"
    # As verdi: each call by its link's label (RetryAdd's are iteration_NN), pk, and the callee's process label.
    assert called.splitlines()[2:] == [
        f"iteration_0{i}  {child.pk:<2}  checked_add" for i, child in ((1, first), (2, second))
    ]
    assert logs.splitlines()[2:] == [
        f"There are {len(node.reports)} log messages for this process",
        f"Run 'jupyter workflows process report {node.pk}' to see them (or %workflows report {node.pk})",
    ]
    assert main(["process", "show", str(first.pk), "--store", store.url]) == 0
    shown = capsys.readouterr().out
    assert f"caller       RetryAdd<{node.pk}>" in shown and failed in shown


def test_process_watch_without_a_broker_reads_the_store_and_ends_with_the_processes(store, capsys, monkeypatch):
    """With no broker, ``process watch`` says it reads the store; processes that already ended give their last line
    at once, and it exits 0. A PK that names no process is an error before anything is watched."""
    monkeypatch.delenv("JUPYTER_WORKFLOWS_BROKER", raising=False)
    added = jw.run_get_node(AddAndMultiply, x=Int(1), y=Int(2), z=Int(3))[1]

    @jw.calcfunction
    def divides(x):
        return Int(1 // x.value)

    with pytest.raises(ZeroDivisionError):
        divides(Int(0))
    failed = max(row.pk for row in jw.processes(states=["excepted"]))
    assert main(["process", "watch", str(added.pk), str(failed), "--store", store.url]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == (
        "Watching 2 process(es), a line for each change, from the store, read each second (no broker is "
        "configured); Ctrl-C to stop."
    )
    assert [line.split("  ", 1)[1] for line in lines] == [
        f"AddAndMultiply<{added.pk}>  finished  exit status 0",
        f"divides<{failed}>  excepted  ZeroDivisionError: integer division or modulo by zero",
    ]
    assert main(["process", "watch", "999999", "--store", store.url]) == 1
    assert "999999" in capsys.readouterr().err
