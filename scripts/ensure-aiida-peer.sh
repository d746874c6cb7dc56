#!/usr/bin/env bash
# The peer that `make bench` measures next to our engine: aiida-core in a venv of its own, and an AiiDA profile
# without a broker (`verdi presto --no-broker`, SQLite storage), both under build/ (AIIDA_PATH points there, so
# nothing is written to ~/.aiida).
#
#   scripts/ensure-aiida-peer.sh VENV AIIDA_PATH VERSION [PROFILE]
#
# Idempotent: a venv that already has aiida-core VERSION is not touched, and a profile whose storage exists is kept.
# PEER_PYTHON (default python3) creates the venv.
set -euo pipefail

venv=${1:?usage: ensure-aiida-peer.sh VENV AIIDA_PATH VERSION [PROFILE]}
aiida_path=${2:?usage: ensure-aiida-peer.sh VENV AIIDA_PATH VERSION [PROFILE]}
version=${3:?usage: ensure-aiida-peer.sh VENV AIIDA_PATH VERSION [PROFILE]}
profile=${4:-bench}
python=${PEER_PYTHON:-python3}

# This machine kind's global pip config names local indexes that do not exist: drop only those warnings.
pip_filter() { grep -v "^WARNING: Location 'file:" || true; }

# The test suite runs in several pytest workers, which may all ask for the peer at once: one makes it, the others
# wait and then find it made.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

if [ ! -x "$venv/bin/python" ]; then
    echo "peer: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi

installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("aiida-core"))' 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
    echo "peer: pip install aiida-core==$version into $venv${installed:+ (had $installed)}"
    began=$SECONDS
    "$venv/bin/python" -m pip install --quiet "aiida-core==$version" 2>&1 | pip_filter
    echo "peer: aiida-core $version ready in $((SECONDS - began)) s"
fi

mkdir -p "$aiida_path"
export AIIDA_PATH
AIIDA_PATH=$(cd "$aiida_path" && pwd)

# 0: the profile exists and its storage is there; 1: no such profile; 2: a profile whose storage is gone.
state=$("$venv/bin/python" - "$AIIDA_PATH/.aiida/config.json" "$profile" <<'EOF'
import json, os, sys
path, name = sys.argv[1:]
try:
    with open(path) as file:
        profile = json.load(file).get("profiles", {}).get(name)
except FileNotFoundError:
    profile = None
if profile is None:
    print(1)
else:
    storage = profile.get("storage", {}).get("config", {}).get("filepath")
    print(0 if storage and os.path.exists(os.path.join(storage, "database.sqlite")) else 2)
EOF
)
if [ "$state" = 2 ]; then
    echo "peer: profile $profile has lost its storage: deleting it, to make it again"
    "$venv/bin/verdi" profile delete --force --keep-data "$profile"  # the storage is gone already
fi
if [ "$state" != 0 ]; then
    echo "peer: verdi presto --profile-name $profile --no-broker (AIIDA_PATH=$AIIDA_PATH)"
    "$venv/bin/verdi" presto --profile-name "$profile" --no-broker -n --email bench@example.org 2>&1 |
        { grep -v -e "UserWarning: Creating AiiDA configuration folder" -e "warnings.warn(" || true; }
fi
