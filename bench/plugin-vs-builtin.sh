#!/usr/bin/env bash
# The plugin boundary's cost: DataGenSource built in against the same connector built as a plugin
# through the SDK (plugins/bench/datagen_plugin.cc, loaded from plugin.path, every record encoded
# and decoded across the C ABI). Same worker binary, same broker, same record count; alternating
# runs. Prints records/s for both (medians over RUNS) and plugin ÷ built-in (goal ≥ 0.9).
#
#   RECORDS=1000000 RUNS=3 bench/plugin-vs-builtin.sh
#
# PLUGIN (default: build/release/plugins/libdatagen_plugin.so) is the plugin library; it must come
# from the same build as TRIBUTARY. Time is from process start until the committed source offset
# says every record was acknowledged by Kafka (the worker commits only acknowledged offsets).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RECORDS="${RECORDS:-1000000}"
TIMEOUT_S="${TIMEOUT_S:-300}"
PLUGIN="${PLUGIN:-$BENCH_ROOT/build/release/plugins/libdatagen_plugin.so}"

require_tools
[[ -f "$PLUGIN" ]] || die "no plugin library at $PLUGIN; build the datagen_plugin target" \
  "(cmake --build --preset release --target datagen_plugin) or set PLUGIN=/path"
setup_tmp
start_broker

# Runs one worker with the given connector class until seq reaches RECORDS; prints records/s.
run_one() {
  local label="$1" class="$2" run="$3" topic port pid offsets start end
  topic="bench-$label-$run-$$"
  partition_count "$topic" >/dev/null
  port="$(free_port)"
  write_worker "$BENCH_TMP/worker.properties" "$port"
  {
    echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
    echo "value.converter.schemas.enable=false"
    echo "plugin.path=$PLUGIN"
  } >>"$BENCH_TMP/worker.properties"
  {
    echo "name=bench-datagen-$label-$run"
    echo "connector.class=$class"
    echo "tasks.max=1"
    echo "topic=$topic"
    echo "rate=0"
    echo "count=$RECORDS"
    echo "seed=42"
  } >"$BENCH_TMP/source.properties"
  offsets="$BENCH_TMP/worker-$port.offsets"
  start="$(now)"
  spawn "$BENCH_TMP/$label-$run.out" "$BENCH_TMP/$label-$run.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/source.properties"
  pid="$LAST_PID"
  # Done when the committed offset's seq reaches RECORDS (one task, so one source partition and
  # one seq in the file); the same check for both sides.
  wait_for_offset "$offsets" seq "$RECORDS" "$pid" "$label worker" "$BENCH_TMP/$label-$run.err"
  end="$(now)"
  stop_pid "$pid"
  calc "$RECORDS / (b - a)" "$start" "$end"
}

builtin_rates=()
plugin_rates=()
for ((run = 1; run <= RUNS; run++)); do
  rate="$(run_one builtin tributary.connectors.datagen.DataGenSourceConnector "$run")"
  builtin_rates+=("$rate")
  log "run $run: built-in $(printf '%.0f' "$rate") records/s"
  rate="$(run_one plugin tributary.plugins.bench.DataGenPluginSourceConnector "$run")"
  plugin_rates+=("$rate")
  log "run $run: plugin   $(printf '%.0f' "$rate") records/s"
done

builtin="$(printf '%s\n' "${builtin_rates[@]}" | median)"
plugin="$(printf '%s\n' "${plugin_rates[@]}" | median)"
ratio="$(calc 'a / b' "$plugin" "$builtin")"
echo
echo "DataGenSource -> Kafka, $RECORDS records, median of $RUNS runs:"
printf '  plugin (C ABI + SDK):   %12.0f records/s\n' "$plugin"
printf '  built-in:               %12.0f records/s\n' "$builtin"
printf '  plugin / built-in:      %12.2f   (goal >= 0.9)\n' "$ratio"
result_row "datagen source as plugin vs built in ($RECORDS records)" \
  "$(printf '%.0f rec/s (plugin)' "$plugin")" "$(printf '%.0f rec/s (built in)' "$builtin")" \
  "$(printf '%.2f' "$ratio")" "goal ≥ 0.9"
