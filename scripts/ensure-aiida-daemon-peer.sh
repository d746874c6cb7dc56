#!/usr/bin/env bash
# The daemon peer that `make bench` measures next to our daemon workers: an AiiDA profile on PostgreSQL and RabbitMQ
# (core.psql_dos, the machine's broker), under an AIIDA_PATH of its own in build/, for aiida-core's daemon.
#
#   scripts/ensure-aiida-daemon-peer.sh VENV AIIDA_PATH DATABASE [PROFILE]
#
# VENV is the peer venv scripts/ensure-aiida-peer.sh builds. The database is made with psql (`verdi presto
# --use-postgres` fails on this server's locale), then `verdi profile setup core.psql_dos` makes the profile.
# Idempotent: a profile whose database exists is kept. PGHOST/PGPORT/PGUSER (default 127.0.0.1/5432/postgres, trust
# authentication) name the server. The broker is core.rabbitmq with aiida's defaults: the machine's RabbitMQ at
# 127.0.0.1:5672, guest/guest.
set -euo pipefail

usage="usage: ensure-aiida-daemon-peer.sh VENV AIIDA_PATH DATABASE [PROFILE]"
venv=${1:?$usage}
aiida_path=${2:?$usage}
database=${3:?$usage}
profile=${4:-bench_daemon}
pghost=${PGHOST:-127.0.0.1}
pgport=${PGPORT:-5432}
pguser=${PGUSER:-postgres}

if [ ! -x "$venv/bin/verdi" ]; then
    echo "daemon peer: no aiida-core in $venv: run scripts/ensure-aiida-peer.sh first (make bench does)" >&2
    exit 1
fi
if ! command -v psql >/dev/null; then
    echo "daemon peer: psql not found: install postgresql-client (make system-deps)" >&2
    exit 1
fi
psql_() { psql -h "$pghost" -p "$pgport" -U "$pguser" -d postgres -v ON_ERROR_STOP=1 -Atqc "$1"; }

mkdir -p "$aiida_path"
export AIIDA_PATH
AIIDA_PATH=$(cd "$aiida_path" && pwd)

has_database=$(psql_ "SELECT 1 FROM pg_database WHERE datname = '$database'")
has_profile=$("$venv/bin/python" - "$AIIDA_PATH/.aiida/config.json" "$profile" <<'EOF'
import json, sys
path, name = sys.argv[1:]
try:
    with open(path) as file:
        print(1 if name in json.load(file).get("profiles", {}) else "")
except FileNotFoundError:
    print("")
EOF
)
if [ -n "$has_profile" ] && [ -n "$has_database" ]; then
    exit 0
fi
if [ -n "$has_profile" ]; then
    echo "daemon peer: profile $profile has lost its database $database: deleting it, to make it again"
    "$venv/bin/verdi" profile delete --force --keep-data "$profile"
fi
if [ -z "$has_database" ]; then
    echo "daemon peer: CREATE DATABASE $database (psql, $pguser@$pghost:$pgport)"
    psql_ "CREATE DATABASE \"$database\" OWNER \"$pguser\" ENCODING 'UTF8' TEMPLATE template0"
fi
echo "daemon peer: verdi profile setup core.psql_dos --profile-name $profile (AIIDA_PATH=$AIIDA_PATH)"
"$venv/bin/verdi" profile setup core.psql_dos -n --profile-name "$profile" --no-set-as-default \
    --first-name Bench --last-name Peer --institution bench --email bench@example.org \
    --database-hostname "$pghost" --database-port "$pgport" --database-username "$pguser" \
    --database-password postgres --database-name "$database" \
    --repository-uri "file://$AIIDA_PATH/repository-$profile" \
    --broker core.rabbitmq 2>&1 |
    { grep -v -e "UserWarning: Creating AiiDA configuration folder" -e "warnings.warn(" || true; }
