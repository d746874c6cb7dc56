"""AiiDA's test fixtures for its engine tests, provided through jupyter_workflows.testing.

``run.py`` copies this file to ``tests/conftest.py`` of the measured suite, in place of aiida-core's own. Fixtures of
concepts that are out of scope are not here (a test asking for one errors with "fixture not found" and is set aside
anyway); their imports go through the stand-in ``aiida`` package like the tests' own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_workflows.testing import Runtime, get_runtime, isolated_runtime


@pytest.fixture(scope="session", autouse=True)
def aiida_profile() -> Iterator[Runtime]:
    """AiiDA: a loaded profile for the whole session. Here: an isolated runtime with a temporary SQLite store."""
    with isolated_runtime() as runtime:
        yield runtime


@pytest.fixture
def aiida_profile_clean(aiida_profile: Runtime) -> Iterator[Runtime]:
    """AiiDA: the profile with its storage emptied. Here: a fresh isolated runtime for the test."""
    with isolated_runtime() as runtime:
        yield runtime


@pytest.fixture
def runner() -> Any:
    """AiiDA: the runner of the loaded profile. Here: the runner of the current runtime."""
    return get_runtime().runner


@pytest.fixture
def aiida_localhost() -> Any:
    """AiiDA: a localhost ``Computer``. Computers belong to CalcJob (out of scope): the stand-in fails when used."""
    from aiida.orm import Computer

    return Computer


@pytest.fixture
def generate_work_chain() -> Any:
    """AiiDA: a function making an instance of a ``WorkChain`` class with the given inputs, without running it."""
    from aiida.engine.utils import instantiate_process

    def _generate_work_chain(process_class: Any, inputs: dict[str, Any] | None = None) -> Any:
        return instantiate_process(get_runtime().runner, process_class, **(inputs or {}))

    return _generate_work_chain


@pytest.fixture
def generate_calculation_node() -> Any:
    """AiiDA: a function making an unstored ``CalculationNode`` in a given state, with given inputs and outputs."""
    from aiida.common.links import LinkType
    from aiida.engine import ProcessState
    from aiida.orm import CalculationNode

    def _generate_calculation_node(
        process_state: Any = ProcessState.FINISHED,
        exit_status: int | None = None,
        entry_point: str | None = None,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
    ) -> Any:
        if process_state is ProcessState.FINISHED and exit_status is None:
            exit_status = 0
        node = CalculationNode(process_type=entry_point)
        node.set_process_state(process_state)
        if exit_status is not None:
            node.set_exit_status(exit_status)
        for label, input_node in (inputs or {}).items():
            node.base.links.add_incoming(input_node, link_type=LinkType.INPUT_CALC, link_label=label)
            input_node.store()
        if outputs:
            node.store()
            for label, output_node in outputs.items():
                output_node.base.links.add_incoming(node, link_type=LinkType.CREATE, link_label=label)
                output_node.store()
        return node

    return _generate_calculation_node
