"""The engine core is pure asyncio: it imports no Jupyter, widget, broker, database or graphviz code itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupyter_workflows

FORBIDDEN = ("IPython", "ipykernel", "ipywidgets", "jupyter_server", "aio_pika", "sqlalchemy", "graphviz")

# Import the core without running the package's own __init__ (which imports the layers above on purpose).
CODE = f"""
import sys, types
package = types.ModuleType("jupyter_workflows")
package.__path__ = [{str(Path(jupyter_workflows.__file__).parent)!r}]
sys.modules["jupyter_workflows"] = package
import jupyter_workflows._core
print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))
above = [m for m in sys.modules if m.startswith("jupyter_workflows.") and not m.startswith("jupyter_workflows._core")]
print(sorted(above))
"""


def test_core_imports_nothing_heavy_and_nothing_above_it():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    heavy, above = out.strip().splitlines()
    assert heavy == "[]"
    assert above == "[]"
