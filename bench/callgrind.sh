#!/usr/bin/env bash
# Instructions per record of each worker thread, for another benchmark script of this folder: runs
# it with `tributary standalone` under valgrind's callgrind (one profile per thread), then prints
# each thread's instruction count divided by PER (default RECORDS), with the first Tributary (or
# library) function that thread runs. Instruction counts hardly move with the machine's load, so
# they compare two builds where the ratios, noisy by ±15 % on a shared machine, cannot.
#
#   RECORDS=100000 RUNS=1 MODES=insert bench/callgrind.sh bench/pg-sink-vs-copy.sh
#   RECORDS=50000 RUNS=1 SCHEMAS_ENABLE=true bench/callgrind.sh bench/pg-cdc-vs-recvlogical.sh
#
# The worker runs some 50 times slower: the wrapped script's rates mean nothing, and its
# TIMEOUT_S may need raising. A script that starts several workers (runs, modes, scenarios) gets
# one set of lines per worker, told apart by pid, all divided by the same PER: for the Snowplow
# benchmark leave PER unset and divide a worker's totals by its requests (its req/s printed by the
# script × DURATION_S). The profiles stay in CALLGRIND_DIR (default: a new directory under /tmp) for
# `callgrind_annotate`. Needs valgrind.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 1)) || die "usage: bench/callgrind.sh <benchmark script> [args...]"
command -v valgrind >/dev/null || die "valgrind not found"
PER="${PER:-${RECORDS:-}}"
CALLGRIND_DIR="${CALLGRIND_DIR:-$(mktemp -d /tmp/tributary-callgrind.XXXXXX)}"
mkdir -p "$CALLGRIND_DIR"

# The wrapper the benchmark starts as its `tributary`: only `standalone` runs under callgrind. On
# SIGTERM (how the scripts stop a worker) it first has callgrind write what it has so far, since a
# worker that takes longer than 5 s to stop is killed.
wrapper="$CALLGRIND_DIR/tributary"
cat >"$wrapper" <<EOF
#!/usr/bin/env bash
if [[ "\${1:-}" != standalone ]]; then exec "$TRIBUTARY" "\$@"; fi
valgrind --tool=callgrind --separate-threads=yes \\
  --callgrind-out-file="$CALLGRIND_DIR/callgrind.%p" "$TRIBUTARY" "\$@" &
child=\$!
trap 'callgrind_control -d "\$child" >/dev/null 2>&1; kill -TERM "\$child"' TERM
wait "\$child"  # returns early when the trap has run
wait "\$child"
EOF
chmod +x "$wrapper"

# Under callgrind a script may give up (its timeouts); what was profiled is still worth reading.
TRIBUTARY="$wrapper" "$@" || log "$1 failed; the profiles it left:"

# callgrind.<pid>[.<dump>]-<thread>: a thread's count is the sum of its files; what it does is read
# from its largest one (the file after a dump holds little more than the stop). Workers are told
# apart by pid.
declare -A total largest largest_count
for file in "$CALLGRIND_DIR"/callgrind.*-*; do
  [[ -e "$file" ]] || die "no profiles in $CALLGRIND_DIR"
  name="${file##*/callgrind.}"
  thread="${name%%[.-]*}/${name##*-}"  # pid/thread
  count="$(awk '/^summary:/ { print $2; exit }' "$file")"
  count="${count:-0}"
  total[$thread]=$((${total[$thread]:-0} + count))
  if ((count >= ${largest_count[$thread]:-0})); then
    largest[$thread]="$file"
    largest_count[$thread]="$count"
  fi
done
echo
if [[ -n "$PER" ]]; then
  echo "Instructions per record ($PER records), by worker thread ($CALLGRIND_DIR):"
else
  echo "Instructions, by worker thread ($CALLGRIND_DIR):"
fi
for thread in "${!total[@]}"; do
  # The most inclusive function of ours below the thread's start (or the library it runs in).
  role="$(callgrind_annotate --inclusive=yes "${largest[$thread]}" 2>/dev/null |
    grep -v -e '_State_impl' -e 'WorkerTask::Run()' |
    grep -m 1 -oE 'tributary::([A-Za-z_<>]+::|\(anonymous namespace\)::)*[A-Za-z_<>]+\(|librdkafka|libpq' |
    head -n 1 | sed 's/($//' || true)"
  printf '%12.0f  thread %s  %s\n' "$(calc "a / b" "${total[$thread]}" "${PER:-1}")" "$thread" \
    "${role:-?}"
done | sort -rn | awk '$1 >= 1'
