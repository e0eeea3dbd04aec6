#!/usr/bin/env bash
# regie import / regie export on small files, through the real binary: usage, import of the demo
# fixture, export, re-import of the export (plain and bzip2 NDJSON), and the error messages.
# usage: cli.sh REGIE_BINARY PROJECT_DIR
set -u
REGIE=$1
ROOT=$2
. "$(dirname "$0")/../lib/cli.sh" import-cli
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo missing; fi; }

# ---- usage ----
run help-import 0 "$REGIE" import --help
has help-import.out "usage: regie import"
run help-export 0 "$REGIE" export --help
has help-export.out "usage: regie export"
run no-db 2 "$REGIE" import "$ROOT/tests/fixtures/demo/demo-patient.json"
has no-db.err "--db PATH is required"
run no-files 2 "$REGIE" import --db "$tmp/a.db"
has no-files.err "no files given"
run bad-option 2 "$REGIE" import --db "$tmp/a.db" --frobnicate x.json
has bad-option.err "unknown option '--frobnicate'"
run batch-zero 2 "$REGIE" import --db "$tmp/a.db" --batch 0 x.json
has batch-zero.err "--batch: '0' is not a number from 1 to 10000"
run batch-big 2 "$REGIE" import --db "$tmp/a.db" --batch=10001 x.json
has batch-big.err "--batch: '10001' is not a number from 1 to 10000"
run batch-word 2 "$REGIE" import --db "$tmp/a.db" --batch 8k x.json
has batch-word.err "--batch: '8k' is not a number"
run cache-missing 2 "$REGIE" import --db "$tmp/a.db" x.json --cache-mib
has cache-missing.err "--cache-mib needs a number"
run cache-negative 2 "$REGIE" import --db "$tmp/a.db" --cache-mib -5 x.json
has cache-negative.err "--cache-mib: '-5' is not a number from 1 to 16384"
run export-no-out 2 "$REGIE" export --db "$tmp/a.db"

# ---- import the demo fixture (a transaction of PUTs) ----
run import-demo 0 "$REGIE" import --db "$tmp/a.db" "$ROOT/tests/fixtures/demo/demo-patient.json"
has import-demo.out "imported 1 file (0 with failures): 6 resources stored, 0 failures"
# The same with the tuning options: small batches and a bigger cache store the same.
run import-tuned 0 "$REGIE" import --db "$tmp/t.db" --batch 2 --cache-mib=64 \
  "$ROOT/tests/fixtures/demo/demo-patient.json"
has import-tuned.out "imported 1 file (0 with failures): 6 resources stored, 0 failures"

# ---- export ----
run export-a 0 "$REGIE" export --db "$tmp/a.db" --out "$tmp/ea/sub"
has export-a.out "exported 5 types, 6 resources"
for t in Patient:1 Observation:2 Organization:1 Practitioner:1 Condition:1; do
  n=$(lines "$tmp/ea/sub/${t%%:*}.ndjson")
  [ "$n" = "${t##*:}" ] || fail "export: ${t%%:*}.ndjson has $n lines, want ${t##*:}"
done
ls -A "$tmp/ea/sub" | grep -q '^\.' && fail "export left temporary files: $(ls -A "$tmp/ea/sub")"
grep -q '"value":72.50' "$tmp/ea/sub/Observation.ndjson" || fail "export: decimal 72.50 not kept"
grep -q '"id":"demo-patient"' "$tmp/ea/sub/Patient.ndjson" || fail "export: Patient id not kept"
[ "$(head -c1 "$tmp/ea/sub/Patient.ndjson")" = "{" ] || fail "export: not one JSON object per line"

# ---- re-import the export: NDJSON by name, in an order that puts referred-to types first ----
e=$tmp/ea/sub
run reimport 0 "$REGIE" import --db "$tmp/b.db" "$e/Organization.ndjson" "$e/Practitioner.ndjson" \
  "$e/Patient.ndjson" "$e/Observation.ndjson" "$e/Condition.ndjson"
has reimport.out "imported 5 files (0 with failures): 6 resources stored, 0 failures"
run export-b 0 "$REGIE" export --db "$tmp/b.db" --out "$tmp/eb"
for t in Patient Observation Organization Practitioner Condition; do
  [ "$(lines "$e/$t.ndjson")" = "$(lines "$tmp/eb/$t.ndjson")" ] || fail "re-export: $t counts differ"
done
grep -q '"id":"demo-lichaamsgewicht"' "$tmp/eb/Observation.ndjson" || fail "re-import lost ids"

# ---- NDJSON found by content in a bzip2 file without telling name; a failing line ----
{
  cat "$e/Organization.ndjson" "$e/Practitioner.ndjson" "$e/Patient.ndjson"
  echo
  echo '{"resourceType":"NoSuchType","id":"x"}'
  cat "$e/Observation.ndjson"
} >"$tmp/mixed.txt"
if command -v bzip2 >/dev/null; then
  bzip2 -c "$tmp/mixed.txt" >"$tmp/mixed.data"
  run mixed-bz2 1 "$REGIE" import --db "$tmp/c.db" "$tmp/mixed.data"
  has mixed-bz2.out "5 resources stored, 1 failures"
  has mixed-bz2.err "mixed.data: line 5:"
  # A corrupt bzip2 stream is named as such.
  head -c 200 "$tmp/mixed.data" >"$tmp/corrupt.bz2"
  printf 'garbagegarbagegarbage' >>"$tmp/corrupt.bz2"
  run corrupt 1 "$REGIE" import --db "$tmp/c.db" "$tmp/corrupt.bz2"
  grep -qE "corrupt bzip2|ends early" "$tmp/corrupt.err" || fail "corrupt bzip2 not reported: $(cat "$tmp/corrupt.err")"
else
  echo "note: no bzip2 tool; bzip2 cases left to the unit tests"
fi

# ---- SIGTERM (as Ctrl-C) stops at a batch boundary; what the summary counts is in the database ----
mkfifo "$tmp/feed"
"$REGIE" import --db "$tmp/int.db" "$tmp/feed" >"$tmp/int.out" 2>"$tmp/int.err" &
importer=$!
exec 7>"$tmp/feed"
for i in $(seq 1 1500); do echo "{\"resourceType\":\"Basic\",\"id\":\"b$i\",\"code\":{\"text\":\"t\"}}"; done >&7
sleep 1
kill -TERM "$importer"
sleep 0.2
# The importer may already have gone (and closed the pipe): the write then fails with EPIPE
# instead of killing this script with SIGPIPE.
(trap '' PIPE; echo '{"resourceType":"Basic","id":"late","code":{"text":"t"}}' >&7) 2>/dev/null
exec 7>&-
wait "$importer"
st=$?
[ "$st" = 1 ] || fail "interrupted import: exit $st, want 1"
has int.err "interrupted"
stored=$(sed -n 's/.*: \([0-9]*\) resources stored.*/\1/p' "$tmp/int.out")
run export-int 0 "$REGIE" export --db "$tmp/int.db" --out "$tmp/eint"
[ -n "$stored" ] && [ "$stored" = "$(lines "$tmp/eint/Basic.ndjson")" ] ||
  fail "interrupted import reported '$stored' stored, the database has $(lines "$tmp/eint/Basic.ndjson")"
grep -q '"id":"late"' "$tmp/eint/Basic.ndjson" && fail "a line after the interrupt was stored"

# ---- an export killed while writing (SIGXFSZ past a 100 KiB file size limit: room for SQLite's
# 32 KiB shared-memory file, not for the ~180 KiB Basic.ndjson) leaves the last complete file
# under the final name, never a half one ----
# Its own database with every line imported, so the size does not depend on how far the
# interrupted import above got (that depends on the machine's speed, not on regie).
for i in $(seq 1 1500); do echo "{\"resourceType\":\"Basic\",\"id\":\"b$i\",\"code\":{\"text\":\"t\"}}"; done >"$tmp/basic.ndjson"
run import-full 0 "$REGIE" import --db "$tmp/full.db" "$tmp/basic.ndjson"
run export-full 0 "$REGIE" export --db "$tmp/full.db" --out "$tmp/efull"
cp "$tmp/efull/Basic.ndjson" "$tmp/basic.before"
if [ "$(wc -c <"$tmp/basic.before")" -gt 150000 ]; then
  (ulimit -f 100 && exec "$REGIE" export --db "$tmp/full.db" --out "$tmp/efull") >/dev/null 2>&1
  st=$?
  [ "$st" -gt 128 ] || fail "export under a 100 KiB file limit: exit $st, want death by SIGXFSZ"
  ls -A "$tmp/efull" | grep -q '^\.Basic\.ndjson\.tmp' ||
    fail "the killed export did not die while writing its temporary file: $(ls -A "$tmp/efull")"
  cmp -s "$tmp/basic.before" "$tmp/efull/Basic.ndjson" ||
    fail "a killed export changed Basic.ndjson under its final name"
else
  fail "the full import stored too little to test a killed export"
fi

# ---- errors: the import goes on after each ----
printf '{\n  "resourceType": "Patient",\n  "id": "p1",\n}\n' >"$tmp/bad.json"
run errors 1 "$REGIE" import --db "$tmp/d.db" "$tmp/missing.json" "$tmp/bad.json" \
  "$ROOT/tests/fixtures/demo/demo-patient.json"
has errors.err "missing.json: cannot open: No such file or directory"
has errors.err "bad.json: bad JSON: invalid JSON at byte"
has errors.out "imported 3 files (2 with failures): 6 resources stored, 2 failures"
has errors.err "bad.json: 0 resources stored, 1 failures"
run verbose 0 "$REGIE" import --db "$tmp/d.db" --verbose "$ROOT/tests/fixtures/demo/demo-patient.json"
has verbose.out "demo-patient.json: 6 resources stored, 0 failures"

printf 'not a database, only text that is long enough to fill a SQLite header page...\n' >"$tmp/junk.db"
run db-junk 1 "$REGIE" import --db "$tmp/junk.db" "$ROOT/tests/fixtures/demo/demo-patient.json"
has db-junk.err "regie import: cannot open database $tmp/junk.db: file is not a database"
grep -q PRAGMA "$tmp/db-junk.err" && fail "db-junk: SQL in the message: $(cat "$tmp/db-junk.err")"
run export-db-junk 1 "$REGIE" export --db "$tmp/junk.db" --out "$tmp/x"
has export-db-junk.err "regie export: cannot open database $tmp/junk.db: file is not a database"
run db-is-dir 1 "$REGIE" import --db "$tmp" "$tmp/bad.json"
has db-is-dir.err "is a directory"
run export-missing-db 1 "$REGIE" export --db "$tmp/nope.db" --out "$tmp/x"
[ -e "$tmp/nope.db" ] && fail "export created a database"
touch "$tmp/afile"
run export-onto-file 1 "$REGIE" export --db "$tmp/a.db" --out "$tmp/afile"
has export-onto-file.err "is not a directory"

cli_done "import/export CLI"
