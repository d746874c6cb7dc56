"""pytest-jupyter's real Jupyter server (jp_fetch, jp_ws_fetch) with the Workflows panel's extension, on a store of
SQLite or PostgreSQL (``store_url``)."""

from __future__ import annotations

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (jp_serverapp, jp_fetch, jp_ws_fetch, ...)


@pytest.fixture
def panel_store_url(store_url: str) -> str:
    return store_url


@pytest.fixture
def jp_server_config(panel_store_url: str) -> dict[str, object]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_workflows.server": True}},
        "WorkflowsPanel": {"store_url": panel_store_url, "poll_interval": 0.05},
    }
