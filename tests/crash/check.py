"""A crash trial's third act, in another fresh process: the stored provenance against what a clean run gives.

    python tests/crash/check.py URL CAMPAIGN_PK N

Prints a JSON list of problems (empty: the resumed tree ended exactly as a clean run would).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import jupyter_workflows as jw
from jupyter_workflows.testing import provenance_problems
from tests.crash.workflows import expected_total


def main() -> None:
    url, pk, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = jw.configure(store=url)
    problems = provenance_problems(store, expected_calls={"Child": 3, "Campaign": n + 4}, calls_at_least=True)
    campaign = jw.load_node(pk)
    if not campaign.is_finished_ok:
        problems.append(f"{campaign!r} ended {campaign.process_state.value}: {campaign.exit_message}")
    else:
        outputs = {label: node.value for label, node in campaign.outputs.items()}
        if outputs != {"first": n, "total": expected_total(n)}:
            problems.append(f"outputs {outputs} differ from a clean run's")
    for row in jw.processes(limit=None):
        if row.state is jw.ProcessState.KILLED and not jw.load_node(row.pk).exit_message:
            problems.append(f"{row.process_label}<{row.pk}> was killed without a reason")
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
