#!/usr/bin/env bash
# setup.sh makes sure of everything edgeflix needs on a Debian-family
# machine: MariaDB and Redis running, ffmpeg, Chromium and Node.js
# installed. It installs what is missing (apt), starts what is down, and
# leaves alone what is already there, saying what it does.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_updated=""
apt_install() {
	if ! command -v apt-get >/dev/null; then
		say "cannot install $* here: no apt-get; install it by hand" >&2
		exit 1
	fi
	if [ -z "$apt_updated" ]; then
		say "apt-get update"
		$SUDO apt-get update -qq
		apt_updated=1
	fi
	say "installing $*"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_cmd() { # need_cmd COMMAND PACKAGE...
	local cmd=$1; shift
	if command -v "$cmd" >/dev/null; then return; fi
	apt_install "$@"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # wait_port PORT NAME
	for _ in $(seq 1 60); do
		if port_open "$1"; then return 0; fi
		sleep 0.5
	done
	say "$2 did not come up on 127.0.0.1:$1" >&2
	exit 1
}

# Tools.
need_cmd ffmpeg ffmpeg
need_cmd ffprobe ffmpeg
need_cmd chromium chromium
need_cmd node nodejs
need_cmd npm npm # installs the AWS provider schema bindings (make check-infra)
need_cmd zip zip
# Only `make bench-edge` (EDGEFLIX_BENCH_EDGE=1) needs wrk and nginx, not `make test`.
if [ "${EDGEFLIX_BENCH_EDGE:-}" = 1 ]; then
	need_cmd wrk wrk
	if [ ! -x /usr/sbin/nginx ]; then apt_install nginx-light; fi
fi

# MariaDB on 127.0.0.1:3306.
if ! port_open 3306; then
	if [ ! -x /usr/sbin/mariadbd ]; then apt_install mariadb-server; fi
	say "starting MariaDB"
	if [ ! -d /var/lib/mysql/mysql ]; then
		$SUDO mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
	fi
	$SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
	$SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
	wait_port 3306 MariaDB
fi

# Redis on 127.0.0.1:6379.
if ! port_open 6379; then
	if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
	say "starting Redis"
	$SUDO mkdir -p /var/lib/redis /var/log/redis
	$SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	wait_port 6379 Redis
fi

say "ready: MariaDB, Redis, ffmpeg $(ffmpeg -version | awk 'NR==1{print $3}'), $(chromium --version 2>/dev/null | head -1), Node.js $(node --version)"
