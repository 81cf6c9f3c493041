#!/usr/bin/env bash
# Kafka -> PostgreSQL: Tributary's Postgres sink (JDBC sink config, JSON with a schema envelope,
# insert mode and upsert mode) against `psql \copy` of the same rows into a table of the same
# shape (the ceiling: PostgreSQL's bulk load with nothing in between), in the same run, on a
# PostgreSQL server this script starts in a temporary directory. Prints rows/s for each (medians
# over RUNS) and each mode's fraction of \copy's rate.
#
#   RECORDS=1000000 RUNS=3 bench/pg-sink-vs-copy.sh
#
# `\copy` is timed around psql. The sink loads a table of the same columns, created beforehand:
# its rate is the rows committed after its first write's commit over the time from that commit to
# the last one, on PostgreSQL's clock (commit timestamps: the server runs with
# track_commit_timestamp=on). So the worker's start, its consumer-group join and its first write
# are excluded; the time from the worker's start to the last commit is logged too. No column of
# the table marks the load: a volatile default such as clock_timestamp() turns COPY's batched
# inserts into one insert per row, and \copy into such a table loaded ~40 % fewer rows/s. While the
# sink runs, the script reads the table's size twice a second and counts its rows only when the
# size stood still, taking next to no CPU from the load (as \copy, timed around psql, pays none).
# The server runs with PostgreSQL's defaults (fsync on) plus PG_OPTS.
# Tuned for a bulk load, the worker gets consumer.queued.max.messages.kbytes=QUEUE_KB: librdkafka
# 2.0 stops fetching for a second whenever its queue is full (64 MiB by default), which caps a
# task at ~64 MB/s. And consumer.fetch.max.bytes=FETCH_BYTES: a fetch response of 8 MiB or more
# (the default allows 50 MiB) goes back to the kernel once read (jemalloc's oversize threshold),
# and every page of the next one faults in again. Insert mode also runs with Connect's and
# librdkafka's defaults. Upsert mode runs twice: into the empty table, then over the same records
# again with a new consumer group (every key present, every row updated). Peak RSS is reported.
# Environment (besides lib.sh's): RECORDS, RUNS, QUEUE_KB (default 262144), FETCH_BYTES (default
# 4194304), PG_OPTS (extra `postgres` options), TRIBUTARY_PG_BINDIR (server binaries), TIMEOUT_S,
# EXTRA_TUNED (more worker properties for the tuned runs, newline-separated), MODES (the sink runs
# to make, default "insert defaults upsert present"; `present` needs `upsert`).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

RECORDS="${RECORDS:-1000000}"
TIMEOUT_S="${TIMEOUT_S:-600}"
QUEUE_KB="${QUEUE_KB:-262144}"
MODES="${MODES:-insert defaults upsert present}"
wants() { [[ " $MODES " == *" $1 "* ]]; }
FETCH_BYTES="${FETCH_BYTES:-4194304}"
TUNED="consumer.queued.max.messages.kbytes=$QUEUE_KB
consumer.fetch.max.bytes=$FETCH_BYTES"
[[ -n "${EXTRA_TUNED:-}" ]] && TUNED+=$'\n'"$EXTRA_TUNED"
# The embedded broker keeps ~5 MiB per partition; a record with its schema envelope is ~340 B.
PARTITIONS="${PARTITIONS:-$(((RECORDS * 360 + 4194303) / 4194304))}"


# "<RATE> rows/s (<ratio> of this run's \copy)", for the log.
of_copy() { printf '%.0f rows/s (%.2f of this run'"'"'s \\copy)' "$RATE" "$(calc 'a / b' "$RATE" "$copy_rate")"; }

# Rows in a table, 0 while it does not exist.
table_rows() { sql bench "SELECT count(*) FROM $1" 2>/dev/null || echo 0; }

require_tools psql runuser
if wants present && ! wants upsert; then die "MODES: present needs upsert (it loads the same table again)"; fi
setup_tmp
trap 'stop_pg; cleanup' EXIT
start_pg "-c track_commit_timestamp=on"
topic="pgbench-$$"
start_broker "$topic:$PARTITIONS"

# The same rows twice: JSON with a schema envelope for Kafka, tab-separated text for \copy.
json="$BENCH_TMP/rows.json"
tsv="$BENCH_TMP/rows.tsv"
awk -v n="$RECORDS" -v json="$json" -v tsv="$tsv" 'BEGIN {
  schema = "{\"schema\":{\"type\":\"struct\",\"name\":\"PageView\",\"fields\":[" \
    "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false}," \
    "{\"field\":\"user_id\",\"type\":\"int32\",\"optional\":false}," \
    "{\"field\":\"url\",\"type\":\"string\",\"optional\":false}," \
    "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false}]},\"payload\":"
  for (i = 0; i < n; i++) {
    user = (i * 7919) % 1000000; url = sprintf("/products/%05d", i % 50000)
    amount = sprintf("%d.%02d", i % 1000, i % 100)
    printf "%s{\"id\":%d,\"user_id\":%d,\"url\":\"%s\",\"amount\":%s}}\n", schema, i, user, url, amount >json
    printf "%d\t%d\t%s\t%s\n", i, user, url, amount >tsv
  }
}'
parts="$(partition_count "$topic")"
[[ -n "$parts" ]] || die "could not read the partitions of $topic from $BS"
log "preloading $RECORDS records ($(($(stat -c %s "$json") / RECORDS)) B each) into $topic ($parts partitions)"
preload "$topic" "$parts" "$json"
rm -f "$json"
high="$(offset_sum "$topic" "$parts" -1)"
low="$(offset_sum "$topic" "$parts" -2)"
((high >= RECORDS)) || die "preload produced $high of $RECORDS records"
((high - low == RECORDS)) || die "the broker retained $((high - low)) of $RECORDS records; raise PARTITIONS"

columns="id BIGINT NOT NULL, user_id INT NOT NULL, url TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL"

# Commit timestamps of the rows of table $1 written by transactions that committed since $2.
commits_since() {
  echo "(SELECT pg_xact_commit_timestamp(xmin) AS ts FROM $1) c WHERE c.ts >= '$2'"
}

# Sets RATE, the rows/s of table $1 loaded since $2 (the rows committed after the load's first
# commit, over the time from that commit to the last), and LAST_COMMIT (epoch seconds).
load_rate() {
  local stats
  stats="$(sql bench "WITH c AS (SELECT ts FROM $(commits_since "$1" "$2"))
    SELECT count(*) FILTER (WHERE ts > (SELECT min(ts) FROM c)) / extract(epoch FROM max(ts) - min(ts)),
      extract(epoch FROM max(ts))
    FROM c HAVING max(ts) > min(ts)")"
  [[ -n "$stats" ]] || die "$1 was loaded in one transaction: no rate between commits (raise RECORDS)"
  IFS='|' read -r RATE LAST_COMMIT <<<"$stats"
}

# Loads the topic with the Postgres sink into table $2, created with $columns and $5; with
# $5 = "present" the table exists with every key and the load updates every row.
# Usage: run_sink <run> <table> <mode-props> <worker-props> <table-constraints | present>
# Sets RATE and LAST_COMMIT (load_rate), TOTAL_S (from the worker's start to the last commit)
# and RSS_KB (the worker's peak RSS).
run_sink() {
  local run="$1" table="$2" mode_props="$3" worker_props="$4" constraints="$5" port pid start
  local rows=0 deadline since
  if [[ "$constraints" != present ]]; then sql bench "CREATE TABLE $table ($columns$constraints)"; fi
  since="$(sql bench "SELECT clock_timestamp()")"
  port="$(free_port)"
  cat >"$BENCH_TMP/worker.properties" <<EOF
bootstrap.servers=$BS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
offset.storage.file.filename=$BENCH_TMP/worker-$port.offsets
offset.flush.interval.ms=${FLUSH_MS:-1000}
listeners=http://127.0.0.1:$port
$worker_props
EOF
  cat >"$BENCH_TMP/sink.properties" <<EOF
name=bench-pg-sink-$table-$$-$RANDOM
connector.class=io.confluent.connect.jdbc.JdbcSinkConnector
tasks.max=1
topics=$topic
connection.url=jdbc:postgresql://127.0.0.1:$PG_PORT/bench?user=postgres
table.name.format=$table
auto.create=true
$mode_props
EOF
  start="$(now)"
  spawn "$BENCH_TMP/$table.out" "$BENCH_TMP/$table.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/sink.properties"
  pid="$LAST_PID"
  deadline=$(($(date +%s) + TIMEOUT_S))
  local size=-1 last_size
  while ((rows < RECORDS)); do
    sleep 0.5
    # The rows are counted (a scan of the whole table, which took ≈5 % from the load) only once
    # the table's size stopped changing for half a second.
    last_size="$size"
    size="$(sql bench "SELECT pg_relation_size(to_regclass('$table'))" 2>/dev/null || echo -1)"
    [[ "$size" == "$last_size" ]] &&
      rows="$(sql bench "SELECT count(*) FROM $(commits_since "$table" "$since")" 2>/dev/null || echo 0)"
    kill -0 "$pid" 2>/dev/null || die "tributary exited after $rows rows: $(tail -n 5 "$BENCH_TMP/$table.err")"
    (($(date +%s) < deadline)) || die "tributary loaded only $rows of $RECORDS rows in ${TIMEOUT_S}s"
  done
  RSS_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"
  stop_pid "$pid"
  rows="$(table_rows "$table")"
  ((rows == RECORDS)) || die "$table has $rows rows, expected $RECORDS"
  [[ "$(sql bench "SELECT count(DISTINCT id) FROM $table")" == "$RECORDS" ]] ||
    die "$table does not hold every id once"
  load_rate "$table" "$since"
  TOTAL_S="$(calc 'b - a' "$start" "$LAST_COMMIT")"
}

copy_rates=()
consume_rates=()
insert_rates=()
insert500_rates=()
upsert_rates=()
update_rates=()
insert_rss=()
insert500_rss=()
upsert_rss=()
for ((run = 1; run <= RUNS; run++)); do
  # Ceiling: \copy of the same rows into a table of the sink's shape (no key, as insert mode's).
  sql bench "CREATE TABLE copy_$run ($columns)"
  start="$(now)"
  sql bench "\\copy copy_$run (id, user_id, url, amount) FROM '$tsv'"
  end="$(now)"
  [[ "$(table_rows "copy_$run")" == "$RECORDS" ]] || die "\\copy loaded a wrong row count"
  sql bench "DROP TABLE copy_$run"
  rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
  copy_rates+=("$rate")
  copy_rate="$rate"
  log "run $run: psql \\copy        $(printf '%.0f' "$rate") rows/s"

  # The broker's ceiling: how fast anything reads this topic from it (kcat, no group, to nowhere).
  # With the queue limits the tuned worker's consumer has (see above).
  start="$(now)"
  got="$(kcat -C -b "$BS" -t "$topic" -o beginning -e -q -X queued.min.messages=10000000 \
    -X queued.max.messages.kbytes="$QUEUE_KB" -X fetch.max.bytes="$FETCH_BYTES" | wc -l)"
  end="$(now)"
  ((got == RECORDS)) || die "kcat read $got of $RECORDS records"
  rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
  consume_rates+=("$rate")
  log "run $run: kcat -C (broker) $(printf '%.0f' "$rate") records/s"

  if wants insert; then
    run_sink "$run" "sink_insert_$run" "insert.mode=insert
pk.mode=none" "$TUNED" ""
    insert_rates+=("$RATE")
    insert_rss+=("$RSS_KB")
    sql bench "DROP TABLE sink_insert_$run"
    log "run $run: tributary insert $(of_copy), $(printf '%.1f' "$TOTAL_S") s with startup"
  fi

  if wants defaults; then
    run_sink "$run" "sink_insert500_$run" "insert.mode=insert
pk.mode=none" "" ""
    insert500_rates+=("$RATE")
    insert500_rss+=("$RSS_KB")
    sql bench "DROP TABLE sink_insert500_$run"
    log "run $run: tributary insert, Connect's defaults $(of_copy)"
  fi

  if wants upsert; then
    run_sink "$run" "sink_upsert_$run" "insert.mode=upsert
pk.mode=record_value
pk.fields=id" "$TUNED" ", PRIMARY KEY (id)"
    upsert_rates+=("$RATE")
    upsert_rss+=("$RSS_KB")
    log "run $run: tributary upsert $(of_copy), $(printf '%.1f' "$TOTAL_S") s with startup"
  fi

  if wants present; then
    # The same records again (a new consumer group): every key is present, every row updated.
    run_sink "$run" "sink_upsert_$run" "insert.mode=upsert
pk.mode=record_value
pk.fields=id" "$TUNED" present
    update_rates+=("$RATE")
    log "run $run: tributary upsert of present keys $(of_copy)"
  fi
  if wants upsert; then sql bench "DROP TABLE sink_upsert_$run"; fi
done

copy="$(printf '%s\n' "${copy_rates[@]}" | median)"
consume="$(printf '%s\n' "${consume_rates[@]}" | median)"
rows=()
# Prints a mode's line of the summary and keeps its result row for the end; sets RATE (median).
# Usage: summarize <label> <row title> <note> <rates array name> [<peak-RSS array name>]
summarize() {
  local label="$1" title="$2" note="$3" ratio rss="" measured
  local -n rates="$4"
  RATE="$(printf '%s\n' "${rates[@]}" | median)"
  ratio="$(calc 'a / b' "$RATE" "$copy")"
  measured="$(printf '%.0f rows/s' "$RATE")"
  if [[ -n "${5:-}" ]]; then
    local -n rss_kb="$5"
    rss="$(printf '%s\n' "${rss_kb[@]}" | median | awk '{printf "%.0f", $1 / 1024}')"
    measured+=", peak RSS $rss MiB"
  fi
  printf '  %-24s %12.0f rows/s  (%.2f of \\copy; %s)%s\n' "$label:" "$RATE" "$ratio" "$note" \
    "${rss:+, peak RSS $rss MiB}"
  rows+=("Kafka -> PostgreSQL sink, $title ($RECORDS JSON records)|$measured|$(printf '%.0f rows/s (psql \\copy)' "$copy")|$(printf '%.2f' "$ratio")|$note")
}
echo
echo "Kafka -> PostgreSQL, $RECORDS JSON records (schema envelope), median of $RUNS runs;"
echo "tuned: consumer.queued.max.messages.kbytes=$QUEUE_KB, consumer.fetch.max.bytes=$FETCH_BYTES:"
if wants insert; then
  summarize "tributary insert mode" "insert" "goal ≥ 0.5" insert_rates insert_rss
  insert="$RATE"
fi
if wants defaults; then
  summarize "same, Connect defaults" "insert, Connect's defaults" \
    "Connect's and librdkafka's defaults" insert500_rates insert500_rss
fi
if wants upsert; then summarize "tributary upsert mode" "upsert" "goal ≥ 0.25" upsert_rates upsert_rss; fi
if wants present; then
  summarize "same, every key present" "upsert, every key present" "every row updated" update_rates
fi
printf '  psql \\copy (ceiling):   %12.0f rows/s\n' "$copy"
printf '  kcat -C (the broker):   %12.0f records/s\n' "$consume"
for row in "${rows[@]}"; do
  IFS='|' read -r title measured ceiling ratio note <<<"$row"
  result_row "$title" "$measured" "$ceiling" "$ratio" "$note"
done
if wants insert; then
  result_row "Kafka -> PostgreSQL sink, insert, vs reading the broker" \
    "$(printf '%.0f rows/s' "$insert")" "$(printf '%.0f records/s (kcat -C)' "$consume")" \
    "$(printf '%.2f' "$(calc 'a / b' "$insert" "$consume")")" \
    "the embedded broker's read rate bounds every sink"
fi
