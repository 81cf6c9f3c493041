#!/usr/bin/env bash
# File -> Kafka: Tributary's FileStreamSource against `kcat -P -l` (the ceiling: librdkafka producing
# straight from the file), on the same broker, same file, same run. Prints records/s for both
# (medians over RUNS) and Tributary's fraction of the ceiling.
#
#   RECORDS=1000000 RUNS=3 bench/file-source-vs-kcat.sh
#
# Both sides produce with acks=all and idempotence on. Tributary's time is from process start until
# its committed source offset reaches the end of the file (start-up, the producer's set-up and the
# offset flush interval included; the topic's high watermarks are checked afterwards).
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
log "input: $RECORDS lines, $(wc -c <"$input") bytes"

ceiling_rates=()
tributary_rates=()
for ((run = 1; run <= RUNS; run++)); do
  # Ceiling: kcat produces the file and exits once every message is acknowledged.
  topic="ceiling-$run-$$"
  parts="$(partition_count "$topic")"
  start="$(now)"
  kcat -P -b "$BS" -t "$topic" -X enable.idempotence=true -X acks=all -l "$input"
  end="$(now)"
  got="$(produced_count "$topic" "$parts")"
  ((got >= RECORDS)) || die "kcat produced $got of $RECORDS records"
  rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
  ceiling_rates+=("$rate")
  log "run $run: kcat      $(printf '%.0f' "$rate") records/s"

  # Tributary: standalone worker with one FileStreamSource task.
  topic="bench-$run-$$"
  parts="$(partition_count "$topic")"
  [[ -n "$parts" ]] || die "could not read the partitions of $topic from $BS"
  port="$(free_port)"
  write_worker "$BENCH_TMP/worker.properties" "$port"
  cat >"$BENCH_TMP/source.properties" <<EOF
name=bench-file-source-$run
connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector
tasks.max=1
file=$input
topic=$topic
EOF
  start="$(now)"
  spawn "$BENCH_TMP/tributary-$run.out" "$BENCH_TMP/tributary-$run.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/source.properties"
  pid="$LAST_PID"
  # Done when the committed source offset reaches the end of the file (kcat's end costs nothing
  # to detect: it exits).
  wait_for_offset "$BENCH_TMP/worker-$port.offsets" position "$(stat -c %s "$input")" "$pid" \
    tributary "$BENCH_TMP/tributary-$run.err"
  end="$(now)"
  stop_pid "$pid"
  got="$(produced_count "$topic" "$parts")"
  ((got >= RECORDS)) || die "tributary committed the end of the file but the topic holds $got of $RECORDS"
  rate="$(calc "$RECORDS / (b - a)" "$start" "$end")"
  tributary_rates+=("$rate")
  log "run $run: tributary $(printf '%.0f' "$rate") records/s"
done

ceiling="$(printf '%s\n' "${ceiling_rates[@]}" | median)"
tributary="$(printf '%s\n' "${tributary_rates[@]}" | median)"
ratio="$(calc 'a / b' "$tributary" "$ceiling")"
echo
echo "file -> Kafka, $RECORDS records, median of $RUNS runs:"
printf '  tributary FileStreamSource: %12.0f records/s\n' "$tributary"
printf '  kcat -P (ceiling):          %12.0f records/s\n' "$ceiling"
printf '  tributary / ceiling:        %12.2f\n' "$ratio"
result_row "file source -> Kafka ($RECORDS × ~62 B)" \
  "$(printf '%.0f rec/s' "$tributary")" "$(printf '%.0f rec/s (kcat -P)' "$ceiling")" \
  "$(printf '%.2f' "$ratio")" "higher is better"
