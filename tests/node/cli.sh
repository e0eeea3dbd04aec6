#!/usr/bin/env bash
# `regie serve --role dva|pgo --config FILE` through the real binary: a bad config stops with
# FILE:LINE and exit status 2 before anything is opened; a good one opens the node's data
# directory (regie.db, accounts.db, audit.log, audit.key 0600, lists/), reads the lists, and
# starts: `ready ROLE NAME PUBLIC_URL` on stdout, exit 0 on SIGTERM. Plain HTTP on loopback and
# TLS with certificates from `regie ca`, where the client-certificate routes take only hosts on
# the Whitelist current at the request (a newer list applies without a restart).
# usage: cli.sh REGIE_BINARY
set -u
REGIE=$1
CLI_TIMEOUT=60
. "$(dirname "$0")/../lib/cli.sh" node-cli
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

root=$(cd "$(dirname "$0")/../.." && pwd)
lists=$root/tests/fixtures/medmij
mkdir -p "$tmp/etc"
cp "$root/etc/services.conf" "$tmp/etc/services.conf"

# dva_conf [EXTRA LINES for [node]...]: a DVA config on plain loopback with the fixture lists.
dva_conf() {
  printf 'role = dva\nname = huisartsdelinde@medmij\ndisplay_name = "De Linde"\nlisten = 127.0.0.1:0\ndata_dir = gp\ninclude = etc/services.conf\n'
  for line in "$@"; do printf '%s\n' "$line"; done
  printf '[tls]\nplain_loopback = true\n'
  printf '[lists]\nocl = %s/OCL.xml\nwhitelist = %s/Whitelist.xml\ngnl = %s/GNL.xml\n' "$lists" "$lists" "$lists"
  printf '[oauth]\nservices = 48\nservices = 53\n'
}

# ---- command line ----
run help 0 "$REGIE" serve --help
has help.out "--config FILE"
has help.out "ready ROLE NAME PUBLIC_URL"
run role-alone 2 "$REGIE" serve --role dva --db "$tmp/x.db"
has role-alone.err "--role needs --config"
dva_conf >"$tmp/dva.conf"
run config-and-threads 2 "$REGIE" serve --config "$tmp/dva.conf" --threads 4
has config-and-threads.err "--threads does not go with --config"
run config-no-auth 2 "$REGIE" serve --config "$tmp/dva.conf" --no-auth
has config-no-auth.err "--no-auth does not go with --config"
run bad-role 2 "$REGIE" serve --config "$tmp/dva.conf" --role gp
has bad-role.err "--role must be dva or pgo"
run other-role 2 "$REGIE" serve --config "$tmp/dva.conf" --role pgo
has other-role.err "$tmp/dva.conf:1: role = dva, but --role pgo was given"
run no-file 2 "$REGIE" serve --config "$tmp/none.conf"
has no-file.err "$tmp/none.conf: No such file"

# ---- bad files: FILE:LINE, exit 2, nothing made ----
# bad NAME LINE TEXT FILE-CONTENT: the file must be refused naming LINE and TEXT.
bad() {
  local name=$1 line=$2 text=$3
  printf '%s' "$4" >"$tmp/$name.conf"
  run "$name" 2 "$REGIE" serve --config "$tmp/$name.conf"
  has "$name.err" "regie serve: $tmp/$name.conf:$line: $text"
}
bad unknown-key 7 "unknown key 'thread' in [node]" "$(dva_conf 'thread = 4')"
bad unknown-section 13 "unknown section [oath]" "$(dva_conf | sed 's/^\[oauth\]/[oath]/')"
bad twice 7 "[node] name is already set at line 2" "$(dva_conf 'name = ziekenhuisoost@medmij')"
bad duration 7 "[pgo] collect_timeout" "$(printf 'role = pgo\nname = pgo.regie.test\ndata_dir = p\n[tls]\nplain_loopback = true\n[pgo]\ncollect_timeout = 30\n')"
bad boolean 8 "[tls] plain_loopback must be true or false" "$(dva_conf | sed 's/plain_loopback = true/plain_loopback = yes/')"
bad syntax 7 "expected 'key = value'" "$(dva_conf 'just words')"
bad service 13 "[oauth] is for role dva; this node is a pgo" "$(dva_conf | sed 's/role = dva/role = pgo/; s/name = huisartsdelinde@medmij/name = pgo.regie.test/')"
bad not-offered 16 "[oauth] services: 52 has no [service 52] section" "$(dva_conf; printf 'services = 52\n')"
bad public 8 "plain_loopback is only allowed on a loopback" "$(dva_conf 'listen = 0.0.0.0:8443' | sed '/^listen = 127/d')"
printf 'role = dva\nname = huisartsdelinde@medmij\ndata_dir = gp\n[tls]\nplain_loopback = true\n' >"$tmp/nolists.conf"
run no-lists 2 "$REGIE" serve --config "$tmp/nolists.conf"
has no-lists.err "$tmp/nolists.conf: a dva needs [lists] ocl"
[ -e "$tmp/gp" ] && fail "a refused config made its data_dir"

# start NAME ROLE CONFIG [ARGS...]: starts the node and waits for its ready line or its end.
# Sets $url (the public URL from the ready line) or leaves it empty when the node ended; the
# node's stdout and stderr are in $tmp/NAME.srv and $tmp/NAME.log.
start() {
  local name=$1 role=$2 conf=$3
  shift 3
  url=
  "$REGIE" serve --role "$role" --config "$conf" "$@" >"$tmp/$name.srv" 2>"$tmp/$name.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    grep -q '^ready' "$tmp/$name.srv" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  url=$(sed -n "s/^ready $role [^ ]* //p" "$tmp/$name.srv")
}

# stopped NAME: SIGTERM and wait; the exit status must be 0.
stopped() {
  kill -TERM "$pid"
  wait "$pid"
  local rc=$?
  [ "$rc" = 0 ] || { fail "$1: exit $rc after SIGTERM"; sed 's/^/    /' "$tmp/$1.log" | tail -n 20; }
}

# started NAME ROLE NAME-IN-LINE SCHEME: the node said `ready ROLE NAME URL` with the port it got.
started() {
  local name=$1 role=$2 node=$3 scheme=$4
  if [ -n "$url" ]; then
    grep -qE "^ready $role $node $scheme://127\.0\.0\.1:[0-9]+$" "$tmp/$name.srv" ||
      fail "$name: ready line '$(head -n1 "$tmp/$name.srv")'"
    return 0
  fi
  wait "$pid"
  fail "$name: no ready line (exit $?)"
  sed 's/^/    /' "$tmp/$name.srv" "$tmp/$name.log" | tail -n 20
  return 1
}

# layout DIR: what node_open makes in a data_dir.
layout() {
  local d=$1
  for f in regie.db accounts.db audit.log audit.key lists/OCL.xml lists/Whitelist.xml; do
    [ -e "$d/$f" ] || fail "$d/$f is missing"
  done
  [ "$(stat -c %a "$d/audit.key")" = 600 ] || fail "$d/audit.key has mode $(stat -c %a "$d/audit.key")"
  [ "$(stat -c %s "$d/audit.key")" = 32 ] || fail "$d/audit.key is not 32 bytes"
  [ "$(stat -c %a "$d")" = 700 ] || fail "$d has mode $(stat -c %a "$d")"
}

# ---- a DVA on plain loopback ----
(cd "$tmp" && dva_conf >dva.conf)
start dva dva "$tmp/dva.conf"
if started dva dva 'huisartsdelinde@medmij' http; then
  if command -v curl >/dev/null; then
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/no-such-route")
    [ "$code" = 404 ] || fail "dva: plain HTTP got $code, want 404"
  fi
  # Its port is taken: a second node there cannot listen (exit 1, after opening its data_dir).
  dva_conf | sed 's|^data_dir = gp|data_dir = gp-busy|' >"$tmp/busy.conf"
  run busy 1 "$REGIE" serve --config "$tmp/busy.conf" --listen "${url#http://}"
  has busy.err "regie serve: cannot listen on ${url#http://}"
  stopped dva
fi
layout "$tmp/gp"
key1=$(od -An -tx1 "$tmp/gp/audit.key")
# A second start keeps the audit key it made the first time.
start dva2 dva "$tmp/dva.conf"
started dva2 dva 'huisartsdelinde@medmij' http && stopped dva2
[ "$key1" = "$(od -An -tx1 "$tmp/gp/audit.key")" ] || fail "the audit key changed at the second start"
# A key readable by others is refused.
chmod 644 "$tmp/gp/audit.key"
start dva3 dva "$tmp/dva.conf"
[ -z "$url" ] || fail "dva3: started with an audit key readable by others"
wait "$pid"
has dva3.log "readable by its owner only"
chmod 600 "$tmp/gp/audit.key"

# ---- a list that cannot be read stops the start (no cache in a new data_dir) ----
echo '<not a list/>' >"$tmp/broken.xml"
dva_conf | sed "s|^ocl = .*|ocl = $tmp/broken.xml|; s|^data_dir = gp|data_dir = gp-broken|" >"$tmp/broken.conf"
start broken dva "$tmp/broken.conf"
[ -z "$url" ] || fail "broken: started without an OCL"
wait "$pid"
has broken.log "no OCL"

# ---- a PGO on plain loopback, with the command line's listen and db ----
printf 'role = pgo\nname = pgo.example.test\ndata_dir = pgo\n[tls]\nplain_loopback = true\n[lists]\nzal = %s/ZAL.xml\ngnl = %s/GNL.xml\nwhitelist = %s/Whitelist.xml\n' \
  "$lists" "$lists" "$lists" >"$tmp/pgo.conf"
start pgo pgo "$tmp/pgo.conf" --listen 127.0.0.1:0 --db "$tmp/vault.db"
if started pgo pgo 'pgo.example.test' http; then
  stopped pgo
fi
[ -e "$tmp/vault.db" ] || fail "--db did not replace the store path"
[ -e "$tmp/pgo/regie.db" ] && fail "--db given, but <data_dir>/regie.db was made too"
[ -e "$tmp/pgo/lists/ZAL.xml" ] || fail "the PGO's lists were not cached"

# ---- TLS from regie ca ----
if command -v curl >/dev/null; then
  run ca-init 0 "$REGIE" ca init --dir "$tmp/ca"
  run ca-issue 0 "$REGIE" ca issue --dir "$tmp/ca" --host localhost --host 127.0.0.1
  run ca-pgo 0 "$REGIE" ca issue --dir "$tmp/ca" --host pgo.example.test
  run ca-stranger 0 "$REGIE" ca issue --dir "$tmp/ca" --host stranger.example.test
  # The Whitelist the node reads every second: pgo.example.test is on it until version 6.
  cp "$lists/Whitelist.xml" "$tmp/wl.xml"
  dva_conf | sed "s|^plain_loopback = true|cert = ca/localhost.crt\nkey = ca/localhost.key\nclient_ca = ca/ca.crt|; s|^data_dir = gp|data_dir = gp-tls|; s|^whitelist = .*|whitelist = wl.xml\nrefresh = 1s|" >"$tmp/tls.conf"
  start tls dva "$tmp/tls.conf"
  if started tls dva 'huisartsdelinde@medmij' https; then
    meta() { # meta [CERT-HOST]: the status of GET /fhir/metadata (mutual TLS, no token)
      local c=()
      [ $# -gt 0 ] && c=(--cert "$tmp/ca/$1.crt" --key "$tmp/ca/$1.key")
      curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/ca/ca.crt" "${c[@]}" "$url/fhir/metadata"
    }
    [ "$(meta)" = 403 ] || fail "tls: metadata without a client certificate: $(meta), want 403"
    [ "$(meta pgo.example.test)" = 200 ] || fail "tls: metadata for a whitelisted host: $(meta pgo.example.test), want 200"
    [ "$(meta stranger.example.test)" = 403 ] || fail "tls: metadata for a host not on the Whitelist: $(meta stranger.example.test), want 403"
    # A newer Whitelist without pgo.example.test applies to the next request, without a restart.
    sed 's|<Volgnummer>5<|<Volgnummer>6<|; s|<Hostname>pgo.example.test</Hostname>|<Hostname>other.example.test</Hostname>|' \
      "$lists/Whitelist.xml" >"$tmp/wl.new" && mv "$tmp/wl.new" "$tmp/wl.xml"
    code=200
    for _ in $(seq 1 100); do
      code=$(meta pgo.example.test)
      [ "$code" = 403 ] && break
      sleep 0.1
    done
    [ "$code" = 403 ] || fail "tls: the newer Whitelist did not apply (still $code)"
    stopped tls
  fi
  dva_conf | sed "s|^plain_loopback = true|cert = ca/nope.crt\nkey = ca/localhost.key|" >"$tmp/tls-missing.conf"
  run tls-missing 2 "$REGIE" serve --config "$tmp/tls-missing.conf"
  has tls-missing.err "$tmp/tls-missing.conf:8: [tls] cert: ca/nope.crt: No such file"
fi

cli_done node-cli
