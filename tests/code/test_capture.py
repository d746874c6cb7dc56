"""What travels with a process defined in a notebook: the rule of ``_code._capture``, checked on namespaces made the
way IPython makes them (each cell compiled under a file name of its own, its lines kept in ``linecache``)."""

from __future__ import annotations

import linecache
import socket
import textwrap
import uuid
from typing import Any

import pytest

import jupyter_workflows as jw
from jupyter_workflows import CodeTravelError, Int
from jupyter_workflows._code import capture

IMPORTS = """
import numpy as np
from math import sqrt as root
import jupyter_workflows as jw
from jupyter_workflows import Int, WorkChain, calcfunction
"""


def cells(*sources: str) -> dict[str, Any]:
    """A ``__main__`` namespace after running these cells, as a kernel would."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for source in sources:
        text = textwrap.dedent(source)
        filename = f"/tmp/ipykernel_test/{uuid.uuid4().hex}.py"
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        exec(compile(text, filename, "exec", dont_inherit=True), namespace)  # as a kernel: no __future__
    return namespace


def run_captured(source: str) -> dict[str, Any]:
    """The captured module's namespace, run where nothing of the notebook exists."""
    namespace: dict[str, Any] = {"__name__": f"_jw_code_test_{uuid.uuid4().hex}"}
    exec(compile(source, "<captured>", "exec", dont_inherit=True), namespace)
    return namespace


def test_a_function_travels_with_the_cell_functions_it_calls_and_their_imports_and_constants(store):
    namespace = cells(
        IMPORTS,
        "OFFSET = 10\nUNUSED = 'never read'\nx = Int(5)\n",
        """
        def helper(v):
            return int(root(np.abs(v))) + OFFSET

        @calcfunction
        def add(x, y):
            return Int(x.value + y.value + helper(-16))
        """,
    )
    captured = capture(namespace["add"], namespace)
    names = {binding.name for binding in captured.bindings}
    # x is add's parameter, not the global Int(5); UNUSED is read by nothing
    assert names == {"add", "helper", "OFFSET", "np", "root", "Int", "calcfunction"}
    assert "import numpy as np\n" in captured.source
    assert "from math import sqrt as root\n" in captured.source
    assert "from jupyter_workflows import Int\n" in captured.source  # the public path, not nodes._data
    assert "OFFSET = 10\n" in captured.source
    assert captured.source.index("def helper") < captured.source.index("@calcfunction\ndef add")
    add = run_captured(captured.source)["add"]
    assert add(Int(1), Int(2)).value == 1 + 2 + 4 + 10


def test_a_workchain_travels_with_the_process_functions_and_workchains_it_uses(store):
    namespace = cells(
        IMPORTS,
        """
        @calcfunction
        def double(x):
            return x * 2

        @calcfunction
        def add(x, y):
            return x + y
        """,
        """
        class Inner(WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.expose_inputs(double)
                spec.output("result")
                spec.outline(cls.step)

            def step(self):
                self.out("result", double(**self.exposed_inputs(double)))

        class Outer(jw.WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.input("x", valid_type=Int)
                spec.output("total")
                spec.outline(cls.fan_out, cls.total)

            def fan_out(self):
                return jw.ToContext(inner=self.submit(Inner, x=self.inputs.x))

            def total(self):
                self.out("total", add(self.ctx.inner.outputs.result, self.inputs.x))
        """,
    )
    captured = capture(namespace["Outer"], namespace)
    assert set(captured.definitions()) == {"Outer", "Inner", "double", "add"}
    assert captured.source.index("class Inner") < captured.source.index("class Outer")
    Outer = run_captured(captured.source)["Outer"]
    assert jw.run(Outer, x=Int(4))["total"].value == 12


def test_a_class_attribute_base_class_and_decorator_from_the_notebook_travel(store):
    namespace = cells(
        IMPORTS,
        """
        from jupyter_workflows import BaseRestartWorkChain, process_handler

        @calcfunction
        def add(x, y):
            return x + y

        class Base(BaseRestartWorkChain):
            _process_class = add

        class Retrying(Base):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.expose_inputs(add)
                spec.expose_outputs(add)
                spec.outline(cls.setup, jw.while_(cls.should_run_process)(cls.run_process, cls.inspect_process),
                             cls.results)

            def setup(self):
                super().setup()
                self.ctx.inputs = self.exposed_inputs(add)
        """,
    )
    captured = capture(namespace["Retrying"], namespace)
    assert set(captured.definitions()) == {"Retrying", "Base", "add"}
    assert captured.source.index("def add") < captured.source.index("class Base") < captured.source.index("Retrying")
    Retrying = run_captured(captured.source)["Retrying"]
    assert jw.run(Retrying, x=Int(1), y=Int(2))["result"].value == 3


def test_the_same_code_gives_the_same_hash_and_a_changed_cell_another(store):
    first = cells(IMPORTS, "@calcfunction\ndef add(x, y):\n    return x + y\n")
    again = cells(IMPORTS, "@calcfunction\ndef add(x, y):\n    return x + y\n")  # the same cells in another kernel
    changed = cells(IMPORTS, "@calcfunction\ndef add(x, y):\n    return y + x\n")
    captured = capture(first["add"], first)
    assert capture(again["add"], again).sha256 == captured.sha256
    assert capture(changed["add"], changed).sha256 != captured.sha256
    assert captured.is_current()
    exec("OFFSET = 1", first)  # a new global that add does not read changes nothing
    assert captured.is_current()
    exec(compile("@calcfunction\ndef add(x, y):\n    return x + y\n", "<again>", "exec"), first)
    assert not captured.is_current()  # the cell was run again: a new add


def test_a_constant_rebound_to_an_equal_value_keeps_the_capture_current(store):
    namespace = cells(IMPORTS, "N = 'abc'\n", "@calcfunction\ndef add(x):\n    return x + len(N)\n")
    captured = capture(namespace["add"], namespace)
    exec("N = ''.join(['a', 'bc'])", namespace)
    assert captured.is_current()
    exec("N = 'abcd'", namespace)
    assert not captured.is_current()


def test_a_constant_changed_in_place_makes_a_new_capture_with_the_new_value(store):
    namespace = cells(
        IMPORTS, "PARAMS = {'scale': 2}\n", "@calcfunction\ndef scaled(x):\n    return x * PARAMS['scale']\n"
    )
    captured = capture(namespace["scaled"], namespace)
    namespace["PARAMS"]["scale"] = 1000  # the same dict, changed: what travels must change with it
    assert not captured.is_current()
    again = capture(namespace["scaled"], namespace)
    assert again.sha256 != captured.sha256
    assert run_captured(again.source)["scaled"](Int(10)).value == 10_000


def test_a_dataclass_and_a_namedtuple_without_methods_of_their_own_travel(store):
    namespace = cells(
        IMPORTS,
        "from dataclasses import dataclass\nfrom typing import NamedTuple\n",
        "@dataclass\nclass Bare:\n    a: int = 1\n",
        "class Pair(NamedTuple):\n    a: int\n    b: int = 2\n",
        "@calcfunction\ndef uses(x):\n    return Int(x.value + Bare().a + Pair(1).b)\n",
    )
    captured = capture(namespace["uses"], namespace)  # their methods were made by exec(): no file holds them
    assert "@dataclass\nclass Bare:\n    a: int = 1\n" in captured.source
    assert "class Pair(NamedTuple):\n" in captured.source
    assert run_captured(captured.source)["uses"](Int(10)).value == 13


def refusal(namespace: dict[str, Any], name: str) -> str:
    with pytest.raises(CodeTravelError) as raised:
        capture(namespace[name], namespace)
    return str(raised.value)


def test_a_global_bound_to_an_open_file_cannot_travel(store, tmp_path):
    namespace = cells(
        IMPORTS,
        f"log = open({str(tmp_path / 'log.txt')!r}, 'w')\n",
        "@calcfunction\ndef add(x, y):\n    log.write('adding')\n    return x + y\n",
    )
    message = refusal(namespace, "add")
    namespace["log"].close()
    assert message.startswith("add cannot run in another process: its code uses the global 'log', an open file")
    assert "Pass it as an input, create it inside the function or step that uses it" in message


def test_a_socket_used_through_another_function_is_named_with_the_path(store):
    with socket.socket() as connection:
        namespace = cells(
            IMPORTS,
            "def send(value):\n    connection.sendall(str(value).encode())\n",
            "@calcfunction\ndef add(x, y):\n    send(x)\n    return x + y\n",
        )
        namespace["connection"] = connection
        message = refusal(namespace, "add")
    assert "its code (through send) uses the global 'connection', a socket.socket object" in message


def test_a_closure_over_a_local_cannot_travel(store):
    namespace = cells(
        IMPORTS,
        """
        def make_scaler(factor):
            def scale(x):
                return x * factor
            return scale

        scale = make_scaler(3)

        @calcfunction
        def scaled(x):
            return scale(x)
        """,
    )
    message = refusal(namespace, "scaled")
    assert "uses the global 'scale', a function made inside the function make_scaler()" in message
    assert "Define it at the top level of a cell and pass what it used as inputs" in message


def test_a_process_function_made_inside_a_function_is_named_as_the_user_wrote_it(store):
    namespace = cells(
        IMPORTS,
        """
        def make():
            @calcfunction
            def inner(x):
                return x

            return inner

        inner = make()
        """,
    )
    with pytest.raises(CodeTravelError) as raised:
        capture(namespace["inner"].process_class, namespace)  # what a daemon submit captures
    assert str(raised.value).startswith(
        "inner cannot run in another process: it is defined inside the function make(), and a definition made by a "
        "function may use that function's local variables, which do not travel."
    )


PLAIN_DECORATOR = """
def plain_deco(func):
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper
"""


def test_a_function_replaced_by_a_decorator_without_functools_wraps_says_to_use_it(store):
    namespace = cells(IMPORTS, PLAIN_DECORATOR, "@calcfunction\n@plain_deco\ndef f3(x):\n    return x\n")
    with pytest.raises(CodeTravelError) as raised:
        capture(namespace["f3"].process_class, namespace)
    assert str(raised.value) == (
        "f3 cannot run in another process: the decorator plain_deco() replaced it by its own function wrapper, which "
        "holds f3 in a local variable (func), and local variables do not travel. Decorate wrapper with "
        "@functools.wraps(func) in plain_deco(): then f3 travels with its decorators."
    )
    wrapping = PLAIN_DECORATOR.replace("    def wrapper", "    @functools.wraps(func)\n    def wrapper")
    namespace = cells(
        IMPORTS, "import functools\n" + wrapping, "@calcfunction\n@plain_deco\ndef f3(x):\n    return x + 1\n"
    )
    captured = capture(namespace["f3"].process_class, namespace)
    assert run_captured(captured.source)["f3"](Int(7)).value == 8


def test_a_lambda_cannot_travel(store):
    namespace = cells(IMPORTS, "twice = lambda v: 2 * v\n", "@calcfunction\ndef add(x):\n    return twice(x)\n")
    assert "uses the global 'twice', a lambda. Define it with def at the top level of a cell" in refusal(
        namespace, "add"
    )


def test_a_workchain_defined_inside_a_function_cannot_travel(store):
    namespace = cells(
        IMPORTS,
        """
        def make():
            class Local(WorkChain):
                @classmethod
                def define(cls, spec):
                    super().define(spec)
            return Local

        Local = make()
        """,
    )
    message = refusal(namespace, "Local")
    assert message.startswith("Local cannot run in another process: it is defined inside the function make()")


def test_a_class_without_source_cannot_travel(store):
    namespace = cells(IMPORTS)
    exec("class Made(WorkChain):\n    def step(self):\n        pass\n", namespace)  # exec keeps no source
    message = refusal(namespace, "Made")
    assert "it is a class whose source is not available (made by exec() or type()" in message
    assert "Define it in a notebook cell or a .py file" in message


def test_a_function_of_a_time_cell_no_longer_in_the_history_says_to_run_it_without_time(store):
    namespace = cells(IMPORTS)
    exec(compile("@calcfunction\ndef timed(x):\n    return x\n", "<timed exec>", "exec"), namespace)  # as %%time
    assert refusal(namespace, "timed") == (
        "timed cannot run in another process: it is a function defined in a cell run with %%time, whose source "
        "IPython keeps neither with the code nor in the notebook's history (In). Run the definition in a cell "
        "without %%time."
    )


def test_a_stored_node_an_instance_and_an_alias_cannot_travel(store):
    namespace = cells(
        IMPORTS,
        "class Settings:\n    def __init__(self):\n        self.n = 1\n",
        "settings = Settings()\nstart = Int(5).store()\n",
        "@calcfunction\ndef original(x):\n    return x\n\nalias = original\n",
        "@calcfunction\ndef uses_node(x):\n    return x + start\n",
        "@calcfunction\ndef uses_instance(x):\n    return x + settings.n\n",
        "@calcfunction\ndef uses_alias(x):\n    return alias(x)\n",
    )
    assert "uses the global 'start', a jupyter_workflows.nodes._data.Int object" in refusal(namespace, "uses_node")
    assert "'settings', an instance of Settings, a class defined in the notebook" in refusal(namespace, "uses_instance")
    assert "'alias', another name for original. Call original by its own name" in refusal(namespace, "uses_alias")


def test_infinities_nan_and_unions_of_builtin_types_travel_and_other_unions_are_refused(store):
    namespace = cells(
        IMPORTS,
        "import typing\nLIMITS = {'lo': -float('inf'), 'hi': float('inf'), 'none': float('nan')}\n",
        "Number = int | float\nOpt = typing.Optional[int]\nNodes = Int | None\n",
        "@calcfunction\ndef clipped(x: Number, y: Opt = None):\n    return Int(max(x.value, LIMITS['lo']))\n",
        "@calcfunction\ndef uses_nodes(x: Nodes):\n    return x + 1\n",
    )
    captured = capture(namespace["clipped"], namespace)
    assert "LIMITS = {'lo': -float('inf'), 'hi': float('inf'), 'none': float('nan')}\n" in captured.source
    assert "Number = int | float\nOpt = int | None\n" in captured.source
    assert captured.is_current()
    assert run_captured(captured.source)["clipped"](Int(3)).value == 3
    assert refusal(namespace, "uses_nodes").startswith(
        "uses_nodes cannot run in another process: its code uses the global 'Nodes', the union "
        "jupyter_workflows.nodes._data.Int | None, which travels only when made of builtin types and None "
        "(int | None). Write the union where it is used (x: Int | Float)"
    )


def test_constants_that_are_not_literals_or_too_big_cannot_travel(store):
    namespace = cells(
        IMPORTS,
        "IMAGINARY = complex(1, float('inf'))\nBIG = list(range(100_000))\n",
        "@calcfunction\ndef uses_imaginary(x):\n    return x + IMAGINARY\n",
        "@calcfunction\ndef uses_big(x):\n    return x + len(BIG)\n",
    )
    assert "'IMAGINARY', the value (1+infj), which Python cannot write back as a literal" in refusal(
        namespace, "uses_imaginary"
    )
    message = refusal(namespace, "uses_big")
    assert "'BIG', a list of 688,890 characters, too big to travel with code. Pass it as an input" in message
