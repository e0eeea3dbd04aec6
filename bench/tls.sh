#!/usr/bin/env bash
# What TLS costs: read-by-id throughput over HTTPS next to plain HTTP, measured in one run on one
# database, plus the rate of full handshakes (new connections) with and without a client
# certificate. Prints markdown for the "TLS" section of docs/benchmarks.md.
#
# The server is started with the same options each time, only --tls-* differ; rounds alternate
# plain and TLS so drift on a shared machine hits both. wrk keeps connections alive (as MedMij
# peers should), so the read figures are the cost of record encryption; the handshake figures
# (openssl s_time, a new TLS 1.3 session per connection, no resumption) are the cost of a peer that
# does not keep its connection.
#
# Environment (all optional): REGIE_BIN (build/regie), BENCH_DURATION (10), BENCH_WARMUP (3),
# BENCH_CONNS (64), BENCH_WRK_THREADS (2), BENCH_ROUNDS (2), BENCH_SEED_PATIENTS (1000).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REGIE_BIN=${REGIE_BIN:-$ROOT/build/regie}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-2}
PATIENTS=${BENCH_SEED_PATIENTS:-1000}

die() {
  echo "bench tls: $*" >&2
  exit 1
}
for tool in wrk curl openssl; do command -v "$tool" >/dev/null || die "$tool is missing (run scripts/deps)"; done
[ -x "$REGIE_BIN" ] || die "no regie binary at $REGIE_BIN (set REGIE_BIN)"

tmp=$(mktemp -d /tmp/regie-bench-tls-XXXXXX)
pid=
stop() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
trap 'stop; rm -rf "$tmp"' EXIT

"$REGIE_BIN" ca init --dir "$tmp/ca" >/dev/null
"$REGIE_BIN" ca issue --dir "$tmp/ca" --host localhost --host 127.0.0.1 >/dev/null
"$REGIE_BIN" ca issue --dir "$tmp/ca" --host pgo.regie.test --out "$tmp/pgo" >/dev/null

# start [serve options]: sets $url and $hostport.
start() {
  "$REGIE_BIN" serve --listen 127.0.0.1:0 --db "$tmp/bench.db" --no-auth "$@" >"$tmp/srv.out" 2>"$tmp/srv.err" &
  pid=$!
  for _ in $(seq 1 400); do
    grep -q '^ready' "$tmp/srv.out" && break
    kill -0 "$pid" 2>/dev/null || die "server exited: $(cat "$tmp/srv.err")"
    sleep 0.05
  done
  url=$(sed -n 's/^ready \(.*\)$/\1/p' "$tmp/srv.out")
  [ -n "$url" ] || die "no ready line"
  hostport=${url#*://}
  hostport=${hostport%/fhir}
}

# Seed: one transaction of PUTs with known ids.
start
{
  printf '{"resourceType":"Bundle","type":"transaction","entry":['
  for i in $(seq 1 "$PATIENTS"); do
    [ "$i" -gt 1 ] && printf ','
    printf '{"resource":{"resourceType":"Patient","id":"p%d","active":true,"name":[{"family":"Bench%d","given":["Tess"]}],"gender":"female","birthDate":"1970-01-01"},"request":{"method":"PUT","url":"Patient/p%d"}}' "$i" "$i" "$i"
  done
  printf ']}'
} >"$tmp/seed.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/fhir+json' \
  -H 'Prefer: return=minimal' --data-binary @"$tmp/seed.json" "$url")
[ "$code" = 200 ] || die "seeding answered $code"
seq 1 "$PATIENTS" | sed 's/^/p/' >"$tmp/ids.txt"
stop

# read URL: req/s of read-by-id (after a warm-up); fails on any non-2xx answer.
read_rate() {
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$ROOT/bench/lua/read.lua" "$1" -- "$tmp/ids.txt" >/dev/null
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/lua/read.lua" "$1" -- "$tmp/ids.txt" >"$tmp/wrk.txt"
  grep -q 'Non-2xx' "$tmp/wrk.txt" && die "non-2xx answers: $(cat "$tmp/wrk.txt")"
  local rps p50
  rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
  echo "$rps $p50"
}

plain=()
tls=()
for r in $(seq 1 "$ROUNDS"); do
  start
  plain+=("$(read_rate "http://$hostport")")
  stop
  start --tls-cert "$tmp/ca/localhost.crt" --tls-key "$tmp/ca/localhost.key"
  tls+=("$(read_rate "https://$hostport")")
  stop
  echo "bench tls: round $r: plain ${plain[-1]}, TLS ${tls[-1]}" >&2
done

# Full handshakes per second: TLS 1.3, no session reuse, one read by id on each connection.
handshake_rate() {
  openssl s_time -connect "$hostport" -new -time "$DURATION" -www /fhir/Patient/p1 \
    -CAfile "$tmp/ca/ca.crt" "$@" 2>/dev/null |
    awk '/connections in [0-9.]+ real seconds/ {printf "%.0f", $1 / $4}' | head -n 1
}
start --tls-cert "$tmp/ca/localhost.crt" --tls-key "$tmp/ca/localhost.key"
hs_plain=$(handshake_rate)
stop
start --tls-cert "$tmp/ca/localhost.crt" --tls-key "$tmp/ca/localhost.key" --tls-client-ca "$tmp/ca/ca.crt"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/ca/ca.crt" --cert "$tmp/pgo.crt" \
  --key "$tmp/pgo.key" "$url/Patient/p1")
[ "$code" = 200 ] || die "mutual TLS read answered $code"
hs_mtls=$(handshake_rate -cert "$tmp/pgo.crt" -key "$tmp/pgo.key")
stop

avg() { printf '%s\n' "$@" | awk '{s += $1; n++} END {printf "%.0f", s / n}'; }
p_rps=$(avg "$(printf '%s\n' "${plain[@]}" | awk '{print $1}')")
t_rps=$(avg "$(printf '%s\n' "${tls[@]}" | awk '{print $1}')")
ratio=$(awk -v t="$t_rps" -v p="$p_rps" 'BEGIN {printf "%.2f", t / p}')

echo
echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), regie $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?');"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). wrk -t$WRK_THREADS -c$CONNS, ${WARMUP} s warm-up, ${DURATION} s measured,"
echo "$ROUNDS rounds alternating; $PATIENTS Patients; TLS 1.3 (TLS_AES_256_GCM_SHA384, EC P-256 certificate)."
echo
echo "| benchmark | req/s per round | p50 per round | mean req/s | TLS / plain |"
echo "|---|---|---|---|---|"
echo "| read by id, plain HTTP | $(printf '%s ' "${plain[@]}" | awk '{for (i = 1; i <= NF; i += 2) printf "%s%s", (i > 1 ? ", " : ""), $i}') | $(printf '%s ' "${plain[@]}" | awk '{for (i = 2; i <= NF; i += 2) printf "%s%s", (i > 2 ? ", " : ""), $i}') | $p_rps | |"
echo "| read by id, HTTPS (keep-alive) | $(printf '%s ' "${tls[@]}" | awk '{for (i = 1; i <= NF; i += 2) printf "%s%s", (i > 1 ? ", " : ""), $i}') | $(printf '%s ' "${tls[@]}" | awk '{for (i = 2; i <= NF; i += 2) printf "%s%s", (i > 2 ? ", " : ""), $i}') | $t_rps | $ratio |"
echo
echo "| full TLS 1.3 handshakes (openssl s_time -new, one client) | per second |"
echo "|---|---|"
echo "| server certificate only | ${hs_plain:-?} |"
echo "| with a client certificate (mutual TLS, verified by regie) | ${hs_mtls:-?} |"
