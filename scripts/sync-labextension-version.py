"""Write the version of jupyter_workflows/_version.py, in npm's form, into labextension/package.json and its lock.

    python scripts/sync-labextension-version.py            # rewrite them when they differ (`make labextension` does)
    python scripts/sync-labextension-version.py --check    # only say whether they differ (exit 1 if so)

JupyterLab lists a prebuilt extension with the version of its package.json, and npm needs a SemVer there, so the
Python version (PEP 440) is translated: 0.1.0 -> 0.1.0, 0.1.0a1 -> 0.1.0-alpha.1, 0.1.0rc2 -> 0.1.0-rc.2,
0.1.0.dev0 -> 0.1.0-dev.0. Only the version lines change: the files keep the layout Prettier and npm gave them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from packaging.version import Version

PROJECT = Path(__file__).resolve().parents[1]
PRE_RELEASE_NAMES = {"a": "alpha", "b": "beta", "rc": "rc"}
# The package's own version: the top level's, and in the lock also that of its root package ("packages" -> "").
VERSION_LINES = {
    "package.json": [re.compile(r'^(  "version": ")[^"]*(",?)$', re.MULTILINE)],
    "package-lock.json": [
        re.compile(r'^(  "version": ")[^"]*(",?)$', re.MULTILINE),
        re.compile(r'^(    "": \{\n(?:      .*\n)*?      "version": ")[^"]*(",?)$', re.MULTILINE),
    ],
}


def python_version() -> str:
    """``__version__`` of jupyter_workflows/_version.py, read without importing the package."""
    namespace: dict[str, object] = {}
    exec((PROJECT / "jupyter_workflows" / "_version.py").read_text(), namespace)
    return str(namespace["__version__"])


def npm_version(pep440: str) -> str:
    """The SemVer form of a PEP 440 version, as package.json needs it."""
    version = Version(pep440)
    if version.post is not None or version.local is not None or version.epoch:
        raise SystemExit(f"{pep440}: post, local and epoch versions have no npm form; use X.Y.Z[aN|bN|rcN][.devN]")
    release = ".".join(map(str, (*version.release, 0, 0)[:3]))
    labels = [f"{PRE_RELEASE_NAMES[version.pre[0]]}.{version.pre[1]}"] if version.pre else []
    labels += [f"dev.{version.dev}"] if version.dev is not None else []
    return f"{release}-{'.'.join(labels)}" if labels else release


def versions_written(folder: Path) -> dict[str, list[str]]:
    """The versions the package's files write for the package itself, per file."""
    lock = json.loads((folder / "package-lock.json").read_text())
    return {
        "package.json": [json.loads((folder / "package.json").read_text())["version"]],
        "package-lock.json": [lock["version"], lock["packages"][""]["version"]],
    }


def sync(folder: Path, wanted: str) -> list[str]:
    """Rewrite the version lines that differ from ``wanted``; return the names of the files changed."""
    changed = []
    for name, patterns in VERSION_LINES.items():
        path = folder / name
        text = path.read_text()
        for pattern in patterns:
            text, count = pattern.subn(lambda match: f"{match[1]}{wanted}{match[2]}", text, count=1)
            if count != 1:
                raise SystemExit(f"{path}: no version line matches {pattern.pattern!r}; set it by hand")
        if text != path.read_text():
            path.write_text(text)
            changed.append(name)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a version differs")
    parser.add_argument("--labextension", type=Path, default=PROJECT / "labextension", help=argparse.SUPPRESS)
    args = parser.parse_args()
    wanted = npm_version(python_version())
    stale = {name: found for name, found in versions_written(args.labextension).items() if set(found) != {wanted}}
    if args.check:
        for name, found in stale.items():
            fix = "python scripts/sync-labextension-version.py (or make labextension)"
            print(
                f"{args.labextension / name} writes version {', '.join(found)}, not {wanted} (_version.py): run {fix}"
            )
        return 1 if stale else 0
    if stale:
        changed = sync(args.labextension, wanted)
        assert all(set(found) == {wanted} for found in versions_written(args.labextension).values())
        print(f"labextension: version {wanted} (from jupyter_workflows/_version.py) written to {', '.join(changed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
