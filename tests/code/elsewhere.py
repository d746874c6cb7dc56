"""A process that never saw the notebook's code (tests/code/_notebook.py): it gets it from the store.

    python tests/code/elsewhere.py URL resume PK      # resume an orphaned WorkChain, wait for everything, print JSON
    python tests/code/elsewhere.py URL run PATH N     # load the class PATH names, run it with n=N, print JSON
    python tests/code/elsewhere.py URL builder PK     # run again what get_builder_restart() of PK gives, print JSON
    python tests/code/elsewhere.py URL load PATH      # load the object PATH names, print JSON

A CodeTravelError is printed as {"error": message}.
"""

from __future__ import annotations

import json
import sys

import jupyter_workflows as jw
from jupyter_workflows import CodeTravelError, Float, Int
from jupyter_workflows.nodes import find_process_class


def resume(pk: int) -> jw.ProcessNode:
    node = jw.resume(pk)
    while running := [row.pk for row in jw.processes(active=True, limit=None) if row.runs_here]:
        jw.wait(*running, timeout=300)
    return node


def run(path: str, n: int) -> jw.ProcessNode:
    survey = find_process_class(path)
    assert survey.__module__.startswith("_jw_code_"), survey.__module__
    return jw.run_get_node(survey, n=Int(n), seconds=Float(0.0))[1]


def run_builder(pk: int) -> jw.ProcessNode:
    builder = jw.load_node(pk).get_builder_restart()
    builder.n = Int(2)
    return jw.run_get_node(builder)[1]


def descendants(node: jw.ProcessNode) -> list[jw.ProcessNode]:
    return [node, *(below for child in node.called for below in descendants(child))]


def main() -> None:
    url, mode, argument = sys.argv[1:4]
    jw.configure(store=url)
    try:
        if mode == "resume":
            node = resume(int(argument))
        elif mode == "run":
            node = run(argument, int(sys.argv[4]))
        elif mode == "builder":
            node = run_builder(int(argument))
        else:
            found = find_process_class(argument)
            process_type = found.build_process_type() if hasattr(found, "build_process_type") else None
            print(json.dumps({"module": found.__module__, "process_type": process_type}))
            return
    except CodeTravelError as error:
        print(json.dumps({"error": str(error)}))
        return
    assert not {"Survey", "Child", "add"} & set(vars(sys.modules["__main__"]))  # it never saw them
    outputs = {label: output.value for label, output in node.outputs.items()}
    classes = sorted({process.process_class_path for process in descendants(node)})
    print(json.dumps({"pk": node.pk, "state": node.process_state.value, "outputs": outputs, "classes": classes}))


if __name__ == "__main__":
    main()
