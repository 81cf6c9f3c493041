#!/usr/bin/env bash
# Snowplow collector: SnowplowCollectorSource with durable acknowledgements (every 200 means Kafka
# acknowledged the event) writing to `tributary dev-broker`, against nginx answering the same
# requests with its built-in 43-byte GIF (`empty_gif`) / `ok` (the ceiling: a native HTTP server
# that writes nothing anywhere), both driven by wrk in the same run:
#   get   GET /i with a realistic page-view query string and a fresh event id per request
#   post  POST /com.snowplowanalytics.snowplow/tp2 with a 10-event payload_data JSON batch
# Prints requests/s, p99 latency (wrk --latency) and peak RSS (VmHWM; nginx: master + workers),
# medians over RUNS, and the collector ÷ nginx ratios. Each server is started fresh per scenario
# and run, so the peak RSS belongs to that scenario alone.
#
# EXTRA_PROPS adds a line to the collector's properties (e.g. a producer.override.* setting).
#
#   RUNS=3 DURATION_S=5 THREADS=2 CONNECTIONS=32 bench/snowplow-vs-nginx.sh
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION_S="${DURATION_S:-5}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
SERVER_THREADS="${SERVER_THREADS:-2}"
PARTITIONS="${PARTITIONS:-4}"
TIMEOUT_S="${TIMEOUT_S:-30}"

NGINX="$(command -v nginx || true)"
if [[ -z "$NGINX" && -x /usr/sbin/nginx ]]; then NGINX=/usr/sbin/nginx; fi
[[ -n "$NGINX" ]] || die "nginx not found; run scripts/install-deps.sh"
require_tools wrk
setup_tmp
start_broker "snowplow-good:$PARTITIONS" "snowplow-bad:1"

# wrk scripts: one request per call, each with its own event id (uuid-shaped, from a counter).
cat >"$BENCH_TMP/common.lua" <<'EOF'
local counter = 0
local thread_id = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args) thread_id = tid or 0 end
local n = 0
function next_eid()
  n = n + 1
  return string.format("%08x-0000-4000-8000-%012x", thread_id, n)
end
EOF
cat >"$BENCH_TMP/get.lua" <<EOF
dofile("$BENCH_TMP/common.lua")
local base = "/i?e=pv&url=https%3A%2F%2Fshop.example.com%2Fproducts%2F12345%3Futm_source%3Dnewsletter" ..
  "&page=Red%20Running%20Shoes%20%E2%80%93%20Shop&refr=https%3A%2F%2Fwww.google.com%2F" ..
  "&tv=js-3.24.0&tna=sp1&aid=shop-web&p=web&tz=Europe%2FBerlin&lang=en-US&cs=UTF-8" ..
  "&res=1920x1080&cd=24&cookie=1&vp=1280x720&ds=1280x3400&vid=3" ..
  "&duid=5f1c2a9e-7b3d-4c8e-9a41-0d2e6b7f8c11&sid=9a3e7c21-4d5b-4f6a-8b9c-1e2d3f4a5b6c" ..
  "&stm=1732480000000&dtm=1732479999000"
function request()
  return wrk.format("GET", base .. "&eid=" .. next_eid(), {["User-Agent"] = "Mozilla/5.0 (bench)"})
end
EOF
cat >"$BENCH_TMP/post.lua" <<EOF
dofile("$BENCH_TMP/common.lua")
local event = '{"e":"pv","url":"https://shop.example.com/products/12345","page":"Red Running Shoes",' ..
  '"refr":"https://www.google.com/","tv":"js-3.24.0","tna":"sp1","aid":"shop-web","p":"web",' ..
  '"tz":"Europe/Berlin","lang":"en-US","res":"1920x1080","vp":"1280x720","vid":"3",' ..
  '"duid":"5f1c2a9e-7b3d-4c8e-9a41-0d2e6b7f8c11","stm":"1732480000000","dtm":"1732479999000","eid":"'
local headers = {["Content-Type"] = "application/json; charset=UTF-8",
                 ["User-Agent"] = "Mozilla/5.0 (bench)"}
function request()
  local events = {}
  for i = 1, 10 do events[i] = event .. next_eid() .. '"}' end
  local body = '{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",' ..
    '"data":[' .. table.concat(events, ",") .. ']}'
  return wrk.format("POST", "/com.snowplowanalytics.snowplow/tp2", headers, body)
end
EOF

# Peak resident set size in kB (VmHWM) of the given pids, summed.
hwm_kb() {
  local pid sum=0 kb
  for pid in "$@"; do
    kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}

# Waits until <url> answers 200 while <pid> lives.
wait_ok() {
  local pid="$1" url="$2" err="$3" deadline code
  deadline=$(($(date +%s) + TIMEOUT_S))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)"
    [[ "$code" == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "pid $pid exited: $(tail -n 5 "$err")"
    (($(date +%s) < deadline)) || die "$url not 200 after ${TIMEOUT_S}s (last: $code)"
    sleep 0.01
  done
}

# Runs wrk against port <port> with <script>; sets RPS, P99_MS and NON2XX from its output.
run_wrk() {
  local port="$1" script="$2" out="$3"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION_S}s" --latency -s "$script" \
    "http://127.0.0.1:$port" >"$out" 2>&1 || die "wrk failed: $(tail -n 5 "$out")"
  RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
  P99_MS="$(awk '$1 == "99%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
    m = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.3f\n", v * m }' "$out")"
  NON2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
  NON2XX="${NON2XX:-0}"
  local errors
  errors="$(grep -E '^ +Socket errors:' "$out" || true)"
  [[ -z "$errors" ]] || log "wrk: $errors"
  [[ -n "$RPS" && -n "$P99_MS" ]] || die "could not parse wrk output: $(cat "$out")"
}

# Durable acknowledgements wait for Kafka, so the producer's linger is part of every answer's
# latency: the collector's README recommends producer.override.linger.ms=0 (librdkafka waits 5 ms
# by default). LINGER_MS= (empty) measures the worker's default instead.
LINGER_MS="${LINGER_MS-0}"
LINGER_OVERRIDE=""
[[ -n "$LINGER_MS" ]] && LINGER_OVERRIDE="producer.override.linger.ms=$LINGER_MS"

declare -A rps p99 rss
for ((run = 1; run <= RUNS; run++)); do
  for scenario in get post; do
    # Collector: a standalone worker with one SnowplowCollectorSource (durable acks, the default).
    port="$(free_port)"
    rest="$(free_port)"
    write_worker "$BENCH_TMP/worker.properties" "$rest"
    cat >"$BENCH_TMP/collector.properties" <<EOF
name=bench-collector
connector.class=SnowplowCollectorSource
interface=127.0.0.1
port=$port
server.threads=$SERVER_THREADS
streams.good=snowplow-good
streams.bad=snowplow-bad
ack.mode=durable
value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
${LINGER_OVERRIDE}
${EXTRA_PROPS:-}
EOF
    spawn "$BENCH_TMP/collector-$scenario-$run.out" "$BENCH_TMP/collector-$scenario-$run.err" \
      "$TRIBUTARY" standalone "$BENCH_TMP/worker.properties" "$BENCH_TMP/collector.properties"
    pid="$LAST_PID"
    wait_ok "$pid" "http://127.0.0.1:$port/health" "$BENCH_TMP/collector-$scenario-$run.err"
    run_wrk "$port" "$BENCH_TMP/$scenario.lua" "$BENCH_TMP/wrk-collector-$scenario-$run.txt"
    ((NON2XX == 0)) || log "warning: collector answered $NON2XX non-2xx responses ($scenario run $run)"
    rps[collector-$scenario]+="$RPS "
    p99[collector-$scenario]+="$P99_MS "
    rss[collector-$scenario]+="$(hwm_kb "$pid") "
    log "run $run $scenario: collector $(printf '%.0f' "$RPS") req/s, p99 $P99_MS ms"
    stop_pid "$pid"

    # Ceiling: nginx, worker processes = collector server threads.
    port="$(free_port)"
    ndir="$BENCH_TMP/nginx-$scenario-$run"
    mkdir -p "$ndir"
    cat >"$ndir/nginx.conf" <<EOF
worker_processes $SERVER_THREADS;
daemon off;
pid $ndir/nginx.pid;
error_log $ndir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $ndir/body;
  proxy_temp_path $ndir/proxy;
  fastcgi_temp_path $ndir/fastcgi;
  uwsgi_temp_path $ndir/uwsgi;
  scgi_temp_path $ndir/scgi;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location = /health { return 200 "ok"; }
    location = /i { empty_gif; }
    location = /com.snowplowanalytics.snowplow/tp2 { return 200 "ok"; }
  }
}
EOF
    spawn "$ndir/stdout" "$ndir/stderr" "$NGINX" -p "$ndir" -e "$ndir/error.log" -c "$ndir/nginx.conf"
    pid="$LAST_PID"
    wait_ok "$pid" "http://127.0.0.1:$port/health" "$ndir/error.log"
    run_wrk "$port" "$BENCH_TMP/$scenario.lua" "$BENCH_TMP/wrk-nginx-$scenario-$run.txt"
    ((NON2XX == 0)) || log "warning: nginx answered $NON2XX non-2xx responses ($scenario run $run)"
    mapfile -t workers < <(pgrep -P "$pid" || true)
    rps[nginx-$scenario]+="$RPS "
    p99[nginx-$scenario]+="$P99_MS "
    rss[nginx-$scenario]+="$(hwm_kb "$pid" "${workers[@]}") "
    log "run $run $scenario: nginx     $(printf '%.0f' "$RPS") req/s, p99 $P99_MS ms"
    stop_pid "$pid"
  done
done

med() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | median; }
echo
echo "Snowplow collector (durable acks, dev-broker) vs nginx, wrk -t$THREADS -c$CONNECTIONS" \
  "-d${DURATION_S}s, $SERVER_THREADS server threads/workers, median of $RUNS runs:"
for scenario in get post; do
  c_rps="$(med "${rps[collector-$scenario]}")"
  n_rps="$(med "${rps[nginx-$scenario]}")"
  c_p99="$(med "${p99[collector-$scenario]}")"
  n_p99="$(med "${p99[nginx-$scenario]}")"
  c_rss="$(med "${rss[collector-$scenario]}")"
  n_rss="$(med "${rss[nginx-$scenario]}")"
  ratio="$(calc 'a / b' "$c_rps" "$n_rps")"
  if [[ "$scenario" == get ]]; then
    what="GET /i (page view query string)"
  else
    what="POST tp2 (10-event batch)"
  fi
  printf '  %-32s collector %9.0f req/s  p99 %7.2f ms  peak RSS %6.1f MiB | nginx %9.0f req/s  p99 %7.2f ms  peak RSS %5.1f MiB | ratio %.2f\n' \
    "$what" "$c_rps" "$c_p99" "$(calc 'a / 1024' "$c_rss" 0)" "$n_rps" "$n_p99" \
    "$(calc 'a / 1024' "$n_rss" 0)" "$ratio"
  result_row "Snowplow collector $what" \
    "$(printf '%.0f req/s, p99 %.2f ms, %.0f MiB' "$c_rps" "$c_p99" "$(calc 'a / 1024' "$c_rss" 0)")" \
    "$(printf '%.0f req/s, p99 %.2f ms, %.1f MiB (nginx)' "$n_rps" "$n_p99" "$(calc 'a / 1024' "$n_rss" 0)")" \
    "$(printf '%.2f' "$ratio")" "durable acks; higher req/s is better"
done
