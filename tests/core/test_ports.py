"""Ports as AiiDA's: validate() returning a PortValidationError or None, validators that get their port, non_db and
is_metadata passed down a namespace, serializers, populate_defaults, dynamic namespaces and absorb()."""

from __future__ import annotations

import pytest

import jupyter_workflows as jw
from jupyter_workflows import InputPort, Int, OutputPort, PortNamespace, PortValidationError, WorkChain
from jupyter_workflows.nodes import Data, Node


def test_a_port_validates_type_presence_and_its_validator_which_gets_the_port():
    seen = []

    def even(value, port):
        seen.append(port)
        return None if value.value % 2 == 0 else f"{port.name} must be even"

    port = InputPort("n", valid_type=Int, validator=even)
    assert port.validate(Int(2)) is None and seen == [port]
    error = port.validate(Int(3), ("outer",))
    assert isinstance(error, PortValidationError) and isinstance(error, ValueError)
    assert error.message == "n must be even" and error.port == "outer.n"
    assert "expects Int (got str 'x')" in port.validate("x").message
    assert port.validate().message == "required value was not provided"
    assert InputPort("n", required=False).validate() is None


def test_an_input_that_is_not_required_takes_none_and_its_validator_sees_it():
    seen = []

    def record(value):
        seen.append(value)

    optional = InputPort("n", valid_type=Int, required=False, validator=record)
    assert optional.validate(None) is None and seen == [None]
    assert "expects Int (got NoneType None)" in InputPort("n", valid_type=Int).validate(None).message
    assert "expects Int" in OutputPort("n", valid_type=Int, required=False).validate(None).message


class _Below:
    """A validator object that is not hashable (it defines __eq__ only), taking the value alone."""

    def __init__(self, limit):
        self.limit = limit

    __hash__ = None  # type: ignore[assignment]  # as a class defining __eq__ alone gets it

    def __eq__(self, other):
        return isinstance(other, _Below) and other.limit == self.limit

    def __call__(self, value):
        return None if value.value < self.limit else f"must be below {self.limit}"


def test_validators_of_any_kind_are_called_with_or_without_the_port_every_time():
    one_argument = InputPort("n", valid_type=Int, validator=lambda value: "no" if value.value < 0 else None)
    unhashable = InputPort("n", valid_type=Int, validator=_Below(3))
    builtin = InputPort("n", validator=max)  # no signature: called AiiDA's way, with the port
    for _ in range(2):  # the second time from what the first found out about the validator
        assert one_argument.validate(Int(1)) is None and one_argument.validate(Int(-1)).message == "no"
        assert unhashable.validate(Int(2)) is None and unhashable.validate(Int(3)).message == "must be below 3"
    with pytest.raises(TypeError):
        builtin.validate(Int(1))  # max(Int(1), port): what AiiDA would call too


def test_non_db_and_is_metadata_remember_whether_they_were_set_and_pass_down_a_namespace():
    port = InputPort("port")
    assert port.non_db is False and port.non_db_explicitly_set is False
    port.non_db = True
    assert port.non_db is True and port.non_db_explicitly_set is True
    assert InputPort("port", non_db=False).non_db_explicitly_set is True

    namespace = PortNamespace("namespace", non_db=True)
    namespace["stored"] = InputPort("stored", non_db=False)
    namespace["inherits"] = InputPort("inherits")
    assert namespace["stored"].non_db is False and namespace["inherits"].non_db is True


@pytest.mark.parametrize("is_metadata", [True, False])
def test_inputs_added_to_a_namespace_take_its_serializer_unless_metadata_or_their_own(is_metadata):
    namespace = PortNamespace("namespace", is_metadata=is_metadata, serializer=jw.to_aiida_type)
    namespace["port"] = InputPort("port")
    assert namespace["port"].serializer is (None if is_metadata else jw.to_aiida_type)

    def own(value):
        return Int(int(value))

    namespace["other"] = InputPort("other", serializer=own)
    assert namespace["other"].serializer is own


@pytest.mark.parametrize(
    "name",
    ["two__underscores", "_leading", "trailing_", "non_numeric_%", "including.period", "white space", "das-hes"],
)
def test_a_name_that_cannot_be_a_link_label_is_refused_as_a_value_error(name):
    with pytest.raises(ValueError, match=f"Invalid port name {name!r}"):
        PortNamespace("namespace")[name] = InputPort("port")


def test_setting_valid_type_makes_a_namespace_dynamic_and_checks_undeclared_values():
    namespace = PortNamespace("inputs")
    assert not namespace.dynamic
    namespace.valid_type = Data
    assert namespace.dynamic
    assert namespace.validate({"key": Int(1)}) is None
    for wrong in ["foo", 5, Node()]:
        assert namespace.validate({"key": wrong}) is not None
    assert namespace.validate({"nested": {"deeper": Int(1)}}) is None  # nested dicts: a dynamic namespace's leaves
    assert namespace.validate({"nested": {"deeper": 5}}) is not None
    assert PortNamespace("closed").validate({"key": Int(1)}).message.startswith("'closed' has no input 'closed.key'")


def test_a_namespace_validator_sees_every_value_after_the_ports_passed():
    def sum_below_ten(values, port):
        return None if values["a"].value + values["b"].value < 10 else f"{port.name}: a + b must stay below 10"

    namespace = PortNamespace("pair", validator=sum_below_ten)
    namespace["a"] = InputPort("a", valid_type=Int)
    namespace["b"] = InputPort("b", valid_type=Int)
    assert namespace.validate({"a": Int(1), "b": Int(2)}) is None
    assert "a + b must stay below 10" in namespace.validate({"a": Int(5), "b": Int(5)}).message
    assert "missing the required input 'pair.b'" in namespace.validate({"a": Int(5)}).message


def test_a_callable_default_is_made_per_pre_process_and_then_validated():
    namespace = PortNamespace("base")
    namespace["port"] = InputPort("port", valid_type=Int, default=lambda: "string")
    assert namespace.validate(namespace.pre_process({})) is not None
    assert namespace.validate(namespace.pre_process({"port": Int(5)})) is None
    namespace["port"] = InputPort("port", valid_type=Int, default=lambda: Int(5))
    first, second = namespace.pre_process({})["port"], namespace.pre_process({})["port"]
    assert first == 5 and first is not second
    assert namespace.pre_process({"port": Int(3)})["port"] == 3


def test_populate_defaults_false_fills_a_namespace_in_only_when_it_is_given():
    top = PortNamespace()
    lazy = top.namespace("lazy", populate_defaults=False, required=False)
    lazy["x"] = InputPort("x", default=1)
    eager = top.namespace("eager")
    eager["y"] = InputPort("y", default=2)
    assert top.pre_process({}) == {"eager": {"y": 2}}
    assert top.pre_process({"lazy": {}}) == {"lazy": {"x": 1}, "eager": {"y": 2}}


def test_serialize_turns_plain_values_into_nodes_and_names_a_namespace_given_no_dict():
    base = PortNamespace("base", serializer=jw.to_aiida_type)
    base.create_port_namespace("some.nested.namespace")
    base["n"] = InputPort("n")
    serialized = base.serialize({"n": 5, "undeclared": 1})
    assert isinstance(serialized["n"], Int) and serialized["undeclared"] == 1
    with pytest.raises(TypeError, match=r"'base\.some\.nested\.namespace' expects a dict of values \(got"):
        base.serialize({"some": {"nested": {"namespace": 5}}})


def test_absorb_copies_ports_with_nested_include_and_exclude_rules():
    source = PortNamespace()
    source["a"] = InputPort("a", valid_type=Int)
    source["b"] = InputPort("b", valid_type=Int)
    inner = source.namespace("sub", dynamic=True)
    inner["c"] = InputPort("c")
    inner["d"] = InputPort("d")

    target = PortNamespace("target")
    assert target.absorb(source, include=["a", "sub.c"]) == ["a", "sub"]
    assert list(target["sub"]) == ["c"] and target["sub"].dynamic
    assert target["a"] is not source["a"] and target["a"].valid_type is Int
    target["a"].required = False
    assert source["a"].required  # a copy: changing it leaves the source alone

    whole = PortNamespace("whole")
    assert whole.absorb(source, include=["sub"]) == ["sub"] and list(whole["sub"]) == ["c", "d"]

    other = PortNamespace("other")
    assert other.absorb(source, exclude=["b", "sub.d"], namespace_options={"required": False}) == ["a", "sub"]
    assert list(other["sub"]) == ["c"] and other.required is False
    with pytest.raises(ValueError, match="include and exclude are mutually exclusive"):
        other.absorb(source, include=["a"], exclude=["b"])
    with pytest.raises(ValueError, match=r"namespace_options \['colour'\] are not properties"):
        other.absorb(source, namespace_options={"colour": "red"})


def test_get_description_lists_the_ports_properties():
    namespace = PortNamespace("ns", help="a namespace")
    namespace["x"] = InputPort("x", valid_type=Int, default=1, help=" how many ")
    namespace["y"] = OutputPort("y")
    description = namespace.get_description()
    assert description["_attrs"]["help"] == "a namespace" and description["_attrs"]["dynamic"] is False
    assert description["x"]["help"] == "how many" and description["x"]["default"] == "1"
    assert description["x"]["non_db"] == "False" and description["y"] == {"name": "y", "required": "True"}


class Options(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input_namespace("options", populate_defaults=False, required=False)
        spec.input("options.retries", valid_type=Int, default=lambda: Int(3))
        spec.input_namespace("settings", non_db=True, required=False, dynamic=True)
        spec.input("settings.verbose", valid_type=bool, default=False)
        spec.outline(cls.step)

    def step(self):
        self.report(f"options={dict(self.inputs.get('options', {}))} settings={dict(self.inputs.settings)}")


@pytest.mark.usefixtures("store")
def test_a_workchain_with_an_unpopulated_and_a_non_db_namespace():
    node = jw.run.get_node(Options)[1]
    assert node.report_messages == ["options={} settings={'verbose': False}"]
    assert node.inputs == {}  # neither a default of 'options' nor the non_db settings are stored
    node = jw.run.get_node(Options, options={}, settings={"verbose": True, "level": 2})[1]
    assert node.report_messages[0].endswith("value=3>} settings={'verbose': True, 'level': 2}")
    assert list(node.inputs) == ["options"] and node.inputs.options.retries == 3
