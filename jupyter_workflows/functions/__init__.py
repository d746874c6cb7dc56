"""What users write: process functions, ``@calcfunction`` and ``@workfunction``."""

from ._functions import (
    FunctionProcess as FunctionProcess,
    ProcessFunction as ProcessFunction,
    calcfunction as calcfunction,
    workfunction as workfunction,
)

__all__ = ["FunctionProcess", "ProcessFunction", "calcfunction", "workfunction"]
