"""Pages of the process list (the Workflows panel's queries), on SQLite and PostgreSQL: keyset pages both ways,
filters, counts per state, children counts, and the change probe and marker that tell an open panel what changed."""

from __future__ import annotations

import uuid

from jupyter_workflows.store import LinkRow, LinkType, NodeRow, ProcessQuery, Store


def processes(store: Store, count: int, state: str = "finished", label: str = "P", owner: str | None = None) -> list:
    terminated = state in {"finished", "excepted", "killed"}
    return store.insert_nodes(
        [
            NodeRow(
                0,
                str(uuid.uuid4()),
                "process.workchain",
                process_label=f"{label}{i}",
                process_state=state,
                owner=None if terminated else owner,
                sealed=terminated,
            )
            for i in range(count)
        ]
    )


def test_keyset_pages_walk_newest_first_both_ways(any_store: Store) -> None:
    pks = processes(any_store, 7)
    any_store.insert_node(NodeRow(0, str(uuid.uuid4()), "data.Int", attributes={"value": 1}))  # not a process
    first = any_store.page_processes(ProcessQuery(), limit=3)
    second = any_store.page_processes(ProcessQuery(), before=first[-1].pk, limit=3)
    last = any_store.page_processes(ProcessQuery(), before=second[-1].pk, limit=3)
    assert [row.pk for row in first + second + last] == sorted(pks, reverse=True)
    back = any_store.page_processes(ProcessQuery(), after=last[0].pk, limit=3)
    assert [row.pk for row in back] == [row.pk for row in second]
    assert any_store.count_matching(ProcessQuery()) == 7


def test_filters_text_top_level_owner_and_paused(any_store: Store) -> None:
    (top,) = processes(any_store, 1, label="Campaign_")
    children = processes(any_store, 2, label="child%")
    any_store.insert_links(LinkRow(top, child, LinkType.CALL_WORK, f"CALL_{child}") for child in children)
    waiting = processes(any_store, 2, state="waiting", label="W", owner="kernel-x")
    any_store.update_node(waiting[0], paused=True)

    def pks(**fields: object) -> list[int]:
        return sorted(row.pk for row in any_store.page_processes(ProcessQuery(**fields), limit=50))  # type: ignore[arg-type]

    assert pks(text="campaign_") == [top]
    assert pks(text="%") == sorted(children)  # LIKE's wildcards are matched as text
    assert pks(top_level=True) == sorted([top, *waiting])
    assert pks(owners=("kernel-x",)) == waiting
    assert pks(paused=True) == waiting[:1]
    assert any_store.count_called([top, *children]) == {top: 2}
    assert any_store.count_process_states() == {"finished": 3, "waiting": 1, "paused": 1}


def test_the_probe_moves_on_another_connections_commit_and_the_marker_says_what(
    any_store: Store, store_url: str
) -> None:
    (running,) = processes(any_store, 1, state="running", owner="kernel-x")
    before, probe = any_store.change_marker(), any_store.change_probe()
    with Store(store_url) as other:
        other.update_node(running, paused=True)
        (new,) = processes(other, 1, state="waiting", owner="kernel-x")
        other.add_report(running, "REPORT", "a line")
    assert any_store.change_probe() != probe
    after = any_store.change_marker()
    assert after.changed_since(before) == {running, new}
    assert after.newest_node == new and after.newest_report > before.newest_report
    assert any_store.change_marker().changed_since(after) == set()
