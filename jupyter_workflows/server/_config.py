"""Where the panel finds the store and the broker: the package's own configuration (``$JUPYTER_WORKFLOWS_STORE``,
``$JUPYTER_WORKFLOWS_BROKER``), which the server's config may replace (``c.WorkflowsPanel.store_url = ...`` in
``jupyter_server_config.py``, or ``--WorkflowsPanel.store_url=...`` on the command line)."""

from __future__ import annotations

import os

from traitlets import Float, Unicode
from traitlets.config import Configurable

from ..store import default_store_url

__all__ = ["BROKER_URL_ENV", "WorkflowsPanel"]

BROKER_URL_ENV = "JUPYTER_WORKFLOWS_BROKER"


class WorkflowsPanel(Configurable):
    """Settings of the Workflows panel's server extension."""

    store_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the provenance store; empty: $JUPYTER_WORKFLOWS_STORE, else the local SQLite file.",
    )
    broker_url = Unicode(
        "",
        config=True,
        help="AMQP URL of the broker whose state broadcasts push updates; empty: $JUPYTER_WORKFLOWS_BROKER, else none.",
    )
    poll_interval = Float(
        0.05, config=True, help="Seconds between two looks at the store for changes while a panel is open."
    )

    def store(self) -> str:
        return self.store_url or default_store_url()

    def broker(self) -> str | None:
        return self.broker_url or os.environ.get(BROKER_URL_ENV, "").strip() or None
