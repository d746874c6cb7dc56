"""``node.base.extras``: notes on a node that may change at any time, sealed or not, and are no part of its hash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Dict, Int, calcfunction, enable_caching
from jupyter_workflows.nodes._node import _IDENTITY

pytestmark = pytest.mark.usefixtures("any_store")
ROOT = Path(__file__).resolve().parents[2]


@calcfunction
def double(x):
    return x * 2


def test_extras_of_a_stored_data_node_change_and_are_read_back_from_the_store():
    node = Dict({"a": 1}).store()
    node.base.extras.set("tag", "first")
    node.base.extras.set_many({"score": 0.5, "checked": [1, {"by": "me"}]})
    _IDENTITY.clear()  # a fresh object: what is stored
    extras = jw.load_node(node.pk).base.extras
    assert extras.get("tag") == "first" and extras.get("checked") == [1, {"by": "me"}]
    assert {key for key in extras if not key.startswith("_aiida")} == {"tag", "score", "checked"}
    extras.delete("tag")
    assert "tag" not in extras and extras.get("tag", None) is None
    extras.reset({"only": 1})
    assert {k: v for k, v in extras.items() if not k.startswith("_aiida")} == {"only": 1}
    assert jw.load_node(node.pk).value == {"a": 1}  # the content is untouched


def test_extras_set_before_storing_are_stored_with_the_node_and_change_no_hash():
    plain, noted = Int(5), Int(5)
    noted.base.extras.set("tag", "noted")
    assert noted.base.extras.get("tag") == "noted"
    plain.store()
    noted.store()
    assert noted.base.caching.get_hash() == plain.base.caching.get_hash()
    _IDENTITY.clear()
    assert jw.load_node(noted.pk).base.extras.get("tag") == "noted"


def test_a_sealed_process_node_takes_extras_and_shows_aiidas_hash_keys():
    _, node = double.run_get_node(Int(2))
    assert node.is_sealed
    node.base.extras.set("reviewed", True)
    assert node.base.extras.get("reviewed") is True
    assert node.base.extras.get("_aiida_hash") == node.base.caching.get_hash()
    assert "extras" not in node.base.attributes.all  # extras are no attributes
    with enable_caching():
        _, cached = double.run_get_node(Int(2))
    assert cached.base.extras.get("_aiida_cached_from") == node.uuid
    assert "reviewed" not in cached.base.extras  # a cached run takes the outputs, not the notes


def test_wrong_keys_and_values_are_refused_with_the_fix():
    node = Int(1).store()
    with pytest.raises(
        jw.UsageError, match=r"An extra's key is a non-empty str without dots, e.g. 'tag' \(got 'a.b'\)"
    ):
        node.base.extras.set("a.b", 1)
    with pytest.raises(jw.UsageError, match=r"'_aiida_hash' is AiiDA's name for what node.base.caching keeps"):
        node.base.extras.set("_aiida_hash", "x")
    with pytest.raises(jw.SerializationError, match=r"object .* at extra 'thing' cannot be stored"):
        node.base.extras.set("thing", object())
    with pytest.raises(AttributeError, match=r"has no extra 'missing'"):
        node.base.extras.get("missing")
    with pytest.raises(AttributeError, match=r"has no extra 'missing' to delete"):
        node.base.extras.delete("missing")


SETTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import jupyter_workflows as jw
    url, pk, name, start = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    jw.configure(store=url)
    node = jw.load_node(pk)
    while not start.exists():
        time.sleep(0.01)
    for i in range(40):
        node.base.extras.set(f"{name}_{i}", i)
    """
)


@pytest.mark.timeout(120)
def test_two_os_processes_setting_extras_of_one_node_at_once_lose_none(any_store, tmp_path):
    _, node = double.run_get_node(Int(3))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = tmp_path / "start"
    setters = [
        subprocess.Popen(
            [sys.executable, "-c", SETTER, any_store.url, str(node.pk), name, str(start)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    start.touch()
    assert [(setter.wait(timeout=100), setter.communicate()[1]) for setter in setters] == [(0, ""), (0, "")]
    extras = node.base.extras.all
    assert {f"{name}_{i}" for name in "ab" for i in range(40)} <= set(extras)
    assert node.is_finished_ok and node.outputs.result == 6
