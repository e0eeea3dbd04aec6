# Shared by the tests that drive the real binary from the shell (tests/*/cli.sh, tests/tls/tls.sh):
# a temporary directory removed on exit, and checks that count failures instead of stopping at
# the first, so one run reports everything that is wrong.
#
# Source it with the test's short name: `. "$(dirname "$0")/../lib/cli.sh" audit-cli`. It sets
# tmp (a test that must also stop servers sets its own EXIT trap afterwards, removing $tmp too).
# CLI_TIMEOUT (seconds), when set before sourcing, bounds every command run by run/run_in.

tmp=$(mktemp -d "/tmp/regie-$1-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# Checks a finished command's status (for run and run_in): NAME WANT GOT CMD...
cli_status() {
  local name=$1 want=$2 got=$3
  shift 3
  if [ "$got" != "$want" ]; then
    fail "$name: exit $got, want $want ($*)"
    sed 's/^/    /' "$tmp/$name.out" "$tmp/$name.err" | head -n 20
  fi
}

# run NAME WANT_STATUS CMD...: runs CMD with stdout/stderr in $tmp/NAME.out/.err.
run() {
  local name=$1 want=$2
  shift 2
  ${CLI_TIMEOUT:+timeout "$CLI_TIMEOUT"} "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  cli_status "$name" "$want" $? "$@"
}

# run_in NAME WANT_STATUS STDIN CMD...: the same with STDIN as the command's standard input.
run_in() {
  local name=$1 want=$2 input=$3
  shift 3
  printf '%s' "$input" | ${CLI_TIMEOUT:+timeout "$CLI_TIMEOUT"} "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  cli_status "$name" "$want" "${PIPESTATUS[1]}" "$@"
}

has() { # has NAME.out|NAME.err TEXT
  grep -qF -- "$2" "$tmp/$1" || { fail "$1 lacks '$2':"; sed 's/^/    /' "$tmp/$1" | head -n 10; }
}

lacks() { # lacks FILE TEXT (a path, not relative to $tmp)
  if grep -qF -- "$2" "$1"; then fail "$1 has '$2'"; fi
}

# cli_done LABEL: the summary line and the exit status.
cli_done() {
  if [ "$failures" -ne 0 ]; then
    echo "$1: $failures failure(s)"
    exit 1
  fi
  echo "$1: ok"
}
