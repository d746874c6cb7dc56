"""A store's provenance in the shape ``aiida_side/profile.py dump`` gives an AiiDA profile's, to compare the two."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jupyter_workflows as jw
from jupyter_workflows.archive._translate import aiida_node_type
from jupyter_workflows.nodes import ArrayData, Data, GenericData, ProcessNode
from jupyter_workflows.store import Store


def store_view(store: Store) -> dict[str, Any]:
    """Every node (by uuid) and link of ``store``, with AiiDA's node types."""
    nodes = {}
    for pk in store.node_pks():
        node = jw.load_node(pk, store=store)
        entry: dict[str, Any] = {
            "node_type": aiida_node_type(node.node_type),
            "label": node.label,
            "description": node.description,
        }
        if isinstance(node, ProcessNode):
            entry.update(
                process_label=node.process_label,
                process_state=node.process_state.value,
                exit_status=node.exit_status,
                exit_message=node.exit_message,
                is_sealed=node.sealed,
                logs=[entry.message for entry in node.base.log.get_logs()],
            )
        elif isinstance(node, ArrayData):
            entry["value"] = {node.base.attributes.get("array_name", "default"): node.value.tolist()}
        elif isinstance(node, Data) and not isinstance(node, GenericData) and node.node_type != "data.EnumData":
            entry["value"] = node.value
        nodes[node.uuid] = entry
    uuid_of = {pk: row.uuid for pk, row in store.get_nodes(store.node_pks()).items()}
    links = sorted(
        [uuid_of[link.input_pk], uuid_of[link.output_pk], link.link_type.value, link.link_label]
        for link in store.get_links()
    )
    return {"nodes": nodes, "links": links}


def comparable(view: dict[str, Any], uuids: set[str] | None = None) -> dict[str, Any]:
    """``view`` reduced to the nodes ``uuids`` (all when None) and the links among them; AiiDA's class names left
    out (ours are not AiiDA's), and the ``array_name`` attribute of ours (AiiDA's ``array|<name>``) too."""
    keep = set(view["nodes"]) if uuids is None else uuids
    nodes = {
        uuid: {key: value for key, value in entry.items() if key != "class"}
        for uuid, entry in view["nodes"].items()
        if uuid in keep
    }
    links = [link for link in view["links"] if link[0] in keep and link[1] in keep]
    return {"nodes": nodes, "links": links}


def our_graph(root: int | str, store: Store) -> tuple[set[str], set[tuple[str, str, str]]]:
    """What ``jw.graph(root, identifier="uuid")`` draws: the nodes' first label lines ("Int (1a2b3c4d)") and the
    edges as (tail's line, head's line, edge label "INPUT_CALC\\nx")."""
    from jupyter_workflows.graph._style import label_lines

    drawn = jw.graph(root, identifier="uuid", store=store)
    line = {pk: label_lines(row, ("uuid",))[0] for pk, row in drawn.subgraph.nodes.items()}
    edges = {
        (line[link.input_pk], line[link.output_pk], f"{link.link_type.value.upper()}\n{link.link_label}")
        for link in drawn.subgraph.links
    }
    return set(line.values()), edges


def aiida_graph(path: Path) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The same of a graph that ``verdi node graph generate --identifier uuid -f json`` wrote to ``path``."""
    drawn = json.loads(path.read_text())
    line = {index: item["label"].split("\n")[0] for index, item in enumerate(drawn["objects"])}
    edges = {(line[edge["tail"]], line[edge["head"]], edge["label"]) for edge in drawn.get("edges", [])}
    return set(line.values()), edges
