"""The version is written in one place (jupyter_workflows/_version.py), and CHANGELOG.md is kept per release."""

from __future__ import annotations

import re
import subprocess
from datetime import date

from packaging.version import Version

import jupyter_workflows
from jupyter_workflows._version import __version__

from ._venvs import PROJECT

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
    tracked = subprocess.run(
        ["git", "grep", "-l", "-F", f'"{__version__}"', "--", ":!CHANGELOG.md"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert tracked == ["jupyter_workflows/_version.py"]


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
