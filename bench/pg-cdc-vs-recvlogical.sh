#!/usr/bin/env bash
# PostgreSQL -> Kafka: Tributary's CDC source (Debezium PostgresConnector config, pgoutput)
# against `pg_recvlogical` (the ceiling: the same slot type and plugin, the server's own client,
# writing the raw pgoutput stream to a file), reading the same WAL in the same run, on a
# PostgreSQL server this script starts in a temporary directory (wal_level=logical). Prints
# records/s for both (medians over RUNS), Tributary's fraction of pg_recvlogical's rate and
# Tributary's peak RSS.
#
#   RECORDS=1000000 RUNS=3 bench/pg-cdc-vs-recvlogical.sh
#
# The changes are written once, before anything reads them: RECORDS inserts into a small table in
# TX_COUNT transactions, after one slot per reader and run was created (so every reader decodes
# exactly the same WAL). Each side is timed from its process start until it has the last change:
# pg_recvlogical until it exits at --endpos (the last transaction's commit), Tributary until the
# offset it stored (offset file) reaches the last change's LSN, which the worker writes only after
# Kafka acknowledged every record before it. Then the topic's high watermarks must add up to
# RECORDS. Events are Debezium's, written by JsonConverter: with schemas.enable=true (Debezium's
# examples; each event carries its Connect schema, ~3 KB) and, as a second row, false (a common
# production setting): SCHEMAS_ENABLE lists the settings to run, each on its own slot in every run.
# Environment (besides lib.sh's): RECORDS, RUNS, TX_COUNT (default 4), SCHEMAS_ENABLE ("true false"),
# THREAD_CPU=1 (also log each worker thread's CPU per change and the dev-broker's),
# PARTITIONS (of each topic, default 1 as Debezium's topics), CDC_PROPS (extra connector
# properties, newline-separated), WORKER_PROPS (extra worker properties, newline-separated, e.g.
# producer.* settings), PG_OPTS (extra `postgres` options), TRIBUTARY_PG_BINDIR (server
# binaries), TIMEOUT_S.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

RECORDS="${RECORDS:-1000000}"
TX_COUNT="${TX_COUNT:-4}"
TIMEOUT_S="${TIMEOUT_S:-600}"
SCHEMAS_ENABLE="${SCHEMAS_ENABLE:-true false}"
read -r -a modes <<<"$SCHEMAS_ENABLE"
((${#modes[@]} >= 1)) || die "SCHEMAS_ENABLE lists no setting"
for mode in "${modes[@]}"; do
  [[ "$mode" == true || "$mode" == false ]] || die "SCHEMAS_ENABLE: '$mode' is not true or false"
done
PARTITIONS="${PARTITIONS:-1}"
((RECORDS >= TX_COUNT && TX_COUNT >= 1)) || die "need RECORDS >= TX_COUNT >= 1"

require_tools psql runuser
command -v "$(pg_bindir)/pg_recvlogical" >/dev/null 2>&1 ||
  die "no pg_recvlogical in $(pg_bindir) (scripts/install-deps.sh)"
setup_tmp
trap 'stop_pg; cleanup' EXIT
slots=$(((1 + ${#modes[@]}) * RUNS + 4))
start_pg "-c wal_level=logical -c max_replication_slots=$slots -c max_wal_senders=$slots \
-c max_wal_size=4GB"

# Topic prefix (and slot suffix) of one run and setting: cdc<run>s (schemas) / cdc<run>n (none).
prefix_of() { if [[ "$2" == true ]]; then echo "cdc${1}s"; else echo "cdc${1}n"; fi; }
topics=()
for ((run = 1; run <= RUNS; run++)); do
  for mode in "${modes[@]}"; do topics+=("$(prefix_of "$run" "$mode").public.bench_t:$PARTITIONS"); done
done
start_broker "${topics[@]}"
# The dev-broker's pid (start_broker spawned it last), for THREAD_CPU's broker line.
broker_pid=""
[[ -z "${BOOTSTRAP_SERVERS:-}" ]] && broker_pid="$LAST_PID"
# CPU ticks (user + system) of process $1 so far.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# The table, the publication, and every slot before the changes, so that all decode the same WAL.
sql bench "CREATE TABLE bench_t (id BIGINT PRIMARY KEY, user_id INT NOT NULL, url TEXT NOT NULL,
  amount DOUBLE PRECISION NOT NULL)"
sql bench "CREATE PUBLICATION bench_pub FOR TABLE bench_t"
for ((run = 1; run <= RUNS; run++)); do
  sql bench "SELECT pg_create_logical_replication_slot('recv_$run', 'pgoutput')" >/dev/null
  for mode in "${modes[@]}"; do
    sql bench "SELECT pg_create_logical_replication_slot('trib_$(prefix_of "$run" "$mode")', 'pgoutput')" \
      >/dev/null
  done
done

# RECORDS single-row inserts (one WAL record each) in TX_COUNT transactions. Inside the last one,
# the insert position just before its last row: the last change's LSN is at or after it and every
# other change's before it. After the commit, the commit's end: pg_recvlogical's --endpos.
per_tx=$((RECORDS / TX_COUNT))
rows_sql() {  # rows_sql <first id> <last id>
  printf "INSERT INTO bench_t SELECT i, ((i * 7919) %% 1000000)::int, '/products/' || lpad((i %% 50000)::text, 5, '0'), (i %% 1000) + (i %% 100) / 100.0 FROM generate_series(%d::bigint, %d) i;\n" "$1" "$2"
}
{
  first=0
  for ((tx = 1; tx < TX_COUNT; tx++)); do
    rows_sql "$first" "$((first + per_tx - 1))"
    first=$((first + per_tx))
  done
  echo "BEGIN;"
  ((first < RECORDS - 1)) && rows_sql "$first" "$((RECORDS - 2))"
  echo "SELECT pg_current_wal_insert_lsn() - '0/0';"
  rows_sql "$((RECORDS - 1))" "$((RECORDS - 1))"
  echo "COMMIT;"
  echo "SELECT pg_current_wal_insert_lsn();"
} >"$BENCH_TMP/writes.sql"
start="$(now)"
marks="$(psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d bench \
  -f "$BENCH_TMP/writes.sql")" || die "writing the changes failed"
end="$(now)"
last_change_lsn="$(sed -n 1p <<<"$marks")"
last_change_lsn="${last_change_lsn%%.*}"
end_lsn="$(sed -n 2p <<<"$marks")"
[[ "$last_change_lsn" =~ ^[0-9]+$ && -n "$end_lsn" ]] || die "could not read the LSNs: $marks"
wal_mb="$(sql bench "SELECT ((pg_current_wal_insert_lsn() - '0/0') / 1048576)::int")"
log "wrote $RECORDS inserts in $TX_COUNT transactions in $(printf '%.1f' "$(calc 'b - a' "$start" "$end")") s" \
  "(last change at or after byte $last_change_lsn, commit ends at $end_lsn; ${wal_mb} MiB of WAL)"

recv_rates=()
declare -A trib_rates=() trib_rss=() trib_cpu=()
for ((run = 1; run <= RUNS; run++)); do
  # Ceiling: pg_recvlogical decodes the same changes with pgoutput into a file and exits at the
  # last commit.
  out="$BENCH_TMP/recvlogical-$run.bin"
  start="$(now)"
  "$(pg_bindir)/pg_recvlogical" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d bench -S "recv_$run" \
    --start --no-loop -o proto_version=1 -o publication_names=bench_pub --endpos="$end_lsn" \
    -f "$out" 2>"$BENCH_TMP/recvlogical-$run.err" ||
    die "pg_recvlogical failed: $(tail -n 5 "$BENCH_TMP/recvlogical-$run.err")"
  end="$(now)"
  size="$(stat -c %s "$out")"
  ((size > RECORDS * 40)) || die "pg_recvlogical wrote only $size bytes for $RECORDS changes"
  rm -f "$out"
  rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
  recv_rates+=("$rate")
  log "run $run: pg_recvlogical $(printf '%.0f' "$rate") changes/s ($((size / 1048576)) MiB of pgoutput)"

  # Tributary: standalone worker with the CDC source on its own slot, once per setting.
  for mode in "${modes[@]}"; do
    prefix="$(prefix_of "$run" "$mode")"
    topic="$prefix.public.bench_t"
    port="$(free_port)"
    cat >"$BENCH_TMP/worker.properties" <<EOF
bootstrap.servers=$BS
key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=$mode
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=$mode
offset.storage.file.filename=$BENCH_TMP/worker-$port.offsets
offset.flush.interval.ms=${FLUSH_MS:-20}
listeners=http://127.0.0.1:$port
${WORKER_PROPS:-}
EOF
    cat >"$BENCH_TMP/cdc.properties" <<EOF
name=bench-pg-cdc-$prefix
connector.class=io.debezium.connector.postgresql.PostgresConnector
tasks.max=1
database.hostname=127.0.0.1
database.port=$PG_PORT
database.user=postgres
database.dbname=bench
topic.prefix=$prefix
plugin.name=pgoutput
slot.name=trib_$prefix
publication.name=bench_pub
snapshot.mode=no_data
${CDC_PROPS:-}
EOF
    broker_ticks=0
    [[ -n "$broker_pid" ]] && broker_ticks="$(cpu_ticks "$broker_pid")"
    start="$(now)"
    spawn "$BENCH_TMP/tributary-$prefix.out" "$BENCH_TMP/tributary-$prefix.err" \
      "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/cdc.properties"
    pid="$LAST_PID"
    wait_for_offset "$BENCH_TMP/worker-$port.offsets" lsn "$last_change_lsn" "$pid" tributary \
      "$BENCH_TMP/tributary-$prefix.err"
    end="$(now)"
    rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
    # CPU time of the worker (user + system, all threads) for the run.
    cpu_s="$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
      "/proc/$pid/stat")"
    if [[ "${THREAD_CPU:-0}" == 1 ]]; then
      # Where the CPU went: µs per change of each thread that used any (name/tid).
      for stat in /proc/"$pid"/task/*/stat; do
        awk -v hz="$(getconf CLK_TCK)" -v n="$RECORDS" '{ name = $0; sub(/^[^(]*\(/, "", name);
          sub(/\).*$/, "", name); tid = $1; sub(/^.*\) /, "");
          us = ($12 + $13) / hz * 1000000 / n; if (us > 0) printf "%s/%s %.2f µs/change\n", name, tid, us }' "$stat"
      done | sort -t' ' -k2 -rn | head -n 8 | while read -r line; do log "  thread $line"; done
      # The broker receives every byte Tributary sends, on the same cores.
      if [[ -n "$broker_pid" ]]; then
        log "  dev-broker $(awk -v a="$broker_ticks" -v b="$(cpu_ticks "$broker_pid")" \
          -v hz="$(getconf CLK_TCK)" -v n="$RECORDS" 'BEGIN { printf "%.2f", (b - a) / hz * 1000000 / n }') µs/change (whole process, same window)"
      fi
      # The server process streaming to Tributary (it started with the worker's connection).
      walsender="$(sql bench "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'trib_$prefix'")"
      if [[ -n "$walsender" && -r "/proc/$walsender/stat" ]]; then
        log "  walsender $(awk -v t="$(cpu_ticks "$walsender")" -v hz="$(getconf CLK_TCK)" \
          -v n="$RECORDS" 'BEGIN { printf "%.2f", t / hz * 1000000 / n }') µs/change"
      fi
    fi
    stop_pid "$pid"
    got="$(produced_count "$topic" "$PARTITIONS")"
    ((got == RECORDS)) || die "tributary stored the last change's offset but $topic holds $got of $RECORDS"
    rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
    run_ratio="$(calc 'a / b' "$rate" "${recv_rates[-1]}")"
    trib_rates[$mode]+="$rate "
    trib_rss[$mode]+="$rss_kb "
    trib_cpu[$mode]+="$(calc 'a * 1000000 / b' "$cpu_s" "$RECORDS") "
    log "run $run: tributary      $(printf '%.0f' "$rate") changes/s (schemas.enable=$mode;" \
      "$(printf '%.2f' "$run_ratio") of this run's pg_recvlogical)," \
      "peak RSS $((rss_kb / 1024)) MiB, ${cpu_s} CPU-s" \
      "($(calc 'a * 1000000 / b' "$cpu_s" "$RECORDS" | xargs printf '%.1f') µs/change)"
  done
done

recv="$(printf '%s\n' "${recv_rates[@]}" | median)"
echo
echo "PostgreSQL -> Kafka, $RECORDS inserts in $TX_COUNT transactions (pgoutput; JsonConverter)," \
  "median of $RUNS runs:"
printf '  pg_recvlogical (ceiling):          %12.0f changes/s\n' "$recv"
for mode in "${modes[@]}"; do
  trib="$(tr ' ' '\n' <<<"${trib_rates[$mode]}" | grep . | median)"
  rss="$(tr ' ' '\n' <<<"${trib_rss[$mode]}" | grep . | median)"
  cpu="$(tr ' ' '\n' <<<"${trib_cpu[$mode]}" | grep . | median)"
  ratio="$(calc 'a / b' "$trib" "$recv")"
  printf '  tributary, schemas.enable=%-5s:   %12.0f changes/s  (%.2f of pg_recvlogical; goal >= 0.7),' \
    "$mode" "$trib" "$ratio"
  printf ' %.1f µs CPU/change, peak RSS %.1f MiB\n' "$cpu" "$(calc 'a / 1024' "$rss" 0)"
  if [[ "$mode" == true ]]; then what="Debezium JSON with schemas"; else what="Debezium JSON, schemas.enable=false"; fi
  result_row "PostgreSQL CDC -> Kafka ($RECORDS inserts, $what)" \
    "$(printf '%.0f changes/s' "$trib")" "$(printf '%.0f changes/s (pg_recvlogical)' "$recv")" \
    "$(printf '%.2f' "$ratio")" \
    "$(printf 'higher is better; goal ≥ 0.7; %.1f µs CPU/change; peak RSS %.0f MiB' "$cpu" "$(calc 'a / 1024' "$rss" 0)")"
done
