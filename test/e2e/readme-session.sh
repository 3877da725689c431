# A bash session of `npm run test:readme` (test/e2e/readme.mjs), one per page, sources this before the
# page's commands. Each command runs between `__begin <n> <expected status>` and `__end $?`. Lines starting
# with \036 are for the runner; the rest is the commands' own output.
set -o pipefail
exec 2>&1
__calls=$(mktemp)
__body=$(mktemp)

# curl as the pages call it, plus a time limit. Its status goes to $__calls (commands run curl inside
# $(…), where a variable set here would not survive) and, marked, to stderr; so does the body of an
# answer the page does not expect, which the command may be piping into jq.
curl() {
  local out rc line code
  out=$(command curl --max-time 60 "$@" -w $'%{stderr}\n\036%{http_code} %{method} %{url_effective}\n' 2>&1 >"$__body")
  rc=$?
  cat "$__body"
  while IFS= read -r line; do
    case $line in
      $'\036'*)
        printf '%s\n' "${line#?}" >> "$__calls"
        printf '\036CALL %s\n' "${line#?}" >&2
        code=${line:1:3}
        if [ -n "$__expect" ]; then [ "$code" = "$__expect" ]; else [[ $code == 2?? ]]; fi ||
          head -c 2000 "$__body" | sed 's/^/\x1eBODY /' >&2 ;;
      ?*) printf '%s\n' "$line" >&2 ;;
    esac
  done <<< "$out"
  return $rc
}

__begin() {
  : > "$__calls"
  __expect=$2
  printf '\036BEGIN %s\n' "$1"
}

# Every curl of the command answered the stated status (any 2xx if none is stated), a command that
# states a status made a request, and the command exited 0. Otherwise the session ends here.
__end() {
  local rc=$1 expect=$__expect code method url calls=0
  while read -r code method url; do
    calls=$((calls + 1))
    if [ -n "$expect" ]; then [ "$code" = "$expect" ]; else [[ $code == 2?? ]]; fi ||
      { printf '\036FAIL %s %s answered %s, the page says %s\n' "$method" "$url" "$code" "${expect:-2xx}"; exit 1; }
  done < "$__calls"
  if [ -n "$expect" ] && [ "$calls" = 0 ]; then
    printf '\036FAIL the page states %s, but the command made no request\n' "$expect"
    exit 1
  fi
  if [ "$rc" != 0 ]; then
    printf '\036FAIL the command exited with status %s\n' "$rc"
    exit 1
  fi
}
