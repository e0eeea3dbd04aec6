#!/usr/bin/env bash
# A client that opens a connection and stops half way through its request must not hold it for
# ever: with --idle-timeout 1 the server closes it, and keeps serving everyone else meanwhile.
set -u
regie=${1:?usage: slow_client.sh REGIE_BINARY}
dir=$(mktemp -d "${TMPDIR:-/tmp}/regie-slow-XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail=0

"$regie" serve --listen 127.0.0.1:0 --db "$dir/x.db" --no-auth --idle-timeout 1 >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 1 400); do grep -q '^ready' "$dir/out" && break; sleep 0.05; done
base=$(sed -n 's/^ready //p' "$dir/out")
if [ -z "$base" ]; then echo "FAIL: no ready line"; cat "$dir/err"; exit 1; fi
port=${base#http://127.0.0.1:}
port=${port%%/*}

# Half a request line and headers, then silence.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&3

# Others are served while the slow client hangs.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/metadata")
if [ "$code" != 200 ]; then echo "FAIL: metadata while a client stalls: $code"; fail=1; fi

# Within a few seconds the server closes the stalled connection (a read sees EOF, possibly after
# a short error reply).
closed=0
start=$SECONDS
while [ $((SECONDS - start)) -lt 8 ]; do
  IFS= read -r -t 1 line <&3
  rc=$?
  # read fails on EOF (status 1) or times out (status > 128); only EOF counts.
  if [ $rc -ne 0 ] && [ $rc -le 128 ]; then closed=1; break; fi
done
exec 3<&-
if [ $closed -ne 1 ]; then echo "FAIL: a stalled connection was still open after 8 s with --idle-timeout 1"; fail=1; fi

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/metadata")
if [ "$code" != 200 ]; then echo "FAIL: metadata after the stalled client: $code"; fail=1; fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -ne 0 ]; then echo "FAIL: exit status $rc after SIGTERM, expected 0"; cat "$dir/err"; fail=1; fi
[ $fail -eq 0 ] && echo "slow_client: ok"
exit $fail
