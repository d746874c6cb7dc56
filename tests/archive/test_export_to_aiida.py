"""An archive written by ``jw.export`` is one that aiida-core 2.9.4's ``verdi archive import`` takes, and AiiDA then
shows the same nodes, links, labels, process states, exit statuses and logs, and ``verdi node graph generate`` draws
the same graph. The aiida side runs in its own venv (see conftest.py)."""

from __future__ import annotations

import enum
from pathlib import Path

import numpy as np
import pytest

import jupyter_workflows as jw
from jupyter_workflows import ExitCode, calcfunction, workfunction
from jupyter_workflows.testing.workflows import AddAndMultiply, add

from ._views import aiida_graph, comparable, our_graph, store_view
from .conftest import Aiida

pytestmark = pytest.mark.slow


class Colour(enum.Enum):
    RED = "red"


@calcfunction
def refuse(x):
    return ExitCode(418, f"I refuse to handle {x.value}")


@calcfunction
def describe(settings, items):
    return {
        "summary": jw.Dict({"keys": sorted(settings.value), "n": len(items)}),
        "scaled": jw.Float(len(items) * 1.5),
        "flag": jw.Bool(True),
        "text": jw.Str("described"),
        "array": jw.ArrayData(np.arange(4.0)),
    }


@workfunction
def gather(x):
    refuse(x)  # a failed call inside a workflow
    described = describe(jw.Dict({"a": 1, "b": [1, 2]}), jw.List([1, "two", 3.0]))
    return {"summary": described["summary"], "array": described["array"]}


class Reporting(jw.WorkChain):
    """Reports, and fails with an exit code of its own when x is negative."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=jw.Int)
        spec.output("result", valid_type=jw.Int)
        spec.outline(cls.compute)
        spec.exit_code(400, "ERROR_NEGATIVE", message="x is negative")

    def compute(self):
        self.report(f"x is {self.inputs.x.value}")
        self.out("result", add(self.inputs.x, jw.Int(1)))
        if self.inputs.x.value < 0:
            return self.exit_codes.ERROR_NEGATIVE
        return None


def make_provenance() -> list[jw.ProcessNode]:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(1), y=jw.Int(2), z=jw.Int(3))[1]
    gathered = gather.run_get_node(jw.Int(5, label="five", description="the input of gather"))[1]
    tagged = jw.run_get_node(AddAndMultiply, x=jw.Int(2), y=jw.Int(2), z=jw.Int(2))[1]
    tagged.base.extras.set("project", "archives")
    enum_node = jw.to_aiida_type(Colour.RED).store()
    reported = jw.run_get_node(Reporting, x=jw.Int(-1))[1]
    return [chain, gathered, tagged, enum_node, reported]


def test_aiida_imports_our_archive_and_shows_the_same_provenance(store, aiida: Aiida, tmp_path: Path) -> None:
    roots = make_provenance()
    path = tmp_path / "ours.aiida"
    summary = jw.export(*roots, path=path)
    assert summary.nodes == store.count_nodes()  # everything above is the provenance of these roots

    aiida.verdi("archive", "import", str(path))

    ours = comparable(store_view(store))
    theirs = comparable(aiida.dump(), set(ours["nodes"]))
    assert theirs == ours
    states = {entry.get("process_state") for entry in ours["nodes"].values()}
    statuses = {entry.get("exit_status") for entry in ours["nodes"].values()}
    assert states == {None, "finished"} and {0, 400, 418} <= statuses
    assert any(e.get("logs") for e in ours["nodes"].values())  # reports came as AiiDA logs


def test_verdi_node_graph_generate_draws_the_graph_jw_graph_draws(store, aiida: Aiida, tmp_path: Path) -> None:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(4), y=jw.Int(5), z=jw.Int(6))[1]
    gathered = gather.run_get_node(jw.Int(6))[1]
    path = tmp_path / "graph.aiida"
    jw.export(chain, gathered, path=path)
    aiida.verdi("archive", "import", str(path))
    for root in (chain, gathered):
        drawn = tmp_path / f"{root.uuid}.json"
        aiida.verdi(
            "node", "graph", "generate", "--identifier", "uuid", "-f", "json", "-O", str(drawn), "--", root.uuid
        )
        assert aiida_graph(drawn) == our_graph(root.uuid, store)


def test_archive_of_a_data_node_holds_the_workflow_that_made_it(store, aiida: Aiida, tmp_path: Path) -> None:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(7), y=jw.Int(8), z=jw.Int(9))[1]
    path = tmp_path / "result.aiida"
    summary = jw.export(chain.outputs.result, path=path)
    assert summary.nodes == store.count_nodes()  # AiiDA's export rules: the result, its creator, the whole chain
    aiida.verdi("archive", "import", str(path))
    assert chain.uuid in aiida.dump()["nodes"]
