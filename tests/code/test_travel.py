"""Code defined in ``__main__`` runs in processes that never saw it: captured once into the store (content
addressed, also when two programs submit at once), loaded there in a fresh module; what cannot be loaded says why
and how to fix it. Importable classes keep their module path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, update

import jupyter_workflows as jw
from jupyter_workflows._code import capture_for_travel
from jupyter_workflows.store._schema import code
from jupyter_workflows.testing import provenance_problems, temporary_store
from tests.crash.workflows import Campaign, add

from ._notebook import CALLS, expected_total, write_script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NAMES = ("Survey", "Child", "add.process_class", "slow_add.process_class")


def python(*arguments: object, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def submit_from_script(url: str, tmp_path: Path, count: int = 1) -> dict[str, Any]:
    outcome: dict[str, Any] = json.loads(python(write_script(tmp_path / "notebook.py"), url, "submit", count, 0.01))
    return outcome


def elsewhere(url: str, *arguments: object, env: dict[str, str] | None = None) -> dict[str, Any]:
    outcome: dict[str, Any] = json.loads(python(HERE / "elsewhere.py", url, *arguments, env=env).splitlines()[-1])
    return outcome


def stored_code(url: str) -> list[str]:
    """The sha256 of every row of the code table: captured code, and the source files that runs of process
    functions record (the script's, and for a run of captured code that code itself)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(select(code.c.sha256)).scalars())
    finally:
        engine.dispose()


def script_sha(tmp_path: Path) -> str:
    return hashlib.sha256((tmp_path / "notebook.py").read_text().encode()).hexdigest()


def test_a_scripts_workchain_runs_in_a_process_that_never_saw_it(store_url, tmp_path):
    submitted = submit_from_script(store_url, tmp_path)
    path = submitted["path"]
    sha = path.split(":")[1]
    assert path == f"code:{sha}:Survey" and len(sha) == 64
    assert submitted["add"] == ["__main__:add.process_class", f"code:{sha}:add.process_class"]
    paths = sorted(f"code:{sha}:{name}" for name in NAMES)
    ran = elsewhere(store_url, "run", path, 4)
    assert (ran["state"], ran["outputs"], ran["classes"]) == ("finished", {"total": expected_total(4)}, paths)
    rebuilt = elsewhere(store_url, "builder", submitted["pks"][0])  # get_builder_restart() there, with n=2
    assert (rebuilt["outputs"], rebuilt["classes"]) == ({"total": expected_total(2)}, paths)
    with temporary_store(store_url):
        survey = jw.load_node(submitted["pks"][0])
        assert survey.outputs.total.value == expected_total(3)
        called = {child.process_class_path for child in survey.called}
        assert called == {f"code:{sha}:Child", f"code:{sha}:add.process_class"}
    assert stored_code(store_url) == sorted({sha, script_sha(tmp_path)})
    loaded = elsewhere(store_url, "load", f"code:{sha}:add.process_class")
    assert loaded == {"module": f"_jw_code_{sha}", "process_type": "__main__.add"}  # caching rules name it so there


def test_two_programs_submitting_at_once_store_the_code_once(store_url, tmp_path):
    script = write_script(tmp_path / "notebook.py")
    programs = [
        subprocess.Popen(
            [sys.executable, str(script), store_url, "submit", "12", "0.01"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = []
    for program in programs:
        stdout, stderr = program.communicate(timeout=600)
        assert program.returncode == 0, stderr[-3000:]
        outcomes.append(json.loads(stdout))
    assert outcomes[0]["path"] == outcomes[1]["path"]
    sha = outcomes[0]["path"].split(":")[1]
    assert stored_code(store_url) == sorted({sha, script_sha(tmp_path)})
    with temporary_store(store_url) as store:
        expected = {**CALLS, "Survey": 3 + 1}
        assert provenance_problems(store, expected_calls=expected) == []
        surveys = [jw.load_node(pk) for outcome in outcomes for pk in outcome["pks"]]
        assert [survey.outputs.total.value for survey in surveys] == [expected_total(3)] * 24
        classes = {row.attributes["process_class"] for row in store.query_processes()}
        assert {path.rsplit(":", 1)[1] for path in classes if path.startswith(f"code:{sha}:")} == set(NAMES)
        assert classes - {f"code:{sha}:{name}" for name in NAMES} == {"__main__:add.process_class"}


def test_a_process_can_refuse_stored_code(store_url, tmp_path):
    path = submit_from_script(store_url, tmp_path)["path"]
    sha = path.split(":")[1]
    refused = elsewhere(store_url, "run", path, 1, env={"JUPYTER_WORKFLOWS_ALLOW_STORED_CODE": "0"})["error"]
    assert refused == (
        f"Survey is notebook code kept in the store (sha256 {sha[:12]}), and this process refuses to run stored code "
        "(JUPYTER_WORKFLOWS_ALLOW_STORED_CODE=0). Move Survey into a module this process can import, or allow stored "
        "code here (unset JUPYTER_WORKFLOWS_ALLOW_STORED_CODE)."
    )


def test_code_missing_from_the_store_or_changed_in_it_is_not_run(store_url, tmp_path):
    path = submit_from_script(store_url, tmp_path)["path"]
    sha = path.split(":")[1]
    missing = elsewhere(store_url, "load", f"code:{'0' * 64}:Survey")["error"]
    assert missing.startswith("The code of Survey (sha256 000000000000) is not in the store ")
    assert missing.endswith("launch it again from its notebook with this store configured.")
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(code).values(source=code.c.source + "\nimport os\n"))
    finally:
        engine.dispose()
    changed = elsewhere(store_url, "load", path)["error"]
    assert f"does not match its sha256 {sha[:12]}: it was changed after it was stored, and will not be run" in changed


def test_code_whose_import_is_missing_elsewhere_names_what_to_install(sqlite_url, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "shifts.py").write_text("SHIFT = 5\n")
    script = tmp_path / "notebook.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(library)!r})
            import shifts
            import jupyter_workflows as jw
            from jupyter_workflows import calcfunction
            from jupyter_workflows._code import capture_for_travel

            @calcfunction
            def shifted(x):
                return x + shifts.SHIFT

            jw.configure(store=sys.argv[1])
            print(capture_for_travel(shifted))
            """
        )
    )
    path = python(script, sqlite_url).strip()
    failed = elsewhere(sqlite_url, "load", path)["error"]
    assert failed == (
        f"The code of shifted (sha256 {path.split(':')[1][:12]}) failed to load in this process: ModuleNotFoundError: "
        "No module named 'shifts'. Install shifts in this process's environment."
    )


def test_importable_processes_travel_as_their_module_path(store):
    assert capture_for_travel(Campaign) == "tests.crash.workflows:Campaign"
    assert capture_for_travel(add) == "tests.crash.workflows:add.process_class"
    assert store.load_code("0" * 64) is None
