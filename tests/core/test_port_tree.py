"""The port tree shown under validation errors, in builder docstrings and as HTML."""

from __future__ import annotations

from jupyter_workflows import Int, WorkChain, calcfunction
from jupyter_workflows._core._port_tree import MAX_LINES, port_tree_html, port_tree_text


def test_a_process_function_with_keyword_arguments_takes_any_other_name():
    @calcfunction
    def total(first: int, **more):
        return first

    lines = port_tree_text(total.spec().inputs, "Inputs of total").splitlines()
    assert lines[1].split() == ["first", "*", "Int,", "required"]
    assert lines[-1].split() == ["(any", "other", "name)", "anything"]


def test_a_long_tree_is_cut_saying_how_much_was_left_out():
    class Wide(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            for i in range(60):
                spec.input(f"x{i}", valid_type=Int, help="h" * 200)
            spec.outline(cls.step)

        def step(self):
            pass

    lines = port_tree_text(Wide.spec().inputs, "Inputs of Wide").splitlines()
    assert len(lines) == MAX_LINES + 2 and lines[-1] == f"  ... and {61 - MAX_LINES} more"
    assert max(len(line) for line in lines) <= 120  # help is cut short


def test_html_escapes_help_and_values():
    class Escaped(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("x", valid_type=Int, help="<script>alert(1)</script>")
            spec.outline(cls.step)

        def step(self):
            pass

    page = port_tree_html(Escaped.spec().inputs, {"x": Int(1), "extra": "<b>"}, "Inputs <of> Escaped")
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>&lt;b&gt;" not in page
    assert "Inputs &lt;of&gt; Escaped" in page and "&#x27;&lt;b&gt;&#x27;" in page
