"""Loading the extension into a Jupyter server: the service thread, the change feed and the handlers."""

from __future__ import annotations

from typing import Any

from ._config import WorkflowsPanel
from ._handlers import handlers
from ._kernels import ServerKernels
from ._live import ChangeFeed
from ._service import PanelService

__all__ = ["load_extension", "unload_extension"]


def load_extension(serverapp: Any) -> None:
    settings = WorkflowsPanel(config=serverapp.config)
    service = PanelService(settings.store(), settings.broker())
    web_app = serverapp.web_app
    web_app.settings["jupyter_workflows_service"] = service
    kernels = ServerKernels(serverapp.kernel_manager)
    web_app.settings["jupyter_workflows_kernels"] = kernels
    web_app.settings["jupyter_workflows_feed"] = ChangeFeed(service, settings.poll_interval, kernels.pids)
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    serverapp.log.info("jupyter_workflows: the Workflows panel's API serves the store %s", service.store_text)


def unload_extension(serverapp: Any) -> None:
    service = serverapp.web_app.settings.pop("jupyter_workflows_service", None)
    if service is not None:
        service.close()
