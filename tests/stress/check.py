"""Check a store's provenance from a fresh process: ``python tests/stress/check.py URL OUT.json...``.

Prints the problems (JSON list) found by ``jupyter_workflows.testing.provenance_problems``, with the results and
expected calls that the workloads recorded in their OUT files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_workflows.store import Store
from jupyter_workflows.testing import provenance_problems


def main() -> None:
    url, *outs = sys.argv[1:]
    results: list[str] = []
    expected: dict[str, int] = {}
    for out in outs:
        recorded = json.loads(Path(out).read_text())
        results += recorded["results"]
        expected.update(recorded["expected_calls"])
    with Store(url) as store:
        print(json.dumps(provenance_problems(store, expected_calls=expected, results=results)))


if __name__ == "__main__":
    main()
