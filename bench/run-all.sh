#!/usr/bin/env bash
# Runs every benchmark and prints one markdown table (plus the machine it ran on) to paste into
# docs/BENCHMARKS.md. Passes RUNS, RECORDS, IDLE_S, TRIBUTARY and BOOTSTRAP_SERVERS through.
#
#   bench/run-all.sh            (or: make bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

require_tools
BENCH_RESULTS="$(mktemp "${TMPDIR:-/tmp}/tributary-bench-results.XXXXXX")"
export BENCH_RESULTS
trap 'rm -f "$BENCH_RESULTS"' EXIT

failed=()
for script in file-source-vs-kcat.sh file-sink-vs-kcat.sh startup-and-rss.sh plugin-vs-builtin.sh \
  pg-cdc-vs-recvlogical.sh; do
  log "=== $script"
  if ! "$here/$script"; then
    failed+=("$script")
    result_row "${script%.sh}" "failed" "" "" "see the log above" >/dev/null
  fi
done

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
version="$("$TRIBUTARY" --version 2>/dev/null | head -n 1 || true)"
commit="$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "Measured $(date -u +%Y-%m-%d) on ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr);"
kcat_version="$(kcat -V 2>/dev/null |
  sed -n 's/^Version \([^ ]*\) .*librdkafka \([^ ]*\).*/kcat \1 (librdkafka \2)/p' || true)"
echo "${version:-tributary (version unknown)} at commit $commit; ${kcat_version:-kcat};"
echo "RUNS=$RUNS, medians. Broker: ${BOOTSTRAP_SERVERS:-embedded (tributary dev-broker)}."
echo
echo "| benchmark | Tributary | ceiling | Tributary ÷ ceiling | |"
echo "|---|---|---|---|---|"
cat "$BENCH_RESULTS"

if ((${#failed[@]} > 0)); then
  log "failed: ${failed[*]}"
  exit 1
fi
