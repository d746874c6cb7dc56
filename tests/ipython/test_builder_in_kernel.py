"""A ProcessBuilder in real kernels, as a notebook user meets it: tab completion of ports (``builder.<tab>``,
``builder["<tab>``, nested namespaces), ``builder.x?``, its display, and the port tree under a wrong input."""

from __future__ import annotations

import json
import queue
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_workflows.testing.kernels import Kernel

from .._nbrun import kernel_names

pytestmark = pytest.mark.kernel

SETUP = textwrap.dedent(
    """
    import jupyter_workflows as jw
    from jupyter_workflows import Int, WorkChain

    class AddWorkChain(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("term_a", valid_type=Int, help="the first term")
            spec.input("term_b", valid_type=Int, help="the second term")
            spec.input("options.scale", valid_type=Int, required=False, help="multiplies term_a")
            spec.output("sum", valid_type=Int)
            spec.outline(cls.compute)

        def compute(self):
            self.out("sum", (self.inputs.term_a + self.inputs.term_b).store())

    builder = AddWorkChain.get_builder()
    """
)


@pytest.fixture(scope="module", params=kernel_names())
def kernel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    store = tmp_path_factory.mktemp("builder") / "provenance.sqlite"
    with Kernel(request.param, env={"JUPYTER_WORKFLOWS_STORE": f"sqlite:///{store}"}) as k:
        reply = k.run(SETUP)
        assert reply.status == "ok", reply.traceback
        yield k


def shell_reply(k: Kernel, msg_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = k.client.get_shell_msg(timeout=0.1)
        except queue.Empty:
            continue
        if message["parent_header"].get("msg_id") == msg_id:
            return message["content"]  # type: ignore[no-any-return]
    raise AssertionError(f"no reply to {msg_id}")


def completions(k: Kernel, code: str) -> list[str]:
    return shell_reply(k, k.client.complete(code, len(code)))["matches"]  # type: ignore[no-any-return]


def test_tab_completion_lists_the_ports(kernel: Kernel):
    assert {"term_a", "term_b", "options", "metadata", "process_class"} <= set(completions(kernel, "builder."))
    assert not {"keys", "items", "pop", "setdefault"} & set(completions(kernel, "builder."))
    assert completions(kernel, "builder.te") == ["term_a", "term_b"]
    assert {"term_a", "term_b", "options", "metadata"} <= set(completions(kernel, 'builder["'))
    assert set(completions(kernel, "builder['t")) == {"term_a", "term_b"}


def test_tab_completion_goes_into_namespaces(kernel: Kernel):
    assert {"label", "description", "call_link_label"} <= set(completions(kernel, "builder.metadata."))
    assert completions(kernel, "builder.options.sc") == ["scale"]
    assert "label" in completions(kernel, 'builder.metadata["')


def test_inspecting_a_port_shows_its_type_and_help(kernel: Kernel):
    code = "builder.term_a"
    content = shell_reply(kernel, kernel.client.inspect(code, len(code), detail_level=0))
    text = content["data"]["text/plain"]
    assert "term_a: Int, required" in text and "the first term" in text


def test_the_builder_displays_its_values_as_text_and_its_port_tree_as_html(kernel: Kernel):
    reply = kernel.run("builder.term_a = 1\nbuilder")
    assert reply.results == ["Process class: AddWorkChain\nInputs:\nterm_a: 1\n"]
    reply = kernel.run(
        "import json\nbundle, _ = get_ipython().display_formatter.format(builder)\n"
        "print(json.dumps({'types': sorted(bundle), 'html': bundle['text/html']}))"
    )
    shown = json.loads(reply.stdout)
    assert {"text/html", "text/plain"} <= set(shown["types"])
    html = shown["html"]
    assert "ProcessBuilder for AddWorkChain" in html and "1 required input not set" in html
    assert "Int(1)" in html and "required, not set" in html and "multiplies term_a" in html


def test_a_wrong_input_shows_the_port_tree_under_the_error(kernel: Kernel):
    reply = kernel.run("builder.term_b = 'two'")
    assert reply.error is not None and reply.error[0] == "ValidationError"
    assert "Input 'term_b' of AddWorkChain expects Int (got str 'two'); pass an int or Int(...)" in reply.error[1]
    assert "Inputs of AddWorkChain (* required):" in reply.traceback
    assert "term_b *  Int, required" in reply.traceback and "the second term" in reply.traceback

    reply = kernel.run("fresh = AddWorkChain.get_builder()\nfresh.term_a = 1\njw.run(fresh)")
    assert reply.error is not None and "missing the required input 'term_b'" in reply.error[1]
    assert "options   optional: scale" in reply.traceback


def test_the_builder_runs(kernel: Kernel):
    reply = kernel.run("builder.term_a = 1\nbuilder.term_b = 2\nprint(jw.run(builder)['sum'].value)")
    assert reply.status == "ok", reply.traceback
    assert reply.stdout.strip() == "3"
