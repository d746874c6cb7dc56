"""Caching of functions defined in notebook cells, in real kernels: a re-run cell with unchanged code and inputs
takes the cached result; a cell that redefines the function with another body runs it."""

from __future__ import annotations

import pytest

from .._nbrun import cell_error, cell_text, execute_notebook, kernel_names, notebook_from_cells

pytestmark = pytest.mark.kernel

DOUBLE = "@jw.calcfunction\ndef double(x):\n    return x * 2\n"
CHANGED = "@jw.calcfunction\ndef double(x):\n    return x + x + 1\n"
RUN = "result, node = double.run_get_node(21)\nprint(result.value, node.base.caching.is_created_from_cache)"


@pytest.mark.parametrize("kernel", kernel_names())
def test_a_rerun_cell_is_cached_and_a_changed_body_is_not(kernel, tmp_path):
    cells = [
        "import time\nimport jupyter_workflows as jw\njw.configure(caching=True)",
        DOUBLE + RUN,  # 1: runs
        DOUBLE + RUN,  # 2: the same cell again: cached
        CHANGED + RUN,  # 3: another body: runs
        CHANGED + RUN,  # 4: cached
        DOUBLE + RUN,  # 5: the first body again: its run still serves
        "print(node.base.caching.get_cache_source() == double.run_get_node(21)[1].base.caching.get_cache_source())",
        # 7: what a cached call costs here (printed, not asserted)
        "started = time.perf_counter()\nfor _ in range(200):\n    double(21)\n"
        "print(f'{(time.perf_counter() - started) / 200 * 1e3:.3f} ms per cached call')",
    ]
    env = {"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{tmp_path / 'provenance.sqlite'}"}
    notebook = execute_notebook(notebook_from_cells(cells), kernel_name=kernel, env=env, timeout=120)
    errors = [(index, cell_error(cell)) for index, cell in enumerate(notebook.cells) if cell_error(cell)]
    assert errors == [], errors
    text = [cell_text(cell) for cell in notebook.cells]
    assert text[1:7] == ["42 False\n", "42 True\n", "43 False\n", "43 True\n", "42 True\n", "True\n"]
    print(kernel, text[7].strip())
