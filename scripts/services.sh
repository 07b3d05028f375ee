#!/usr/bin/env bash
# Throwaway PostgreSQL 15 + Redis for tests, CI and local development on Debian, as root or as a normal user.
#   scripts/services.sh up     starts both (installs Debian packages when missing and root), writes $STATE/env
#   scripts/services.sh down   stops both (by PID) and removes their data
#   source "$STATE/env"        exports MIGRATION_DATABASE_URL (owner), DATABASE_URL (the app's non-owner role), REDIS_URL
set -euo pipefail
STATE=${SERVICES_STATE:-${TMPDIR:-/tmp}/portolan-services}   # under /tmp: the postgres user must be able to traverse it
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-6390}
PG_DB=${PG_DB:-portolan}

need_pkg() { # $1 = command to look for, $2.. = Debian packages
  local cmd=$1; shift
  if ! command -v "$cmd" >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/"$cmd" >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "missing $cmd: apt-get install $* (or use docker-compose.yml)" >&2; exit 1; }
    echo "installing $* (Debian)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

up() {
  need_pkg initdb postgresql          # Debian: initdb lives in /usr/lib/postgresql/<v>/bin; the package creates the 'postgres' user
  need_pkg redis-server redis-server
  local PGBIN; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$STATE"; chmod 755 "$STATE"
  # PostgreSQL refuses to run as root: run it as the unprivileged 'postgres' user.
  if ! as_pg "$PGBIN/pg_ctl" -D "$STATE/pg" status >/dev/null 2>&1; then
    port_busy "$PG_PORT" && { echo "port $PG_PORT already in use (set PG_PORT)" >&2; exit 1; }
    rm -rf "$STATE/pg"; install -d -m 700 "$STATE/pg"; if [ "$(id -u)" = 0 ]; then chown postgres: "$STATE/pg"; fi
    as_pg "$PGBIN/initdb" -D "$STATE/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$STATE/pg" -l "$STATE/pg/server.log" -w -t 60 -o \
      "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $STATE/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
      || { cat "$STATE/pg/server.log" >&2; exit 1; }
    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
  fi
  if [ ! -f "$STATE/redis.pid" ] || ! kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; then
    port_busy "$REDIS_PORT" && { echo "port $REDIS_PORT already in use (set REDIS_PORT)" >&2; exit 1; }
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  cat > "$STATE/env" <<ENV
export MIGRATION_DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DB
export DATABASE_URL=postgresql://portolan_app:portolan_app@127.0.0.1:$PG_PORT/$PG_DB
export APP_DB_PASSWORD=portolan_app
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
ENV
  echo "postgres $("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc 'show server_version') on $PG_PORT, redis $(redis-cli -p "$REDIS_PORT" info server | grep -oP 'redis_version:\K\S+') on $REDIS_PORT; env in $STATE/env"
}

down() {
  local PGBIN; PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -f "$STATE/pg/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$STATE/pg" -m fast -w stop >/dev/null || true; fi
  if [ -f "$STATE/redis.pid" ]; then kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$STATE"
}

case "${1:-up}" in up) up ;; down) down ;; *) echo "usage: $0 up|down" >&2; exit 2 ;; esac
