"""Choosing the store: the default file, the environment variable, jw.configure, and clear failures."""

from __future__ import annotations

import subprocess
import sys

import pytest

import jupyter_workflows as jw


def test_unreachable_store_names_url_without_password_and_the_fix():
    with pytest.raises(jw.StoreUnreachableError) as error:
        jw.configure(store="postgresql+psycopg://alice:s3cret-pw@127.0.0.1:1/workflows")
    message = str(error.value)
    assert "s3cret-pw" not in message and "s3cret-pw" not in repr(error.value)
    assert error.value.__cause__ is None and error.value.__context__ is None
    assert "alice:***@127.0.0.1:1/workflows" in message
    assert "jw.configure() with no store goes back to the local SQLite file" in message  # the way back


def test_environment_variable_selects_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'chosen.sqlite'}"
    code = "import jupyter_workflows as jw, jupyter_workflows.testing; print(jw.testing.get_runtime().store.url)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"JUPYTER_WORKFLOWS_STORE": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    ).stdout
    assert out.strip() == url
    assert (tmp_path / "chosen.sqlite").exists()


def test_default_store_lives_under_the_jupyter_data_dir(tmp_path):
    code = "import jupyter_workflows as jw, jupyter_workflows.testing; print(jw.testing.get_runtime().store.url)"
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == f"sqlite:///{tmp_path / 'data' / 'workflows' / 'provenance.sqlite'}"


def test_switching_stores_while_processes_run_is_refused(store, tmp_path):
    import asyncio

    @jw.calcfunction
    async def slow(x):
        await asyncio.sleep(5)
        return x + 1

    node = jw.submit(slow, 1)
    with pytest.raises(jw.StoreError, match=r"1 process\(es\) still run on the current store \(slow<\d+>\)"):
        jw.configure(store=f"sqlite:///{tmp_path / 'other.sqlite'}")
    jw.kill(node)
    jw.wait(node)
