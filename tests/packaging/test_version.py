"""The version is written in one place (jupyter_workflows/_version.py), and CHANGELOG.md is kept per release."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from packaging.version import Version

import jupyter_workflows
from jupyter_workflows._version import __version__

from ._venvs import PROJECT

SYNC_SCRIPT = PROJECT / "scripts" / "sync-labextension-version.py"

RELEASE_HEADING = re.compile(r"^## (?P<version>\d+\.\d+\.\d+) — (?P<date>\d{4}-\d{2}-\d{2})$")


def changelog_headings() -> list[str]:
    return [line for line in (PROJECT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]


def test_the_version_is_the_package_s_and_pep_440():
    assert jupyter_workflows.__version__ == __version__
    assert str(Version(__version__)) == __version__  # normalised, as pip and the wheel's file name write it


def test_setup_cfg_reads_the_version_from_the_package():
    setup_cfg = (PROJECT / "setup.cfg").read_text()
    assert "\nversion = attr: jupyter_workflows._version.__version__\n" in setup_cfg


def test_no_other_tracked_file_writes_the_version():
    # The labextension's package.json and lock carry the version's npm form, checked below (equal for X.Y.Z).
    derived = [":!CHANGELOG.md", ":!labextension/package.json", ":!labextension/package-lock.json"]
    tracked = subprocess.run(
        ["git", "grep", "-l", "-F", f'"{__version__}"', "--", *derived],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert tracked == ["jupyter_workflows/_version.py"]


def sync_labextension_version(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, SYNC_SCRIPT, *args], capture_output=True, text=True, check=False)


def test_the_labextension_s_package_json_has_the_version_in_npm_s_form():
    """JupyterLab lists the prebuilt extension with its package.json's version: `make labextension` writes it."""
    checked = sync_labextension_version("--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    package = json.loads((PROJECT / "labextension" / "package.json").read_text())
    version = Version(__version__)
    assert package["version"].startswith(".".join(map(str, (*version.release, 0, 0)[:3])))
    assert ("-" in package["version"]) == (version.is_prerelease or version.is_devrelease)


def test_the_version_sync_rewrites_only_the_version_lines(tmp_path: Path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PROJECT / "labextension" / name, tmp_path / name)
    lock = (tmp_path / "package-lock.json").read_text()
    (tmp_path / "package.json").write_text(json.dumps({"name": "jupyter-workflows", "version": "9.9.9"}, indent=2))
    stale = sync_labextension_version("--check", "--labextension", str(tmp_path))
    assert stale.returncode == 1 and "writes version 9.9.9" in stale.stdout, stale.stdout + stale.stderr

    assert sync_labextension_version("--labextension", str(tmp_path)).returncode == 0
    assert sync_labextension_version("--check", "--labextension", str(tmp_path)).returncode == 0
    assert (tmp_path / "package-lock.json").read_text() == lock  # it wrote the right version already
    original = (PROJECT / "labextension" / "package.json").read_text()
    synced = json.loads((tmp_path / "package.json").read_text())
    assert synced == {"name": "jupyter-workflows", "version": json.loads(original)["version"]}


def test_the_changelog_has_an_unreleased_section_then_releases_newest_first():
    headings = changelog_headings()
    assert headings[0] == "## Unreleased"
    releases = [RELEASE_HEADING.match(heading) for heading in headings[1:]]
    assert None not in releases, [heading for heading in headings[1:] if not RELEASE_HEADING.match(heading)]
    versions = [Version(match["version"]) for match in releases if match]
    assert versions == sorted(versions, reverse=True)
    for match in releases:
        assert match is not None
        date.fromisoformat(match["date"])


def test_a_released_version_has_its_changelog_section():
    version = Version(__version__)
    if version.is_devrelease or version.is_prerelease:
        assert version.base_version not in {h.split()[1] for h in changelog_headings()[1:]}, "released already?"
    else:
        assert any(h.startswith(f"## {__version__} — ") for h in changelog_headings())
