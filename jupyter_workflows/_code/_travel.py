"""How code defined in a notebook reaches another OS process (a daemon worker, a kernel that resumes an orphan).

``capture_for_travel(X)`` captures the code of ``X`` (see ``_capture``), keeps it in the store under its sha256 (once)
and from then on the nodes of ``X``'s runs record ``code:<sha256>:<qualname>`` as their process class
(``class_path``). ``load_stored_class`` turns such a path back into the class in any process that opens the store:
it runs the stored source in a fresh module named after the sha (once per process) and looks the name up there.
Classes of importable modules keep ``module:qualname``: the other process imports them.

Trust: whoever can write to the store can make every process that loads stored code run their code, exactly as they
could already forge any provenance there; the store is the trust boundary. A process refuses stored code when
``JUPYTER_WORKFLOWS_ALLOW_STORED_CODE=0``.
"""

from __future__ import annotations

import hashlib
import linecache
import os
import sys
import threading
import types
import weakref
from typing import Any

from .._core import CodeTravelError, Process
from .._runtime import get_runtime, on_loop_thread
from ..store import Store
from ._capture import CapturedCode, capture

__all__ = [
    "ALLOW_STORED_CODE_ENV",
    "capture_for_travel",
    "class_path",
    "is_code_path",
    "load_stored_class",
    "origin_module",
]

ALLOW_STORED_CODE_ENV = "JUPYTER_WORKFLOWS_ALLOW_STORED_CODE"
"""Set to 0 (or false, no, off) to make this process refuse to run code kept in the store."""

_PATH_PREFIX = "code:"
_MODULE_PREFIX = "_jw_code_"
_REFUSING = {"0", "false", "no", "off"}


class _Travelling:
    """What this process knows: captures made here (by object and by sha), modules loaded from the store (by sha),
    and which shas each store holds already."""

    def __init__(self) -> None:
        self.paths: dict[object, tuple[CapturedCode, str]] = {}  # a captured object -> (its capture, its path)
        self.captured: dict[str, CapturedCode] = {}
        self.loaded: dict[str, types.ModuleType] = {}
        self.saved: weakref.WeakKeyDictionary[Store, set[str]] = weakref.WeakKeyDictionary()
        self.lock = threading.RLock()  # code being loaded may load other stored code


_TRAVELLING = _Travelling()


@on_loop_thread
def capture_for_travel(process: Any, store: Store | None = None) -> str:
    """Make ``process`` (a process function or class) runnable by other OS processes that open ``store`` (default:
    the current one), and return the path its nodes record from now on (``class_path`` of its process class).

    Defined in ``__main__`` (a notebook, a script): its code is captured and stored (see ``_capture`` for what travels)
    and the path is ``code:<sha256>:<qualname>``. Defined in a module: ``module:qualname``, imported there. Raises
    CodeTravelError naming what cannot travel. Cheap when nothing changed since the last call."""
    process_class = getattr(process, "process_class", process) if not isinstance(process, type) else process
    if getattr(process, "__module__", None) != "__main__" and "<locals>" not in getattr(process, "__qualname__", ""):
        return class_path(process_class)  # importable, or loaded from the store already
    captured = _current_capture(process)
    if captured is None:
        captured = capture(process, vars(sys.modules["__main__"]))
        _register(captured)
    store = store if store is not None else get_runtime().store
    with _TRAVELLING.lock:
        saved = _TRAVELLING.saved.setdefault(store, set())
    if captured.sha256 not in saved:
        store.save_code(captured.sha256, captured.source)
        saved.add(captured.sha256)
    return class_path(process_class)


def class_path(process_class: Any) -> str:
    """What a process node records as its class: ``code:<sha256>:<qualname>`` for a class whose code travels (captured
    here and unchanged since, or loaded from the store), else ``module:qualname``."""
    module, qualname = process_class.__module__, process_class.__qualname__
    if module.startswith(_MODULE_PREFIX):
        return f"{_PATH_PREFIX}{module.removeprefix(_MODULE_PREFIX)}:{qualname}"
    if module == "__main__":
        known = _TRAVELLING.paths.get(process_class)
        if known is not None and known[0].is_current():
            return known[1]
    return f"{module}:{qualname}"


def is_code_path(path: str) -> bool:
    """Whether a process node's class path names stored code (``code:<sha256>:<qualname>``)."""
    return path.startswith(_PATH_PREFIX)


def origin_module(module_name: str) -> str:
    """The module a definition was written in: ``__main__`` for code loaded from the store, else ``module_name``
    (so that a process function keeps its caching identifier, ``__main__.add``, wherever it runs)."""
    return "__main__" if module_name.startswith(_MODULE_PREFIX) else module_name


def load_stored_class(path: str, store: Store) -> Any:
    """The object ``code:<sha256>:<qualname>`` names: in the process that captured it, its own definition; elsewhere
    the stored code's, run once per process in a fresh module. Raises CodeTravelError naming what failed and the fix."""
    _, sha256, qualname = [*path.split(":", 2), "", ""][:3]
    name = qualname.split(".", 1)[0] or path
    if len(sha256) != 64 or not qualname:
        raise CodeTravelError(f"{path!r} is not a path of stored code; it reads code:<sha256>:<QualName>.")
    captured = _TRAVELLING.captured.get(sha256)
    if captured is not None and captured.is_current():
        target: Any = captured.namespace
    else:
        target = vars(_module(sha256, name, store))
    for part in qualname.split("."):
        target = target.get(part) if isinstance(target, dict) else getattr(target, part, None)
        if target is None:
            raise CodeTravelError(
                f"The code stored for {name} (sha256 {sha256[:12]}) defines no {qualname}; the store holds other "
                "code under that hash than its process recorded. Launch it again from its notebook."
            )
    return target


def _current_capture(process: object) -> CapturedCode | None:
    known = _TRAVELLING.paths.get(process)
    return known[0] if known is not None and known[0].is_current() else None


def _register(captured: CapturedCode) -> None:
    """Make the nodes of the captured definitions' runs record the code's path (see ``class_path``)."""
    with _TRAVELLING.lock:
        stale = [key for key, (old, _) in _TRAVELLING.paths.items() if not old.is_current()]
        for key in stale:
            del _TRAVELLING.paths[key]
        _TRAVELLING.captured[captured.sha256] = captured
        for name, value in captured.definitions().items():
            _TRAVELLING.paths[value] = (captured, f"{_PATH_PREFIX}{captured.sha256}:{name}")
            process_class = getattr(value, "process_class", None)
            if not isinstance(value, type) and isinstance(process_class, type) and issubclass(process_class, Process):
                path = f"{_PATH_PREFIX}{captured.sha256}:{process_class.__qualname__}"
                _TRAVELLING.paths[process_class] = (captured, path)


def _module(sha256: str, name: str, store: Store) -> types.ModuleType:
    """The module of the code stored under ``sha256``, loaded once per process."""
    if os.environ.get(ALLOW_STORED_CODE_ENV, "1").strip().lower() in _REFUSING:
        raise CodeTravelError(
            f"{name} is notebook code kept in the store (sha256 {sha256[:12]}), and this process refuses to run "
            f"stored code ({ALLOW_STORED_CODE_ENV}={os.environ[ALLOW_STORED_CODE_ENV]}). Move {name} into a module "
            f"this process can import, or allow stored code here (unset {ALLOW_STORED_CODE_ENV})."
        )
    with _TRAVELLING.lock:
        module = _TRAVELLING.loaded.get(sha256)
        if module is None:
            module = _TRAVELLING.loaded[sha256] = _run(sha256, name, _stored_source(sha256, name, store))
    return module


def _stored_source(sha256: str, name: str, store: Store) -> str:
    source = store.load_code(sha256)
    if source is None:
        raise CodeTravelError(
            f"The code of {name} (sha256 {sha256[:12]}) is not in the store {store.url}. It was captured into another "
            "store; launch it again from its notebook with this store configured."
        )
    if hashlib.sha256(source.encode("utf-8")).hexdigest() != sha256:
        raise CodeTravelError(
            f"The code stored for {name} in {store.url} does not match its sha256 {sha256[:12]}: it was changed "
            "after it was stored, and will not be run. Launch it again from its notebook."
        )
    return source


def _run(sha256: str, name: str, source: str) -> types.ModuleType:
    """Run ``source`` in a fresh module, kept in ``sys.modules`` (pickle, typing and inspect find it) and its lines in
    ``linecache`` (tracebacks show them)."""
    module_name = f"{_MODULE_PREFIX}{sha256}"
    filename = f"<jupyter_workflows stored code {sha256[:12]}>"
    module = types.ModuleType(module_name, f"Notebook code stored under sha256 {sha256}.")
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    sys.modules[module_name] = module
    try:
        exec(compile(source, filename, "exec"), vars(module))  # the trust boundary: see the module docstring
    except Exception as exc:
        del sys.modules[module_name]
        fix = (
            f"Install {exc.name or 'the module it imports'} in this process's environment."
            if isinstance(exc, ImportError)
            else "It ran in the notebook; give this process the same packages (and versions)."
        )
        raise CodeTravelError(
            f"The code of {name} (sha256 {sha256[:12]}) failed to load in this process: {type(exc).__name__}: "
            f"{exc}. {fix}"
        ) from exc
    return module
