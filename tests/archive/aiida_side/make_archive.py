"""Run in aiida-core's own venv (not ours): make provenance with AiiDA and write it to an archive.

    AIIDA_PATH=... python make_archive.py PROFILE OUT.aiida [--count N]

Calcfunctions, workfunctions and a WorkChain with Int, Float, Str, Bool, Dict, List, an ArrayData, a StructureData (a
type jupyter_workflows does not know), reports, a labelled node, a calcfunction that fails with an exit code and one
that excepts. ``--count N`` adds N more small workfunction runs (for a large archive). Prints a JSON summary.
"""

import argparse
import contextlib
import json
import sys

import numpy as np
from aiida import load_profile, orm
from aiida.engine import ExitCode, WorkChain, calcfunction, run_get_node, workfunction
from aiida.tools.archive import create_archive


@calcfunction
def add(x, y):
    return x + y


@calcfunction
def describe(value, settings, items):
    """Several outputs of several types, from several inputs."""
    return {
        "text": orm.Str(f"{value.value}:{len(settings.get_dict())}:{len(items.get_list())}"),
        "scaled": orm.Float(value.value * 1.5),
        "flag": orm.Bool(True),
        "summary": orm.Dict({"keys": sorted(settings.get_dict()), "n": len(items.get_list())}),
    }


@calcfunction
def refuse(x):
    """Fails with an exit code."""
    return ExitCode(418, f"I refuse to handle {x.value}")


@calcfunction
def explode(x):
    raise RuntimeError("boom")


@calcfunction
def make_structure(length):
    structure = orm.StructureData(cell=[[length.value, 0, 0], [0, length.value, 0], [0, 0, length.value]])
    structure.append_atom(position=(0.0, 0.0, 0.0), symbols="Si")
    return structure


@calcfunction
def make_array(n):
    return orm.ArrayData(np.arange(n.value, dtype=float))


@workfunction
def add_twice(x, y):
    first = add(x, y)
    return {"result": add(first, y)}


class SumAndDescribe(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=orm.Int)
        spec.input("y", valid_type=orm.Int)
        spec.outline(cls.compute, cls.finish)
        spec.output("sum", valid_type=orm.Int)
        spec.output("structure", valid_type=orm.StructureData)

    def compute(self):
        self.report(f"adding {self.inputs.x.value} and {self.inputs.y.value}")
        self.ctx.total = add_twice(self.inputs.x, self.inputs.y)
        self.ctx.structure = make_structure(orm.Float(2.5))

    def finish(self):
        self.report("done")
        self.out("sum", self.ctx.total)
        self.out("structure", self.ctx.structure)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    load_profile(args.profile)

    _, chain = run_get_node(SumAndDescribe, x=orm.Int(3), y=orm.Int(4))
    _, describe_node = describe.run_get_node(orm.Int(7), orm.Dict({"a": 1, "b": [1, 2]}), orm.List([1, "two", 3.0]))
    _, refused = refuse.run_get_node(orm.Int(5))
    with contextlib.suppress(RuntimeError):
        explode(orm.Int(1))
    exploded = orm.QueryBuilder().append(orm.CalcFunctionNode, filters={"attributes.process_label": "explode"}).one()[0]
    _, array_node = make_array.run_get_node(orm.Int(4))
    labelled = orm.Int(42, label="the answer", description="a labelled input").store()
    add(labelled, orm.Int(0))
    for index in range(args.count):
        add_twice(orm.Int(index), orm.Int(1))
    create_archive(None, filename=args.out, overwrite=True)
    json.dump(
        {
            "workchain": chain.uuid,
            "describe": describe_node.uuid,
            "refused": refused.uuid,
            "exploded": exploded.uuid,
            "array_calc": array_node.uuid,
            "labelled": labelled.uuid,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
