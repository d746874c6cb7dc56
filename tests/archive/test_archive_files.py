"""Archives without aiida-core: the committed archive made by aiida-core 2.9.4 comes in, exports and imports of our
own provenance give it back, and every mistake (a missing path, a file that is no archive, a version too old or too
new, an unstored node, a process still running) ends with an ArchiveError or UsageError that names the fix."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import jupyter_workflows as jw
from jupyter_workflows import ArchiveError, UsageError
from jupyter_workflows.cli import main
from jupyter_workflows.nodes import GenericData
from jupyter_workflows.store import NodeRow
from jupyter_workflows.testing import provenance_problems, temporary_store
from jupyter_workflows.testing.workflows import AddAndMultiply

from ._views import comparable, our_graph, store_view

DATA = Path(__file__).resolve().parents[1] / "data"
MADE_BY_AIIDA = DATA / "aiida-2.9.4-provenance.aiida"
UUIDS = json.loads((DATA / "aiida-2.9.4-provenance.json").read_text())

pytestmark = pytest.mark.usefixtures("store")


def test_the_archive_made_by_aiida_comes_in_once(store) -> None:
    summary = jw.import_archive(MADE_BY_AIIDA)
    assert (summary.nodes_added, summary.nodes_present, summary.generic) == (30, 0, {"StructureData": 1})
    assert "1 node came in as generic data" in str(summary)
    chain = jw.load_node(UUIDS["workchain"])
    assert chain.outputs.sum == 11 and isinstance(chain.outputs.structure, GenericData)
    again = jw.import_archive(MADE_BY_AIIDA)
    assert (again.nodes_added, again.links_added, again.logs_added, again.nodes_present) == (0, 0, 0, 30)
    assert store.count_nodes() == 30
    assert provenance_problems(store) == []


def test_our_provenance_comes_back_from_our_archive(store, tmp_path: Path) -> None:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(1), y=jw.Int(2), z=jw.Int(3))[1]
    jw.import_archive(MADE_BY_AIIDA)  # generic data and AiiDA's processes go out and come back too
    path = tmp_path / "all.aiida"
    summary = jw.export(path=path, all_nodes=True)
    assert summary.nodes == store.count_nodes()
    with temporary_store() as fresh:
        jw.import_archive(path)
        assert comparable(store_view(fresh)) == comparable(store_view(store))
        assert our_graph(chain.uuid, fresh) == our_graph(chain.uuid, store)
        structure = jw.load_node(UUIDS["workchain"], store=fresh).outputs.structure
        assert structure.base.attributes.all == jw.load_node(structure.uuid, store=store).base.attributes.all


def test_a_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"No archive at .*nowhere\.aiida: the file does not exist"):
        jw.import_archive(tmp_path / "nowhere.aiida")


def test_a_file_that_is_no_archive_is_named(tmp_path: Path) -> None:
    text = tmp_path / "notes.aiida"
    text.write_text("not an archive")
    with pytest.raises(ArchiveError, match="is not an AiiDA archive: it is not a zip file"):
        jw.import_archive(text)
    plain_zip = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ArchiveError, match=r"holds no metadata\.json"):
        jw.import_archive(plain_zip)
    with pytest.raises(ArchiveError, match="is a directory"):
        jw.import_archive(tmp_path)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("main_0002", r"version main_0002, which is newer than this jupyter_workflows reads .*main_0001"),
        ("0.9", r"aiida-core 1\.x format \(version 0\.9\), which is too old.*verdi archive migrate"),
    ],
)
def test_an_archive_version_we_do_not_read_is_named_with_what_we_read(tmp_path: Path, version, expected) -> None:
    changed = tmp_path / f"{version}.aiida"
    with zipfile.ZipFile(MADE_BY_AIIDA) as source, zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "metadata.json":
                content = json.dumps({**json.loads(content), "export_version": version}).encode()
            target.writestr(item, content)
    with pytest.raises(ArchiveError, match=expected):
        jw.import_archive(changed)


def test_export_mistakes_name_the_fix(store, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs the nodes to export"):
        jw.export(path=tmp_path / "x.aiida")
    with pytest.raises(UsageError, match="is not stored"):
        jw.export(jw.Int(1), path=tmp_path / "x.aiida")
    node = jw.Int(1).store()
    existing = tmp_path / "existing.aiida"
    existing.write_text("")
    with pytest.raises(ArchiveError, match="exists already; pass overwrite=True"):
        jw.export(node, path=existing)
    assert jw.export(node, path=existing, overwrite=True).nodes == 1
    with pytest.raises(ArchiveError, match="does not exist; create it first"):
        jw.export(node, path=tmp_path / "missing" / "x.aiida")


def test_a_process_that_has_not_terminated_is_not_exported(store, tmp_path: Path) -> None:
    pk = store.insert_node(
        NodeRow(pk=0, uuid="0f0e0d0c-0000-4000-8000-000000000001", node_type="process.workchain",
                process_label="Busy", process_state="running")
    )  # fmt: skip
    with pytest.raises(ArchiveError, match=r"have not terminated: Busy<\d+> \(running\).*wait for them"):
        jw.export(pk, path=tmp_path / "busy.aiida")
    assert not (tmp_path / "busy.aiida").exists()


def test_the_cli_creates_and_imports_archives(store, tmp_path: Path, capsys) -> None:
    chain = jw.run_get_node(AddAndMultiply, x=jw.Int(1), y=jw.Int(2), z=jw.Int(3))[1]
    path = tmp_path / "cli.aiida"
    assert main(["archive", "create", str(path), str(chain.pk), "--store", store.url]) == 0
    assert f"Wrote {path}: {store.count_nodes()} nodes" in capsys.readouterr().out
    with temporary_store() as fresh:
        assert main(["archive", "import", str(path), str(MADE_BY_AIIDA), "--store", fresh.url]) == 0
        out = capsys.readouterr().out
        assert f"Imported {path}: {store.count_nodes()} new nodes" in out and "StructureData (1)" in out
        assert main(["archive", "import", str(tmp_path / "nope.aiida"), "--store", fresh.url]) == 1
        assert "No archive at" in capsys.readouterr().err
