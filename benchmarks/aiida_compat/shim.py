"""The stand-in ``aiida`` and ``plumpy`` packages that aiida-core's tests import instead of the real ones.

Every module of the stand-in resolves the names asked of it against jupyter_workflows' public surface: the same name
(or the renamed one in ``RENAMES``) in ``jupyter_workflows`` or one of its public subpackages. A name that is not
there comes back as a stand-in class that can be named, passed around and subclassed (so a module that only mentions
it still imports), but fails with an ``AttributeError`` at any real use: calling it, reading an attribute, an
``isinstance`` check. No engine behaviour lives here.

``write_shim(directory, tests)`` writes the packages, and this module as ``aiida_compat_shim`` next to them;
``run.py`` puts the directory first on ``sys.path``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import shutil
from pathlib import Path
from typing import Any, NoReturn

# Public namespaces searched in this order. Top-level names come first; the subpackages are public too.
JW_NAMESPACES = (
    "jupyter_workflows",
    "jupyter_workflows.nodes",
    "jupyter_workflows.functions",
    "jupyter_workflows.workchains",
    "jupyter_workflows.launch",
    "jupyter_workflows.control",
    "jupyter_workflows.store",
)

# AiiDA names whose concept jupyter_workflows has under another name: AiiDA's dotted name -> jupyter_workflows'
# name (a dotted name is looked up from the package). Keep README.md's table in step.
RENAMES = {
    "aiida.__version__": "__version__",
    "aiida.orm.to_aiida_type": "nodes.to_node",
    "aiida.manage.get_manager": "testing.get_runtime",
    "aiida.orm.Log": "nodes.LogEntry",
    "aiida.orm.logs.Log": "nodes.LogEntry",
    "aiida.common.exceptions.InvalidOperation": "InvalidOperationError",
    "aiida.common.InvalidOperation": "InvalidOperationError",
}

CALCJOB = "calcjob"
QUERYBUILDER = "querybuilder"
RUNNER = "runner"
PLUMPY = "plumpy"
PLUGINS = "plugins"

# Out-of-scope AiiDA names (rules in README.md): stand-ins that say so when used.
OUT_OF_SCOPE = {
    **dict.fromkeys(
        [
            "CalcJob",
            "CalcJobNode",
            "CalculationFactory",
            "InstalledCode",
            "Computer",
            "RemoteData",
            "FolderData",
            "SinglefileData",
            "CalcInfo",
            "CodeInfo",
            "CALC_JOB_DRY_RUN_BASE_PATH",
        ],
        CALCJOB,
    ),
    "QueryBuilder": QUERYBUILDER,
    "ObjectLoader": RUNNER,
    "Awaitable": RUNNER,
}
OUT_OF_SCOPE_PACKAGES = {"plumpy": PLUMPY, "aiida.workflows": PLUGINS}
# AiiDA's plugin factories are called at import time (``CalculationFactory('core.arithmetic.add')``): the call
# itself gives a stand-in for the plugin, which fails when used.
FACTORIES = {"CalculationFactory"}

# AiiDA modules the stand-in always has, besides every module the tests import.
BASE_MODULES = [
    "aiida.common.exceptions",
    "aiida.common.links",
    "aiida.engine.launch",
    "aiida.engine.processes.builder",
    "aiida.engine.processes.functions",
    "aiida.engine.processes.ports",
    "aiida.engine.processes.process",
    "aiida.engine.processes.workchains.restart",
    "aiida.engine.processes.workchains.utils",
    "aiida.engine.processes.workchains.workchain",
    "aiida.manage.caching",
    "aiida.orm",
    "aiida.plugins",
    "plumpy.utils",
]


class NotInJupyterWorkflows(AttributeError):
    """An AiiDA name that jupyter_workflows' public surface does not have."""


class OutOfScope(AttributeError):
    """An AiiDA name of a concept the measurement sets aside (CalcJob, QueryBuilder, runner and plumpy internals)."""


# Set by ``run.py --update-inventory``: stand-ins then fail at no use, so that every test file imports and pytest
# can list its tests whatever jupyter_workflows has.
PERMISSIVE = bool(os.environ.get("COMPAT_PERMISSIVE"))


# Every failure a stand-in raised, and every stand-in whose repr was taken (as a message about it is built): a test
# that passes although one of these happened during it (the error was caught, or jupyter_workflows refused the
# stand-in with an error the test expected) counts as failed (report.py).
TOUCHED: list[AttributeError] = []


class StandIn(type):
    """Metaclass of the stand-ins: a class that fails with its error on any use but naming and subclassing.

    Implicit lookups of special methods (``__init__``, ``__str__``) go to the class, not here: those are Exception's.
    """

    failure: AttributeError

    def fail(cls) -> NoReturn:
        TOUCHED.append(cls.failure)
        raise type(cls.failure)(*cls.failure.args)

    def __getattr__(cls, name: str) -> Any:
        if PERMISSIVE and not name.startswith("__"):
            return cls
        cls.fail()

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if PERMISSIVE:
            return cls
        cls.fail()

    def __instancecheck__(cls, instance: Any) -> bool:
        if PERMISSIVE:
            return False
        cls.fail()

    def __subclasscheck__(cls, subclass: type) -> bool:
        if PERMISSIVE:
            return False
        cls.fail()

    def __repr__(cls) -> str:
        TOUCHED.append(cls.failure)
        return f"<stand-in {cls.__qualname__}: {cls.failure}>"


def stand_in(module: str, name: str, failure: AttributeError) -> StandIn:
    # An Exception subclass, so that ``pytest.raises(stand_in)`` gets as far as checking the exception raised
    # (which fails with the stand-in's error); Exception's __init__ also keeps pytest from collecting a Test* subclass.
    return StandIn(name, (Exception,), {"failure": failure, "__module__": module})


def out_of_scope(module: str, name: str, rule: str) -> StandIn:
    return stand_in(module, name, OutOfScope(f"{name} is out of scope ({rule})\n(as {module}.{name})"))


def factory(module: str, name: str, rule: str) -> Any:
    """A plugin factory whose plugins are out of scope: the plugin it gives is a stand-in named by its entry point."""

    def make(entry_point: str, *args: Any, **kwargs: Any) -> StandIn:
        failure = OutOfScope(f"{name}({entry_point!r}) is out of scope ({rule})\n(as {module}.{name})")
        return stand_in(module, entry_point, failure)

    return make


class AttributeDict(dict[str, Any]):
    """A dict whose keys read as attributes (AiiDA's ``aiida.common.AttributeDict``: a test utility here)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as error:
            raise AttributeError(key) from error

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


class Capturing(contextlib.redirect_stdout[io.StringIO]):
    """Swallow what the block prints (AiiDA's ``aiida.common.utils.Capturing``: a test utility here)."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())


def override(method: Any) -> Any:
    """AiiDA's ``aiida.common.lang.override`` marks a method as overriding one; a test utility here."""
    return method


# Python helpers of AiiDA's test tooling, not engine API: the harness provides them when jupyter_workflows does not.
TEST_UTILITIES = {"AttributeDict": AttributeDict, "Capturing": Capturing, "override": override}


def _from_jupyter_workflows(jw_name: str) -> tuple[bool, Any]:
    if "." in jw_name:
        package, _, attribute = jw_name.rpartition(".")
        module = importlib.import_module(f"jupyter_workflows.{package}")
        return hasattr(module, attribute), getattr(module, attribute, None)
    for namespace in JW_NAMESPACES:
        module = importlib.import_module(namespace)
        if jw_name in getattr(module, "__all__", ()) or (namespace == "jupyter_workflows" and hasattr(module, jw_name)):
            return True, getattr(module, jw_name)
    return False, None


def resolve(module: str, name: str) -> Any:
    """The value of ``module.name`` for aiida-core's tests (see the module docstring)."""
    dotted = f"{module}.{name}"
    if name.startswith("__") and dotted not in RENAMES:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    found, value = _from_jupyter_workflows(RENAMES.get(dotted, name))
    if found:
        return value
    if name in TEST_UTILITIES:
        return TEST_UTILITIES[name]
    rule = OUT_OF_SCOPE.get(name) or next(
        (rule for package, rule in OUT_OF_SCOPE_PACKAGES.items() if f"{module}.".startswith(f"{package}.")), None
    )
    if rule is not None:
        return factory(module, name, rule) if name in FACTORIES else out_of_scope(module, name, rule)
    wanted = RENAMES.get(dotted, name)
    failure = NotInJupyterWorkflows(f"jupyter_workflows has no {wanted!r}\n(wanted as {dotted})")
    return stand_in(module, name, failure)


def module_getattr(module: str) -> Any:
    """The ``__getattr__`` of a stand-in module: a stand-in submodule, else ``resolve``."""

    def __getattr__(name: str) -> Any:
        if importlib.util.find_spec(f"{module}.{name}") is not None:
            return importlib.import_module(f"{module}.{name}")
        return resolve(module, name)

    return __getattr__


def imported_modules(source: str) -> set[str]:
    """The ``aiida``/``plumpy`` modules a Python source imports (``from aiida.x import y`` counts ``aiida.x``)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return {module for module in modules if module.split(".")[0] in {"aiida", "plumpy"}}


def write_shim(directory: Path, tests: list[Path]) -> list[str]:
    """Write the stand-in packages for what ``tests`` import into ``directory``; return the module names."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(__file__, directory / "aiida_compat_shim.py")
    modules = set(BASE_MODULES)
    for path in tests:
        modules |= imported_modules(path.read_text())
    for module in list(modules):
        parts = module.split(".")
        modules.update(".".join(parts[:end]) for end in range(1, len(parts)))
    for module in sorted(modules):
        package = directory.joinpath(*module.split("."))
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(
            f'"""Stand-in for {module}, written by benchmarks/aiida_compat/shim.py."""\n\n'
            "from aiida_compat_shim import module_getattr\n\n"
            "__getattr__ = module_getattr(__name__)\n"
        )
    return sorted(modules)
