#!/usr/bin/env bash
# Cost of a transform chain on the file -> Kafka path: the same FileStreamSource run with no
# transforms and with a 3-transform chain (HoistField$Value -> InsertField$Value ->
# ReplaceField$Value), same broker, same file, same converter (JsonConverter without schemas, so
# both runs serialise the same kind of data). Prints records/s for both (medians over RUNS) and
# the ratio chain / none (goal >= 0.8).
#
#   RECORDS=1000000 RUNS=3 bench/transforms-chain.sh
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RECORDS="${RECORDS:-1000000}"
TIMEOUT_S="${TIMEOUT_S:-300}"

require_tools
setup_tmp
start_broker

input="$BENCH_TMP/input.txt"
generate_lines "$input" "$RECORDS"
size="$(stat -c %s "$input")"
log "input: $RECORDS lines, $size bytes"

# Runs one FileStreamSource with the extra connector settings in $2; prints records/s.
run_source() {
  local name="$1" extra="$2" topic parts port pid start end got
  topic="bench-$name-$$"
  parts="$(partition_count "$topic")"
  [[ -n "$parts" ]] || die "could not read the partitions of $topic from $BS"
  port="$(free_port)"
  write_worker "$BENCH_TMP/worker.properties" "$port"
  cat >"$BENCH_TMP/source.properties" <<EOF
name=bench-$name
connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector
tasks.max=1
file=$input
topic=$topic
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
$extra
EOF
  start="$(now)"
  spawn "$BENCH_TMP/$name.out" "$BENCH_TMP/$name.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/source.properties"
  pid="$LAST_PID"
  # Done when the committed source offset reaches the end of the file.
  wait_for_offset "$BENCH_TMP/worker-$port.offsets" position "$size" "$pid" "tributary ($name)" \
    "$BENCH_TMP/$name.err"
  end="$(now)"
  stop_pid "$pid"
  got="$(produced_count "$topic" "$parts")"
  ((got >= RECORDS)) || die "tributary ($name) committed the end of the file but the topic holds $got of $RECORDS"
  calc "$RECORDS / (b - a)" "$start" "$end"
}

CHAIN='transforms=hoist,insert,rename
transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value
transforms.hoist.field=line
transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value
transforms.insert.topic.field=topic
transforms.rename.type=org.apache.kafka.connect.transforms.ReplaceField$Value
transforms.rename.renames=line:message'

none_rates=()
chain_rates=()
for ((run = 1; run <= RUNS; run++)); do
  rate="$(run_source "none-$run" "")"
  none_rates+=("$rate")
  log "run $run: no transforms  $(printf '%.0f' "$rate") records/s"
  rate="$(run_source "chain-$run" "$CHAIN")"
  chain_rates+=("$rate")
  log "run $run: 3 transforms   $(printf '%.0f' "$rate") records/s"
done

none="$(printf '%s\n' "${none_rates[@]}" | median)"
chain="$(printf '%s\n' "${chain_rates[@]}" | median)"
ratio="$(calc 'a / b' "$chain" "$none")"
echo
echo "file -> Kafka with JsonConverter, $RECORDS records, median of $RUNS runs:"
printf '  no transforms:           %12.0f records/s\n' "$none"
printf '  3-transform chain:       %12.0f records/s\n' "$chain"
printf '  chain / none:            %12.2f   (goal >= 0.8)\n' "$ratio"
result_row "file source -> Kafka, 3-transform chain ($RECORDS × ~62 B)" \
  "$(printf '%.0f rec/s' "$chain")" "$(printf '%.0f rec/s (no transforms)' "$none")" \
  "$(printf '%.2f' "$ratio")" "goal >= 0.8"
