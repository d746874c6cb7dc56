"""Run in aiida-core's own venv (not ours): what an AiiDA profile holds, as AiiDA sees it, and exports from it.

python profile.py dump PROFILE          JSON of every node (type, label, state, exit status, ...), link and log
python profile.py export PROFILE OUT UUID...   create_archive() of those nodes (and their provenance)
"""

import argparse
import json
import sys

from aiida import load_profile, orm
from aiida.tools.archive import create_archive


def dump() -> dict:
    nodes = {}
    for (node,) in orm.QueryBuilder().append(orm.Node).iterall():
        entry = {
            "node_type": node.node_type,
            "label": node.label,
            "description": node.description,
            "class": type(node).__name__,
        }
        if isinstance(node, orm.ProcessNode):
            entry.update(
                process_label=node.process_label,
                process_state=node.process_state.value if node.process_state else None,
                exit_status=node.exit_status,
                exit_message=node.exit_message,
                is_sealed=node.is_sealed,
                logs=[log.message for log in orm.Log.collection.get_logs_for(node)],
            )
        elif isinstance(node, (orm.Int, orm.Float, orm.Str, orm.Bool)):
            entry["value"] = node.value
        elif isinstance(node, orm.Dict):
            entry["value"] = node.get_dict()
        elif isinstance(node, orm.List):
            entry["value"] = node.get_list()
        elif isinstance(node, orm.ArrayData):
            entry["value"] = {name: node.get_array(name).tolist() for name in node.get_arraynames()}
        nodes[node.uuid] = entry
    links = sorted(
        [source, target, link_type, label]
        for source, target, link_type, label in orm.QueryBuilder()
        .append(orm.Node, tag="in", project="uuid")
        .append(orm.Node, with_incoming="in", project="uuid", edge_project=["type", "label"])
        .iterall()
    )
    return {"nodes": nodes, "links": links}


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    dumped = commands.add_parser("dump")
    dumped.add_argument("profile")
    exported = commands.add_parser("export")
    exported.add_argument("profile")
    exported.add_argument("out")
    exported.add_argument("uuids", nargs="+")
    args = parser.parse_args()
    load_profile(args.profile)
    if args.command == "dump":
        json.dump(dump(), sys.stdout)
    else:
        create_archive([orm.load_node(uuid) for uuid in args.uuids], filename=args.out, overwrite=True)


if __name__ == "__main__":
    main()
