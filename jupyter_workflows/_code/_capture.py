"""Capturing code defined in ``__main__`` (notebook cells, a script) as the source of one module that another OS
process can run.

The rule, for a process function or class ``X`` defined at the top level of a cell: ``X``'s source travels, with
every global of ``__main__`` that its code reads, and theirs, transitively. Which names are globals is decided by
Python's own symbol table (a parameter or a local variable that shares a global's name is not a global). A global:

- bound to a function or class defined at the top level of a cell travels as its source (decorators included);
- bound to a module travels as an import (``import numpy as np``); bound to a function, class or other object that
  its module gives by that name, as ``from module import name`` (``from math import sqrt``);
- bound to a plain constant (numbers, strings, bytes, booleans, None, and lists, tuples, sets and dicts of them)
  travels as its value (``N = 3``, ``LO = float('-inf')``), and so does a union of builtin types and None
  (``Number = int | float``, ``typing.Optional[int]`` as ``int | None``);
- bound to anything else cannot travel (an open file, a socket, a stored node, an instance of a notebook class, a
  function made inside another function, a lambda): CodeTravelError names it and says how to fix it.

Names that ``__main__`` does not bind (builtins) are left to the other process. Cells are never run again: only
definitions travel, so nothing else a cell did (submitting a process, printing, opening a file) happens twice.
"""

from __future__ import annotations

import ast
import builtins
import enum
import hashlib
import inspect
import io
import linecache
import symtable
import sys
import textwrap
import tokenize
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._core import CodeTravelError

__all__ = ["CapturedCode", "capture"]

_CONSTANT_TYPES = (bool, int, float, complex, str, bytes, type(None))
_CONTAINER_TYPES = (tuple, list, set, dict)
_MAX_CONSTANT_CHARS = 100_000  # a bigger value is data: pass it as an input
_MAX_CONSTANT_DEPTH = 20
_TIMED_CELL = "<timed exec>"  # the file name of the code of a cell run with IPython's %%time
_LITERAL_NAMES = {"True", "False", "None", "set"}  # the names in the repr of a constant: set() is an empty set
_NON_FINITE = {"inf": "float('inf')", "nan": "float('nan')"}
_MOVE_IT = "or move it, with the code that uses it, into a module the other process can import"


class _Kind(enum.Enum):
    IMPORT = "import"
    CONSTANT = "constant"
    DEFINITION = "definition"


@dataclass(frozen=True)
class _Binding:
    """One name the captured module binds: how (its kind and text) and to what it was bound in ``__main__``."""

    name: str
    kind: _Kind
    text: str
    value: object


@dataclass(frozen=True, eq=False)
class CapturedCode:
    """The module source made for ``root`` from ``namespace`` (``__main__``'s), and its sha256 (hex)."""

    root: str
    source: str
    sha256: str
    bindings: tuple[_Binding, ...]
    namespace: Mapping[str, Any]

    def is_current(self) -> bool:
        """Whether every name still binds what was captured (no cell it came from was changed and run again, no
        constant was changed in place: a constant is current while it would be written as it was)."""
        missing = object()
        for binding in self.bindings:
            now = self.namespace.get(binding.name, missing)
            if binding.kind is _Kind.CONSTANT:
                written = _written(now)
                if written is None or f"{binding.name} = {written}" != binding.text:
                    return False
            elif now is not binding.value:
                return False
        return True

    def definitions(self) -> dict[str, object]:
        """The functions and classes it defines, by name."""
        return {b.name: b.value for b in self.bindings if b.kind is _Kind.DEFINITION}


def capture(process: Any, namespace: Mapping[str, Any]) -> CapturedCode:
    """Capture the code of ``process`` (a process function or class defined at the top level of ``namespace``, the
    globals of ``__main__``) by the rule above; raises CodeTravelError for what cannot travel."""
    qualname = str(getattr(process, "__qualname__", ""))
    root = qualname.split(".", 1)[0]
    if "<locals>" in qualname:
        raise _made_in_a_function(process, qualname, namespace)
    if _walk(namespace, qualname) is not process:
        shown = qualname.removesuffix(".process_class")  # a process function's class is named as the function
        raise CodeTravelError(
            f"{shown or process!r} cannot run in another process: it is not what {shown or 'its name'} names in "
            f"the notebook now (its cell was run again since). Launch the current {root}."
        )
    capturing = _Capturing(root, namespace)
    capturing.definition(root, namespace[root], used_by=None)
    return capturing.result()


def _made_in_a_function(process: Any, qualname: str, namespace: Mapping[str, Any]) -> CodeTravelError:
    """The refusal of a definition made inside a function: a closure, or a function of the notebook that a decorator
    replaced by a function of its own (one not made with functools.wraps, so it has the decorator's qualname)."""
    outer_path, _, made_path = qualname.rpartition(".<locals>.")
    outer, made = outer_path.rsplit(".", 1)[-1], made_path.split(".", 1)[0]
    process_class = getattr(process, "process_class", process)
    function = getattr(process_class, "_func", None)  # what a process function runs
    held = inspect.getclosurevars(function).nonlocals if isinstance(function, types.FunctionType) else {}
    for variable, original in held.items():
        name = getattr(original, "__name__", "")
        bound = getattr(namespace.get(name), "process_class", None)  # the notebook's name for what was replaced
        if isinstance(original, types.FunctionType) and bound is process_class:
            return CodeTravelError(
                f"{name} cannot run in another process: the decorator {outer}() replaced it by its own function "
                f"{made}, which holds {name} in a local variable ({variable}), and local variables do not travel. "
                f"Decorate {made} with @functools.wraps({variable}) in {outer}(): then {name} travels with its "
                "decorators."
            )
    return CodeTravelError(
        f"{made} cannot run in another process: it is defined inside the function {outer}(), and a definition "
        "made by a function may use that function's local variables, which do not travel. Define it at the top "
        f"level of a cell, {_MOVE_IT}."
    )


class _Capturing:
    """The state of one capture: the bindings found so far, definitions in the order they must run."""

    def __init__(self, root: str, namespace: Mapping[str, Any]) -> None:
        self.root = root
        self.namespace = namespace
        self.bindings: dict[str, _Binding] = {}
        self.visiting: set[str] = set()

    def definition(self, name: str, value: object, used_by: str | None) -> None:
        """Add a definition after the definitions its code reads (depth first; a cycle is cut where it closes)."""
        if name in self.bindings or name in self.visiting:
            return
        self.visiting.add(name)
        source = self.source_of(name, value, used_by)
        for read in sorted(_globals_read(source)):
            if read in self.namespace and not (read.startswith("__") and read.endswith("__")):
                self.bind(read, self.namespace[read], used_by=name)
        self.visiting.discard(name)
        self.bindings[name] = _Binding(name, _Kind.DEFINITION, source, value)

    def bind(self, name: str, value: object, used_by: str) -> None:
        if name in self.bindings:
            return
        if _is_constant(value, 0) or _is_union(value):
            self.bindings[name] = _Binding(name, _Kind.CONSTANT, self.constant_text(name, value, used_by), value)
        elif getattr(value, "__module__", None) == "__main__" and not isinstance(value, types.ModuleType):
            self.definition(name, value, used_by)
        else:
            self.bindings[name] = _Binding(name, _Kind.IMPORT, self.import_text(name, value, used_by), value)

    def constant_text(self, name: str, value: object, used_by: str) -> str:
        text = _written(value)
        if text is None and _is_union(value):
            raise self.refusal(
                name,
                used_by,
                f"the union {value!r}, which travels only when made of builtin types and None (int | None)",
                f"Write the union where it is used (x: Int | Float), {_MOVE_IT}.",
            )
        if text is None:
            raise self.refusal(
                name,
                used_by,
                f"the value {repr(value)[:60]}, which Python cannot write back as a literal",
                f"Pass it as an input, compute it inside the step that uses it, {_MOVE_IT}.",
            )
        if len(text) > _MAX_CONSTANT_CHARS:
            raise self.refusal(
                name,
                used_by,
                f"a {type(value).__name__} of {len(text):,} characters, too big to travel with code",
                "Pass it as an input (a node), or read it inside the step that uses it.",
            )
        return f"{name} = {text}"

    def import_text(self, name: str, value: object, used_by: str) -> str:
        if isinstance(value, types.ModuleType):
            if value.__name__ == "__main__":
                raise self.refusal(name, used_by, "the notebook's own module", "Use the names it holds directly.")
            return f"import {value.__name__}" if value.__name__ == name else f"import {value.__name__} as {name}"
        module_name = getattr(value, "__module__", None)
        parts = module_name.split(".") if isinstance(module_name, str) else []
        for end in range(1, len(parts) + 1):  # the shortest path that gives it: jupyter_workflows, not .nodes._data
            module = sys.modules.get(".".join(parts[:end]))
            for attribute in (getattr(value, "__qualname__", None), name):
                if (
                    isinstance(attribute, str)
                    and attribute.isidentifier()
                    and getattr(module, attribute, None) is value
                ):
                    alias = "" if attribute == name else f" as {name}"
                    return f"from {'.'.join(parts[:end])} import {attribute}{alias}"
        raise self.refusal(
            name,
            used_by,
            _describe(value),
            f"Pass it as an input, create it inside the function or step that uses it, {_MOVE_IT}.",
        )

    def source_of(self, name: str, value: object, used_by: str | None) -> str:
        """The source of a definition bound to ``name``, dedented, from the first decorator to its end."""
        target = value if isinstance(value, type) else inspect.unwrap(value)  # type: ignore[arg-type]
        own_name = getattr(target, "__name__", "")
        qualname = str(getattr(target, "__qualname__", ""))
        if own_name == "<lambda>":
            raise self.refusal(name, used_by, "a lambda", f"Define it with def at the top level of a cell, {_MOVE_IT}.")
        if "<locals>" in qualname:
            outer = qualname.split(".<locals>", 1)[0]
            raise self.refusal(
                name,
                used_by,
                f"a {_noun(target)} made inside the function {outer}() (it may hold that function's "
                "local variables, which do not travel)",
                f"Define it at the top level of a cell and pass what it used as inputs, {_MOVE_IT}.",
            )
        if not isinstance(target, (type, types.FunctionType)):
            raise self.refusal(
                name,
                used_by,
                f"an instance of {type(value).__qualname__}, a class defined in the notebook",
                "Create it inside the step that uses it, or pass its data as an input.",
            )
        if own_name != name:
            raise self.refusal(
                name, used_by, f"another name for {own_name}", f"Call {own_name} by its own name in the code."
            )
        source = _definition_source(target, self.namespace)
        if source is None and any(code.co_filename == _TIMED_CELL for code in _codes_of(target)):
            raise self.refusal(
                name,
                used_by,
                f"a {_noun(target)} defined in a cell run with %%time, whose source IPython keeps neither with the "
                "code nor in the notebook's history (In)",
                "Run the definition in a cell without %%time.",
            )
        if source is None:
            raise self.refusal(
                name,
                used_by,
                f"a {_noun(target)} whose source is not available (made by exec() or type(), or "
                "defined where Python keeps no source)",
                f"Define it in a notebook cell or a .py file, {_MOVE_IT}.",
            )
        return source

    def refusal(self, name: str, used_by: str | None, what: str, fix: str) -> CodeTravelError:
        if used_by is None:
            return CodeTravelError(f"{self.root} cannot run in another process: it is {what}. {fix}")
        via = "" if used_by == self.root else f" (through {used_by})"
        return CodeTravelError(
            f"{self.root} cannot run in another process: its code{via} uses the global {name!r}, {what}. {fix}"
        )

    def result(self) -> CapturedCode:
        order = list(self.bindings.values())
        sections = [
            "\n".join(b.text for b in sorted(order, key=lambda b: b.name) if b.kind is kind)
            for kind in (_Kind.IMPORT, _Kind.CONSTANT)
        ]
        sections += [b.text.rstrip() for b in order if b.kind is _Kind.DEFINITION]  # in the order they must run
        source = "\n\n\n".join(section for section in sections if section) + "\n"
        sha256 = hashlib.sha256(source.encode("utf-8")).hexdigest()
        return CapturedCode(self.root, source, sha256, tuple(order), self.namespace)


def _walk(namespace: Mapping[str, Any], qualname: str) -> Any:
    """The object ``qualname`` names in ``namespace`` (None if it names nothing)."""
    head, *rest = qualname.split(".")
    target = namespace.get(head)
    for part in rest:
        target = getattr(target, part, None)
    return target


def _globals_read(source: str) -> set[str]:
    """The global names a module made of ``source`` reads or writes, except those it defines itself."""
    top = symtable.symtable(source, "<captured>", "exec")
    defined = {symbol.get_name() for symbol in top.get_symbols() if symbol.is_assigned() or symbol.is_imported()}
    found: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        found |= {symbol.get_name() for symbol in table.get_symbols() if symbol.is_global()}
        tables += table.get_children()
    return found - defined


_Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def _definition_source(target: type | types.FunctionType, namespace: Mapping[str, Any]) -> str | None:
    """Found through a code object of the definition: its file's lines (a cell's are in ``linecache``, as IPython
    keeps them; see ``_lines_of`` for a cell run with %%time) hold the innermost def or class of that name around the
    code's first line. A class without methods of its own in a file (none, or all made by exec(), as a dataclass's
    or a NamedTuple's are) is the last class of its name, among the files Python keeps lines of, whose body defines
    the same names as the class has."""
    for code in _codes_of(target):
        for lines in _lines_of(code.co_filename, namespace):
            around = [
                node
                for node in _definitions(lines, target)
                if _first_line(node) <= code.co_firstlineno <= (node.end_lineno or 0)
            ]
            if around:
                return _text(lines, max(around, key=_first_line))
    return _class_source_by_members(target) if isinstance(target, type) else None


def _lines_of(filename: str, namespace: Mapping[str, Any]) -> list[list[str]]:
    """The lines a code object's file may hold: a file's or a cell's. IPython's %%time compiles the cell's body under
    a name of its own and keeps no lines of it; the notebook's history (``In``) keeps it as the argument of a
    ``run_cell_magic('time', ...)`` call: each such body, latest first, as %%time compiled it (without leading blank
    lines)."""
    if filename != _TIMED_CELL:
        return [linecache.getlines(filename)]
    history = namespace.get("In")
    cells = [cell for cell in history if isinstance(cell, str)] if isinstance(history, list) else []
    found = []
    for cell in reversed(cells):
        for body in _timed_bodies(cell) if "run_cell_magic" in cell else []:
            lines = body.splitlines(keepends=True)
            while lines and not lines[0].strip():
                del lines[0]
            found.append(lines)
    return found


def _timed_bodies(cell: str) -> list[str]:
    """The bodies of the cells run with %%time that a cell of ``In`` (as IPython rewrote it) holds."""
    try:
        tree = ast.parse(cell)
    except (SyntaxError, ValueError):
        return []
    bodies = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run_cell_magic":
            values = [argument.value for argument in node.args if isinstance(argument, ast.Constant)]
            if len(values) == 3 and values[0] == "time" and isinstance(values[2], str):
                bodies.append(values[2])
    return bodies


def _class_source_by_members(target: type) -> str | None:
    members = set(vars(target))  # a superset of what its body assigns: the engine caches its spec there too
    written = vars(target).get("__orig_bases__", target.__bases__)  # NamedTuple, not the tuple it makes the base
    bases = [getattr(base, "__name__", "?") for base in written if base is not object]
    found = None
    for filename in list(linecache.cache):
        lines = linecache.getlines(filename)
        if not any(f"class {target.__name__}" in line for line in lines):
            continue
        for node in _definitions(lines, target):
            if isinstance(node, ast.ClassDef) and _base_names(node) == bases and _assigned_in_body(node) <= members:
                found = _text(lines, node)
    return found


def _base_names(node: ast.ClassDef) -> list[str]:
    return [base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "?") for base in node.bases]


def _definitions(lines: list[str], target: type | types.FunctionType) -> list[_Definition]:
    """The defs (or classes) named as ``target`` in a file's lines."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.ClassDef,) if isinstance(target, type) else (ast.FunctionDef, ast.AsyncFunctionDef)
    return [node for node in ast.walk(tree) if isinstance(node, kinds) and node.name == target.__name__]


def _assigned_in_body(node: _Definition) -> set[str]:
    names = set()
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
            targets = [statement.target]
        names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return {name for name in names if not (name.startswith("__") and name.endswith("__"))}


def _text(lines: list[str], node: _Definition) -> str:
    return textwrap.dedent("".join(lines[_first_line(node) - 1 : node.end_lineno]))


def _codes_of(target: type | types.FunctionType) -> list[types.CodeType]:
    """A function's code; for a class, the code of each of its own methods (Python keeps no code for a class)."""
    if isinstance(target, types.FunctionType):
        return [target.__code__]
    codes = []
    for member in vars(target).values():
        inner = getattr(member, "__func__", getattr(member, "fget", member))  # classmethod, staticmethod, property
        function = inspect.unwrap(inner) if callable(inner) else None
        if isinstance(function, types.FunctionType) and function.__qualname__.startswith(f"{target.__qualname__}."):
            codes.append(function.__code__)
    return codes


def _first_line(node: _Definition) -> int:
    return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])


def _written(value: object) -> str | None:
    """How a constant is written in the captured module (None: it cannot be): its repr, with float('inf') and
    float('nan') where repr writes the names inf and nan; a union of builtin types and None as ``int | None``."""
    if _is_union(value):
        names = [_builtin_name(member) for member in typing.get_args(value)]
        return " | ".join(name for name in names if name) if all(names) else None
    if not _is_constant(value, 0):
        return None
    try:
        text = repr(value)
    except ValueError:  # an int of more digits than Python writes
        return None
    if "inf" not in text and "nan" not in text:  # the common case, without tokenizing: submits check it each time
        return text
    pieces, end = [], 0
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string not in _LITERAL_NAMES:
            if token.string not in _NON_FINITE:
                return None  # inf or nan in a complex number (infj)
            pieces += [text[end : token.start[1]], _NON_FINITE[token.string]]
            end = token.end[1]
    return "".join(pieces) + text[end:]


def _is_union(value: object) -> bool:
    return isinstance(value, types.UnionType) or typing.get_origin(value) is typing.Union


def _builtin_name(member: object) -> str | None:
    if member is type(None):
        return "None"
    name = getattr(member, "__name__", "")
    return name if getattr(builtins, name, None) is member else None


def _is_constant(value: object, depth: int) -> bool:
    if type(value) in _CONSTANT_TYPES:
        return True
    if depth > _MAX_CONSTANT_DEPTH or type(value) not in _CONTAINER_TYPES:
        return False
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)  # type: ignore[call-overload]
    return all(_is_constant(item, depth + 1) for item in items)


def _noun(target: object) -> str:
    return "class" if isinstance(target, type) else "function"


def _describe(value: object) -> str:
    kind = type(value)
    if isinstance(value, io.IOBase):
        return f"an open file or stream ({kind.__module__}.{kind.__qualname__}), which cannot travel"
    return f"a {kind.__module__}.{kind.__qualname__} object, which cannot travel (only imports and constants do)"
