# PostgreSQL server helpers for the benchmarks that need one (source after lib.sh).
#
# start_pg [server options]  starts PostgreSQL in a fresh temporary directory on a free loopback
#                            port, trust auth (loopback and its own unix socket only), database
#                            `bench`; sets PG_PORT and PG_DIR. Options are passed to `postgres`
#                            before PG_OPTS (e.g. "-c wal_level=logical").
# stop_pg                    stops it (fast) and removes its directory unless KEEP_TMP=1.
# sql <database> <statement> prints the unaligned result.
# Server binaries: TRIBUTARY_PG_BINDIR, else /usr/lib/postgresql/15/bin, else `pg_config --bindir`.

pg_bindir() {
  if [[ -n "${TRIBUTARY_PG_BINDIR:-}" ]]; then
    echo "$TRIBUTARY_PG_BINDIR"
  elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
  else
    pg_config --bindir
  fi
}

# Runs a server binary; as root, as the unprivileged `postgres` user (initdb refuses root).
as_pg_user() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_DIR=""
start_pg() {
  local bin
  bin="$(pg_bindir)"
  [[ -x "$bin/initdb" ]] || die "no PostgreSQL server binaries in $bin (scripts/install-deps.sh)"
  PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench-pg.XXXXXX")"
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user for the server"
    chown postgres: "$PG_DIR"
  fi
  as_pg_user "$bin/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C --no-sync \
    --auth=trust >"$PG_DIR/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$PG_DIR/initdb.log")"
  PG_PORT="$(free_port)"
  as_pg_user "$bin/pg_ctl" start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 $* ${PG_OPTS:-}" >/dev/null ||
    die "pg_ctl start failed: $(tail -n 5 "$PG_DIR/server.log")"
  sql postgres "CREATE DATABASE bench" >/dev/null
  log "PostgreSQL $(sql bench 'SHOW server_version') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

stop_pg() {
  [[ -n "$PG_DIR" ]] || return 0
  as_pg_user "$(pg_bindir)/pg_ctl" stop -D "$PG_DIR/data" -m fast >/dev/null 2>&1 || true
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $PG_DIR"; else rm -rf "$PG_DIR"; fi
  PG_DIR=""
}

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$1" -c "$2"; }
