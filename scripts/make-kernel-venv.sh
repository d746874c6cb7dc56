#!/usr/bin/env bash
# Create or update one extra kernel venv for the notebook tests:
#     scripts/make-kernel-venv.sh DIR PYTHON_VERSION IPYKERNEL_REQUIREMENT
#     scripts/make-kernel-venv.sh .kernels/py310-ipykernel6 3.10 'ipykernel>=6.31,<7'
# The venv gets the project (pip install -e) and the newest ipykernel that the requirement allows.
# Python X.Y comes from pyenv (even when pyenv is not on PATH) when it has one, else from pythonX.Y on PATH.
# Without that Python the kernel is skipped: a notice says how to add it, nothing is made, the exit status is 0 (its
# tests then do not run). With CI=true it is an error instead: CI tests every kernel.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 DIR PYTHON_VERSION IPYKERNEL_REQUIREMENT" >&2; exit 2; }
dir=$1 pyver=$2 requirement=$3
project=$(cd "$(dirname "$0")/.." && pwd)

find_python() {
    local candidate="" root=${PYENV_ROOT:-$HOME/.pyenv}
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
    fi
    candidate=$(ls -d "$root"/versions/"$pyver".*/bin/python"$pyver" 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$candidate" ] && command -v "python$pyver" >/dev/null 2>&1 && "python$pyver" -c '' 2>/dev/null; then
        candidate=$(command -v "python$pyver")
    fi
    [ -n "$candidate" ] && echo "$candidate"
}

in_ci() {
    case ${CI:-} in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;; *) return 1 ;; esac
}

no_python() {
    local name why
    name=$(basename "$dir")
    why="no Python $pyver here (tried pyenv and python$pyver on PATH)"
    if in_ci; then
        echo "kernels: cannot make $name: $why. CI=true tests every kernel: pyenv install $pyver" >&2
        exit 1
    fi
    echo "kernels: SKIPPED $name: $why, so the tests on this kernel will not run." \
        "To add it: pyenv install $pyver (or apt-get install python$pyver), then make kernels" >&2
    exit 0
}

venv_version() {
    "$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}

began=$SECONDS
if [ "$(venv_version)" != "$pyver" ]; then
    python=$(find_python) || no_python
    rm -rf "$dir"
    echo "kernels: creating $dir with $python"
    "$python" -m venv "$dir"
fi
echo "kernels: pip install -e . '$requirement' into $dir"
# Drop only the warnings about this machine's missing local pip indexes (one per package).
"$dir/bin/python" -m pip install --quiet --upgrade --editable "$project" "$requirement" 2>&1 |
    { grep -v "^WARNING: Location 'file:" || true; }
touch "$dir/.installed-stamp"
echo "kernels: $dir ready in $((SECONDS - began)) s"
