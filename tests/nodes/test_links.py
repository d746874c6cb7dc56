"""``node.base.links``, ``node.base.log`` and ``node.base.attributes``: AiiDA's ways to read a node's neighbours,
reports and attributes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import jupyter_workflows as jw
from jupyter_workflows import Dict, Int, LinkType, List, Process, Str, WorkChain, calcfunction, workfunction
from jupyter_workflows._processes import Launch, instantiate
from jupyter_workflows.nodes import CalcFunctionNode, Data, LinkTriple, LogEntry, WorkFunctionNode

pytestmark = pytest.mark.usefixtures("any_store")


@calcfunction
def add(x, y):
    return x + y


@workfunction
def summed(first, second, **extra):
    total = add(first, second)
    for value in extra.values():
        total = add(total, value)
    return {"total": total, "first_copy": first}


class Nested(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output_namespace("out.deep", dynamic=True)
        spec.output("plain")
        spec.outline(cls.step)

    def step(self):
        self.report("adding %d", 1)
        one = add(self.inputs.x, Int(1))
        self.out("out.deep", {"a": one, "b": add(one, Int(1))})
        self.out("plain", one)
        self.report("done")


def test_incoming_and_outgoing_links_of_a_workfunction_with_types_labels_and_nodes():
    first, second, third = Int(1), Int(2), Int(3)
    node = jw.run.get_node(summed, first, second, third_value=third)[1]
    incoming = node.base.links.get_incoming()
    assert incoming.all_link_labels() == ["first", "second", "third_value"]
    assert incoming.all_nodes() == [first, second, third] and incoming.all_nodes()[0] is first
    assert {triple.link_type for triple in incoming} == {LinkType.INPUT_WORK}
    assert incoming.get_node_by_label("second") is second

    outgoing = node.base.links.get_outgoing()
    assert [(t.link_type.value, t.link_label) for t in outgoing] == [
        ("call_calc", "CALL"),
        ("call_calc", "CALL"),
        ("return", "total"),
        ("return", "first_copy"),
    ]
    calls = node.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all_nodes()
    assert all(isinstance(call, CalcFunctionNode) for call in calls) and calls == node.called
    returned = node.base.links.get_outgoing(link_type=(LinkType.RETURN,), node_class=Int)
    assert returned.all_link_labels() == ["total", "first_copy"] and returned.all_nodes()[1] is first
    assert node.base.links.get_outgoing(node_class=Data, link_type="return").all_link_labels() == [
        "total",
        "first_copy",
    ]
    assert node.base.links.get_outgoing(link_type=LinkType.CREATE).all() == []

    created = returned.first().node
    assert created.base.links.get_incoming(link_type=LinkType.CREATE).one().node.called == []
    callers = calls[0].base.links.get_incoming(node_class=WorkFunctionNode).one()
    assert callers == LinkTriple(node, LinkType.CALL_CALC, "CALL")
    assert first.base.links.get_outgoing().all_link_labels() == ["first", "x"]
    assert first.base.links.get_incoming().one() == LinkTriple(node, LinkType.RETURN, "first_copy")


def test_link_label_filter_has_sql_like_semantics():
    node = jw.run.get_node(summed, Int(1), Int(2), a_b=Int(3), a1b=Int(4), aXXb=Int(5), A_B=Int(6))[1]

    def labels(pattern):
        return sorted(node.base.links.get_incoming(link_label_filter=pattern).all_link_labels())

    assert labels("a_b") == ["a1b", "a_b"]  # '_' is any one character; case matters
    assert labels("a%b") == ["a1b", "aXXb", "a_b"]
    assert labels("a\\_b") == ["a_b"]  # an escaped '_' is itself
    assert labels("%st") == ["first"]
    assert labels("first") == ["first"] and labels("fir") == []


def test_one_first_and_get_node_by_label_say_what_was_found():
    node = jw.run.get_node(summed, Int(1), Int(2))[1]
    links = node.base.links.get_incoming()
    assert links.first().link_label == "first" and len(links) == 2 and links
    with pytest.raises(ValueError, match="Expected exactly one link, found 2 links"):
        links.one()
    with pytest.raises(ValueError, match="found no link"):
        node.base.links.get_incoming(link_type=LinkType.CREATE).one()
    assert node.base.links.get_incoming(link_type=LinkType.CREATE).first() is None
    with pytest.raises(LookupError, match="No link labelled 'third'; labels: first, second"):
        links.get_node_by_label("third")
    with pytest.raises(TypeError, match=r"link_type takes link types \(LinkType.INPUT_CALC, .*\); got 'inputs'"):
        node.base.links.get_incoming(link_type="inputs")


def test_only_uuid_gives_the_uuids_of_the_linked_nodes():
    first = Int(1)
    node = jw.run.get_node(summed, first, Int(2))[1]
    assert node.base.links.get_incoming(only_uuid=True).first() == LinkTriple(first.uuid, LinkType.INPUT_WORK, "first")


def test_nested_rebuilds_output_namespaces_from_flat_labels():
    node = jw.run.get_node(Nested, x=Int(1))[1]
    outgoing = node.base.links.get_outgoing(link_type=LinkType.RETURN)
    assert sorted(outgoing.all_link_labels()) == ["out__deep__a", "out__deep__b", "plain"]
    nested = outgoing.nested()
    assert list(nested) == ["out", "plain"]  # namespaces first
    assert nested["out"]["deep"]["a"] == 2 and nested["out"]["deep"]["b"] == 3 and nested["plain"] == 2
    assert node.base.links.get_incoming().nested() == {"x": node.inputs.x}


def test_a_running_process_sees_its_links_before_they_are_stored():
    seen = {}

    @calcfunction
    def look(x, y):
        node = Process.current().node
        seen["incoming"] = [(t.link_type, t.link_label, t.node) for t in node.base.links.get_incoming()]
        return x + y

    class Looks(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)
            spec.output("a")
            spec.output("b", required=False)

        def step(self):
            self.out("a", add(Int(1), Int(2)))
            seen["outgoing"] = self.node.base.links.get_outgoing(link_type=LinkType.RETURN).all_link_labels()

    x, y = Int(5), Int(6)
    look(x, y=y)
    assert seen["incoming"] == [(LinkType.INPUT_CALC, "x", x), (LinkType.INPUT_CALC, "y", y)]
    jw.run(Looks)
    assert seen["outgoing"] == ["a"]  # a WorkChain's outputs are stored when its step ends


def test_a_quick_calcfunction_shows_its_links_before_it_is_written_whole():
    x, y = Int(5), Int(6)
    process = instantiate(add.process_class, {"x": x, "y": y}, launch=Launch.RUN_DEFERRED)
    expected = [LinkTriple(x, LinkType.INPUT_CALC, "x"), LinkTriple(y, LinkType.INPUT_CALC, "y")]
    assert process.node.pk is None and process.node.base.links.get_incoming().all() == expected
    assert process.node.base.links.get_incoming(link_label_filter="y").all_nodes() == [y]
    process.context.run(process.execute)
    assert process.node.is_stored and process.node.base.links.get_incoming().all() == expected
    assert process.node.base.links.get_outgoing().one().node == 11


def test_reports_are_log_entries_of_the_process_node():
    node = jw.run.get_node(Nested, x=Int(1))[1]
    logs = node.base.log.get_logs()
    assert [(log.levelname, log.message) for log in logs] == [("REPORT", "adding 1"), ("REPORT", "done")]
    assert all(log.dbnode_id == node.pk and log.loggername == "jupyter_workflows.report" for log in logs)
    assert logs[0].time <= logs[1].time <= datetime.now(timezone.utc)
    assert Int(1).base.log.get_logs() == [] and node.outputs.plain.base.log.get_logs() == []


def test_reports_are_read_as_aiida_reads_them_through_the_log_collection():
    node = jw.run.get_node(Nested, x=Int(1))[1]
    logs = LogEntry.collection.get_logs_for(node)
    assert [log.message for log in logs] == ["adding 1", "done"] and logs == node.base.log.get_logs()
    newest_first = LogEntry.collection.get_logs_for(node, order_by={"time": "desc"})
    assert [log.message for log in newest_first] == ["done", "adding 1"]
    by_message = LogEntry.collection.get_logs_for(node, order_by=[("levelname", "asc"), ("message", "desc")])
    assert [log.message for log in by_message] == ["done", "adding 1"]
    assert LogEntry.collection.get_logs_for(Int(1)) == []
    with pytest.raises(jw.UsageError, match="order_by takes"):
        LogEntry.collection.get_logs_for(node, order_by={"pk": "asc"})
    with pytest.raises(jw.UsageError, match="Only nodes have logs"):
        LogEntry.collection.get_logs_for(node.pk)


def test_attributes_as_aiida_names_them():
    assert Int(5).base.attributes.get("value") == 5
    assert Str("a").base.attributes.all == {"value": "a"}
    assert Dict({"a": 1}).base.attributes.get("a") == 1
    assert List([1, 2]).base.attributes.get("list") == [1, 2]
    node = jw.run.get_node(summed, Int(1), Int(2))[1]
    attributes = node.base.attributes
    assert attributes.get("process_state") == "finished" and attributes.get("exit_status") == 0
    assert attributes.get("process_label") == "summed" and attributes.get("sealed") is True
    assert attributes.get("exit_message", "none") == "none" and "exit_message" not in attributes
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        attributes.get("missing")
    assert node.base is node.base and node.base.links is node.base.links
