"""Every public name has a docstring, and the API reference (docs/reference, built by `make docs`) shows it.

The public surface is what `__all__` lists in ``jupyter_workflows`` (pinned by test_public_api.py) and in the public
modules the reference documents: ``jupyter_workflows.widgets``, ``jupyter_workflows.testing`` and
``jupyter_workflows.daemon``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
PUBLIC_MODULES = [
    "jupyter_workflows",
    "jupyter_workflows.widgets",
    "jupyter_workflows.testing",
    "jupyter_workflows.daemon",
]
NAMESPACES = {
    "jupyter_workflows.daemon"
}  # public names that are modules: a page with that currentmodule documents them
PUBLIC_NAMES = [(module, name) for module in PUBLIC_MODULES for name in importlib.import_module(module).__all__]
DIRECTIVE = re.compile(r"^\.\. (?:autofunction|autoclass|autoexception|autodata):: (\S+)$", re.MULTILINE)
CURRENT_MODULE = re.compile(r"^\.\. currentmodule:: (\S+)$", re.MULTILINE)


def own_docstring(value: Any) -> str:
    """The docstring written for this object: a class's own (not its base's), a function's, or an instance's class's."""
    if inspect.ismodule(value):
        return inspect.cleandoc(value.__doc__ or "")
    if not (inspect.isclass(value) or inspect.isroutine(value)):
        value = type(value)  # e.g. ``return_``, an instance
    doc = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
    return inspect.cleandoc(doc or "")


def documented_in_reference() -> set[str]:
    """``module.name`` of every object an autodoc directive of docs/reference/*.rst documents."""
    names = set()
    for page in REFERENCE.glob("*.rst"):
        text = page.read_text()
        module = CURRENT_MODULE.search(text)
        names |= {name if "." in name else f"{module[1] if module else ''}.{name}" for name in DIRECTIVE.findall(text)}
        names |= {found for found in CURRENT_MODULE.findall(text) if found in NAMESPACES}
    return names


@pytest.mark.parametrize(("module", "name"), PUBLIC_NAMES, ids=[f"{m}.{n}" for m, n in PUBLIC_NAMES])
def test_every_public_name_has_a_docstring(module, name):
    value = getattr(importlib.import_module(module), name)
    doc = own_docstring(value)
    assert doc, f"{module}.{name} has no docstring: say in a line what it is and how to call it"
    assert not doc.startswith(("An enumeration.", "Create a collection of name/value pairs")), f"{module}.{name}"


def test_the_reference_documents_every_public_name_and_nothing_else():
    public = {f"{module}.{name}" for module, name in PUBLIC_NAMES}
    documented = documented_in_reference()
    assert sorted(public - documented) == [], "public names missing from docs/reference/*.rst"
    assert sorted(documented - public) == [], "docs/reference/*.rst documents names that are not public"
