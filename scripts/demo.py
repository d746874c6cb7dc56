"""`make demo`: run the getting-started notebook in a real kernel and say where its results are."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01-getting-started.ipynb"
OUT = ROOT / "build" / "demo"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    store_file = OUT / "provenance.sqlite"
    for old in OUT.glob("provenance.sqlite*"):  # every run starts from an empty store: same results each time
        old.unlink()
    store_url = f"sqlite:///{store_file}"
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    print(f"demo: running {NOTEBOOK.relative_to(ROOT)} in a fresh kernel ...", flush=True)
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute(env={**os.environ, "JUPYTER_WORKFLOWS_STORE": store_url})
    executed = OUT / NOTEBOOK.name
    nbformat.write(notebook, executed)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        print(f"demo: the notebook raised {errors[0]['ename']}: {errors[0]['evalue']}", file=sys.stderr)
        return 1

    sys.path.insert(0, str(ROOT))
    import jupyter_workflows as jw

    jw.configure(store=store_url)
    workflow = next(row for row in jw.processes(limit=None) if row.process_label == "add_and_multiply")
    node = jw.load_node(workflow.pk)
    picture = OUT / "provenance.svg"
    jw.graph(node, highlight_classes=["add_and_multiply", "Int"]).render(picture)
    print(f"demo: done in {time.perf_counter() - started:.1f} s")
    print(f"  executed notebook : {executed}")
    print(f"  provenance store  : {store_file}  (jw.configure(store={store_url!r}) to explore it)")
    print(f"  main result       : add_and_multiply<{node.pk}> -> {node.outputs.result.value}")
    print(f"  provenance graph  : {picture}")
    print(f"  processes         : {len(jw.processes(limit=None))} recorded, e.g.\n")
    print(jw.processes(limit=5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
