"""The Workflows panel with 100,000 processes in the store. Prints one JSON object.

    python benchmarks/panel.py [--processes 100000] [--store sqlite|postgresql] [--requests 50] [--no-browser]

- list_endpoint_ms: a real Jupyter server with the panel's extension answers GET /workflows/api/processes (and
  /counts) over HTTP on loopback; median and p99 of ``--requests`` requests per query: the newest page, a page deep
  in the list (keyset cursor), rare and common state filters, a label search, the tree view's top-level page, the
  orphaned owner filter, a page with its total count, the counts per state.
- state_change_to_panel_ms (``--no-browser`` leaves it out): JupyterLab in headless Debian chromium with the panel
  open; another process commits a change of a process on the first page (paused on, off), and the page records when
  the panel's row shows it. Both clocks are this machine's wall clock (ms).

The store: ``--processes`` process rows, a quarter of them top-level WorkChains each calling three calcfunctions,
one Int input node per process (so data and process rows interleave in pk order, as in real use), the 200 newest
top-level WorkChains unterminated with an owner that died (orphaned) and 1% excepted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.postgres import fresh_database, store_url  # noqa: E402
from jupyter_workflows.store import LinkRow, LinkType, NodeRow, OwnerRow, Store  # noqa: E402


def populate(url: str, processes: int) -> dict[str, int]:
    """Write the store described in the module's docstring, a thousand campaign members per transaction."""
    now = time.time()
    with Store(url) as store:
        store.register_owner(OwnerRow("kernel-gone", socket.gethostname(), 2**22 + 17, "kernel", now - 100, 0.0))
        tops, orphans = processes // 4, 200
        for start in range(0, tops, 1000):
            members = range(start, min(tops, start + 1000))
            rows = [row for i in members for row in _member_rows(i, now - (tops - i), i >= tops - orphans)]
            with store.transaction():
                pks = store.insert_nodes(rows)
                store.insert_links(link for n in range(len(members)) for link in _member_links(pks[8 * n : 8 * n + 8]))
        nodes = store.count_nodes()
    if url.startswith("postgresql"):  # the statistics autovacuum would gather soon after a bulk load like this one
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute("ANALYZE")
    return {"processes": 4 * tops, "nodes": nodes}


def _member_rows(i: int, ctime: float, orphan: bool) -> list[NodeRow]:
    """One top-level WorkChain with its input, and three calcfunction children with theirs: 4 processes."""
    state = "waiting" if orphan else "excepted" if i % 100 == 7 else "finished"
    rows = [NodeRow(0, str(uuid.uuid4()), "data.Int", ctime=ctime, attributes={"value": i})]
    rows.append(NodeRow(0, str(uuid.uuid4()), "process.workchain", ctime=ctime, process_label=f"Campaign{i % 50}",
                        process_state=state, exit_status=0 if state == "finished" else None,
                        exception="Traceback ...\nValueError: bad" if state == "excepted" else None,
                        owner="kernel-gone" if orphan else None, sealed=not orphan))  # fmt: skip
    for _ in range(3):
        rows.append(NodeRow(0, str(uuid.uuid4()), "data.Int", ctime=ctime, attributes={"value": i}))
        rows.append(NodeRow(0, str(uuid.uuid4()), "process.calcfunction", ctime=ctime, process_label="add",
                            process_state="finished", exit_status=0, sealed=True))  # fmt: skip
    return rows


def _member_links(pks: list[int]) -> list[LinkRow]:
    top = pks[1]
    links = [LinkRow(pks[0], top, LinkType.INPUT_WORK, "x")]
    for n in range(3):
        data, calc = pks[2 + 2 * n], pks[3 + 2 * n]
        links += [LinkRow(data, calc, LinkType.INPUT_CALC, "x"), LinkRow(top, calc, LinkType.CALL_CALC, f"CALL_{n}")]
    return links


@contextlib.contextmanager
def fresh_store(choice: str, directory: str) -> Iterator[str]:
    if choice != "postgresql":
        yield f"sqlite:///{directory}/provenance.sqlite"
        return
    with fresh_database("jw_bench_panel") as name:
        yield store_url(name)


def server_environment(directory: Path, url: str) -> dict[str, str]:
    """The panel's labextension and server extension found as an installed package has them."""
    data, config = directory / "data" / "labextensions", directory / "config" / "jupyter_server_config.d"
    data.mkdir(parents=True)
    config.mkdir(parents=True)
    (data / "jupyter-workflows").symlink_to(ROOT / "jupyter_workflows" / "labextension")
    shutil.copy(ROOT / "jupyter-config" / "jupyter_server_config.d" / "jupyter_workflows.json", config)
    return {"JUPYTER_PATH": str(directory / "data"), "JUPYTER_CONFIG_PATH": str(directory / "config"),
            "JUPYTER_WORKFLOWS_STORE": url, "PYTHONPATH": str(ROOT)}  # fmt: skip


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 2), "p99": round(p99, 2), "n": len(ordered)}


def fetch(base: str, token: str, path: str) -> tuple[float, Any]:
    started = time.perf_counter()
    with urllib.request.urlopen(f"{base}/workflows/api/{path}{'&' if '?' in path else '?'}token={token}") as answer:
        body = json.loads(answer.read())
    return (time.perf_counter() - started) * 1000, body


def list_latencies(base: str, token: str, requests: int) -> dict[str, Any]:
    _, first = fetch(base, token, "processes?limit=50")
    middle = first["items"][0]["pk"] // 2
    queries = {
        "newest_page": "processes?limit=50",
        "page_in_the_middle": f"processes?limit=50&before={middle}",
        "state_excepted": "processes?limit=50&state=excepted",
        "state_finished_deep": f"processes?limit=50&state=finished&before={middle}",
        "state_active": "processes?limit=50&state=active",
        "label_search": "processes?limit=50&text=campaign7",
        "tree_top_level": "processes?limit=50&top=1",
        "owner_orphaned": "processes?limit=50&owner=orphaned",
        "newest_page_with_total": "processes?limit=50&total=1",
        "counts_per_state": "counts",
    }
    figures: dict[str, Any] = {}
    for name, path in queries.items():
        fetch(base, token, path)  # warm
        figures[name] = percentiles([fetch(base, token, path)[0] for _ in range(requests)])
    return figures


WATCH = """
(pk) => {
  window.__seen = [];
  const table = document.querySelector('.jw-panel-table');
  let last = table.querySelector(`tr[data-pk="${pk}"] .jw-panel-badge`)?.textContent;
  new MutationObserver(() => {
    const state = table.querySelector(`tr[data-pk="${pk}"] .jw-panel-badge`)?.textContent;
    if (state && state !== last) { last = state; window.__seen.push([state, Date.now()]); }
  }).observe(table, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def panel_latencies(lab_url: str, token: str, url: str, changes: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser._lab import CHROMIUM, CHROMIUM_ARGS

    with Store(url) as store, sync_playwright() as playwright:
        (pk,) = [row.pk for row in store.page_processes(_orphans(), limit=1)]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(f"{lab_url}/lab?token={token}")
        page.locator(".jp-SideBar [data-id='jupyter-workflows-panel']").first.click()
        page.locator(f".jw-panel-table tr[data-pk='{pk}']").wait_for(timeout=60_000)
        page.evaluate(WATCH, pk)
        samples = []
        for n in range(changes):
            paused = n % 2 == 0
            store.update_node(pk, paused=paused)
            committed = time.time() * 1000
            expected = "paused · orphaned" if paused else "waiting · orphaned"
            shown_after = f"() => window.__seen.find(([s, t]) => s === {expected!r} && t >= {committed - 5})"
            try:
                page.wait_for_function(shown_after, timeout=10_000)
            except Exception:
                page.screenshot(path="/tmp/jw-bench-panel-failure.png")
                print("\n".join(console[-30:]), file=sys.stderr)
                raise
            samples.append(page.evaluate(shown_after)[1] - committed)
            time.sleep(0.3)
        browser.close()
    return percentiles(samples)


def _orphans() -> Any:
    from jupyter_workflows.store import ProcessQuery

    return ProcessQuery(states=("waiting",))


@contextlib.contextmanager
def jupyter_server(directory: Path, url: str, app: str) -> Iterator[tuple[str, str]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = uuid.uuid4().hex
    env = {**os.environ, **server_environment(directory, url)}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        (directory / name.lower()).mkdir()
        env[name] = str(directory / name.lower())
    command = [
        *(sys.executable, "-m", app, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1"),
        *(f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={directory}", "--ServerApp.port_retries=0"),
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (directory / "server.log").open("w")
    with subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=directory) as server:
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    fetch(base, token, "status")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError((directory / "server.log").read_text()[-3000:]) from None
                    time.sleep(0.2)
            yield base, token
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
            if os.environ.get("JW_BENCH_PANEL_LOG"):
                shutil.copy(directory / "server.log", os.environ["JW_BENCH_PANEL_LOG"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jw-bench-panel-") as tmp, fresh_store(args.store, tmp) as url:
        started = time.perf_counter()
        store_info = populate(url, args.processes)
        result: dict[str, Any] = {"store": args.store, **store_info,
                                  "populate_s": round(time.perf_counter() - started, 1)}  # fmt: skip
        app = "jupyterlab" if not args.no_browser else "jupyter_server"
        with jupyter_server(Path(tmp), url, app) as (base, token):
            result["list_endpoint_ms"] = list_latencies(base, token, args.requests)
            if not args.no_browser:
                result["state_change_to_panel_ms"] = panel_latencies(base, token, url, args.changes)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
