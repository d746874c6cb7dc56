"""%workflows: every subcommand and its --help, in-process (the magic's function) and loaded in a real kernel."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Float, Int, ProcessState
from jupyter_workflows.ipython._magics import WorkflowsMagics, build_parser

from .._nbrun import cell_error, cell_text, execute_notebook, notebook_from_cells
from ..widgets._workflows import Nested, Slow, add
from ..widgets.conftest import until

COMMANDS = ("list", "show", "pause", "play", "kill", "status", "report", "graph", "monitor")


@pytest.fixture
def magic(store):
    yield WorkflowsMagics(shell=None).workflows
    import ipywidgets

    ipywidgets.Widget.close_all()


def test_help_for_the_magic_and_every_subcommand(magic, capsys):
    magic("--help")
    out = capsys.readouterr().out
    assert out.startswith("usage: %workflows") and all(command in out for command in COMMANDS)
    for command in COMMANDS:
        magic(f"{command} --help")
        assert capsys.readouterr().out.startswith(f"usage: %workflows {command}")


def test_mistakes_print_one_line_and_no_traceback(magic, capsys):
    assert magic("frobnicate") is None
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
    magic("pause")
    assert "Give their PKs, or --all" in capsys.readouterr().err
    magic("show 999999")
    assert "%workflows show: No node with pk 999999" in capsys.readouterr().err
    magic('report "unbalanced')
    assert "%workflows: No closing quotation" in capsys.readouterr().err
    data = add(1, 2)
    magic(f"show {data.pk}")
    assert "a data node; give the pk of a process" in capsys.readouterr().err


def test_list_show_and_report(magic, capsys):
    node = jw.run.get_node(Nested, seconds=Float(0.01))[1]
    listing = magic("list --state finished --limit 3")
    assert isinstance(listing, jw.control.ProcessList) and len(listing) == 3
    assert {row.process_label for row in magic("list --label Slow --all")} == {"Slow"}
    widget = magic(f"show {node.pk}")
    assert type(widget).__name__ == "ProcessWidget" and widget.node is node and widget.state == "finished"
    assert magic(f"show {node.pk} --compact").compact
    magic(f"report {node.pk}")
    out = capsys.readouterr().out.splitlines()
    assert "[Nested] inner finished: finished" in out[-1]
    assert any(line.startswith("    ") and "[Slow] launching 2 children" in line for line in out)
    magic(f"report {node.pk} --max-depth 0")
    assert len(capsys.readouterr().out.splitlines()) == 1
    magic(f"status {node.pk} --max-depth 1")  # as verdi process status: what it called, as a tree
    status = capsys.readouterr().out.splitlines()
    assert status[0] == f"Nested<{node.pk}>  finished  exit status 0" and len(status) > 1
    assert status[1:] == [
        f"{'└── ' if child is node.called[-1] else '├── '}{child.process_label}<{child.pk}>  finished  exit status 0"
        for child in node.called
    ]
    assert type(magic("monitor --state active")).__name__ == "ProcessListWidget"


def test_pause_play_kill_by_pk_and_all(magic, capsys):
    nodes = [jw.submit(Slow, seconds=Float(30), n=Int(1)) for _ in range(2)]
    until(lambda: all(node.process_state is ProcessState.WAITING for node in nodes))
    magic(f"pause {nodes[0].pk}")
    assert capsys.readouterr().out == f"Paused 1 process(es): Slow<{nodes[0].pk}>\n"
    assert nodes[0].paused and not nodes[1].paused
    magic("pause --all")
    assert all(node.paused for node in nodes) and "Paused" in capsys.readouterr().out
    magic("play --all")
    assert not any(node.paused for node in nodes)
    capsys.readouterr()
    magic(f"kill {nodes[0].pk} -m 'enough'")
    jw.wait(nodes[0])
    assert nodes[0].is_killed and nodes[0].exit_message == "enough"
    magic(f"kill {nodes[0].pk}")
    assert "already killed: left alone" in capsys.readouterr().out
    magic("kill --all")
    jw.wait(nodes[1])
    assert nodes[1].is_killed and all(child.is_killed for child in nodes[1].called)


def test_graph_draws_when_available_or_says_it_is_not(magic, capsys):
    result = jw.run.get_node(add, 1, 2)[1]
    try:
        import jupyter_workflows.graph  # noqa: F401
    except ImportError:
        assert magic(f"graph {result.pk}") is None
        assert "not available" in capsys.readouterr().err
        return
    drawn = magic(f"graph {result.pk} --ancestors 1 --highlight-classes Int")
    assert drawn is not None and "Graph" in type(drawn).__name__


def test_the_parser_is_argparse_with_subcommands():
    arguments = build_parser().parse_args(["kill", "3", "4", "--message", "why"])
    assert arguments.pks == ["3", "4"] and arguments.message == "why" and arguments.verb == "kill"


@pytest.mark.kernel
def test_the_extension_in_a_real_kernel(tmp_path):
    import jupyter_workflows

    extension = (
        "jupyter_workflows" if hasattr(jupyter_workflows, "load_ipython_extension") else "jupyter_workflows.ipython"
    )
    cells = [
        f"%load_ext {extension}\n"
        "import jupyter_workflows as jw\nfrom jupyter_workflows import calcfunction\n"
        "@calcfunction\ndef add(x, y):\n    return x + y\n"
        "result, node = jw.run.get_node(add, 1, 2)",
        "%workflows list",
        "%workflows --help",
        "node",
        "%workflows show {node.pk}",
        "%workflows kill 12345",
    ]
    nb = execute_notebook(
        notebook_from_cells(cells), env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    )
    assert [cell_error(cell) for cell in nb.cells] == [None] * len(cells)
    assert "add" in cell_text(nb.cells[1]) and "Total: 1 process\n" in cell_text(nb.cells[1])
    assert "usage: %workflows" in cell_text(nb.cells[2])
    view = "application/vnd.jupyter.widget-view+json"
    (node_output,) = nb.cells[3].outputs  # a process node: the widget, with a static HTML fallback
    assert view in node_output["data"] and "jw-process-card" in node_output["data"]["text/html"]
    (show_output,) = nb.cells[4].outputs  # %workflows show: the ProcessWidget itself
    assert view in show_output["data"]
    assert "No node with pk 12345" in "".join(o.get("text", "") for o in nb.cells[5].outputs)
