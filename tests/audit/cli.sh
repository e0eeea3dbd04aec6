#!/usr/bin/env bash
# regie audit verify|show|anchor|note through the real binary on a temporary log: usage errors,
# a clean chain, a changed byte, a removed line, a torn tail (reported, then cut and noted on the
# next open), a keyed log with the right, a wrong and no key, a BSN refused, and show as lines and
# as a Bundle of AuditEvents.
# usage: cli.sh REGIE_BINARY
set -u
REGIE=$1
. "$(dirname "$0")/../lib/cli.sh" audit-cli
log=$tmp/audit.log

# ---- usage ----
run help 0 "$REGIE" audit --help
has help.out "usage: regie audit verify --log PATH"
run no-action 2 "$REGIE" audit
run bad-action 2 "$REGIE" audit frobnicate --log "$log"
has bad-action.err "unknown action 'frobnicate'"
run no-log 2 "$REGIE" audit verify
has no-log.err "--log PATH is required"
run show-no-patient 2 "$REGIE" audit show --log "$log"
run note-no-what 2 "$REGIE" audit note --log "$log" --actor admin
run missing 1 "$REGIE" audit verify --log "$tmp/none.log"

# ---- a clean chain ----
for i in 1 2 3 4 5; do
  run "note$i" 0 "$REGIE" audit note --log "$log" --actor admin --what "Observation/obs-$i" --patient "pat-$((i % 2))"
done
has note5.out "noted seq 5"
[ "$(stat -c %a "$log")" = 600 ] || fail "log is not mode 0600"
run verify 0 "$REGIE" audit verify --log "$log"
grep -qE '^ok 5 entries, last hash [0-9a-f]{64}$' "$tmp/verify.out" || fail "verify: $(cat "$tmp/verify.out")"
run anchor 0 "$REGIE" audit anchor --log "$log"
grep -qE '^regie-audit-anchor seq=5 hash=[0-9a-f]{64} at=' "$tmp/anchor.out" || fail "anchor: $(cat "$tmp/anchor.out")"
run bsn 1 "$REGIE" audit note --log "$log" --actor admin --what "Patient/123456782"
has bsn.err "BSN"
grep -q 123456782 "$log" && fail "the BSN reached the log"

# ---- show ----
run show 0 "$REGIE" audit show --log "$log" --patient pat-1
[ "$(wc -l <"$tmp/show.out")" = 3 ] || fail "show: want 3 lines for pat-1"
run show-fhir 0 "$REGIE" audit show --log "$log" --patient pat-0 --fhir
has show-fhir.out '"resourceType": "Bundle"'
[ "$(grep -c '"resourceType": "AuditEvent"' "$tmp/show-fhir.out")" = 2 ] || fail "show --fhir: want 2 AuditEvents"
has show-fhir.out '"reference": "Patient/pat-0"'

# ---- tampering ----
cp "$log" "$tmp/clean.log"
sed -i '3s/obs-3/obs-9/' "$log"
run tampered 1 "$REGIE" audit verify --log "$log"
has tampered.out "broken at seq 3: hash does not match"
cp "$tmp/clean.log" "$log"
sed -i '2d' "$log"
run deleted 1 "$REGIE" audit verify --log "$log"
has deleted.out "broken at seq 2:"
cp "$tmp/clean.log" "$log"
printf '{"seq":6,"ti' >>"$log"
run torn 1 "$REGIE" audit verify --log "$log"
has torn.out "broken at seq 6: torn tail"
run seal 0 "$REGIE" audit note --log "$log" --actor admin --what "after the crash"
has seal.out "noted seq 7"
run sealed 0 "$REGIE" audit verify --log "$log"
has sealed.out "ok 7 entries"
grep -q '"what":"torn tail cut: 12 bytes"' "$log" || fail "no note of the cut tail"

# ---- a keyed log ----
head -c 32 /dev/urandom >"$tmp/key" && chmod 600 "$tmp/key"
head -c 32 /dev/urandom >"$tmp/other" && chmod 600 "$tmp/other"
klog=$tmp/keyed.log
run k1 0 "$REGIE" audit note --log "$klog" --actor admin --what one --key "$tmp/key"
run k2 0 "$REGIE" audit note --log "$klog" --actor admin --what two --key "$tmp/key"
run k-verify 0 "$REGIE" audit verify --log "$klog" --key "$tmp/key"
has k-verify.out "ok 2 entries"
run k-wrong 1 "$REGIE" audit verify --log "$klog" --key "$tmp/other"
has k-wrong.out "broken at seq 1"
run k-none 1 "$REGIE" audit verify --log "$klog"
run k-append-wrong 1 "$REGIE" audit note --log "$klog" --actor admin --what three --key "$tmp/other"
chmod 644 "$tmp/key"
run k-mode 1 "$REGIE" audit verify --log "$klog" --key "$tmp/key"
has k-mode.err "0600"

cli_done "audit cli"
