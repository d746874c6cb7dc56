"""The Workflows panel's server side: a thin Jupyter server extension over the store the kernels write.

REST handlers under ``<base_url>/workflows/api/`` (process pages with filters, counts per state, detail, report,
graph SVG, control) and a WebSocket that pushes changes; every handler is authenticated by the server (token or
cookie, XSRF on writes). Enabled on install by ``jupyter_server_config.d/jupyter_workflows.json``; the front end is
the ``jupyter-workflows`` labextension shipped with the package.
"""

from __future__ import annotations

from ._extension import PanelApp

__all__: list[str] = []


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    return [{"module": "jupyter_workflows.server", "app": PanelApp}]
