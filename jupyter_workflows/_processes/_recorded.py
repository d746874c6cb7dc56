"""What every process node records of the code that ran, beside its class: AiiDA's ``version`` (of the engine and of
the package that defines the process) and, for a process function, where its source is, with the text of its source
file kept once per store in the store's content-addressed code table (``node.get_source_code_file()``)."""

from __future__ import annotations

import hashlib
import importlib
import sys
import weakref
from typing import Any

from .._core import Process
from .._version import __version__
from ..nodes._function_source import SOURCE_FILE
from ..store import Store

__all__ = ["recorded_attributes"]

_found: weakref.WeakKeyDictionary[type[Process], tuple[dict[str, Any], str | None, str | None]] = (
    weakref.WeakKeyDictionary()
)
_saved: weakref.WeakKeyDictionary[Store, set[str]] = weakref.WeakKeyDictionary()


def recorded_attributes(process_class: type[Process], store: Store | None) -> dict[str, Any]:
    """The attributes a new node of ``process_class`` records of its code (found once per class); the source file
    is saved in ``store`` the first time (None: the run stores nothing)."""
    found = _found.get(process_class)
    if found is None:
        found = _found[process_class] = _find(process_class)
    attributes, sha256, text = found
    if store is not None and sha256 is not None and text is not None:
        saved = _saved.setdefault(store, set())
        if sha256 not in saved:
            store.save_code(sha256, text)
            saved.add(sha256)
    return attributes


def _find(process_class: type[Process]) -> tuple[dict[str, Any], str | None, str | None]:
    source, text = process_class.recorded_source()
    version = {"core": __version__}
    plugin = _package_version(source.get("function_namespace") or process_class.__module__)
    if plugin is not None:
        version["plugin"] = plugin
    attributes: dict[str, Any] = {"version": version, **source}
    sha256 = hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest() if text is not None else None
    if sha256 is not None:
        attributes[SOURCE_FILE] = sha256
    return attributes, sha256, text


def _package_version(module: str) -> str | None:
    """``__version__`` of the top-level package of ``module`` (AiiDA's ``version.plugin``), if it has one."""
    top = module.split(".", 1)[0]
    try:
        package = sys.modules.get(top) or importlib.import_module(top)
    except ImportError:
        return None
    version = getattr(package, "__version__", None)
    return version if isinstance(version, str) else None
