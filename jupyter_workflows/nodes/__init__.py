"""Nodes of the provenance graph: data (Int, Float, Str, Bool, List, Dict, ArrayData, EnumData) and process
nodes."""

from ._array import ArrayData as ArrayData
from ._base import NodeAttributes as NodeAttributes, NodeBase as NodeBase
from ._data import (
    Bool as Bool,
    Data as Data,
    Dict as Dict,
    Float as Float,
    Int as Int,
    List as List,
    NumericType as NumericType,
    Str as Str,
    get_false_node as get_false_node,
    get_true_node as get_true_node,
    to_node as to_node,
)
from ._enum import EnumData as EnumData
from ._extras import NodeExtras as NodeExtras
from ._generic import GenericData as GenericData
from ._links import (
    LinkManager as LinkManager,
    LinkTriple as LinkTriple,
    NodeLinks as NodeLinks,
    flat_namespace as flat_namespace,
)
from ._log import LogCollection as LogCollection, LogEntry as LogEntry, NodeLog as NodeLog
from ._node import Node as Node, load_node as load_node
from ._process_node import (
    CalcFunctionNode as CalcFunctionNode,
    CalculationNode as CalculationNode,
    ProcessNode as ProcessNode,
    WorkChainNode as WorkChainNode,
    WorkflowNode as WorkflowNode,
    WorkFunctionNode as WorkFunctionNode,
    find_process_class as find_process_class,
    process_node_of as process_node_of,
    process_nodes_of as process_nodes_of,
)

__all__ = [
    "ArrayData",
    "Bool",
    "CalcFunctionNode",
    "CalculationNode",
    "Data",
    "Dict",
    "EnumData",
    "Float",
    "GenericData",
    "Int",
    "LinkManager",
    "LinkTriple",
    "List",
    "LogCollection",
    "LogEntry",
    "Node",
    "NodeAttributes",
    "NodeBase",
    "NodeExtras",
    "NodeLinks",
    "NodeLog",
    "NumericType",
    "ProcessNode",
    "Str",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "find_process_class",
    "flat_namespace",
    "get_false_node",
    "get_true_node",
    "load_node",
    "process_node_of",
    "process_nodes_of",
    "to_node",
]
