#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on their ports. Start only a service whose port is closed, wait for its
# port (JW_SERVICES_TIMEOUT, default 60 s), and say what was done. Never fails because a service already runs.
# Host and port follow the variables tests/conftest.py reads (JW_TEST_POSTGRES_HOST/_PORT, JW_TEST_RABBITMQ_URL).
# Starting a service takes root (or sudo), as installing it does (scripts/ensure-system-deps.sh); where systemd runs,
# the packages have started their services already, and nothing is started here.
set -euo pipefail

timeout_s=${JW_SERVICES_TIMEOUT:-60}
pg_host=${JW_TEST_POSTGRES_HOST:-127.0.0.1}
pg_port=${JW_TEST_POSTGRES_PORT:-5432}
amqp_hostport=${JW_TEST_RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}
amqp_hostport=${amqp_hostport#*://}
amqp_hostport=${amqp_hostport##*@}
amqp_hostport=${amqp_hostport%%/*}
rmq_host=${amqp_hostport%:*}
rmq_port=${amqp_hostport##*:}

port_open() {  # host port
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

as_root() {  # command...: run as root, through sudo when not root
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "services: starting $1 needs root or sudo" >&2
        return 1
    fi
}

is_local() {
    case $1 in 127.* | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

start_postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
        echo "services: PostgreSQL is not installed: apt-get install postgresql" >&2
        return 1
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "services: starting PostgreSQL: pg_ctlcluster --skip-systemctl-redirect $version main start"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

start_rabbitmq() {
    # Debian installs it in /usr/sbin, which is not on a user's PATH.
    local server
    server=$(command -v rabbitmq-server || echo /usr/sbin/rabbitmq-server)
    if [ ! -x "$server" ]; then
        echo "services: RabbitMQ is not installed: apt-get install rabbitmq-server" >&2
        return 1
    fi
    echo "services: starting RabbitMQ: $server -detached"
    as_root "$server" -detached
}

ensure() {  # name host port start-function
    local name=$1 host=$2 port=$3 start=$4 began=$SECONDS
    if port_open "$host" "$port"; then
        echo "services: $name is up on $host:$port"
        return 0
    fi
    if ! is_local "$host"; then
        echo "services: $name does not answer on $host:$port, and that host is not this machine: not starting it" >&2
        return 1
    fi
    if ! "$start"; then
        echo "services: starting $name failed" >&2
        return 1
    fi
    until port_open "$host" "$port"; do
        if (( SECONDS - began >= timeout_s )); then
            echo "services: $name did not open $host:$port within ${timeout_s} s" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "services: $name started, up on $host:$port after $((SECONDS - began)) s"
}

status=0
ensure PostgreSQL "$pg_host" "$pg_port" start_postgres || status=1
ensure RabbitMQ "$rmq_host" "$rmq_port" start_rabbitmq || status=1
exit $status
