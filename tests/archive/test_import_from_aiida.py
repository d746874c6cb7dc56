"""An archive made by aiida-core 2.9.4 (calcfunctions, workfunctions, a WorkChain; Int, Float, Str, Bool, Dict, List,
ArrayData and a StructureData) comes into the store whole: the same nodes, links, labels, states, exit statuses and
logs as AiiDA shows them; ``load_node``, ``graph`` and the widgets work on it; the StructureData comes in as generic
data with its attributes, and the summary says so; importing it again creates nothing. And the round trip: ours ->
aiida -> ours gives the same graph."""

from __future__ import annotations

from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows.nodes import GenericData
from jupyter_workflows.testing import provenance_problems, temporary_store
from jupyter_workflows.testing.workflows import AddAndMultiply

from ._views import comparable, our_graph, store_view
from .conftest import Aiida

pytestmark = pytest.mark.slow


def test_an_aiida_archive_comes_in_as_aiida_shows_it(store, aiida_archive) -> None:
    path, _, theirs = aiida_archive
    summary = jw.import_archive(path)
    assert summary.nodes_added == len(theirs["nodes"]) and summary.nodes_present == 0
    assert summary.links_added == len(theirs["links"])
    assert summary.generic == {"StructureData": 1}
    assert "1 node came in as generic data" in str(summary) and "StructureData (1)" in str(summary)
    assert comparable(store_view(store)) == comparable(theirs)
    assert provenance_problems(store) == []


def test_imported_provenance_works_with_load_node_graph_and_widgets(store, aiida_archive) -> None:
    path, uuids, _ = aiida_archive
    jw.import_archive(path)
    chain = jw.load_node(uuids["workchain"])
    assert isinstance(chain, jw.WorkChainNode) and chain.process_label == "SumAndDescribe"
    assert chain.is_finished_ok and chain.outputs.sum == 11
    structure = chain.outputs.structure
    assert isinstance(structure, GenericData) and structure.type_name == "StructureData"
    assert structure.base.attributes.get("cell")[0] == [2.5, 0.0, 0.0]
    logs = [entry.message.split("]: ", 1)[1] for entry in chain.base.log.get_logs()]  # "[9|SumAndDescribe|...]: "
    assert logs == ["adding 3 and 4", "done"]
    described = jw.load_node(uuids["describe"])
    assert described.outputs.summary.get_dict() == {"keys": ["a", "b"], "n": 3}
    assert described.inputs["items"].get_list() == [1, "two", 3.0]
    refused = jw.load_node(uuids["refused"])
    assert (refused.exit_status, refused.exit_message) == (418, "I refuse to handle 5")
    exploded = jw.load_node(uuids["exploded"])
    assert exploded.is_excepted and "boom" in exploded.exception
    array = jw.load_node(uuids["array_calc"]).outputs.result
    assert isinstance(array, jw.ArrayData) and array.value.tolist() == [0.0, 1.0, 2.0, 3.0]
    labelled = jw.load_node(uuids["labelled"])
    assert (labelled.label, labelled.description, labelled.value) == ("the answer", "a labelled input", 42)
    assert "SumAndDescribe" in jw.graph(chain).svg()
    from jupyter_workflows.widgets import ProcessWidget

    ProcessWidget(chain)  # the widget of an imported process shows without errors


def test_importing_twice_creates_nothing_twice(store, aiida_archive) -> None:
    path, _, theirs = aiida_archive
    jw.import_archive(path)
    before = store_view(store)
    again = jw.import_archive(path)
    assert (again.nodes_added, again.links_added, again.logs_added) == (0, 0, 0)
    assert again.nodes_present == len(theirs["nodes"])
    assert store_view(store) == before
    assert provenance_problems(store) == []


def test_round_trip_through_aiida_gives_the_same_graph(store, aiida: Aiida, tmp_path: Path) -> None:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(11), y=jw.Int(12), z=jw.Int(13))[1]
    ours = tmp_path / "ours.aiida"
    jw.export(chain, path=ours)
    aiida.verdi("archive", "import", str(ours))
    back = tmp_path / "back.aiida"
    aiida.script("profile.py", "export", aiida.profile, str(back), chain.uuid)

    with temporary_store() as fresh:
        summary = jw.import_archive(back)
        assert summary.nodes_added == store.count_nodes() and not summary.generic
        assert comparable(store_view(fresh)) == comparable(store_view(store))
        assert our_graph(chain.uuid, fresh) == our_graph(chain.uuid, store)
        assert jw.load_node(chain.uuid, store=fresh).outputs.result == chain.outputs.result
