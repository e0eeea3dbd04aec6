#!/usr/bin/env bash
# regie must refuse to serve without authentication on anything but loopback (exit 2, a message
# that says loopback), and every subcommand's --help must succeed.
set -u
regie=${1:?usage: no_auth_refused.sh REGIE_BINARY}
dir=$(mktemp -d "${TMPDIR:-/tmp}/regie-noauth-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0

for host in 0.0.0.0:0 192.0.2.1:0; do
  timeout 30 "$regie" serve --listen "$host" --db "$dir/x.db" --no-auth >"$dir/out" 2>"$dir/err"
  rc=$?
  if [ $rc -ne 2 ]; then
    echo "FAIL: serve --listen $host --no-auth exited $rc, expected 2"; cat "$dir/err"; fail=1
  elif ! grep -qi loopback "$dir/err"; then
    echo "FAIL: serve --listen $host --no-auth: message does not mention loopback:"; cat "$dir/err"; fail=1
  fi
  if grep -q '^ready' "$dir/out"; then
    echo "FAIL: serve --listen $host --no-auth printed a ready line"; fail=1
  fi
done

# Without --no-auth there is no authentication mode yet: refused, exit 2, nothing served.
timeout 30 "$regie" serve --listen 127.0.0.1:0 --db "$dir/x.db" >"$dir/out" 2>"$dir/err"
rc=$?
if [ $rc -ne 2 ] || grep -q '^ready' "$dir/out"; then
  echo "FAIL: serve without --no-auth exited $rc (expected 2) or printed a ready line"; cat "$dir/err"; fail=1
fi

# Usage errors are exit 2; a database in a directory that does not exist is exit 1.
timeout 30 "$regie" serve --listen 127.0.0.1:0 --no-auth >/dev/null 2>&1
rc=$?
if [ $rc -ne 2 ]; then echo "FAIL: serve without --db exited $rc, expected 2"; fail=1; fi
timeout 30 "$regie" serve --listen 127.0.0.1:0 --db "$dir/no/such/dir/x.db" --no-auth >/dev/null 2>&1
rc=$?
if [ $rc -ne 1 ]; then echo "FAIL: serve with --db in a missing directory exited $rc, expected 1"; fail=1; fi
if [ -e "$dir/no" ]; then echo "FAIL: serve created the missing database directory"; fail=1; fi

# Loopback spellings other than 127.0.0.1 are accepted with --no-auth.
hosts="localhost:0"
[ -s /proc/net/if_inet6 ] && hosts="$hosts [::1]:0"   # only where the kernel has IPv6
for host in $hosts; do
  "$regie" serve --listen "$host" --db "$dir/loop.db" --no-auth >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 1 200); do grep -q '^ready' "$dir/out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  if ! grep -q '^ready http://' "$dir/out"; then
    echo "FAIL: serve --listen $host --no-auth did not get ready"; cat "$dir/err"; fail=1
  fi
  kill -TERM $pid 2>/dev/null
  wait $pid
  rc=$?
  if [ $rc -ne 0 ]; then echo "FAIL: serve --listen $host exited $rc after SIGTERM, expected 0"; fail=1; fi
done

for cmd in serve import export; do
  if ! timeout 30 "$regie" "$cmd" --help >"$dir/out" 2>&1; then
    echo "FAIL: regie $cmd --help did not exit 0"; cat "$dir/out"; fail=1
  elif ! grep -qi usage "$dir/out"; then
    echo "FAIL: regie $cmd --help printed no usage"; cat "$dir/out"; fail=1
  fi
done

# A usage error is exit 2, not a crash or 1.
timeout 30 "$regie" serve --no-such-option >/dev/null 2>&1
rc=$?
if [ $rc -ne 2 ]; then echo "FAIL: serve --no-such-option exited $rc, expected 2"; fail=1; fi

[ $fail -eq 0 ] && echo "no_auth_refused: ok"
exit $fail
