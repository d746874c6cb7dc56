"""Rich display of process nodes: registered with IPython's formatter, a widget only where a front end can show one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import jupyter_workflows as jw
from jupyter_workflows.ipython import enable_rich_display
from jupyter_workflows.ipython._display import process_node_mimebundle

from ..widgets._workflows import add


def test_outside_ipython_nothing_is_registered_and_nothing_breaks():
    assert enable_rich_display() is False  # no running IPython shell in pytest


def test_the_formatter_gets_a_function_for_process_nodes():
    registered = {}
    formatter = types.SimpleNamespace(for_type=lambda cls, function: registered.update({cls: function}))
    shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(mimebundle_formatter=formatter))
    assert enable_rich_display(shell) is True
    assert registered == {jw.ProcessNode: process_node_mimebundle}


def test_without_a_kernel_the_bundle_is_text_and_no_widget_is_made(store):
    from ipywidgets.widgets.widget import _instances

    node = jw.run.get_node(add, 1, 2)[1]
    before = len(_instances)
    bundle = process_node_mimebundle(node)
    assert set(bundle) == {"text/plain"} and len(_instances) == before
    assert bundle["text/plain"].splitlines() == [repr(node), "  output result = 3"]


def test_a_terminal_ipython_prints_readable_text(tmp_path):
    code = textwrap.dedent(
        """
        import jupyter_workflows as jw, jupyter_workflows.widgets
        from jupyter_workflows import calcfunction
        @calcfunction
        def add(x, y):
            return x + y
        result, node = jw.run.get_node(add, 1, 2)
        node
        """
    )
    ipython = Path(sys.executable).parent / "ipython"
    env = {**os.environ, "JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    done = subprocess.run(
        [str(ipython), "--quick", "--no-banner", "--colors=NoColor", "-c", code],
        capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "<CalcFunctionNode: add<" in done.stdout and "output result = 3" in done.stdout
    assert "widget" not in done.stdout.lower()
