"""The package's layers, as docs/design.md draws them: every import goes downwards (or stays in its own package).

Checked on the source, every import statement included (those inside functions and under TYPE_CHECKING too), so
that a cycle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jupyter_workflows"

# Bottom to top. A module may import from its own package and from any lower layer, never from its layer's
# neighbours or from above.
LAYERS: list[set[str]] = [
    {"_core", "_wire", "_format", "_version"},
    {"store", "broker"},
    {"_runtime"},
    {"_code"},
    {"nodes"},
    {"_processes"},
    {"functions", "workchains"},
    {"launch", "control", "daemon"},
    {"graph", "testing", "archive"},
    {"widgets"},
    {"ipython", "cli", "server", "worker"},
    {"__init__"},
]
LAYER_OF = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to ('nodes' for 'jupyter_workflows.nodes._data'); names
    imported from the package itself that are not modules (``__version__``) belong to its ``__init__``."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] not in LAYER_OF:
        return "__init__"
    return parts[1]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of jupyter_workflows modules in the file."""
    module = "jupyter_workflows." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target == "jupyter_workflows" or target.startswith("jupyter_workflows."):
                top = target == "jupyter_workflows"
                names = [f"{target}.{alias.name}" for alias in node.names] if top else [target]
                found += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("jupyter_workflows.")]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_downwards(path: Path) -> None:
    here = "__init__" if path == PACKAGE / "__init__.py" else path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    assert here in LAYER_OF, f"{here} is not placed in a layer: add it to LAYERS and docs/design.md"
    wrong = [
        f"line {line}: {target}"
        for line, target in imports_of(path)
        if part_of(target) != here and LAYER_OF[part_of(target)] >= LAYER_OF[here]
    ]
    assert not wrong, f"{path.relative_to(PACKAGE)} imports sideways or upwards: {wrong}"


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert parts <= set(LAYER_OF)
