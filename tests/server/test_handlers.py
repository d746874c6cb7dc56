"""The panel's REST API on a real Jupyter server (pytest-jupyter), on SQLite and PostgreSQL: authentication, pages
with filters and keyset paging, counts, detail, children, graph SVG, control, and a store that cannot be opened."""

from __future__ import annotations

import json
import time

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_workflows.store import Store

from ._stores import dead_owner, live_worker, process_rows, real_runs

API = ("workflows", "api")


async def get(jp_fetch, *parts: str, **params: object) -> dict:
    response = await jp_fetch(*API, *parts, params={k: str(v) for k, v in params.items()})
    return json.loads(response.body)


async def control(jp_fetch, action: str, *pks: int) -> list[dict]:
    body = json.dumps({"action": action, "pks": list(pks)})
    response = await jp_fetch(*API, "processes", "control", method="POST", body=body)
    return json.loads(response.body)["results"]


async def test_an_unauthenticated_request_is_refused_and_a_token_bearing_one_served(jp_fetch, panel_store_url):
    for path in (("status",), ("counts",), ("processes",), ("processes", "1"), ("processes", "1", "graph.svg")):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(*API, *path, headers={"Authorization": ""})
        assert refused.value.code == 403, path
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(*API, "processes", "control", method="POST", body='{"action": "kill", "pks": [1]}',
                       headers={"Authorization": ""})  # fmt: skip
    assert refused.value.code == 403
    status = await get(jp_fetch, "status")
    assert status["ok"] and status["error"] is None
    assert status["store"].split("://")[0] in {"sqlite", "postgresql+psycopg"}
    assert status["badges"]["running"]["background"] == "#1565c0"  # the widgets' colours


async def test_the_events_websocket_needs_the_token_too(jp_ws_fetch):
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch(*API, "events", headers={"Authorization": ""})
    assert refused.value.code == 403
    socket = await jp_ws_fetch(*API, "events")
    assert json.loads(await socket.read_message())["type"] == "hello"
    socket.close()


async def test_pages_walk_every_process_newest_first_with_keyset_cursors(jp_fetch, panel_store_url):
    with Store(panel_store_url) as store:
        pks = process_rows(store, 23)
    seen, before, pages = [], None, 0
    while True:
        page = await get(jp_fetch, "processes", limit=10, **({"before": before} if before else {}), total=1)
        assert page["total"] == 23
        seen += [item["pk"] for item in page["items"]]
        pages += 1
        if page["before"] is None:
            break
        before = page["before"]
    assert seen == sorted(pks, reverse=True) and pages == 3
    back = await get(jp_fetch, "processes", limit=10, after=seen[19])  # the page before the last, from its end
    assert [item["pk"] for item in back["items"]] == seen[9:19]
    assert back["after"] == seen[9] and back["before"] == seen[18]
    first = await get(jp_fetch, "processes", limit=10, after=seen[10])
    assert [item["pk"] for item in first["items"]] == seen[:10] and first["after"] is None


async def test_filters_state_text_owner_date_and_top_level(jp_fetch, panel_store_url):
    with Store(panel_store_url) as store:
        old = process_rows(store, 3, label="Old", ctime=time.time() - 10 * 86400)
        tree = process_rows(store, 2, label="Campaign", children=3)
        excepted = process_rows(store, 1, state="excepted", label="Broken")
        orphans = process_rows(store, 2, state="waiting", label="Lost", owner=dead_owner(store))
        held = process_rows(store, 1, state="running", label="Held", owner=live_worker(store))

    async def pks(**params: object) -> list[int]:
        return [item["pk"] for item in (await get(jp_fetch, "processes", **params))["items"]]

    assert await pks(state="excepted") == excepted
    assert sorted(await pks(state="active")) == sorted(orphans + held)
    assert sorted(await pks(text="campaign")) == tree  # case-insensitive, in the process label
    assert sorted(await pks(owner="orphaned")) == orphans
    assert await pks(owner="worker") == held
    assert sorted(await pks(since=time.time() - 86400)) == sorted(set(await pks(limit=500)) - set(old))
    top = await get(jp_fetch, "processes", top=1, text="Campaign")
    assert [(item["pk"], item["called"]) for item in top["items"]] == [(pk, 3) for pk in sorted(tree, reverse=True)]
    children = await get(jp_fetch, "processes", str(tree[0]), "children")
    assert [item["process_label"] for item in children["items"]] == ["add"] * 3
    orphan = (await get(jp_fetch, "processes", state="waiting"))["items"][0]
    assert orphan["owner"]["ownership"] == "orphaned" and orphan["badge"]["key"] == "orphaned"
    worker = (await get(jp_fetch, "processes", owner="worker"))["items"][0]
    assert worker["owner"]["kind"] == "worker" and worker["owner"]["ownership"] == "elsewhere"
    with pytest.raises(HTTPClientError) as bad:
        await get(jp_fetch, "processes", state="sleeping")
    assert bad.value.code == 400 and b"Unknown state" in bad.value.response.body


async def test_counts_per_state_put_paused_apart(jp_fetch, panel_store_url):
    with Store(panel_store_url) as store:
        process_rows(store, 4)
        process_rows(store, 1, state="excepted")
        waiting = process_rows(store, 3, state="waiting", owner=dead_owner(store))
        store.update_node(waiting[0], paused=True)
    assert await get(jp_fetch, "counts") == {"finished": 4, "excepted": 1, "waiting": 2, "paused": 1}
    paused = await get(jp_fetch, "processes", state="paused")
    assert [item["pk"] for item in paused["items"]] == [waiting[0]]
    assert [item["pk"] for item in (await get(jp_fetch, "processes", state="waiting"))["items"]] == waiting[:0:-1]
    with Store(panel_store_url) as store:  # counts of terminated states are read again once a process ends
        store.update_node(waiting[1], process_state="killed", sealed=True)
        store.update_node(waiting[0], paused=False)
        process_rows(store, 2)
    assert await get(jp_fetch, "counts") == {"finished": 6, "excepted": 1, "waiting": 2, "killed": 1}


async def test_detail_of_real_runs_with_inputs_outputs_calls_and_traceback(jp_fetch, panel_store_url):
    chain = real_runs(panel_store_url)
    detail = await get(jp_fetch, "processes", str(chain))
    assert detail["kind"] == "process" and detail["process"]["process_label"] == "AddAndMultiply"
    assert detail["process"]["badge"] == {"key": "finished", "text": "finished"}
    assert {(i["link_label"], i["type"], i["value"]) for i in detail["inputs"]} == {
        ("x", "Int", "1"), ("y", "Int", "2"), ("z", "Int", "3")}  # fmt: skip
    assert [(o["link_label"], o["value"]) for o in detail["outputs"]] == [("result", "9")]
    assert detail["process"]["called"] == 2
    child = (await get(jp_fetch, "processes", str(chain), "children"))["items"][0]
    assert (await get(jp_fetch, "processes", str(child["pk"])))["caller"]["pk"] == chain
    broken = (await get(jp_fetch, "processes", state="excepted"))["items"][0]
    traceback = (await get(jp_fetch, "processes", str(broken["pk"])))["exception"]
    assert "ValueError: broken on purpose" in traceback
    data = await get(jp_fetch, "processes", str(detail["outputs"][0]["pk"]))
    assert data["kind"] == "data" and data["node"]["value"] == "9" and data["creator"]["pk"] > chain
    with pytest.raises(HTTPClientError) as missing:
        await get(jp_fetch, "processes", "999999")
    assert missing.value.code == 404


async def test_graph_svg_names_its_nodes_and_takes_the_graph_options(jp_fetch, panel_store_url):
    chain = real_runs(panel_store_url)
    response = await jp_fetch(*API, "processes", str(chain), "graph.svg", params={"highlight_classes": "Int"})
    assert response.headers["Content-Type"] == "image/svg+xml"
    svg = response.body.decode()
    assert svg.lstrip().startswith("<?xml") and f"<title>N{chain}</title>" in svg
    narrow = await jp_fetch(*API, "processes", str(chain), "graph.svg", params={"ancestors": "0", "descendants": "0"})
    assert narrow.body.decode().count('class="node"') == 1
    with pytest.raises(HTTPClientError) as bad:
        await jp_fetch(*API, "processes", str(chain), "graph.svg", params={"link_types": "sideways"})
    assert bad.value.code == 400


async def test_control_kills_an_orphan_and_refuses_what_it_cannot_reach(jp_fetch, panel_store_url):
    with Store(panel_store_url) as store:
        (orphan,) = process_rows(store, 1, state="waiting", owner=dead_owner(store))
        (held,) = process_rows(store, 1, state="running", owner=live_worker(store))
        (finished,) = process_rows(store, 1)
    (paused,) = await control(jp_fetch, "pause", orphan)
    assert not paused["ok"] and "orphaned" in paused["message"]
    (killed,) = await control(jp_fetch, "kill", orphan)
    assert killed["ok"] and killed["done"]
    (refused,) = await control(jp_fetch, "pause", held)
    assert not refused["ok"] and refused["kernel_id"] is None and "worker" in refused["message"]
    (nothing,) = await control(jp_fetch, "kill", finished)
    assert nothing["ok"] and not nothing["done"]
    with Store(panel_store_url) as store:
        assert store.get_node(orphan).process_state == "killed"
        assert store.get_node(held).process_state == "running"
    with pytest.raises(HTTPClientError) as bad:
        await control(jp_fetch, "explode", orphan)
    assert bad.value.code == 400


async def test_changes_are_pushed_over_the_websocket(jp_ws_fetch, panel_store_url):
    with Store(panel_store_url) as store:
        (pk,) = process_rows(store, 1, state="running", owner=dead_owner(store))
        socket = await jp_ws_fetch(*API, "events")
        assert json.loads(await socket.read_message())["type"] == "hello"  # the feed has looked: changes from now on
        store.update_node(pk, paused=True)
        change = json.loads(await socket.read_message())
        assert {k: v for k, v in change.items() if k != "items"} == {
            "type": "changed", "pks": [pk], "created": False, "reported": False}  # fmt: skip
        assert [(item["pk"], item["paused"], item["badge"]["text"]) for item in change["items"]] == [
            (pk, True, "paused · orphaned")]  # fmt: skip
        (new,) = process_rows(store, 1, state="waiting", owner=dead_owner(store))
        change = json.loads(await socket.read_message())
        assert change["pks"] == [new] and change["created"]
        store.add_report(pk, "REPORT", "a line")
        change = json.loads(await socket.read_message())
        assert change["reported"] and change["pks"] == []
    socket.close()


@pytest.mark.parametrize("panel_store_url", ["postgresql+psycopg://postgres@127.0.0.1:1/nowhere"])
async def test_a_store_that_cannot_be_opened_says_why(jp_fetch, panel_store_url):
    status = await get(jp_fetch, "status")
    assert not status["ok"] and "Cannot open the provenance store" in status["error"]
    with pytest.raises(HTTPClientError) as unavailable:
        await get(jp_fetch, "processes")
    assert unavailable.value.code == 503
    assert (
        "Cannot open the provenance store at postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
        in json.loads(unavailable.value.response.body)["message"]
    )
