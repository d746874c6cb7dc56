"""Code that travels: process functions and WorkChains defined in a notebook (``__main__``), captured with what they
use, kept in the store under their sha256, and run by other OS processes (daemon workers, a kernel resuming an
orphan) in a fresh module. See ``_capture`` for what travels and ``_travel`` for how, and what is trusted."""

from ._capture import CapturedCode as CapturedCode, capture as capture
from ._travel import (
    ALLOW_STORED_CODE_ENV as ALLOW_STORED_CODE_ENV,
    capture_for_travel as capture_for_travel,
    class_path as class_path,
    is_code_path as is_code_path,
    load_stored_class as load_stored_class,
    origin_module as origin_module,
)

__all__ = [
    "ALLOW_STORED_CODE_ENV",
    "CapturedCode",
    "capture",
    "capture_for_travel",
    "class_path",
    "is_code_path",
    "load_stored_class",
    "origin_module",
]
