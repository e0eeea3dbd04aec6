#!/usr/bin/env bash
# Search benchmarks (`make bench`, or BENCH_ONLY=search bench/run): the query classes of issue 3
# on the 100 Synthea patients and on N copies of them (bench/clone.mjs: new ids, references kept
# consistent), next to read-by-id measured on the same server in the same run. Prints the scales
# side by side and writes bench/out/search-results.md (markdown for docs/benchmarks.md).
#
# Per scale: a database under bench/out/search/<copies>/ loaded with `regie import` (reused by the
# next run; loading is resumable, in steps of BENCH_SEARCH_STEP copies), request paths picked from
# the data (bench/clone.mjs urls), then per query class
#   latency     wrk -t1 -c1: one request at a time, p50 and p99 are the server's answer time
#   throughput  wrk -tT -cC (BENCH_WRK_THREADS, BENCH_CONNS): req/s with the machine saturated
# Every request path of a class names a different patient (or name), chosen at random per request.
#
# Environment (all optional):
#   REGIE_BIN               binary (default build/regie)
#   BENCH_SEARCH_COPIES     the scales, in copies of the 100 patients ("1 64")
#   BENCH_SEARCH_DURATION   seconds per wrk measurement (5)   BENCH_SEARCH_WARMUP  warm-up (2)
#   BENCH_CONNS             connections for the throughput run (64)   BENCH_WRK_THREADS (2)
#   BENCH_SEARCH_RELOAD=1   drop the prepared databases and load them again
#   BENCH_SEARCH_STEP       copies per import step (8): an interrupted load goes on from its last step
#   BENCH_IMPORT_BATCH      regie import --batch: resources per commit (8000; regie's default is 1000)
#   BENCH_IMPORT_CACHE_MIB  regie import --cache-mib: the writer's page cache (1024; default 8)
#   BENCH_IMPORT_JOBS       regie import --jobs: batches prepared at once (1)
#   BENCH_IMPORT_NICE       the import's nice value (0; a negative one needs root)
#   Copies made ahead of time under $BENCH_OUT/search/ndjson/clone-<first>-<n>[-ns].ndjson (-ns:
#   --no-shared) are read from there instead of running bench/clone.mjs during the load.
#   BENCH_SEARCH_LOAD_BUDGET  seconds of loading per run (unlimited): no new step starts after it,
#                           and a scale is measured with the copies loaded so far (the table says so)
#   BENCH_SEARCH_LOAD=0     load nothing: measure the prepared databases as they are
#   BENCH_SEARCH_LOAD_ONLY=1  prepare the databases and stop
#   BENCH_SEARCH_CLASSES    only these classes (space separated; default all)
#   BENCH_SEARCH_PREWARM=0  do not read the database into the page cache before measuring a scale
#                           (default: read once, as a server's pages are warm after its first hour;
#                           the report says how much of the database fit the page cache)
#   BENCH_PROFILE=1         perf-record the server during each throughput run of the largest scale;
#                           top functions to bench/out/profile-search-<class>.txt
#   BENCH_OUT               output folder (bench/out)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
REGIE_BIN=${REGIE_BIN:-$ROOT/build/regie}
SCALES=${BENCH_SEARCH_COPIES:-1 64}
DURATION=${BENCH_SEARCH_DURATION:-5}
WARMUP=${BENCH_SEARCH_WARMUP:-2}
CONNS=${BENCH_CONNS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
RELOAD=${BENCH_SEARCH_RELOAD:-0}
STEP=${BENCH_SEARCH_STEP:-8}
# Loading many copies into a big database is bound by 8 KiB page reads and writes: fewer, bigger
# commits and a cache that holds the hot index pages loaded ~1.4x faster than the defaults.
IMPORT_BATCH=${BENCH_IMPORT_BATCH:-8000}
IMPORT_CACHE_MIB=${BENCH_IMPORT_CACHE_MIB:-1024}
IMPORT_JOBS=${BENCH_IMPORT_JOBS:-1}
IMPORT_NICE=${BENCH_IMPORT_NICE:-0}
LOAD_BUDGET=${BENCH_SEARCH_LOAD_BUDGET:-0}
LOAD=${BENCH_SEARCH_LOAD:-1}
LOAD_ONLY=${BENCH_SEARCH_LOAD_ONLY:-0}
PROFILE=${BENCH_PROFILE:-0}
PREWARM=${BENCH_SEARCH_PREWARM:-1}
OUT=${BENCH_OUT:-$ROOT/bench/out}
CLASSES=${BENCH_SEARCH_CLASSES:-read obs-subject-code obs-code-date patient-name include revinclude lastn everything}

# Targets (docs/benchmarks.md).
GROWTH_TARGET=2.0 # p50 at the largest scale / p50 at the smallest
SINGLE_P50_MS=1.0 # p50 of a single-patient search

die() {
  echo "bench search: $*" >&2
  exit 1
}
note() { echo "bench search: $*" >&2; }

for tool in wrk curl jq node; do
  command -v "$tool" >/dev/null || die "$tool is missing (run scripts/deps)"
done
[ -x "$REGIE_BIN" ] || die "no binary at $REGIE_BIN (run make build, or set REGIE_BIN)"
mkdir -p "$OUT/search"

PIDS=()
cleanup() {
  local rc=$? p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench search: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

now() { date +%s.%N; }
fcalc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
to_ms() { # wrk latency "812.00us" / "1.23ms" / "2.01s" -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

# clone_file FIRST N NOSHARED: where the NDJSON of copies FIRST..FIRST+N-1 is kept when made
# ahead of time (`node bench/clone.mjs ndjson --first F --copies N [--no-shared] --out FILE`).
clone_file() {
  local suffix=""
  [ "$3" = 0 ] || suffix="-ns"
  echo "$OUT/search/ndjson/clone-$1-$2$suffix.ndjson"
}

# ---------------------------------------------------------------------------------------------
# Loading. $OUT/search/<copies>/regie.db plus load.env (what was loaded, how long it took).
# load_scale COPIES: loads what is missing, in steps, so an interrupted load resumes.
load_scale() {
  local copies=$1 dir=$OUT/search/$1
  local db=$dir/regie.db meta=$dir/load.env
  if [ "$RELOAD" = 1 ]; then rm -rf "$dir"; fi
  mkdir -p "$dir"
  LOADED=0 LOAD_SECS=0 LOAD_RES=0 LOAD_COMMIT=$COMMIT LOAD_RSS_KB=0 LOAD_CPU=0
  # shellcheck disable=SC1090
  [ -f "$meta" ] && . "$meta"
  if [ "$LOADED" = 0 ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
  while [ "$LOADED" -lt "$copies" ]; do
    if [ "$LOAD" = 0 ] || { [ "$LOAD_BUDGET" -gt 0 ] && [ "$SECONDS" -ge "$LOAD_BUDGET" ]; }; then
      note "scale $copies: loading stopped (BENCH_SEARCH_LOAD=0 or the budget of $LOAD_BUDGET s spent); measuring the $LOADED copies loaded so far"
      break
    fi
    local n=$((copies - LOADED)) shared=()
    [ "$n" -gt "$STEP" ] && n=$STEP
    [ "$LOADED" = 0 ] || shared=(--no-shared)
    note "scale $copies: loading copies $LOADED..$((LOADED + n - 1)) into $db"
    local t0 t1 rc summary
    t0=$(now)
    # A step's copies made ahead of time (clone_file) are read from disk: on a busy machine the
    # generator competed with the import for the same cores.
    local made
    made=$(clone_file "$LOADED" "$n" "${#shared[@]}")
    set +e
    if [ -f "$made" ]; then
      note "scale $copies: reading the copies from $made"
      cat "$made"
    else
      node "$BENCH/clone.mjs" ndjson --first "$LOADED" --copies "$n" "${shared[@]+"${shared[@]}"}"
    fi |
      nice -n "$IMPORT_NICE" /usr/bin/time -f '%M %U %S' -o "$dir/import-rss.txt" "$REGIE_BIN" import --db "$db" --no-fsync \
        --batch "$IMPORT_BATCH" --cache-mib "$IMPORT_CACHE_MIB" --jobs "$IMPORT_JOBS" - \
        >"$dir/import.out" 2>"$dir/import.err"
    rc=("${PIPESTATUS[@]}")
    set -e
    t1=$(now)
    [ "${rc[0]}" = 0 ] && [ "${rc[1]}" = 0 ] ||
      die "loading copies $LOADED.. failed (clone exit ${rc[0]}, import exit ${rc[1]}; see $dir/import.err)"
    summary=$(cat "$dir/import.out")
    local stored rss cpu
    stored=$(sed -n 's/.*: \([0-9]*\) resources stored.*/\1/p' <<<"$summary")
    read -r rss cpu < <(awk 'END { print $1, $2 + $3 }' "$dir/import-rss.txt")
    LOADED=$((LOADED + n))
    LOAD_SECS=$(fcalc "$LOAD_SECS + $t1 - $t0")
    LOAD_RES=$((LOAD_RES + ${stored:-0}))
    LOAD_CPU=$(fcalc "$LOAD_CPU + ${cpu:-0}")
    [ "${rss:-0}" -gt "$LOAD_RSS_KB" ] && LOAD_RSS_KB=$rss
    printf 'LOADED=%s\nLOAD_SECS=%s\nLOAD_RES=%s\nLOAD_COMMIT=%s\nLOAD_RSS_KB=%s\nLOAD_CPU=%s\n' \
      "$LOADED" "$LOAD_SECS" "$LOAD_RES" "$COMMIT" "$LOAD_RSS_KB" "$LOAD_CPU" >"$meta"
    note "scale $copies: $LOAD_RES resources after $(printf '%.0f' "$LOAD_SECS") s ($summary)"
  done
  [ "$LOAD_COMMIT" = "$COMMIT" ] ||
    note "scale $copies: database loaded by regie $LOAD_COMMIT, measuring $COMMIT (BENCH_SEARCH_RELOAD=1 reloads)"
  [ "$LOADED" -gt 0 ] || die "scale $copies: nothing loaded"
  DB_MB=$(du -sm "$db"* | awk '{ s += $1 } END { print s + 0 }')
  # Patients actually in the database (more than LOADED x 100 if a step was cut short by hand).
  DB_PATIENTS=$(sqlite3 -readonly "$db" "SELECT count(*) FROM resource_current WHERE type = 'Patient'" \
    2>/dev/null || echo "?")
  if [ "$(jq -r .copies "$dir/urls/values.json" 2>/dev/null)" != "$LOADED" ]; then
    node "$BENCH/clone.mjs" urls --copies "$LOADED" --dir "$dir/urls" 2>>"$dir/import.err"
  fi
}

# ---------------------------------------------------------------------------------------------
# Server.
SPID="" BASE=""
start_server() {
  local copies=$1 dir=$OUT/search/$1
  "$REGIE_BIN" serve --listen 127.0.0.1:0 --db "$dir/regie.db" --no-auth \
    >"$OUT/search/server-$copies.out" 2>"$OUT/search/server-$copies.err" &
  SPID=$!
  PIDS+=("$SPID")
  local url=""
  for _ in $(seq 300); do
    url=$(grep -m1 -o 'ready http://[^[:space:]]*' "$OUT/search/server-$copies.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$url" ] || die "server for scale $copies did not start (see $OUT/search/server-$copies.err)"
  url=${url#ready }
  BASE=${url%/fhir}
}
stop_server() {
  kill -TERM "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$SPID" ] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# prewarm COPIES: reads the database once, so every scale is measured with a warm page cache
# rather than with whatever the load or an earlier run left there (at 4,200 patients a cold cache
# made single-patient searches 30-60x slower, a warm one not at all: docs/benchmarks.md). Sets
# WARM to "read N MB in S s; RAM R MB" for the report.
prewarm() {
  local dir=$OUT/search/$1 t0 t1 mb ram
  WARM="not read first (BENCH_SEARCH_PREWARM=0)"
  [ "$PREWARM" = 1 ] || return 0
  t0=$(now)
  cat "$dir/regie.db" "$dir"/regie.db-wal >/dev/null 2>&1 || true
  t1=$(now)
  mb=$(du -sm "$dir/regie.db"* | awk '{ s += $1 } END { print s + 0 }')
  ram=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  WARM="read once before the runs: $mb MB in $(printf '%.0f' "$(fcalc "$t1 - $t0")") s; RAM $ram MB"
}

# wrk_run FILE THREADS CONNS URLS -> sets RPS P50 P99 BAD (non-2xx + socket errors)
wrk_run() {
  local f=$1 t=$2 c=$3 urls=$4
  wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -s "$BENCH/lua/read.lua" "$BASE/fhir" \
    -- "$urls" /fhir/ >"$f" 2>&1 || die "wrk failed: $(tail -n 3 "$f")"
  RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f")
  P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")
  P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")
  BAD=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
    END { print n + 0 }' "$f")
}

# measure COPIES CLASS: one probe request, a warm-up, the latency run, the throughput run.
# Appends "class copies p50 p99 rps_1 rps_C bad entries bytes" to $RES.
measure() {
  local copies=$1 cls=$2 urls=$OUT/search/$1/urls/$2.txt
  local raw=$OUT/search/wrk-$copies-$cls have=${HAVE[$1]}
  [ -s "$urls" ] || { note "no request paths for $cls"; return 0; }
  local first code bytes entries
  first=$(head -n 1 "$urls")
  code=$(curl -s -o "$raw-probe.json" -w '%{http_code}' -H 'Accept: application/fhir+json' "$BASE/fhir/$first")
  bytes=$(wc -c <"$raw-probe.json")
  entries=$(jq -r 'if .resourceType == "Bundle" then ([.entry[]? | .search.mode // "match"] |
      "\(map(select(. == "match")) | length)+\(map(select(. != "match")) | length)") else "1" end' \
    "$raw-probe.json" 2>/dev/null || echo "?")
  if [ "$code" != 200 ]; then
    note "scale $copies, $cls: GET /fhir/$first answered $code; skipped"
    echo "$cls $have - - - - $code - $bytes" >>"$RES"
    return 0
  fi
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/lua/read.lua" "$BASE/fhir" \
      -- "$urls" /fhir/ >/dev/null 2>&1 || true
  fi
  wrk_run "$raw-c1.txt" 1 1 "$urls"
  local p50=$P50 p99=$P99 rps1=$RPS bad=$BAD perf_pid=""
  if [ "$PROFILE" = 1 ] && [ "$copies" = "$LARGEST" ]; then
    perf record -F 149 --call-graph dwarf,16384 -o "$OUT/search/$cls.perf" -p "$SPID" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wrk_run "$raw-c$CONNS.txt" "$WRK_THREADS" "$CONNS" "$urls"
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$OUT/search/$cls.perf" --stdio --no-children --percent-limit 1 -g none 2>/dev/null \
      >"$OUT/profile-search-$cls.txt" || true
    perf report -i "$OUT/search/$cls.perf" --stdio --children --percent-limit 2 -g none 2>/dev/null \
      >"$OUT/profile-search-$cls-children.txt" || true
  fi
  bad=$((bad + BAD))
  note "scale $copies, $cls: p50 $p50 ms, p99 $p99 ms, $rps1 req/s at 1 connection, $RPS req/s at $CONNS; entries $entries, $bytes bytes"
  echo "$cls $have $p50 $p99 $rps1 $RPS $bad $entries $bytes" >>"$RES"
}

# ---------------------------------------------------------------------------------------------
read -r -a SCALE_LIST <<<"$SCALES"
SMALLEST=${SCALE_LIST[0]}
LARGEST=${SCALE_LIST[${#SCALE_LIST[@]} - 1]}
declare -A WARMED DBMB LOADS LOADRES LOADRSS LOADC HAVE NPAT LOADCPU
for s in "${SCALE_LIST[@]}"; do
  load_scale "$s"
  HAVE[$s]=$LOADED
  NPAT[$s]=$DB_PATIENTS
  DBMB[$s]=$DB_MB
  LOADS[$s]=$LOAD_SECS
  LOADRES[$s]=$LOAD_RES
  LOADRSS[$s]=$LOAD_RSS_KB
  LOADCPU[$s]=$LOAD_CPU
  LOADC[$s]=$LOAD_COMMIT
done
[ "$LOAD_ONLY" = 1 ] && { note "databases ready"; exit 0; }

RES=$OUT/search/results.txt
: >"$RES"
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${SCALE_LIST[@]}"; do
  prewarm "$s"
  WARMED[$s]=$WARM
  note "scale $s: database $WARM"
  start_server "$s"
  note "scale $s (${HAVE[$s]} copies loaded): server $SPID at $BASE"
  for c in $CLASSES; do measure "$s" "$c"; done
  stop_server
done

# ---------------------------------------------------------------------------------------------
# Report. obs-subject-code, include, revinclude and lastn are single-patient searches (the 1 ms target).
DESC_read='GET Patient/{id}'
DESC_obs_subject_code='Observation?subject={patient}&code={its most common code}'
DESC_obs_code_date='Observation?code={one of 5 common codes}&date=ge{one of 4 dates}'
DESC_patient_name='Patient?name={family}'
DESC_include='Encounter?subject={patient}&_include=Encounter:practitioner'
DESC_revinclude='Patient?_id={id}&_revinclude=Encounter:patient'
DESC_lastn='Observation/$lastn?patient={patient}&category=vital-signs'
DESC_everything='Patient/{id}/$everything'

S=${HAVE[$SMALLEST]} L=${HAVE[$LARGEST]}
PS=$((S * 100)) PL=$((L * 100))
MD=$OUT/search-results.md
VALUES=$OUT/search/$LARGEST/urls/values.json
{
  echo "Run of $WHEN, regie \`$COMMIT\`, \`$REGIE_BIN\`; $(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)."
  echo "Load average at the start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "p50/p99: wrk -t1 -c1 (one request at a time), ${DURATION} s after a ${WARMUP} s warm-up;"
  echo "req/s: also at 1 connection, and at $CONNS connections ($WRK_THREADS wrk threads) on the same cores as the server."
  echo
  echo "| scale | patients in the database | resources | load (regie import --no-fsync, from clone.mjs through a pipe) | database | page cache | loaded by |"
  echo "|---|---|---|---|---|---|---|"
  for s in "${SCALE_LIST[@]}"; do
    local_note=""
    [ "${HAVE[$s]}" = "$s" ] || local_note=" (of $((s * 100)) asked; loading stopped)"
    echo "| $((${HAVE[$s]} * 100)) patients$local_note | ${NPAT[$s]} | ${LOADRES[$s]} | $(printf '%.0f' "${LOADS[$s]}") s, $(awk -v r="${LOADRES[$s]}" -v t="${LOADS[$s]}" 'BEGIN { printf "%.0f", r / t }') resources/s, import CPU $(printf '%.0f' "${LOADCPU[$s]}") s (user+sys; 0 = not recorded), peak RSS $((${LOADRSS[$s]} / 1024)) MB | ${DBMB[$s]} MB | ${WARMED[$s]} | \`${LOADC[$s]}\` |"
  done
  echo
  echo "| query | p50 $PS | p50 $PL | ratio | p99 $PS | p99 $PL | req/s $PS (1 / $CONNS conn) | req/s $PL (1 / $CONNS conn) | p50 vs read ($PL) | results $PS / $PL | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  awk -v S="$S" -v L="$L" -v gt="$GROWTH_TARGET" -v st="$SINGLE_P50_MS" -v single="obs-subject-code include revinclude lastn" '
    { k = $1 " " $2; p50[k] = $3; p99[k] = $4; r1[k] = $5; rc[k] = $6; bad[k] = $7; ent[k] = $8; by[k] = $9
      if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
      split(single, sp, " "); for (i in sp) is1[sp[i]] = 1
      rp = p50["read " L]
      for (i = 1; i <= n; i++) {
        c = order[i]; a = c " " S; b = c " " L
        if (p50[a] == "-" || p50[b] == "-" || p50[a] == "" || p50[b] == "") {
          printf "| %s | %s | %s | - | - | - | - | - | - | - | not measured (HTTP %s / %s) |\n", c, p50[a], p50[b], bad[a], bad[b]; continue }
        ratio = p50[a] > 0 ? p50[b] / p50[a] : 0
        v = (c == "read" ? "reference" : (ratio < gt ? "growth ok" : "growth MISS"))
        if (is1[c]) v = v ((p50[a] < st && p50[b] < st) ? ", under 1 ms" : ", 1 ms MISS")
        if (bad[a] + bad[b] > 0) v = v "; " (bad[a] + bad[b]) " errors"
        printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s / %s | %s / %s | %.1fx | %s / %s | %s |\n",
          c, p50[a], p50[b], ratio, p99[a], p99[b], r1[a], rc[a], r1[b], rc[b], (rp > 0 ? p50[b] / rp : 0), ent[a], ent[b], v
      }
    }' "$RES"
  echo
  echo "Query classes (every path names a different patient or name, chosen at random per request):"
  echo
  for c in $CLASSES; do
    d=DESC_${c//-/_}
    echo "- \`$c\`: \`${!d}\`"
  done
  echo
  if [ -f "$VALUES" ]; then
    echo "Population queries (\`obs-code-date\`): $(jq -r '[.population[] | .code] | unique | join(", ")' "$VALUES") (the codes most patients have), each with 4 dates (the newest 20, 15, 10, 5 % of its Observations); single-patient queries use each patient's most common Observation code."
  fi
  echo "Results: matches+included resources in the first page of the first path of each class (a probe before the run)."
} >"$MD"

echo
echo "regie search benchmarks  $WHEN  regie $COMMIT"
sed -n '/^| scale/,$p' "$MD" | sed '/^Query classes/,$d' | sed '/^|---/d' | column -t -s '|' 2>/dev/null || cat "$MD"
echo
echo "markdown: $MD; raw wrk output in $OUT/search/"
