#!/usr/bin/env bash
# Check that `make test`'s set-up works on a fresh Debian machine that has none of the system packages the tests
# need, and no init system (as in a container): in a minimal Debian (debootstrap --variant=minbase, this machine's
# release, with sudo and a user `developer` who may use it), as that user:
#   1. run scripts/ensure-system-deps.sh and scripts/ensure-services.sh, as `make system-deps services` runs them;
#   2. connect to both services as the tests do (PostgreSQL: user postgres without a password on 127.0.0.1:5432;
#      RabbitMQ: an AMQP login as guest/guest on 127.0.0.1:5672);
#   3. run both scripts again: they must find everything there (system-deps prints nothing, services starts nothing);
# then, as root (a container's usual user), stop both services and run scripts/ensure-services.sh, which must start
# them again, and connect again.
#
#     scripts/check-fresh-debian.sh [DIR]       (as root; DIR defaults to build/fresh-debian; `make fresh-debian`)
#
# The minimal Debian is made once, in DIR/base-<release>, and never changed: each run sees it through an overlay whose
# writable layer is in memory (a tmpfs on DIR/run), and keeps the .deb files apt downloads in DIR/apt-archives, so a
# second run downloads nothing but apt's package lists. It runs in namespaces of its own: a network namespace whose
# 127.0.0.1 is not this machine's (this machine's PostgreSQL and RabbitMQ do not answer there, and the new ones do not
# collide with them), reaching the Debian mirror through slirp4netns; a PID namespace, so that when the check ends
# (or its process is killed) every process started in it ends too; and a mount namespace, so that its mounts vanish
# with it. debootstrap and slirp4netns are apt-get installed here when missing.
set -euo pipefail

namespaces="" slirp="" # the two processes the check starts here, ended when it exits
SELF=$(realpath "${BASH_SOURCE[0]}")
PROJECT=$(dirname "$(dirname "$SELF")")
MIRROR=${FRESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${FRESH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
TAP_ADDRESS=10.0.2.100 # slirp4netns's default address for the namespace; its DNS forwarder is 10.0.2.3
TIMEOUT_S=${FRESH_DEBIAN_TIMEOUT:-60}
USER_NAME=developer
# The minimal Debian: Debian's required packages, and sudo (which the Debian installer sets up for the first user).
DEBOOTSTRAP_ARGS=(--variant=minbase --include=sudo)

say() { echo "fresh-debian: $*"; }
fail() { echo "fresh-debian: $*" >&2; exit 1; }
elapsed() { echo "$(( SECONDS - $1 )) s"; }

# ---------------------------------------------------------------------------------------------------------------
# Inside the namespaces (the script runs itself with --inside): PID 1 of a new PID namespace, in new mount, network
# and UTS namespaces, with this machine's files still in view.

wait_for_network() {
    local began=$SECONDS
    until ip -4 -o addr show dev tap0 2>/dev/null | grep -q "$TAP_ADDRESS"; do
        (( SECONDS - began < TIMEOUT_S )) || fail "slirp4netns did not configure tap0 within ${TIMEOUT_S} s"
        sleep 0.1
    done
}

# The fresh root: the untouched minimal Debian under an overlay, with what a Debian machine has that debootstrap does
# not write (a host name in /etc/hosts, the release's update and security suites, a resolver).
mount_root() {  # base run-dir archives
    local base=$1 run=$2 archives=$3 root=$2/root suite
    suite=$(. "$base/etc/os-release" && echo "$VERSION_CODENAME")
    # The overlay's writable layer is in memory: it vanishes with the mount namespace, however the check ends.
    mount -t tmpfs -o size=8g tmpfs "$run"
    mkdir -p "$run/upper" "$run/work" "$root"
    mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$root"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/run"
    mount -t tmpfs tmpfs "$root/tmp"
    # The scripts the check runs, copied into the checkout's place and readable by the user: a bind mount of the
    # checkout would keep its mode, and a checkout made by root (mktemp -d makes 0700) would be closed to the user.
    mkdir -p "$root/project"
    cp -r "$PROJECT/scripts" "$root/project/scripts"
    chmod -R a+rX "$root/project"
    mount --bind "$archives" "$root/var/cache/apt/archives"
    hostname fresh-debian
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tfresh-debian\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
    echo fresh-debian >"$root/etc/hostname"
    echo "nameserver 10.0.2.3" >"$root/etc/resolv.conf"
    chroot "$root" useradd --create-home --shell /bin/bash --groups sudo "$USER_NAME"
    echo "$USER_NAME ALL=(ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/$USER_NAME"
    rm -f "$root/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n\n' \
        "$MIRROR" "$suite" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg >"$root/etc/apt/sources.list.d/debian.sources"
    printf 'Types: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
        "$SECURITY_MIRROR" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg >>"$root/etc/apt/sources.list.d/debian.sources"
}

as_user_in() {  # root command...: as the user, with a user's PATH (no sbin), in the checkout
    local root=$1 path=/usr/local/bin:/usr/bin:/bin home=/home/$USER_NAME
    shift
    chroot "$root" runuser -u "$USER_NAME" -- /usr/bin/env -i PATH="$path" HOME="$home" USER="$USER_NAME" \
        LANG=C.UTF-8 TERM="${TERM:-dumb}" /bin/bash -c 'cd /project && "$@"' bash "$@"
}

as_root_in() {  # root command...: as root, with root's PATH
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 TERM="${TERM:-dumb}" /bin/bash -c 'cd /project && "$@"' bash "$@"
}

# An AMQP 0-9-1 login as guest/guest (PLAIN) on vhost /, as aio-pika makes it: protocol header, Connection.Start ->
# Start-Ok, Tune -> Tune-Ok, Open -> Open-Ok. RabbitMQ closes the connection instead when the login is refused.
AMQP_LOGIN='
import socket, struct, sys
def frame(sock):
    head = b""
    while len(head) < 7:
        chunk = sock.recv(7 - len(head))
        if not chunk:
            sys.exit("the server closed the connection (login refused?)")
        head += chunk
    kind, channel, size = struct.unpack(">BHI", head)
    body = b""
    while len(body) < size + 1:
        body += sock.recv(size + 1 - len(body))
    return struct.unpack(">HH", body[:4]), body[4:-1]
def send(sock, method, args):
    payload = struct.pack(">HH", 10, method) + args
    sock.sendall(struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce")
def shortstr(text):
    return bytes([len(text)]) + text
def longstr(data):
    return struct.pack(">I", len(data)) + data
sock = socket.create_connection(("127.0.0.1", 5672), timeout=10)
sock.sendall(b"AMQP\x00\x00\x09\x01")
for want in [(10, 10), (10, 30), (10, 41)]:
    method, args = frame(sock)
    if method != want:
        sys.exit(f"expected AMQP method {want}, got {method}: {args[:200]!r}")
    if method == (10, 10):  # Start -> Start-Ok: no client properties, PLAIN, "\0guest\0guest", en_US
        send(sock, 11, struct.pack(">I", 0) + shortstr(b"PLAIN") + longstr(b"\x00guest\x00guest") + shortstr(b"en_US"))
    elif method == (10, 30):  # Tune -> Tune-Ok (the limits offered, no heartbeat), then Open vhost /
        channel_max, frame_max, _ = struct.unpack(">HIH", args[:8])
        send(sock, 31, struct.pack(">HIH", channel_max, frame_max, 0))
        send(sock, 40, shortstr(b"/") + shortstr(b"") + b"\x00")
print("AMQP login as guest on 127.0.0.1:5672, vhost /: Connection.Open-Ok")
'

check_services() {  # root
    local root=$1 answer
    answer=$(as_user_in "$root" psql "host=127.0.0.1 port=5432 user=postgres dbname=postgres" -AtXc "select 1") ||
        fail "psql as postgres on 127.0.0.1:5432 without a password failed"
    [ "$answer" = 1 ] || fail "psql 'select 1' answered '$answer'"
    say "PostgreSQL: psql as postgres on 127.0.0.1:5432 without a password: select 1 -> $answer"
    python3 -c "$AMQP_LOGIN" | sed 's/^/fresh-debian: RabbitMQ: /' || fail "AMQP login as guest/guest on 127.0.0.1:5672 failed"
}

inside() {  # base run-dir archives
    local root=$2/root began output
    ip link set lo up
    wait_for_network
    mount_root "$@"
    say "fresh Debian $(. "$root/etc/os-release" && echo "$VERSION_CODENAME") in $root, own network namespace; as $USER_NAME:"

    began=$SECONDS
    as_user_in "$root" scripts/ensure-system-deps.sh || fail "scripts/ensure-system-deps.sh failed"
    say "scripts/ensure-system-deps.sh: $(elapsed "$began")"
    began=$SECONDS
    as_user_in "$root" scripts/ensure-services.sh || fail "scripts/ensure-services.sh failed"
    say "scripts/ensure-services.sh: $(elapsed "$began")"
    check_services "$root"

    output=$(as_user_in "$root" scripts/ensure-system-deps.sh 2>&1) || fail "second scripts/ensure-system-deps.sh failed: $output"
    [ -z "$output" ] || fail "a second scripts/ensure-system-deps.sh should do nothing and print nothing, it printed: $output"
    output=$(as_user_in "$root" scripts/ensure-services.sh 2>&1) || fail "second scripts/ensure-services.sh failed: $output"
    grep -q "starting" <<<"$output" && fail "a second scripts/ensure-services.sh should start nothing, it printed: $output"
    say "a second run of both scripts changes nothing"

    as_root_in "$root" bash -c 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main stop &&
        rabbitmqctl -q shutdown >/dev/null' || fail "stopping PostgreSQL and RabbitMQ failed"
    say "stopped PostgreSQL and RabbitMQ; as root:"
    as_root_in "$root" scripts/ensure-services.sh || fail "scripts/ensure-services.sh as root failed"
    check_services "$root"
}

# ---------------------------------------------------------------------------------------------------------------
# Outside: prepare the minimal Debian, then run the script itself in new namespaces, connected by slirp4netns.

ensure_host_tools() {
    local missing=()
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    command -v slirp4netns >/dev/null 2>&1 || missing+=(slirp4netns)
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || fail "needs ${missing[*]}, and apt-get is not available here: install them"
    say "installing ${missing[*]} (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
}

ensure_base() {  # base-dir suite
    local base=$1 suite=$2 began=$SECONDS
    local made_by="debootstrap ${DEBOOTSTRAP_ARGS[*]} $suite"
    [ "$(cat "$base/.debootstrap-complete" 2>/dev/null)" = "$made_by" ] && return 0
    rm -rf "$base"
    say "$made_by into $base"
    debootstrap "${DEBOOTSTRAP_ARGS[@]}" "$suite" "$base" "$MIRROR" >"$base.log" 2>&1 ||
        fail "debootstrap failed; its log: $base.log"
    echo "$made_by" >"$base/.debootstrap-complete"
    say "debootstrap: $(elapsed "$began")"
}

outside() {  # dir
    local dir=$1 suite base run archives began=$SECONDS
    [ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, namespaces): sudo make fresh-debian"
    suite=${FRESH_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
    [ -n "$suite" ] || fail "this machine's /etc/os-release names no Debian release: set FRESH_DEBIAN_SUITE=bookworm"
    ensure_host_tools
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    base=$dir/base-$suite run=$dir/run archives=$dir/apt-archives
    # Two checks at once would share the apt archives and race to make the base: one waits for the other.
    exec 9>"$dir/.lock"
    flock -n 9 || { say "another check runs in $dir: waiting for it"; flock 9; }
    ensure_base "$base" "$suite"
    mkdir -p "$run" "$archives/partial"

    # Every process started here dies with this script (--pdeathsig), and every process in the new PID namespace dies
    # with its PID 1 (--kill-child, and the kernel then ends the namespace).
    setpriv --pdeathsig KILL unshare --mount --net --pid --uts --fork --kill-child --propagation private \
        -- bash "$SELF" --inside "$base" "$run" "$archives" 9>&- &
    namespaces=$!
    trap 'kill $namespaces $slirp 2>/dev/null || true; wait' EXIT
    until [ "$(readlink "/proc/$namespaces/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]; do
        kill -0 "$namespaces" 2>/dev/null || break
        sleep 0.05
    done
    setpriv --pdeathsig KILL slirp4netns --configure --mtu=65520 --disable-host-loopback "$namespaces" tap0 \
        >"$dir/slirp4netns.log" 2>&1 9>&- &
    slirp=$!
    local status=0
    wait "$namespaces" || status=$?
    [ $status -eq 0 ] || fail "the check failed (exit status $status)"
    say "passed in $(elapsed "$began")"
}

if [ "${1:-}" = --inside ]; then
    shift
    inside "$@"
else
    outside "${1:-$PROJECT/build/fresh-debian}"
fi
