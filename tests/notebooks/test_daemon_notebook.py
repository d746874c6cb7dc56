"""notebooks/05-daemon.ipynb runs top to bottom in a real kernel against the machine's RabbitMQ (with CI=true a missing
broker fails the test); then a second kernel finds the process the first one left in flight by its pk, starts the
daemon again, and sees it finish with complete provenance. Every daemon started is stopped, even after a failure."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from jupyter_workflows.broker import delete_namespace_async
from jupyter_workflows.daemon._files import DAEMON_DIR_ENV
from jupyter_workflows.store import Store
from tests.daemon.conftest import stop_every_daemon

from .._nbrun import cell_error, cell_text, execute_notebook, notebook_from_cells
from .test_tutorials import NOTEBOOKS, shows_widget

pytestmark = pytest.mark.kernel


def test_05_daemon(tmp_path: Path, rabbitmq_url: str) -> None:
    root, store = tmp_path / "daemons", f"sqlite:///{tmp_path / 'provenance.sqlite'}"
    env = {"JUPYTER_WORKFLOWS_STORE": store, DAEMON_DIR_ENV: str(root), "JUPYTER_WORKFLOWS_BROKER": rabbitmq_url}
    try:
        executed = execute_notebook(NOTEBOOKS / "05-daemon.ipynb", cwd=NOTEBOOKS, env=env, timeout=180)
        code = [cell for cell in executed.cells if cell.cell_type == "code"]
        assert [(index, cell_error(cell)) for index, cell in enumerate(code) if cell_error(cell)] == []
        assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
        texts = [cell_text(cell) for cell in code]
        assert texts[0] == "2 workers ready, broker amqp://guest:***@127.0.0.1:5672/\n"
        assert shows_widget(code[2])  # the submitted WorkChain, live
        assert texts[3] == "paused: True | sum yet: False\nfinished sum = 30\n"
        assert "running, supervisor pid" in texts[4] and "/200" in texts[4] and "guest:guest" not in texts[4]
        pk = int(re.findall(r"submitted SumOfSquares<(\d+)>", texts[4])[0])
        assert "is not running" in texts[5]

        # A new kernel: the process it left in flight is found by its pk and continues once the daemon runs again.
        cells = [
            f"""import jupyter_workflows as jw
from jupyter_workflows.testing import provenance_problems
jw.configure(broker={rabbitmq_url!r})
node = jw.load_node({pk})
print(node.process_label, "finished" if node.is_terminated else "in flight")
jw.daemon.start(workers=1)
jw.wait(node, timeout=120)
print(node.process_state.value, node.outputs["sum"].value, [c.process_label for c in node.called])
jw.daemon.stop()
print(provenance_problems(jw.configure()))""",
        ]
        again = execute_notebook(notebook_from_cells(cells), cwd=tmp_path, env=env, timeout=180)
        assert cell_error(again.cells[0]) is None, cell_text(again.cells[0])
        lines = cell_text(again.cells[0]).splitlines()
        assert lines[0] in ("SumOfSquares in flight", "SumOfSquares finished")
        assert lines[1:] == ["finished 14 ['slow_square', 'slow_square', 'slow_square', 'total']", "[]"]
    finally:
        stop_every_daemon(root)
        with Store(store) as opened:
            namespace = f"jw-{opened.identity}"
        asyncio.run(delete_namespace_async(rabbitmq_url, namespace))
