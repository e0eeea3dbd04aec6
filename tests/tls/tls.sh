#!/usr/bin/env bash
# TLS through the real binary: `regie ca` makes a CA and node certificates in a temp dir, `regie
# serve` listens with them on 127.0.0.1:0, and curl and openssl s_client (OpenSSL, a different TLS
# stack from the server's GnuTLS) check what a MedMij peer sees: TLS 1.3 and 1.2 with good suites
# work, old versions, CBC, RSA and DHE key exchange do not, plain HTTP gets no answer on the TLS
# port, and the FHIR endpoints want a client certificate from the configured CA.
# usage: tls.sh REGIE_BINARY
set -u
REGIE=$1
for tool in curl openssl; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
CLI_TIMEOUT=60
. "$(dirname "$0")/../lib/cli.sh" tls
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- regie ca ----
ca=$tmp/ca
other=$tmp/other
run ca-help 0 "$REGIE" ca --help
has ca-help.out "usage: regie ca init"
run ca-no-dir 2 "$REGIE" ca init
has ca-no-dir.err "--dir DIR is required"
run ca-bad-action 2 "$REGIE" ca frob --dir "$ca"
run ca-init 0 "$REGIE" ca init --dir "$ca"
has ca-init.out "CA created"
run ca-init-again 1 "$REGIE" ca init --dir "$ca"
has ca-init-again.err "already holds a CA"
run issue-no-host 2 "$REGIE" ca issue --dir "$ca"
has issue-no-host.err "--host NAME is required"
run issue-bad-host 2 "$REGIE" ca issue --dir "$ca" --host "bad host"
run issue-long 2 "$REGIE" ca issue --dir "$ca" --host localhost --days 826
run issue-no-ca 1 "$REGIE" ca issue --dir "$tmp/none" --host localhost
run issue-server 0 "$REGIE" ca issue --dir "$ca" --host localhost --host 127.0.0.1
has issue-server.out "issued: $ca/localhost.key (mode 0600) and $ca/localhost.crt for localhost 127.0.0.1, valid 825 days"
run issue-pgo 0 "$REGIE" ca issue --dir "$ca" --host pgo.regie.test --out "$tmp/pgo" --days 30
run other-init 0 "$REGIE" ca init --dir "$other"
run other-issue 0 "$REGIE" ca issue --dir "$other" --host pgo.regie.test --out "$tmp/stranger"
for f in "$ca/ca.key" "$ca/localhost.key" "$tmp/pgo.key"; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f"), want 600"
done
run verify-server 0 openssl verify -CAfile "$ca/ca.crt" -purpose sslserver "$ca/localhost.crt"
run verify-client 0 openssl verify -CAfile "$ca/ca.crt" -purpose sslclient "$tmp/pgo.crt"
run verify-stranger 2 openssl verify -CAfile "$ca/ca.crt" "$tmp/stranger.crt"

# ---- serve: refusals ----
run plain-public 2 "$REGIE" serve --listen 0.0.0.0:0 --db "$tmp/a.db" --no-auth
has plain-public.err "plain HTTP is only allowed on a loopback address"
has plain-public.err "--tls-cert"
run cert-without-key 2 "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/a.db" --no-auth --tls-cert "$ca/localhost.crt"
has cert-without-key.err "--tls-cert and --tls-key go together"
run client-ca-without-tls 2 "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/a.db" --no-auth --tls-client-ca "$ca/ca.crt"
run missing-cert 1 "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/a.db" --no-auth --tls-cert "$tmp/nope.crt" --tls-key "$ca/localhost.key"
has missing-cert.err "nope.crt"
echo "not pem" >"$tmp/junk.crt"
run junk-cert 1 "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/a.db" --no-auth --tls-cert "$tmp/junk.crt" --tls-key "$ca/localhost.key"
has junk-cert.err "not a PEM file"
run wrong-key 1 "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/a.db" --no-auth --tls-cert "$ca/localhost.crt" --tls-key "$tmp/pgo.key"
has wrong-key.err "certificate and key are unusable"

# start NAME ARGS...: starts regie serve, waits for its ready line, sets $url (the base URL).
start() {
  local name=$1
  shift
  "$REGIE" serve --listen 127.0.0.1:0 --db "$tmp/$name.db" --no-auth "$@" >"$tmp/$name.srv" 2>"$tmp/$name.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 400); do
    grep -q '^ready' "$tmp/$name.srv" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  url=$(grep -m1 -o 'ready https://[^[:space:]]*' "$tmp/$name.srv" | cut -d' ' -f2)
  [ -n "$url" ] || { fail "$name: no 'ready https://' line"; cat "$tmp/$name.srv" "$tmp/$name.log"; exit 1; }
  hostport=${url#https://}
  hostport=${hostport%/fhir}
}
# get NAME CURL_ARGS...: GET $url/metadata; status in $tmp/NAME.code, body in NAME.body, -v in NAME.v
get() {
  local name=$1
  shift
  curl -s -v -m 20 -o "$tmp/$name.body" -w '%{http_code}' "$@" "$url/metadata" >"$tmp/$name.code" 2>"$tmp/$name.v"
}
code() { cat "$tmp/$1.code"; }
# handshake NAME OPENSSL_ARGS...: 0 when openssl s_client completes a handshake with $hostport.
handshake() {
  local name=$1
  shift
  timeout 20 openssl s_client -connect "$hostport" -CAfile "$ca/ca.crt" "$@" </dev/null >"$tmp/$name.ssl" 2>&1
}

# ---- mutual TLS: the FHIR endpoints want a certificate from the CA ----
start mtls --tls-cert "$ca/localhost.crt" --tls-key "$ca/localhost.key" --tls-client-ca "$ca/ca.crt"
get tls13 --cacert "$ca/ca.crt" --cert "$tmp/pgo.crt" --key "$tmp/pgo.key"
[ "$(code tls13)" = 200 ] || fail "TLS 1.3 with a node certificate: $(code tls13), want 200"
grep -q "SSL connection using TLSv1.3" "$tmp/tls13.v" || fail "default connection is not TLS 1.3"
grep -qF "\"url\":\"$url\"" "$tmp/tls13.body" || fail "CapabilityStatement does not name $url"
get tls12 --cacert "$ca/ca.crt" --cert "$tmp/pgo.crt" --key "$tmp/pgo.key" --tlsv1.2 --tls-max 1.2 \
  --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
[ "$(code tls12)" = 200 ] || fail "TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256: $(code tls12), want 200"
grep -q "SSL connection using TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256" "$tmp/tls12.v" ||
  fail "TLS 1.2 connection did not use ECDHE-ECDSA-AES128-GCM-SHA256"
get nocert --cacert "$ca/ca.crt"
[ "$(code nocert)" = 403 ] || fail "no client certificate: $(code nocert), want 403"
grep -q CLIENT_CERT "$tmp/nocert.body" || fail "no client certificate: no CLIENT_CERT outcome"
get stranger --cacert "$ca/ca.crt" --cert "$tmp/stranger.crt" --key "$tmp/stranger.key"
[ "$(code stranger)" = 403 ] || fail "certificate of another CA: $(code stranger), want 403"
grep -q "not accepted" "$tmp/stranger.body" || fail "certificate of another CA: reason missing"
# Signed by the CA but for servers only (extendedKeyUsage serverAuth): no client's certificate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/srvonly.key" \
  -subj /CN=srv.regie.test -out "$tmp/srvonly.csr" >/dev/null 2>&1 &&
  printf 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:srv.regie.test\n' >"$tmp/srvonly.ext" &&
  openssl x509 -req -in "$tmp/srvonly.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/srvonly.ext" -out "$tmp/srvonly.crt" >/dev/null 2>&1 ||
  fail "openssl cannot make a serverAuth-only certificate"
get srvonly --cacert "$ca/ca.crt" --cert "$tmp/srvonly.crt" --key "$tmp/srvonly.key"
[ "$(code srvonly)" = 403 ] || fail "serverAuth-only certificate as a client: $(code srvonly), want 403"
grep -q "not accepted" "$tmp/srvonly.body" || fail "serverAuth-only certificate: reason missing"
get noverify --cacert "$other/ca.crt" --cert "$tmp/pgo.crt" --key "$tmp/pgo.key"
[ "$(code noverify)" = 000 ] || fail "the server's certificate verified against another CA"
# No HTTP on the TLS port.
plain=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$hostport/fhir/metadata")
[ "$plain" = 000 ] || fail "plain HTTP on the TLS port answered $plain"
# Versions and suites, with OpenSSL (seclevel 0 so the client itself does not refuse old ones).
handshake s-tls13 -tls1_3 -cert "$tmp/pgo.crt" -key "$tmp/pgo.key" ||
  fail "s_client TLS 1.3 failed: $(tail -n 3 "$tmp/s-tls13.ssl")"
grep -q "Verify return code: 0" "$tmp/s-tls13.ssl" || fail "s_client did not verify the server"
for c in ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305; do
  handshake "s-$c" -tls1_2 -cipher "$c" || fail "TLS 1.2 $c refused"
done
handshake s-tls11 -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' && fail "TLS 1.1 accepted"
handshake s-tls10 -tls1 -cipher 'DEFAULT:@SECLEVEL=0' && fail "TLS 1.0 accepted"
for c in ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA; do
  handshake "s-$c" -tls1_2 -cipher "$c" && fail "CBC suite $c accepted"
done
handshake s-ccm -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256 && fail "TLS 1.3 CCM suite accepted"

# ---- an RSA server certificate (PKIoverheid's kind), no client CA ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/rsa.key" -out "$tmp/rsa.crt" -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 ||
  fail "openssl cannot make an RSA certificate"
start rsa --tls-cert "$tmp/rsa.crt" --tls-key "$tmp/rsa.key"
get rsa-open --cacert "$tmp/rsa.crt"
[ "$(code rsa-open)" = 200 ] || fail "TLS without a client CA: $(code rsa-open), want 200 (no client certificate needed)"
handshake s-rsa-ecdhe -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 || fail "ECDHE-RSA-AES128-GCM-SHA256 refused"
handshake s-rsa-kex -tls1_2 -cipher AES128-GCM-SHA256 && fail "RSA key exchange AES128-GCM-SHA256 accepted"
handshake s-rsa-dhe -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 && fail "DHE-RSA-AES128-GCM-SHA256 accepted"
handshake s-rsa-cbc -tls1_2 -cipher ECDHE-RSA-AES128-SHA && fail "ECDHE-RSA-AES128-SHA (CBC, SHA-1) accepted"

# ---- clean shutdown ----
for p in "${pids[@]}"; do
  kill -TERM "$p"
  wait "$p"
  rc=$?
  [ $rc = 0 ] || fail "serve exited $rc after SIGTERM, want 0"
done
pids=()

cli_done tls
