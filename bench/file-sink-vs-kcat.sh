#!/usr/bin/env bash
# Kafka -> file: Tributary's FileStreamSink against `kcat -G -e` (a consumer-group consumer, as a Connect sink is) writing to a file (the ceiling:
# librdkafka consuming straight into a file), reading the same preloaded topic in the same run.
# Prints records/s for both (medians over RUNS) and Tributary's fraction of the ceiling.
#
#   RECORDS=1000000 RUNS=3 bench/file-sink-vs-kcat.sh
#
# The embedded broker (librdkafka's mock cluster) keeps only the newest ~5 MiB per partition, so
# the dev-broker creates the preloaded topic with enough partitions to hold every record
# (PARTITIONS, default one per ~42 000 records) and the preload spreads records evenly over them.
# Should a broker still retain fewer, both sides read exactly what is retained (count printed).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RECORDS="${RECORDS:-1000000}"
TIMEOUT_S="${TIMEOUT_S:-300}"

PARTITIONS="${PARTITIONS:-$(((RECORDS * 100 + 4194303) / 4194304))}"

require_tools wc
setup_tmp
topic="preloaded-$$"
start_broker "$topic:$PARTITIONS"

input="$BENCH_TMP/input.txt"
generate_lines "$input" "$RECORDS"
parts="$(partition_count "$topic")"
[[ -n "$parts" ]] || die "could not read the partitions of $topic from $BS"
log "preloading $RECORDS records into $topic ($parts partitions)"
preload "$topic" "$parts" "$input"
rm -f "$input"
high="$(offset_sum "$topic" "$parts" -1)"
low="$(offset_sum "$topic" "$parts" -2)"
target=$((high - low))
((high >= RECORDS)) || die "preload produced $high of $RECORDS records"
((target > 0)) || die "no records retained in $topic"
if ((target < RECORDS)); then
  log "the broker retained $target of $RECORDS records; both sides read those $target"
fi

ceiling_rates=()
tributary_rates=()
for ((run = 1; run <= RUNS; run++)); do
  # Ceiling: kcat reads every partition from the start to the end and exits.
  out="$BENCH_TMP/kcat-$run.txt"
  start="$(now)"
  # The ceiling consumes as a Connect sink does: in a consumer group (joining it included), with
  # the queue limit the worker's consumer has (librdkafka before 2.2 stops fetching for a second
  # whenever queued.min.messages, default 100 000, are queued).
  kcat -b "$BS" -G "bench-kcat-$run-$$" -o beginning -e -q -X queued.min.messages=10000000 \
    "$topic" >"$out"
  end="$(now)"
  got="$(wc -l <"$out")"
  ((got == target)) || die "kcat wrote $got lines, expected $target"
  expected_bytes="$(stat -c %s "$out")"
  rm -f "$out"
  rate="$(calc "$target / (b - a)" "$start" "$end")"
  ceiling_rates+=("$rate")
  log "run $run: kcat      $(printf '%.0f' "$rate") records/s"

  # Tributary: standalone worker with one FileStreamSink task; a fresh connector name per run,
  # so its consumer group (connect-<name>) starts from the earliest retained offset.
  out="$BENCH_TMP/tributary-$run.txt"
  port="$(free_port)"
  write_worker "$BENCH_TMP/worker.properties" "$port"
  cat >"$BENCH_TMP/sink.properties" <<EOF
name=bench-file-sink-$run-$$
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
tasks.max=1
topics=$topic
file=$out
EOF
  start="$(now)"
  spawn "$BENCH_TMP/tributary-$run.out" "$BENCH_TMP/tributary-$run.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/sink.properties"
  pid="$LAST_PID"
  deadline=$(($(date +%s) + TIMEOUT_S))
  # Done when the output has as many bytes as kcat's (same lines): stat is cheap, unlike
  # counting lines of a growing file on every poll.
  while :; do
    bytes=0
    [[ -f "$out" ]] && bytes="$(stat -c %s "$out")"
    ((bytes >= expected_bytes)) && break
    kill -0 "$pid" 2>/dev/null ||
      die "tributary exited after $bytes bytes: $(tail -n 5 "$BENCH_TMP/tributary-$run.err")"
    (($(date +%s) < deadline)) || die "tributary wrote only $bytes of $expected_bytes bytes in ${TIMEOUT_S}s"
    sleep 0.01
  done
  end="$(now)"
  stop_pid "$pid"
  got="$(wc -l <"$out")"
  ((got == target)) || log "warning: tributary wrote $got lines for $target records (duplicates?)"
  rm -f "$out"
  rate="$(calc "$target / (b - a)" "$start" "$end")"
  tributary_rates+=("$rate")
  log "run $run: tributary $(printf '%.0f' "$rate") records/s"
done

ceiling="$(printf '%s\n' "${ceiling_rates[@]}" | median)"
tributary="$(printf '%s\n' "${tributary_rates[@]}" | median)"
ratio="$(calc 'a / b' "$tributary" "$ceiling")"
echo
echo "Kafka -> file, $target records, median of $RUNS runs:"
printf '  tributary FileStreamSink: %12.0f records/s\n' "$tributary"
printf '  kcat -G (ceiling):        %12.0f records/s\n' "$ceiling"
printf '  tributary / ceiling:      %12.2f\n' "$ratio"
result_row "Kafka -> file sink ($target × ~62 B)" \
  "$(printf '%.0f rec/s' "$tributary")" "$(printf '%.0f rec/s (kcat -G)' "$ceiling")" \
  "$(printf '%.2f' "$ratio")" "higher is better"
