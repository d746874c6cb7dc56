"""The Store's contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from jupyter_workflows._core._errors import (
    CheckpointError,
    NodeNotFoundError,
    NodeSealedError,
    StoreError,
    ValidationError,
)
from jupyter_workflows.store import (
    INPUT_LINK_TYPES,
    LinkRow,
    LinkType,
    NodeRow,
    OwnerRow,
    ProcessWrite,
    ReportRow,
    Store,
)
from jupyter_workflows.store._schema import SCHEMA_VERSION, checkpoints, nodes, schema_version


def data_row(**fields: Any) -> NodeRow:
    values: dict[str, Any] = {"pk": 0, "uuid": str(uuid.uuid4()), "node_type": "data.Int", "attributes": {"value": 1}}
    return NodeRow(**{**values, **fields})


def process_row(**fields: Any) -> NodeRow:
    values: dict[str, Any] = {
        "pk": 0,
        "uuid": str(uuid.uuid4()),
        "node_type": "process.calcfunction",
        "process_label": "add",
        "process_state": "created",
    }
    return NodeRow(**{**values, **fields})


def raw_update(url: str, statement: Any) -> None:
    """Change the database behind the store's back, as a corrupting bug or a newer release would."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(statement)
    engine.dispose()


# -- nodes -------------------------------------------------------------------------------------------------------
def test_insert_node_round_trips_every_field(store: Store) -> None:
    row = process_row(
        label="sum",
        description="adds",
        ctime=100.5,
        mtime=101.25,
        attributes={"nested": {"a": [1, 2.5, "x", None, True]}},
        exit_status=0,
        exit_message="ok",
        paused=True,
        process_status="Waiting",
        step="compute",
        exception="Traceback ...",
        owner="kernel-1",
        sealed=True,
    )
    pk = store.insert_node(row)
    row.pk = pk
    assert store.get_node(pk) == row
    assert store.count_nodes() == 1


def test_insert_node_fills_times_and_returns_new_pks(store: Store) -> None:
    before = time.time()
    first, second = store.insert_node(data_row()), store.insert_node(data_row())
    assert second > first
    node = store.get_node(first)
    assert before <= node.ctime <= time.time()
    assert node.mtime == node.ctime
    assert isinstance(node.paused, bool)
    assert isinstance(node.sealed, bool)


def test_insert_nodes_returns_pks_in_order(store: Store) -> None:
    rows = [data_row(attributes={"i": i}) for i in range(2500)]
    pks = store.insert_nodes(rows)
    assert len(set(pks)) == 2500
    found = store.get_nodes(pks)
    assert [found[pk].attributes["i"] for pk in pks] == list(range(2500))
    assert store.insert_nodes([]) == []
    few = store.insert_nodes([data_row(label="a"), data_row(label="b")])  # inserted one by one
    assert [store.get_node(pk).label for pk in few] == ["a", "b"]


def test_duplicate_uuid_is_a_store_error(store: Store) -> None:
    row = data_row()
    store.insert_node(row)
    with pytest.raises(StoreError, match="Cannot insert a node"):
        store.insert_node(row)
    assert store.count_nodes() == 1


def test_attributes_that_are_not_json_are_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match=r"Cannot insert a node: .*not JSON serializable"):
        store.insert_node(data_row(attributes={"when": object()}))
    store.insert_node(data_row())  # no transaction was left open
    assert store.count_nodes() == 1


def test_update_node_sets_columns_and_mtime_and_a_sealed_node_never_changes(store: Store) -> None:
    pk = store.insert_node(process_row(ctime=10.0))
    store.update_node(pk, mtime=42.0, label="renamed")
    assert (store.get_node(pk).mtime, store.get_node(pk).label) == (42.0, "renamed")
    store.update_node(pk, process_state="finished", exit_status=0, sealed=True)
    node = store.get_node(pk)
    assert (node.process_state, node.exit_status, node.sealed, node.ctime) == ("finished", 0, True, 10.0)
    assert node.mtime > 42.0
    with pytest.raises(NodeSealedError, match=f"Node {pk} is sealed .finished.: a terminated process is never changed"):
        store.update_node(pk, process_state="killed")
    assert store.get_node(pk).process_state == "finished"


def test_update_node_refuses_fixed_and_unknown_columns(store: Store) -> None:
    pk = store.insert_node(process_row())
    with pytest.raises(StoreError, match=r"cannot set nonsense, uuid; settable columns are .*process_state"):
        store.update_node(pk, uuid="x", nonsense=1)


def test_update_of_a_missing_node_is_node_not_found(store: Store) -> None:
    with pytest.raises(NodeNotFoundError, match="No node with pk 999"):
        store.update_node(999, label="x")
    with pytest.raises(NodeNotFoundError, match="No node with pk 999"):
        store.update_attributes(999, {"a": 1})


def test_update_attributes_merges_top_level_keys(store: Store) -> None:
    pk = store.insert_node(data_row(attributes={"keep": 1, "nested": {"a": 1, "b": 2}}, mtime=1.0))
    store.update_attributes(pk, {"nested": {"c": 3}, "new": None})
    node = store.get_node(pk)
    assert node.attributes == {"keep": 1, "nested": {"c": 3}, "new": None}
    assert node.mtime > 1.0


# -- get_node ----------------------------------------------------------------------------------------------------
def test_get_node_by_uuid_and_unique_prefix(store: Store) -> None:
    row = data_row(uuid="abcd1234-0000-4000-8000-000000000000")
    pk = store.insert_node(row)
    store.insert_node(data_row(uuid="abce0000-0000-4000-8000-000000000000"))
    assert store.get_node(row.uuid).pk == pk
    assert store.get_node("ABCD1").pk == pk
    assert store.get_node("abcd").pk == pk


def test_get_node_ambiguous_prefix_lists_the_matches(store: Store) -> None:
    store.insert_node(data_row(uuid="abcd1234-0000-4000-8000-000000000000"))
    store.insert_node(data_row(uuid="abcd5678-0000-4000-8000-000000000000"))
    with pytest.raises(NodeNotFoundError, match=r"'abcd' is ambiguous: it matches abcd1234-.*, abcd5678-.*more char"):
        store.get_node("abcd")


@pytest.mark.parametrize(
    ("ident", "message"),
    [
        (12345, "No node with pk 12345"),
        ("ffff", "No node has a uuid starting with 'ffff'"),
        ("abc", "at least 4 hexadecimal characters; pass a pk as an int"),
        ("abcd%", "at least 4 hexadecimal characters"),
    ],
)
def test_get_node_not_found(store: Store, ident: int | str, message: str) -> None:
    store.insert_node(data_row(uuid="abcd1234-0000-4000-8000-000000000000"))
    with pytest.raises(NodeNotFoundError, match=message):
        store.get_node(ident)


def test_get_nodes_chunks_and_skips_missing(store: Store) -> None:
    pks = store.insert_nodes([data_row() for _ in range(2000)])
    found = store.get_nodes([*pks, 10**9, pks[0]])
    assert sorted(found) == sorted(pks)
    assert all(found[pk].pk == pk for pk in pks)
    assert store.get_nodes([]) == {}


# -- links -------------------------------------------------------------------------------------------------------
@pytest.fixture
def calculation(store: Store) -> dict[str, int]:
    """x, y -INPUT_CALC-> calc -CREATE-> result; workflow -CALL_CALC-> calc; workflow -RETURN-> result."""
    inserted = store.insert_nodes([data_row(), data_row(), process_row(), data_row()])
    pks = dict(zip(("x", "y", "calc", "result"), inserted, strict=True))
    pks["workflow"] = store.insert_node(process_row(node_type="process.workchain"))
    store.insert_links(
        [
            LinkRow(pks["x"], pks["calc"], LinkType.INPUT_CALC, "x"),
            LinkRow(pks["y"], pks["calc"], LinkType.INPUT_CALC, "y"),
            LinkRow(pks["calc"], pks["result"], LinkType.CREATE, "result"),
            LinkRow(pks["workflow"], pks["calc"], LinkType.CALL_CALC, "CALL"),
            LinkRow(pks["workflow"], pks["result"], LinkType.RETURN, "sum"),
        ]
    )
    return pks


def test_get_links_incoming_outgoing_and_typed(store: Store, calculation: dict[str, int]) -> None:
    calc, workflow = calculation["calc"], calculation["workflow"]
    incoming = store.get_links(inputs_of=[calc])
    assert [(link.link_type, link.link_label) for link in incoming] == [
        (LinkType.INPUT_CALC, "x"),
        (LinkType.INPUT_CALC, "y"),
        (LinkType.CALL_CALC, "CALL"),
    ]
    assert store.get_links(inputs_of=[calc], link_types=[LinkType.CALL_CALC]) == [
        LinkRow(workflow, calc, LinkType.CALL_CALC, "CALL")
    ]
    assert [link.link_label for link in store.get_links(outputs_of=[calc])] == ["result"]
    both = store.get_links(inputs_of=[calc], outputs_of=[calc])
    assert [link.link_label for link in both] == ["x", "y", "result", "CALL"]
    assert len(store.get_links()) == 5
    assert [link.link_label for link in store.get_links(link_types=["return"])] == ["sum"]  # type: ignore[list-item]


def test_get_neighbours_gives_each_link_with_the_node_at_its_other_end(
    store: Store, calculation: dict[str, int]
) -> None:
    calc, workflow, result = calculation["calc"], calculation["workflow"], calculation["result"]
    incoming = store.get_neighbours(calc, incoming=True)
    assert [(link.link_label, row.pk) for link, row in incoming] == [
        ("x", calculation["x"]),
        ("y", calculation["y"]),
        ("CALL", workflow),
    ]
    assert all(link.output_pk == calc and link.input_pk == row.pk for link, row in incoming)
    assert incoming[2][1].node_type == "process.workchain" and incoming[0][1].attributes == {"value": 1}
    ((link, row),) = store.get_neighbours(workflow, incoming=False, link_types=[LinkType.RETURN])
    assert link == LinkRow(workflow, result, LinkType.RETURN, "sum") and row.pk == result
    assert store.get_neighbours(result, incoming=False) == []


def test_link_rows_carry_link_type_enums(store: Store, calculation: dict[str, int]) -> None:
    (link,) = store.get_links(outputs_of=[calculation["calc"]])
    assert link.link_type is LinkType.CREATE


def test_link_to_a_missing_node_is_a_store_error(store: Store) -> None:
    pk = store.insert_node(data_row())
    with pytest.raises(StoreError, match="Cannot insert links"):
        store.insert_links([LinkRow(pk, 10**9, LinkType.CREATE, "result")])
    assert store.get_links() == []


def test_unknown_link_type_names_the_choices(store: Store) -> None:
    with pytest.raises(StoreError, match=r"Unknown link type 'input'; use a LinkType .*input_calc"):
        store.insert_links([LinkRow(1, 2, "input", "x")])  # type: ignore[arg-type]


# -- processes ---------------------------------------------------------------------------------------------------
def test_query_processes_filters_newest_first(store: Store) -> None:
    store.insert_node(data_row(ctime=5.0))
    old = store.insert_node(process_row(ctime=1.0, process_state="finished", owner="k1"))
    mid = store.insert_node(process_row(ctime=2.0, process_state="running", owner="k2", process_label="mul"))
    new = store.insert_node(process_row(ctime=3.0, process_state="running", owner="k1", node_type="process.workchain"))

    def pks(**filters: Any) -> list[int]:
        return [node.pk for node in store.query_processes(**filters)]

    assert pks() == [new, mid, old]
    assert pks(states=["running"]) == [new, mid]
    assert pks(process_labels=["add"]) == [new, old]
    assert pks(owner="k1") == [new, old]
    assert pks(since=2.0) == [new, mid]
    assert pks(limit=1) == [new]
    assert pks(states=["running"], owner="k1", since=0.0, limit=5) == [new]
    assert pks(states=[]) == []


# -- cache sources -----------------------------------------------------------------------------------------------
def test_the_oldest_valid_cache_source_comes_with_its_outputs_in_one_look_up(store: Store) -> None:
    invalid, first, second, other = store.insert_nodes(
        [
            process_row(hash="h", cache_valid=None, process_state="finished", sealed=True),
            process_row(hash="h", cache_valid=True, process_state="finished", exit_status=0, sealed=True),
            process_row(hash="h", cache_valid=True, process_state="finished", exit_status=0, sealed=True),
            process_row(hash="other", cache_valid=True, process_state="finished", sealed=True),
        ]
    )
    sum_pk, product_pk = store.insert_nodes([data_row(attributes={"value": 5}), data_row(attributes={"value": 6})])
    store.insert_links(
        [LinkRow(first, sum_pk, LinkType.CREATE, "sum"), LinkRow(first, product_pk, LinkType.CREATE, "product")]
    )
    source = store.find_cache_source("h", "process.calcfunction")
    assert source is not None and (source.pk, source.exit_status) == (first, 0)
    assert [(label, row.pk, row.attributes) for label, row in source.outputs] == [
        ("sum", sum_pk, {"value": 5}),
        ("product", product_pk, {"value": 6}),
    ]
    assert [row.pk for row in store.cache_sources("h", "process.calcfunction")] == [first, second]
    assert store.find_cache_source("h", "process.workfunction") is None
    store.set_cache_valid(first, False)  # sealed, and still settable
    source = store.find_cache_source("h", "process.calcfunction")
    assert source is not None and (source.pk, source.outputs) == (second, [])
    assert store.get_node(invalid).cache_valid is None and store.get_node(first).cache_valid is False
    with pytest.raises(NodeNotFoundError):
        store.set_cache_valid(10**9, True)
    found = store.find_cache_source("other", "process.calcfunction")
    assert found is not None and found.pk == other


# -- one flush of a process ----------------------------------------------------------------------------------------
def test_write_process_inserts_a_new_process_with_its_new_inputs_and_links_them_by_uuid(store: Store) -> None:
    stored = store.insert_node(data_row(attributes={"value": 7}))
    caller = store.insert_node(process_row(node_type="process.workfunction", process_state="running"))
    new_input, process = data_row(attributes={"value": 8}), process_row()
    write = ProcessWrite(
        process.uuid,
        nodes=[new_input, process],
        links=[
            (stored, process.uuid, LinkType.INPUT_CALC, "x"),
            (new_input.uuid, process.uuid, LinkType.INPUT_CALC, "y"),
            (caller, process.uuid, LinkType.CALL_CALC, "CALL"),
        ],
        reports=[(5.0, "REPORT", "made")],
        checkpoint={"step": 0},
    )
    input_pk, process_pk = store.write_process(write)
    assert store.get_node(input_pk).attributes == {"value": 8}
    assert store.get_node(process_pk).uuid == process.uuid
    incoming = {(link.input_pk, link.link_type, link.link_label) for link in store.get_links(inputs_of=[process_pk])}
    assert incoming == {
        (stored, LinkType.INPUT_CALC, "x"),
        (input_pk, LinkType.INPUT_CALC, "y"),
        (caller, LinkType.CALL_CALC, "CALL"),
    }
    assert store.get_reports(process_pk) == [ReportRow(process_pk, 5.0, "REPORT", "made")]
    assert store.load_checkpoint(process_pk) == {"step": 0}


def test_write_process_ends_a_stored_process_with_its_outputs_and_replaces_or_drops_its_checkpoint(
    store: Store,
) -> None:
    process = store.insert_node(process_row(process_state="running"))
    store.save_checkpoint(process, {"step": 1})
    step = ProcessWrite(process, columns={"step": "second", "attributes": {"k": [1]}}, checkpoint={"step": 2})
    assert store.write_process(step) == []
    assert (store.get_node(process).step, store.get_node(process).attributes) == ("second", {"k": [1]})
    assert store.load_checkpoint(process) == {"step": 2}
    outputs = [data_row(attributes={"value": i}) for i in range(2)]
    end = ProcessWrite(
        process,
        nodes=outputs,
        columns={"process_state": "finished", "exit_status": 0, "sealed": True},
        links=[(process, row.uuid, LinkType.CREATE, f"out{i}") for i, row in enumerate(outputs)],
        reports=[(6.0, "REPORT", "done\x00")],
        drop_checkpoint=True,
    )
    pks = store.write_process(end)
    node = store.get_node(process)
    assert (node.process_state, node.exit_status, node.sealed) == ("finished", 0, True)
    assert [store.get_node(pk).attributes["value"] for pk in pks] == [0, 1]
    assert sorted(link.output_pk for link in store.get_links(outputs_of=[process])) == sorted(pks)
    assert store.get_reports(process)[0].message == "done\\x00"  # NUL shown, as every database takes it
    assert store.load_checkpoint(process) is None


@pytest.mark.parametrize("outputs", [1, 6], ids=["one output", "six outputs"])
def test_write_process_of_a_sealed_process_writes_nothing_at_all(store: Store, outputs: int) -> None:
    process = store.insert_node(process_row(process_state="running"))
    store.save_checkpoint(process, {"step": 1})
    store.update_node(process, process_state="killed", sealed=True)  # ended from elsewhere meanwhile
    rows = [data_row() for _ in range(outputs)]
    late = ProcessWrite(
        process,
        nodes=rows,
        columns={"process_state": "finished", "exit_status": 0},
        links=[(process, row.uuid, LinkType.CREATE, f"out{i}") for i, row in enumerate(rows)],
        reports=[(6.0, "REPORT", "late")],
        checkpoint={"step": 2},
    )
    with pytest.raises(NodeSealedError, match=f"Node {process} is sealed .killed."):
        store.write_process(late)
    assert store.count_nodes() == 1
    assert store.get_links(outputs_of=[process]) == []
    assert store.get_reports(process) == []
    assert store.load_checkpoint(process) == {"step": 1}
    assert store.get_node(process).process_state == "killed"
    with pytest.raises(NodeNotFoundError, match="No node with pk 999"):
        store.write_process(ProcessWrite(999, columns={"step": "x"}))


def test_write_process_may_link_stored_nodes_only(store: Store) -> None:
    process, data = store.insert_node(process_row()), store.insert_node(data_row())
    assert store.write_process(ProcessWrite(process, links=[(data, process, LinkType.INPUT_CALC, "x")])) == []
    assert [link.input_pk for link in store.get_links(inputs_of=[process])] == [data]


def test_write_process_refuses_unknown_columns_and_link_types_and_checkpoints_that_are_not_json(store: Store) -> None:
    process = store.insert_node(process_row(process_state="running"))
    with pytest.raises(StoreError, match=r"cannot set uuid; settable columns are"):
        store.write_process(ProcessWrite(process, columns={"uuid": "x"}))
    row = data_row()
    with pytest.raises(StoreError, match=r"Unknown link type 'made'; use a LinkType"):
        store.write_process(ProcessWrite(process, nodes=[row], columns={}, links=[(process, row.uuid, "made", "x")]))
    with pytest.raises(CheckpointError, match=f"checkpoint of process {process} cannot be saved: it is not JSON"):
        store.write_process(ProcessWrite(process, columns={}, checkpoint={"x": object()}))
    assert store.count_nodes() == 1


# -- reports, checkpoints, owners ---------------------------------------------------------------------------------
def test_reports_come_back_oldest_first(store: Store) -> None:
    pk = store.insert_node(process_row())
    store.add_report(pk, "REPORT", "second", time=2.0)
    store.add_report(pk, "WARNING", "first", time=1.0)
    store.add_report(pk, "REPORT", "now")
    reports = store.get_reports(pk)
    assert reports[:2] == [ReportRow(pk, 1.0, "WARNING", "first"), ReportRow(pk, 2.0, "REPORT", "second")]
    assert reports[2].message == "now"
    assert reports[2].time > 1e9
    assert store.get_reports(pk + 1) == []


def test_checkpoint_save_replace_load_delete(store: Store, store_url: str) -> None:
    pk = store.insert_node(process_row())
    assert store.load_checkpoint(pk) is None
    store.save_checkpoint(pk, {"step": 1, "ctx": {"values": [1, 2]}})
    store.save_checkpoint(pk, {"step": 2})
    assert store.load_checkpoint(pk) == {"step": 2}
    engine = create_engine(store_url)
    with engine.connect() as conn:
        assert conn.execute(checkpoints.select()).one().version == 2
    engine.dispose()
    store.delete_checkpoint(pk)
    assert store.load_checkpoint(pk) is None
    store.delete_checkpoint(pk)


def test_corrupted_checkpoint_names_the_pk(store: Store, store_url: str) -> None:
    pk = store.insert_node(process_row())
    store.save_checkpoint(pk, {"step": 1})
    raw_update(store_url, update(checkpoints).values(data='{"step": 1'))
    with pytest.raises(CheckpointError, match=rf"checkpoint of process {pk} is corrupted .*delete_checkpoint\({pk}\)"):
        store.load_checkpoint(pk)


def test_checkpoint_must_be_json(store: Store) -> None:
    pk = store.insert_node(process_row())
    with pytest.raises(CheckpointError, match=f"checkpoint of process {pk} cannot be saved: it is not JSON"):
        store.save_checkpoint(pk, {"when": object()})
    assert store.load_checkpoint(pk) is None


def test_owners_register_replace_and_heartbeat_by_the_stores_clock(store: Store) -> None:
    before = store.now()
    store.register_owner(OwnerRow("kernel-1", "host", 100, "kernel", started=1.0, heartbeat=0.0))
    store.register_owner(OwnerRow("worker-1", "host", 200, "worker", started=2.0, heartbeat=0.0))
    kernel = store.get_owners(["kernel-1", "nobody"])["kernel-1"]
    assert (kernel.id, kernel.hostname, kernel.pid, kernel.kind, kernel.started) == (
        "kernel-1",
        "host",
        100,
        "kernel",
        1.0,
    )
    assert before <= kernel.heartbeat <= store.now()  # stamped by the store, whatever the row said
    assert kernel.silence >= 0.0
    store.register_owner(OwnerRow("kernel-1", "other", 101, "kernel", started=9.0, heartbeat=0.0))
    restarted = store.get_owners(["kernel-1", "worker-1"])["kernel-1"]
    assert (restarted.hostname, restarted.pid, restarted.started) == ("other", 101, 9.0)
    store.heartbeat("kernel-1")
    assert store.get_owners(["kernel-1"])["kernel-1"].heartbeat >= restarted.heartbeat


def test_heartbeat_of_an_unknown_owner_says_register_first(store: Store) -> None:
    with pytest.raises(StoreError, match=r"No owner 'ghost' is registered .*call register_owner"):
        store.heartbeat("ghost")


# -- transactions ------------------------------------------------------------------------------------------------
def test_transaction_commits_everything_at_once(store: Store, store_url: str) -> None:
    with Store(store_url) as other, store.transaction():
        pk = store.insert_node(process_row())
        store.update_node(pk, process_state="running")
        store.add_report(pk, "REPORT", "started")
        assert other.count_nodes() == 0  # nothing visible before the outermost block ends
    assert store.get_node(pk).process_state == "running"
    assert len(store.get_reports(pk)) == 1


def test_transaction_rolls_back_on_exception(store: Store) -> None:
    kept = store.insert_node(data_row())

    def half_written() -> None:
        with store.transaction():
            pk = store.insert_node(process_row())
            store.insert_links([LinkRow(kept, pk, LinkType.INPUT_CALC, "x")])
            store.update_node(kept, label="changed")
            store.save_checkpoint(pk, {"step": 1})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        half_written()
    assert store.count_nodes() == 1
    assert store.get_node(kept).label == ""
    assert store.get_links() == []


def test_transaction_lets_the_callers_exceptions_through(store: Store) -> None:
    def invalid() -> None:
        with store.transaction():
            store.insert_node(data_row())
            raise ValidationError("Input 'x' of add expects Int")

    with pytest.raises(ValidationError, match="Input 'x'"):
        invalid()
    assert store.count_nodes() == 0


def test_nested_transaction_failure_rolls_back_the_outer_block(store: Store, store_url: str) -> None:
    def nested() -> None:
        with Store(store_url) as other, store.transaction():
            store.insert_node(data_row())
            with store.transaction():
                store.insert_node(data_row())
            assert other.count_nodes() == 0  # the inner block did not commit on its own
            store.update_node(10**9, label="missing")

    with pytest.raises(NodeNotFoundError):
        nested()
    assert store.count_nodes() == 0
    store.insert_node(data_row())  # the store is usable again
    assert store.count_nodes() == 1


def test_failed_write_outside_a_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(StoreError):
        store.insert_nodes([data_row(), data_row(uuid="dup"), data_row(uuid="dup")])
    assert store.count_nodes() == 0


def test_reads_see_other_connections_commits(store: Store, store_url: str) -> None:
    assert store.count_nodes() == 0
    with Store(store_url) as other:
        pk = other.insert_node(data_row())
        other.update_node(pk, label="seen")
    assert store.count_nodes() == 1
    assert store.get_node(pk).label == "seen"


# -- opening and closing -----------------------------------------------------------------------------------------
def test_reopening_keeps_the_data(store_url: str) -> None:
    with Store(store_url) as first:
        pk = first.insert_node(data_row(label="kept"))
    with Store(store_url) as second:
        assert second.get_node(pk).label == "kept"
        assert second.dialect in {"sqlite", "postgresql"}


def test_newer_schema_version_says_upgrade(store_url: str) -> None:
    Store(store_url).close()
    raw_update(store_url, update(schema_version).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match=rf"schema version {SCHEMA_VERSION + 1}, newer .*pip install -U jupyter_wo"):
        Store(store_url)


def test_closed_store_says_so(store_url: str) -> None:
    store = Store(store_url)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="is closed; open a new Store"):
        store.count_nodes()


def test_nodes_table_follows_node_row_fields() -> None:
    assert tuple(nodes.c.keys()) == NodeRow.__slots__


def test_a_claim_that_fails_leaves_the_store_usable(store: Store) -> None:
    pk = store.insert_node(process_row())
    if store.dialect == "postgresql":  # an owner id longer than the column: refused by the server (SQLite keeps it)
        with pytest.raises(StoreError):
            store.claim_process(pk, "x" * 300, expected=None)
    assert store.claim_process(pk, "worker", expected=None) is not None
    assert store.claim_process(pk, "another", expected=None) is None  # compare-and-set: held by "worker" now
    assert store.get_node(pk).owner == "worker"


def test_a_claim_to_run_records_queued_processes_as_running_and_says_whether_they_had_started(store: Store) -> None:
    created, paused = store.insert_node(process_row()), store.insert_node(process_row(paused=True))
    given_back = store.insert_node(process_row(process_state="waiting"))
    held, ended = store.insert_node(process_row(owner="other")), store.insert_node(process_row(sealed=True))
    data = store.insert_node(data_row())
    taken = store.claim_to_run([created, paused, given_back, held, ended, data, 10**9], "worker")  # one statement
    assert set(taken) == {created, paused, given_back}  # not the held, the ended, data, nor what does not exist
    running = taken[created]
    assert (running.row.owner, running.row.process_state, running.started) == ("worker", "running", False)
    assert store.get_node(created).process_state == "running"  # committed: other programs see it running
    on_hold = taken[paused]  # taken, but it starts only once played: still created
    assert (on_hold.row.owner, on_hold.row.process_state, on_hold.started) == ("worker", "created", False)
    resumed = taken[given_back]  # handed over in the middle: it had started
    assert (resumed.row.process_state, resumed.started) == ("waiting", True)
    assert store.get_node(held).owner == "other" and store.get_node(ended).process_state == "created"
    assert store.claim_to_run([created], "another") == {}  # compare-and-set: the first claim holds it
    assert store.claim_to_run([], "worker") == {}
    alone = store.insert_node(process_row())  # one process: claimed by its own statement, which says the same
    taken = store.claim_to_run([alone], "worker")
    assert list(taken) == [alone] and (taken[alone].row.process_state, taken[alone].started) == ("running", False)
    assert store.claim_to_run([alone], "another") == {}


def test_a_claim_on_postgresql_skips_the_wait_for_the_disk_only_in_its_own_transaction(postgres_url: str) -> None:
    with Store(postgres_url) as store:
        one, several = store.insert_node(process_row()), [store.insert_node(process_row()) for _ in range(3)]
        assert store.claim_process(one, "worker", expected=None) is not None
        assert set(store.claim_to_run(several, "worker")) == set(several)
        assert store.claim_to_run([one], "another") == {}
        # synchronous_commit went off for each claim's transaction alone: the writes after it wait for the disk
        assert store._conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        store._conn.rollback()
        assert store.get_node(one).owner == "worker" and store.get_node(several[0]).process_state == "running"


def test_the_inputs_of_processes_are_their_input_links_with_their_nodes_and_nothing_else(store: Store) -> None:
    x, y, caller, made = (store.insert_node(row) for row in (data_row(), data_row(), process_row(), data_row()))
    first, second, bare = (store.insert_node(process_row()) for _ in range(3))
    store.insert_links(
        [
            LinkRow(x, first, LinkType.INPUT_CALC, "x"),
            LinkRow(y, first, LinkType.INPUT_CALC, "nested__y"),
            LinkRow(caller, first, LinkType.CALL_CALC, "CALL"),
            LinkRow(first, made, LinkType.CREATE, "result"),
            LinkRow(x, second, LinkType.INPUT_WORK, "x"),
        ]
    )
    several = store.inputs_of([first, second, bare])  # one query
    read = {pk: [(link.input_pk, link.link_label, row.pk) for link, row in inputs] for pk, inputs in several.items()}
    assert read == {first: [(x, "x", x), (y, "nested__y", y)], second: [(x, "x", x)], bare: []}
    for pk in (first, second, bare):  # as one process's query, and a read of its neighbours, give them
        assert store.inputs_of([pk]) == {pk: several[pk]}
        assert several[pk] == store.get_neighbours(pk, incoming=True, link_types=INPUT_LINK_TYPES)
    assert store.inputs_of([]) == {}
