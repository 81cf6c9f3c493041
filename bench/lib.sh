# Shared helpers for the benchmark scripts. Source it; do not run it.
#
# Environment (all optional):
#   TRIBUTARY           the binary to measure (default: build/release/cli/tributary)
#   RUNS                repetitions per measurement; medians are reported (default 3)
#   BOOTSTRAP_SERVERS   use this Kafka cluster instead of starting `tributary dev-broker`
#   BENCH_RESULTS       if set, each script appends its markdown table rows to this file
#   KEEP_TMP=1          keep the temporary directory (its path is printed)

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRIBUTARY="${TRIBUTARY:-$BENCH_ROOT/build/release/cli/tributary}"
RUNS="${RUNS:-3}"
BENCH_PIDS=()
BENCH_TMP=""

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Checks the tools a script needs before anything starts. Arguments: extra commands to require.
require_tools() {
  if [[ ! -x "$TRIBUTARY" ]]; then
    die "no tributary binary at $TRIBUTARY. Build it first: make release" \
      "(or cmake --preset release && cmake --build --preset release --target tributary)," \
      "or set TRIBUTARY=/path/to/tributary."
  fi
  local tool
  for tool in kcat curl awk "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found; run scripts/install-deps.sh"
  done
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
}

# Creates the temporary directory and installs the cleanup trap. Call once, early.
setup_tmp() {
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench.XXXXXX")"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  trap 'exit 141' PIPE
}

# Stops every process this script started (SIGTERM, then SIGKILL after 5 s) and removes the
# temporary directory.
cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    stop_pid "$pid"
  done
  if [[ -n "$BENCH_TMP" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
      log "kept $BENCH_TMP"
    else
      rm -rf "$BENCH_TMP"
    fi
  fi
}

# Starts a command in the background, remembers its pid for cleanup, and sets LAST_PID.
# Usage: spawn <stdout-file> <stderr-file> <command...>
spawn() {
  local out="$1" err="$2"
  shift 2
  : >"$out"  # exists before the job starts, so readers never race its redirection
  : >"$err"
  "$@" >"$out" 2>"$err" &
  LAST_PID=$!
  BENCH_PIDS+=("$LAST_PID")
}

# Stops one process we started: SIGTERM, wait up to 5 s, then SIGKILL. Quiet if already gone.
stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || {
    wait "$pid" 2>/dev/null || true
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for 5 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Current time in seconds with microseconds (bash's clock, no process spawned).
now() { printf '%s\n' "$EPOCHREALTIME"; }

# Waits until the number stored under "<key>" in the worker's offsets file <file> reaches <target>
# (the worker stores an offset only after Kafka acknowledged every record before it). Dies if
# <pid> exits or TIMEOUT_S passes; <what> names the worker in those messages. Shell builtins only:
# spawning grep, date and sleep every 10 ms cost ~15 % of a core, taken from the process being
# measured (and the check ran only every ~40 ms under load). Polling the broker would be worse.
# It looks every 10 ms, half the benchmarks' offset flush interval (FLUSH_MS, 20 ms): looking
# every 5 ms, even this loop took 5.4 % of a core during a CDC run, against 3.2 % now.
wait_for_offset() {  # <file> <key> <target> <pid> <what> <stderr log>
  local file="$1" key="$2" target="$3" pid="$4" what="$5" err="$6" content value deadline
  deadline=$((EPOCHSECONDS + TIMEOUT_S))
  # Read with a timeout: nothing is ever written to it, so each read sleeps.
  [[ -n "${NAP_FD:-}" ]] || exec {NAP_FD}<> <(:)
  while :; do
    content=""
    { IFS= read -r -d '' content <"$file"; } 2>/dev/null || true
    value=0
    [[ "$content" =~ \"$key\":\ *([0-9]+) ]] && value="${BASH_REMATCH[1]}"
    ((value >= target)) && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited at $key $value: $(tail -n 5 "$err")"
    ((EPOCHSECONDS < deadline)) || die "$what reached only $key $value of $target in ${TIMEOUT_S}s"
    read -r -t 0.01 -u "$NAP_FD" || true
  done
}

# Arithmetic on decimals. Usage: calc '<awk expression over a, b>' a b
calc() { awk -v a="$2" -v b="$3" "BEGIN { printf \"%.6f\n\", $1 }"; }

# Median of the numbers on stdin (one per line).
median() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints a free TCP port on 127.0.0.1 (asks the kernel; falls back to probing).
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for ((port = 20000 + RANDOM % 20000; ; port++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Sets BS to a Kafka bootstrap address: $BOOTSTRAP_SERVERS if given, otherwise starts
# `tributary dev-broker` and reads the `bootstrap.servers=HOST:PORT` line it prints.
# Arguments: topics the dev-broker creates up front, as name:partitions (ignored with
# BOOTSTRAP_SERVERS, where topics are created on first use).
start_broker() {
  local topic_args=() spec
  for spec in "$@"; do topic_args+=(--topic "$spec"); done
  if [[ -n "${BOOTSTRAP_SERVERS:-}" ]]; then
    BS="$BOOTSTRAP_SERVERS"
    log "using the broker at $BS"
    return
  fi
  spawn "$BENCH_TMP/broker.out" "$BENCH_TMP/broker.err" "$TRIBUTARY" dev-broker "${topic_args[@]}"
  local pid="$LAST_PID" deadline i
  deadline=$(($(date +%s) + 15))
  BS=""
  while [[ -z "$BS" ]]; do
    BS="$(sed -n 's/^bootstrap\.servers=\(.*\)$/\1/p' "$BENCH_TMP/broker.out" | head -n 1)"
    [[ -n "$BS" ]] && break
    kill -0 "$pid" 2>/dev/null || die "tributary dev-broker exited: $(tail -n 5 "$BENCH_TMP/broker.err")"
    (($(date +%s) < deadline)) || die "tributary dev-broker printed no bootstrap.servers line in 15 s"
    sleep 0.05
  done
  log "dev-broker at $BS (pid $pid)"
}

# Number of partitions of a topic; asking creates the topic when the broker auto-creates topics,
# which is how scripts make sure the ceiling and Tributary write to identically shaped topics.
partition_count() {
  kcat -L -b "$BS" -t "$1" 2>/dev/null |
    sed -n "s/^ *topic \"$1\" with \([0-9]*\) partitions.*/\1/p" | head -n 1
}

# Sum over the partitions of a topic of an offset: -1 = high watermark (end), -2 = low (start).
# Usage: offset_sum <topic> <partitions> <-1|-2>
offset_sum() {
  local topic="$1" n="$2" which="$3" args=() p
  for ((p = 0; p < n; p++)); do args+=(-t "$topic:$p:$which"); done
  kcat -Q -b "$BS" "${args[@]}" 2>/dev/null | awk '/ offset / { s += $NF } END { print s + 0 }'
}

# Produces the lines of a file to a topic, line i to partition i mod <partitions>, each partition
# by a kcat of its own in batches of up to 10 000 records or 1 MB. The dev-broker (librdkafka's
# mock cluster) has no offset index: a fetch walks the partition's batches from the first one, so
# a topic written in small batches (one kcat spreading records over the partitions at random)
# made reading it slow. With that preload, this walk took 62 % of the dev-broker's CPU while a
# sink read 3 M records. A Kafka broker finds the offset through its index.
# Usage: preload <topic> <partitions> <file>
preload() {
  local topic="$1" n="$2" file="$3" dir="$BENCH_TMP/preload" p
  mkdir -p "$dir"
  awk -v n="$n" -v dir="$dir" '{ print > (dir "/" (NR - 1) % n) }' "$file"
  for ((p = 0; p < n; p++)); do
    [[ -s "$dir/$p" ]] || continue
    kcat -P -b "$BS" -t "$topic" -p "$p" -X linger.ms=100 -l "$dir/$p"
  done
  rm -rf "$dir"
}

# Records currently in a topic (sum of high watermarks; what was ever produced to it).
produced_count() { offset_sum "$1" "$2" -1; }

# Writes a standalone worker.properties for the benchmarks. Usage: write_worker <file> <rest-port>
write_worker() {
  cat >"$1" <<EOF
bootstrap.servers=$BS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$BENCH_TMP/worker-$2.offsets
offset.flush.interval.ms=${FLUSH_MS:-20}
listeners=http://127.0.0.1:$2
EOF
}

# Appends a markdown row to $BENCH_RESULTS (if set) and prints it.
# Usage: result_row <benchmark> <tributary> <ceiling> <ratio> <notes>
result_row() {
  local row="| $1 | $2 | $3 | $4 | $5 |"
  printf '%s\n' "$row"
  if [[ -n "${BENCH_RESULTS:-}" ]]; then printf '%s\n' "$row" >>"$BENCH_RESULTS"; fi
}

# Generates <count> distinct ~62-byte text lines into <file>.
generate_lines() {
  awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
    printf "pageview %09d user=%06d url=/products/%05d ref=search\n", i, (i * 7919) % 1000000, i % 50000 }' >"$1"
}
