"""What a fresh process finds in a store after a daemon workload: ``python tests/worker/check.py URL [--results]
[PK...]``.

Prints JSON: ``problems`` (``provenance_problems``, with the calls each finished Parent must have made; with
``--results``, also that every output of the PKs is stored with a creator that finished) and ``trees``: for each PK,
its process tree as a clean run would give it (labels, states, exit statuses, output values and the called
processes, in a canonical order; killed attempts show).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
from jupyter_workflows.testing import provenance_problems


def tree(node: Any) -> dict[str, Any]:
    outputs = {label: getattr(value, "value", None) for label, value in node.outputs.items()}
    called = sorted((tree(child) for child in node.called), key=lambda t: json.dumps(t, sort_keys=True))
    return {
        "label": node.process_label,
        "state": node.process_state.value,
        "exit_status": node.exit_status,
        "outputs": outputs,
        "called": called,
    }


def main() -> None:
    url, *pks = sys.argv[1:]
    with_results = "--results" in pks
    pks = [pk for pk in pks if pk != "--results"]
    store = jw.configure(store=url)
    parents = {row.pk: row.process_label for row in jw.processes(limit=None) if row.process_label == "Parent"}
    expected = {}
    if parents:
        node = jw.load_node(next(iter(parents)))
        expected["Parent"] = node.inputs.n.value + (2 if node.inputs.seconds.value else 1)
    results = [value.uuid for pk in pks for value in jw.load_node(int(pk)).outputs.values()] if with_results else []
    problems = provenance_problems(store, expected_calls=expected, results=results)
    print(json.dumps({"problems": problems, "trees": [tree(jw.load_node(int(pk))) for pk in pks]}))


if __name__ == "__main__":
    main()
