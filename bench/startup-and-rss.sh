#!/usr/bin/env bash
# Start-up time and idle memory of a standalone worker running two connectors (DataGenSource at a
# low rate -> topic -> FileStreamSink), against nginx serving one fixed response (the ceiling: a
# native server doing nothing but answering HTTP), measured the same way in the same run.
#
#   RUNS=3 IDLE_S=10 bench/startup-and-rss.sh
#
# Start-up: milliseconds from spawning the process until GET /health answers 200 (polled with curl
# every few milliseconds, so the figure includes a few ms of polling granularity).
# Memory: VmRSS from /proc/<pid>/status after IDLE_S seconds (nginx: master + worker processes).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IDLE_S="${IDLE_S:-10}"
TIMEOUT_S="${TIMEOUT_S:-60}"

require_tools
setup_tmp
start_broker
NGINX="$(command -v nginx || true)"
if [[ -z "$NGINX" && -x /usr/sbin/nginx ]]; then NGINX=/usr/sbin/nginx; fi
[[ -n "$NGINX" ]] || log "nginx not found; reporting Tributary alone (scripts/install-deps.sh installs it)"

# Polls http://127.0.0.1:<port>/health until it answers 200 while <pid> lives. Prints the
# milliseconds since <start>. Usage: wait_healthy <pid> <port> <start> <stderr-file>
wait_healthy() {
  local pid="$1" port="$2" start="$3" err="$4" code deadline
  deadline=$(($(date +%s) + TIMEOUT_S))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/health" || true)"
    [[ "$code" == 200 ]] && break
    kill -0 "$pid" 2>/dev/null || die "pid $pid exited before /health answered: $(tail -n 5 "$err")"
    (($(date +%s) < deadline)) || die "/health on port $port not 200 after ${TIMEOUT_S}s (last: $code)"
    sleep 0.002
  done
  calc '(b - a) * 1000' "$start" "$(now)"
}

# Resident set size in kB of the given pids, summed.
rss_kb() {
  local pid sum=0 kb
  for pid in "$@"; do
    kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}

t_start=()
t_rss=()
n_start=()
n_rss=()
for ((run = 1; run <= RUNS; run++)); do
  # Tributary: two connectors, REST on a free port.
  port="$(free_port)"
  write_worker "$BENCH_TMP/worker.properties" "$port"
  sink_file="$BENCH_TMP/datagen-$run.txt"
  cat >"$BENCH_TMP/datagen.properties" <<EOF
name=bench-datagen-$run
connector.class=DataGenSource
topic=bench-idle-$run-$$
rate=10
tasks.max=1
EOF
  cat >"$BENCH_TMP/sink.properties" <<EOF
name=bench-idle-sink-$run-$$
connector.class=FileStreamSink
topics=bench-idle-$run-$$
file=$sink_file
tasks.max=1
EOF
  start="$(now)"
  spawn "$BENCH_TMP/tributary-$run.out" "$BENCH_TMP/tributary-$run.err" \
    "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" \
    "$BENCH_TMP/datagen.properties" "$BENCH_TMP/sink.properties"
  pid="$LAST_PID"
  ms="$(wait_healthy "$pid" "$port" "$start" "$BENCH_TMP/tributary-$run.err")"
  sleep "$IDLE_S"
  kill -0 "$pid" 2>/dev/null || die "tributary exited while idle: $(tail -n 5 "$BENCH_TMP/tributary-$run.err")"
  kb="$(rss_kb "$pid")"
  [[ -s "$sink_file" ]] || log "warning: run $run: the file sink wrote nothing in ${IDLE_S}s"
  stop_pid "$pid"
  t_start+=("$ms")
  t_rss+=("$kb")
  log "run $run: tributary  start-up $(printf '%.1f' "$ms") ms, RSS $((kb / 1024)) MiB"

  [[ -n "$NGINX" ]] || continue
  # Ceiling: nginx with a one-location config, same probe.
  port="$(free_port)"
  ndir="$BENCH_TMP/nginx-$run"
  mkdir -p "$ndir"
  cat >"$ndir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $ndir/nginx.pid;
error_log $ndir/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $ndir/body;
  proxy_temp_path $ndir/proxy;
  fastcgi_temp_path $ndir/fastcgi;
  server {
    listen 127.0.0.1:$port;
    location = /health { return 200 "healthy\n"; }
  }
}
EOF
  start="$(now)"
  spawn "$ndir/stdout" "$ndir/stderr" "$NGINX" -p "$ndir" -e "$ndir/error.log" -c "$ndir/nginx.conf"
  pid="$LAST_PID"
  ms="$(wait_healthy "$pid" "$port" "$start" "$ndir/error.log")"
  sleep "$IDLE_S"
  mapfile -t workers < <(pgrep -P "$pid" || true)
  kb="$(rss_kb "$pid" "${workers[@]}")"
  stop_pid "$pid"
  n_start+=("$ms")
  n_rss+=("$kb")
  log "run $run: nginx      start-up $(printf '%.1f' "$ms") ms, RSS $((kb / 1024)) MiB"
done

trib_ms="$(printf '%s\n' "${t_start[@]}" | median)"
trib_kb="$(printf '%s\n' "${t_rss[@]}" | median)"
echo
echo "standalone worker with 2 connectors, median of $RUNS runs:"
printf '  tributary start-up to /health 200: %8.1f ms\n' "$trib_ms"
printf '  tributary RSS after %ss idle:       %8.1f MiB\n' "$IDLE_S" "$(calc 'a / 1024' "$trib_kb" 0)"
if ((${#n_start[@]} > 0)); then
  nginx_ms="$(printf '%s\n' "${n_start[@]}" | median)"
  nginx_kb="$(printf '%s\n' "${n_rss[@]}" | median)"
  printf '  nginx start-up (ceiling):          %8.1f ms   ratio %.2f\n' "$nginx_ms" "$(calc 'a / b' "$trib_ms" "$nginx_ms")"
  printf '  nginx RSS (ceiling):               %8.1f MiB  ratio %.2f\n' \
    "$(calc 'a / 1024' "$nginx_kb" 0)" "$(calc 'a / b' "$trib_kb" "$nginx_kb")"
  result_row "start-up to /health 200" "$(printf '%.1f ms' "$trib_ms")" "$(printf '%.1f ms (nginx)' "$nginx_ms")" \
    "$(printf '%.2f' "$(calc 'a / b' "$trib_ms" "$nginx_ms")")" "lower is better"
  result_row "RSS after ${IDLE_S} s idle" "$(printf '%.1f MiB' "$(calc 'a / 1024' "$trib_kb" 0)")" \
    "$(printf '%.1f MiB (nginx)' "$(calc 'a / 1024' "$nginx_kb" 0)")" \
    "$(printf '%.2f' "$(calc 'a / b' "$trib_kb" "$nginx_kb")")" "lower is better"
else
  result_row "start-up to /health 200" "$(printf '%.1f ms' "$trib_ms")" "n/a" "n/a" "nginx missing"
  result_row "RSS after ${IDLE_S} s idle" "$(printf '%.1f MiB' "$(calc 'a / 1024' "$trib_kb" 0)")" \
    "n/a" "n/a" "nginx missing"
fi
