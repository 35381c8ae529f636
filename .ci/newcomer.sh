#!/usr/bin/env bash
# The README's first steps, as a newcomer runs them: a fresh clone of the commit (no data/, no
# dist/), `npm start` in dev mode, wait for /readyz, `npm run -s token -- admin@example.com`, the
# README's `me` query with that token, and the email checked. node_modules is linked from this
# checkout's install (run `npm ci` first), so no second install. Every wait is bounded; the
# server and the clone are removed on exit. Exit status 0 when every step passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

fail() { printf 'newcomer check failed: %s\n' "$*" >&2; [ -f "${log:-}" ] && tail -n 20 "$log" >&2; exit 1; }

[ -d "$root/node_modules" ] || fail "no node_modules in $root: run npm ci first"
# Optional argument: another commit to check (e.g. to see the check fail on an older one).
commit=$(git -C "$root" rev-parse --verify "${1:-HEAD}^{commit}") || fail "not a commit: ${1:-HEAD}"

work=$(mktemp -d "${TMPDIR:-/tmp}/passgraph-newcomer.XXXXXX")
clone="$work/passgraph"
log="$work/server.log"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    # The whole process group: npm, its shell and node.
    kill -TERM -- "-$server" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$server" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

printf 'clone %s into %s\n' "$commit" "$clone"
git init -q "$clone" &&
  git -C "$clone" fetch -q --depth=1 "file://$root" "$commit" &&
  git -C "$clone" -c advice.detachedHead=false checkout -q FETCH_HEAD || fail "could not clone $commit"
[ ! -e "$clone/data" ] && [ ! -e "$clone/dist" ] || fail "the clone already has data/ or dist/"
ln -s "$root/node_modules" "$clone/node_modules"

# A free loopback port instead of the README's 4000, so a server already running there is no bother.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})') ||
  fail "no free port"
url="http://127.0.0.1:$port"

# Only what a newcomer's shell has: no Passage settings, so dev mode with the embedded emulator.
quiet='NPM_CONFIG_UPDATE_NOTIFIER=false'
run() { (cd "$clone" && env -i PATH="$PATH" HOME="$work" PORT="$port" "$quiet" "$@"); }

printf 'npm start (dev mode) on %s\n' "$url"
# exec all the way down, so $! is npm's pid and, through setsid, its process group's id.
(cd "$clone" && exec env -i PATH="$PATH" HOME="$work" PORT="$port" "$quiet" setsid npm start >"$log" 2>&1) &
server=$!

ready=""
for _ in $(seq 1 120); do
  kill -0 "$server" 2>/dev/null || fail "npm start exited before it was ready"
  if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url/readyz")" = 200 ]; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || fail "/readyz did not answer 200 within 60 s"
printf '/readyz answered 200\n'

# Start-up should be quiet for a newcomer: no warning (pino level 40) or worse in the log.
warnings=$(grep -c '"level":[4-6]0' "$log" || true)
[ "$warnings" = 0 ] || fail "start-up logged $warnings warning(s) or error(s)"

token=$(run timeout 60 npm run -s token -- admin@example.com | tail -n 1) || fail "npm run -s token failed"
[ -n "$token" ] || fail "npm run -s token printed nothing"

body=$(curl -s -m 10 "$url/graphql" \
  -H 'content-type: application/json' \
  -H "authorization: Bearer $token" \
  -d '{"query":"{ me { id email displayName appRole devices { friendlyName type } } }"}') || fail "the me query got no answer"
email=$(printf '%s' "$body" | node -e '
  let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
    try { console.log(JSON.parse(text).data.me.email); } catch { console.log(""); }
  });')
[ "$email" = admin@example.com ] || fail "me.email is '$email', expected admin@example.com; body: $body"
printf 'me.email is %s\n' "$email"

# Stop it the way a newcomer does (Ctrl-C) and expect a clean exit.
kill -INT -- "-$server" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
kill -0 "$server" 2>/dev/null && fail "the server did not stop within 10 s of SIGINT"
wait "$server"
status=$?
server=""
# npm itself answers Ctrl-C with 130 once its child is done; node's own failures are logged.
[ "$status" = 0 ] || [ "$status" = 130 ] || fail "npm start exited with status $status after SIGINT"
grep -q '"msg":"shutting down"' "$log" || fail "the server did not log its shutdown"
! grep -q '"level":[5-6]0' "$log" || fail "the server logged an error"
printf 'newcomer check passed\n'
