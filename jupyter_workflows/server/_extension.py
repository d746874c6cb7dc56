"""The extension as the server loads and stops it: the service thread, the change feed and the handlers, made
when the server starts and closed when it stops (so a stopped server leaves no thread and no runtime behind)."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from ._config import WorkflowsPanel
from ._handlers import handlers
from ._kernels import ServerKernels
from ._live import ChangeFeed
from ._service import PanelService

__all__ = ["PanelApp"]


class PanelApp(ExtensionApp):
    """The Workflows panel's server extension (its settings: ``c.WorkflowsPanel...``)."""

    name = "jupyter_workflows"
    load_other_extensions = True

    def initialize_handlers(self) -> None:
        server = self.serverapp
        assert server is not None  # ExtensionApp links the server before it initializes handlers
        settings = WorkflowsPanel(config=server.config)
        self._service = PanelService(settings.store(), settings.broker())
        web_app = server.web_app
        kernels = ServerKernels(server.kernel_manager)
        web_app.settings["jupyter_workflows_service"] = self._service
        web_app.settings["jupyter_workflows_kernels"] = kernels
        web_app.settings["jupyter_workflows_feed"] = ChangeFeed(self._service, settings.poll_interval, kernels.pids)
        web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))  # type: ignore[no-untyped-call]
        self.log.info("jupyter_workflows: the Workflows panel's API serves the store %s", self._service.store_text)

    async def stop_extension(self) -> None:
        self._service.close()
