#!/usr/bin/env bash
# regie user add|list|disable|enable|reset through the real binary on a temporary account
# database: usage errors, passwords from standard input only, the TOTP enrolment URI and QR file,
# duplicates, BSN checks, list without secrets, and changes kept across runs.
# usage: cli.sh REGIE_BINARY
set -u
REGIE=$1
. "$(dirname "$0")/../lib/cli.sh" auth-cli
db=$tmp/accounts.db

# ---- usage ----
run_in help 0 "" "$REGIE" user --help
has help.out "usage: regie user add USERNAME"
run_in no-action 2 "" "$REGIE" user
run_in no-db 2 "" "$REGIE" user list
has no-db.err "--accounts PATH is required"
run_in bad-action 2 "" "$REGIE" user frobnicate --accounts "$db"
has bad-action.err "unknown action 'frobnicate'"
run_in add-no-role 2 "" "$REGIE" user add anne --accounts "$db"
has add-no-role.err "--role"
run_in add-bad-role 2 "pw-long-enough\n" "$REGIE" user add anne --accounts "$db" --role king
run_in add-no-user 2 "" "$REGIE" user add --accounts "$db" --role patient
run_in reset-nothing 2 "" "$REGIE" user reset anne --accounts "$db"
has reset-nothing.err "--password, --totp or both"
# A password is never an option.
run_in pw-option 2 "" "$REGIE" user add anne --accounts "$db" --role patient --password secret
run_in unknown-option 2 "" "$REGIE" user list --accounts "$db" --verbose

# ---- add ----
run_in add-anne 0 $'correct horse battery\n' "$REGIE" user add anne --accounts "$db" --role patient \
  --bsn 111222333 --qr "$tmp/anne.svg" --issuer "regie DVA"
has add-anne.out "added anne (patient, with BSN)"
has add-anne.out "TOTP URI: otpauth://totp/regie%20DVA:anne?secret="
has add-anne.out "&issuer=regie%20DVA&algorithm=SHA1&digits=6&period=30"
grep -qE '^TOTP secret: [A-Z2-7]{32}$' "$tmp/add-anne.out" || fail "add: no 32-character base32 secret"
has anne.svg "<svg xmlns=\"http://www.w3.org/2000/svg\""
[ "$(stat -c %a "$tmp/anne.svg")" = 600 ] || fail "QR file is not mode 0600"
[ "$(stat -c %a "$db")" = 600 ] || fail "account database is not mode 0600"
lacks "$tmp/add-anne.err" "111222333"
lacks "$tmp/add-anne.out" "111222333"
lacks "$tmp/add-anne.err" "correct horse"
run_in add-admin 0 $'another good password\n' "$REGIE" user add root-admin --accounts "$db" --role admin
has add-admin.out "added root-admin (admin)"
run_in add-pro 0 $'a third good password' "$REGIE" user add dokter --accounts "$db" --role professional
# Refusals: duplicate (any case), BSN taken, bad BSN, short or missing password, bad username.
run_in dup 1 $'correct horse battery\n' "$REGIE" user add ANNE --accounts "$db" --role patient
has dup.err "already taken"
run_in dup-bsn 1 $'correct horse battery\n' "$REGIE" user add bert --accounts "$db" --role patient --bsn 111222333
run_in bad-bsn 1 $'correct horse battery\n' "$REGIE" user add bert --accounts "$db" --role patient --bsn 111222334
has bad-bsn.err "11-proef"
lacks "$tmp/bad-bsn.err" "111222334"
run_in short-pw 1 $'short\n' "$REGIE" user add bert --accounts "$db" --role patient
has short-pw.err "shorter than 10"
run_in no-pw 1 "" "$REGIE" user add bert --accounts "$db" --role patient
has no-pw.err "no password on standard input"
run_in bad-name 1 $'correct horse battery\n' "$REGIE" user add 'bert smit' --accounts "$db" --role patient

# ---- list ----
run_in list 0 "" "$REGIE" user list --accounts "$db"
has list.out "USERNAME"
[ "$(grep -c . "$tmp/list.out")" = 4 ] || fail "list: want a header and 3 accounts"
grep -qE '^anne +patient +yes +active' "$tmp/list.out" || fail "list: anne's row"
grep -qE '^dokter +professional +- +active' "$tmp/list.out" || fail "list: dokter's row"
lacks "$tmp/list.out" "111222333"
lacks "$tmp/list.out" "argon2"
secret=$(sed -n 's/^TOTP secret: //p' "$tmp/add-anne.out")
lacks "$tmp/list.out" "$secret"
if command -v sqlite3 >/dev/null; then
  sqlite3 "$db" "SELECT password FROM account WHERE username='anne'" | grep -q '^\$argon2id\$v=19\$m=65536,t=3,p=1\$' ||
    fail "the stored hash is not argon2id with the default parameters"
  sqlite3 "$db" "SELECT count(*) FROM account WHERE password LIKE '%correct horse%'" | grep -qx 0 ||
    fail "the password is stored in clear"
fi

# ---- disable / enable ----
run_in disable 0 "" "$REGIE" user disable dokter --accounts "$db"
has disable.out "disabled dokter"
run_in list2 0 "" "$REGIE" user list --accounts "$db"
grep -qE '^dokter +professional +- +disabled' "$tmp/list2.out" || fail "disable did not last"
run_in disable-missing 1 "" "$REGIE" user disable nobody --accounts "$db"
has disable-missing.err "no such account"
run_in enable 0 "" "$REGIE" user enable dokter --accounts "$db"
run_in list3 0 "" "$REGIE" user list --accounts "$db"
grep -qE '^dokter +professional +- +active' "$tmp/list3.out" || fail "enable did not last"

# ---- reset ----
run_in reset-totp 0 "" "$REGIE" user reset anne --accounts "$db" --totp --qr "$tmp/anne2.svg"
has reset-totp.out "new TOTP secret for anne"
secret2=$(sed -n 's/^TOTP secret: //p' "$tmp/reset-totp.out")
[ -n "$secret2" ] && [ "$secret2" != "$secret" ] || fail "reset --totp gave no new secret"
[ -s "$tmp/anne2.svg" ] || fail "reset --totp did not write the QR file"
if command -v sqlite3 >/dev/null; then
  old_hash=$(sqlite3 "$db" "SELECT password FROM account WHERE username='anne'")
fi
run_in reset-pw 0 $'a brand new password\n' "$REGIE" user reset anne --accounts "$db" --password
has reset-pw.out "new password set for anne"
if command -v sqlite3 >/dev/null; then
  [ "$(sqlite3 "$db" "SELECT password FROM account WHERE username='anne'")" != "$old_hash" ] ||
    fail "reset --password kept the old hash"
fi
run_in reset-short 1 $'tiny\n' "$REGIE" user reset anne --accounts "$db" --password
run_in reset-missing 1 $'a brand new password\n' "$REGIE" user reset nobody --accounts "$db" --password

cli_done "auth cli"
