"""An integrity check of stored provenance, for stress tests: run it from a fresh process after the workload ended."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from .._core import ACTIVE_STATES, ProcessState
from ..nodes._caching import CACHED_FROM
from ..store import CALL_LINK_TYPES, LinkRow, LinkType, NodeRow, Store

__all__ = ["provenance_problems"]

_OUTPUT_LINKS = (LinkType.CREATE, LinkType.RETURN)
_SHOWN = 5


def provenance_problems(
    store: Store,
    *,
    expected_calls: Mapping[str, int] | None = None,
    results: Iterable[str] = (),
    calls_at_least: bool = False,
) -> list[str]:
    """Every way the stored provenance is inconsistent, as sentences (an empty list: all is well).

    Checked: no process is left created/running/waiting; every terminated process is sealed; no link is stored
    twice; no process has two outputs with one label; no data node has two creators and no process two callers;
    every data node a calculation created exists with its creator; every run taken from the cache names a source
    that exists, is of its type and hash, finished, and ended as it did with the same output labels, and no chain of
    cache sources is a cycle; every process that finished with exit status 0 whose label is in ``expected_calls``
    made exactly that many calls that finished with exit status 0 (attempts killed after a crash do not count; with
    ``calls_at_least``, at least that many, since a step that ran again after a crash keeps the finished calls of its
    first attempt); every uuid in ``results`` (what the workload was handed) is stored and was created by a
    calculation that finished.
    """
    processes = store.query_processes()
    links = store.get_links()
    problems: list[str] = []
    problems += _left_active(processes)
    problems += _unsealed(processes)
    problems += _duplicates("link stored more than once", Counter(links))
    problems += _duplicates(
        "output label used twice by one process",
        Counter((link.input_pk, link.link_label) for link in links if link.link_type in _OUTPUT_LINKS),
    )
    problems += _duplicates(
        "data node with more than one creator",
        Counter(link.output_pk for link in links if link.link_type is LinkType.CREATE),
    )
    problems += _duplicates(
        "process with more than one caller",
        Counter(link.output_pk for link in links if link.link_type in CALL_LINK_TYPES),
    )
    problems += _bad_cache_sources(processes, links)
    if expected_calls:
        problems += _missing_calls(processes, links, expected_calls, at_least=calls_at_least)
    problems += _results_without_creator(store, set(results), links)
    return problems


def _left_active(processes: list[NodeRow]) -> list[str]:
    active = [row for row in processes if ProcessState(row.process_state or "created") in ACTIVE_STATES]
    if not active:
        return []
    shown = ", ".join(f"{row.process_label}<{row.pk}> {row.process_state}" for row in active[:_SHOWN])
    return [f"{len(active)} process(es) left active: {shown}"]


def _unsealed(processes: list[NodeRow]) -> list[str]:
    unsealed = [row for row in processes if row.process_state in {"finished", "excepted", "killed"} and not row.sealed]
    if not unsealed:
        return []
    return [f"{len(unsealed)} terminated process(es) not sealed: {', '.join(str(r.pk) for r in unsealed[:_SHOWN])}"]


def _duplicates(what: str, counts: Counter[object]) -> list[str]:
    repeated = [key for key, count in counts.items() if count > 1]
    if not repeated:
        return []
    return [f"{len(repeated)} {what}: {', '.join(map(str, repeated[:_SHOWN]))}"]


def _bad_cache_sources(processes: list[NodeRow], links: list[LinkRow]) -> list[str]:
    by_uuid = {row.uuid: row for row in processes}
    created: dict[int, set[str]] = {}
    for link in links:
        if link.link_type is LinkType.CREATE:
            created.setdefault(link.input_pk, set()).add(link.link_label)
    wrong: list[str] = []
    for row in processes:
        source_uuid = row.attributes.get(CACHED_FROM)
        if source_uuid is None:
            continue
        source = by_uuid.get(source_uuid)
        name = f"{row.process_label}<{row.pk}>"
        if source is None:
            wrong.append(f"{name} names cache source {source_uuid}, which is no process in the store")
        elif (source.node_type, source.hash) != (row.node_type, row.hash) or source.process_state != "finished":
            wrong.append(f"{name} names cache source {source.pk}, which is not a finished run of its type and hash")
        elif row.process_state == "finished" and (
            (source.exit_status, created.get(source.pk, set())) != (row.exit_status, created.get(row.pk, set()))
        ):
            wrong.append(f"{name} did not end as its cache source {source.pk} (exit status or output labels)")
        elif _in_a_cycle(row, by_uuid):
            wrong.append(f"{name} is in a cycle of cache sources")
    if not wrong:
        return []
    return [f"{len(wrong)} run(s) taken from the cache with a wrong source: " + "; ".join(wrong[:_SHOWN])]


def _in_a_cycle(row: NodeRow, by_uuid: Mapping[str, NodeRow]) -> bool:
    seen = {row.uuid}
    current: NodeRow | None = row
    while current is not None and (source := current.attributes.get(CACHED_FROM)) is not None:
        if source in seen:
            return True
        seen.add(source)
        current = by_uuid.get(source)
    return False


def _missing_calls(
    processes: list[NodeRow], links: list[LinkRow], expected: Mapping[str, int], *, at_least: bool
) -> list[str]:
    finished_ok = {row.pk for row in processes if row.process_state == "finished" and row.exit_status == 0}
    calls = Counter(
        link.input_pk for link in links if link.link_type in CALL_LINK_TYPES and link.output_pk in finished_ok
    )
    wrong = [
        f"{row.process_label}<{row.pk}> made {calls[row.pk]}"
        for row in processes
        if row.process_label in expected
        and row.process_state == "finished"
        and row.exit_status == 0
        and (
            calls[row.pk] < expected[row.process_label or ""]
            if at_least
            else calls[row.pk] != expected[row.process_label or ""]
        )
    ]
    if not wrong:
        return []
    return [
        f"{len(wrong)} finished process(es) with a wrong number of finished calls (expected {dict(expected)}"
        f"{' at least' if at_least else ''}): " + ", ".join(wrong[:_SHOWN])
    ]


def _results_without_creator(store: Store, uuids: set[str], links: list[LinkRow]) -> list[str]:
    if not uuids:
        return []
    creators = {link.output_pk: link.input_pk for link in links if link.link_type is LinkType.CREATE}
    problems: list[str] = []
    rows = {}
    for uuid in uuids:
        try:
            rows[uuid] = store.get_node(uuid)
        except LookupError:
            problems.append(f"result {uuid} is not in the store")
    found = store.get_nodes({creators[row.pk] for row in rows.values() if row.pk in creators})
    for uuid, row in rows.items():
        creator = found.get(creators.get(row.pk, -1))
        if creator is None:
            problems.append(f"result {uuid} (pk {row.pk}) has no creator")
        elif creator.process_state != "finished":
            problems.append(
                f"result {uuid} (pk {row.pk}) was created by {creator.pk}, which is {creator.process_state}"
            )
    return problems[: _SHOWN * 4]
