"""Errors as a notebook user sees them, in a real kernel."""

from __future__ import annotations

import pytest

from jupyter_workflows.testing.kernels import Kernel

pytestmark = pytest.mark.kernel

SECRET_URL = "postgresql+psycopg://alice:s3cret-pw@127.0.0.1:1/workflows"


@pytest.mark.parametrize("call", ["jw.configure()", "jw.processes()", "jw.load_node(1)"])
def test_a_verbose_traceback_never_shows_the_stores_password(call):
    """``%xmode Verbose`` prints every frame's locals: none of this package's frames may hold the password."""
    with Kernel("python3", env={"JUPYTER_WORKFLOWS_STORE": SECRET_URL}) as k:
        assert k.run("%xmode Verbose").status == "ok"
        reply = k.run(f"import jupyter_workflows as jw, jupyter_workflows.store\n{call}")
        assert reply.error is not None and reply.error[0] == "StoreUnreachableError"
        assert "alice:***@127.0.0.1:1/workflows" in reply.traceback  # the frames and their locals were printed
        assert "jupyter_workflows" in reply.traceback
        assert "s3cret-pw" not in reply.traceback + reply.stdout + reply.stderr + str(reply.error)
