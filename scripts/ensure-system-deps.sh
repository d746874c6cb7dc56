#!/usr/bin/env bash
# Install the Debian packages that the demo and the tests need, each only when what it provides is missing:
#
#     scripts/ensure-system-deps.sh [--dry-run] [NEED...]      (default: every need; `make demo` asks for graphviz)
#
#   graphviz     `dot`, the graph renderer
#   chromium     /usr/bin/chromium, which the browser tests drive (never `playwright install`)
#   postgresql   a PostgreSQL server (pg_ctlcluster and the postgres binary), for the store tests
#   rabbitmq     rabbitmq-server, for the broker and daemon tests
#
# Silent when everything is there: `apt-get update` and `apt-get install` run only when something is missing, and
# an installed service is never reinstalled or reconfigured. scripts/ensure-services.sh starts the services.
# A PostgreSQL that this script installs is set up as the tests expect (tests/conftest.py): user postgres connects
# over 127.0.0.1 and ::1 without a password. --dry-run says what is missing and changes nothing.
set -euo pipefail

ALL_NEEDS=(graphviz chromium postgresql rabbitmq)

usage() {
    local IFS='|'
    echo "usage: $0 [--dry-run] [${ALL_NEEDS[*]}]...  (no need named: all of them)" >&2
    exit 2
}

present() {  # need
    case $1 in
        graphviz) command -v dot >/dev/null 2>&1 ;;
        chromium) [ -x /usr/bin/chromium ] ;;
        postgresql) command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ;;
        rabbitmq) command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] ;;
    esac
}

package() {  # need -> Debian package
    case $1 in
        rabbitmq) echo rabbitmq-server ;;
        *) echo "$1" ;;
    esac
}

# Debian makes the cluster `main` of the newest version at install time; make it if that was switched off, and let
# local TCP connections in without a password (first matching line of pg_hba.conf wins), for the tests' user.
configure_new_postgres() {
    local version hba
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if [ ! -d "/etc/postgresql/$version/main" ]; then
        "${sudo[@]}" pg_createcluster "$version" main >/dev/null
    fi
    hba=/etc/postgresql/$version/main/pg_hba.conf
    echo "system-deps: PostgreSQL $version: local connections without a password for the tests ($hba)"
    {
        printf '# scripts/ensure-system-deps.sh (jupyter_workflows tests): local TCP connections without a password\n'
        printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n'
        "${sudo[@]}" cat "$hba"
    } | "${sudo[@]}" tee "$hba.new" >/dev/null
    "${sudo[@]}" mv "$hba.new" "$hba"
    # A cluster the package already started reads the file again; a stopped one reads it when started.
    "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
}

dry_run=0
needs=()
for arg in "$@"; do
    case $arg in
        --dry-run) dry_run=1 ;;
        graphviz | chromium | postgresql | rabbitmq) needs+=("$arg") ;;
        *) usage ;;
    esac
done
[ ${#needs[@]} -eq 0 ] && needs=("${ALL_NEEDS[@]}")

missing=()
for need in "${needs[@]}"; do
    present "$need" || missing+=("$need")
done
if [ ${#missing[@]} -eq 0 ]; then
    [ $dry_run -eq 1 ] && echo "system-deps: nothing to install (found: ${needs[*]})"
    exit 0
fi
packages=()
for need in "${missing[@]}"; do
    packages+=("$(package "$need")")
done
if [ $dry_run -eq 1 ]; then
    echo "system-deps: would apt-get install ${packages[*]}"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing ${packages[*]}, and apt-get is not available here: install them by hand" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "system-deps: installing ${packages[*]} needs root or sudo" >&2; exit 1; }
    sudo=(sudo)
fi

echo "system-deps: installing ${packages[*]} (apt-get)"
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
for need in "${missing[@]}"; do
    [ "$need" = postgresql ] && configure_new_postgres
done
echo "system-deps: installed ${packages[*]} in $((SECONDS - start)) s"
