#!/usr/bin/env bash
# A production install runs what `npm start` builds: copy the build output and the files it reads
# at run time (schema/, migrations/) into an empty folder, `npm ci --omit=dev` there, start
# `node dist/main.js` and ask it for /readyz and a GraphQL answer. better-sqlite3's compiled
# binary is copied from this checkout instead of compiling it a second time (--ignore-scripts):
# the same package version, built for the same Node.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -f dist/main.js ] || { echo "run npm run build first" >&2; exit 1; }
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

cp package.json package-lock.json "$dir/" && cp -r dist schema migrations "$dir/" && mkdir -p "$dir/data" || exit 1
(cd "$dir" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) || { echo "npm ci --omit=dev failed" >&2; exit 1; }
mkdir -p "$dir/node_modules/better-sqlite3/build/Release"
cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$dir/node_modules/better-sqlite3/build/Release/" || exit 1
for dev in tsx esbuild vitest typescript @biomejs/biome graphiql; do
  [ ! -e "$dir/node_modules/$dev" ] || { echo "dev dependency $dev was installed by --omit=dev" >&2; exit 1; }
done

# Waits (up to 20 s, while $pid lives) for the JSON log line that carries field $1 with an http URL
# ending in $3 (optional) in file $2, and prints that URL (nothing if it never came).
logged_url() {
  local found=""
  for _ in $(seq 1 100); do
    found=$(grep -o "\"$1\":\"http://[^\"]*${3:-}\"" "$2" 2>/dev/null | head -n 1 | sed "s/\"$1\":\"//; s/\"\$//")
    [ -n "$found" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  printf '%s' "$found"
}

# Dev mode (no PASSAGE_APP_ID) starts the embedded emulator too, so the whole bundle runs.
(cd "$dir" && PORT=0 HOST=127.0.0.1 DATABASE_URL="$dir/data/pg.sqlite" EMULATOR_DB="$dir/data/emu.sqlite" LOG_LEVEL=info \
  exec node dist/main.js >"$dir/out.log" 2>&1) &
pid=$!
url=$(logged_url url "$dir/out.log" /graphql)
[ -n "$url" ] || { cat "$dir/out.log" >&2; echo "the production install did not start" >&2; exit 1; }
ready=$(curl -s "${url%/graphql}/readyz")
answer=$(curl -s "$url" -H 'content-type: application/json' -d '{"query":"{ __typename }"}')
echo "readyz: $ready"
echo "graphql: $answer"
[[ "$ready" == *'"status":"ready"'* && "$answer" == '{"data":{"__typename":"Query"}}' ]] || { cat "$dir/out.log" >&2; exit 1; }

# The identity service alone, in production mode, from the same install (no tsx, no esbuild).
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
(cd "$dir" && NODE_ENV=production IDENTITY_HOST=127.0.0.1 IDENTITY_PORT=0 IDENTITY_DB="$dir/data/identity.sqlite" \
  PASSAGE_APP_ID=prodcheck PASSAGE_API_KEY=prod-install-check-key-0123456789abcdef IDENTITY_AUTH_ORIGIN=https://app.example.com \
  exec node dist/identity/main.js >"$dir/identity.log" 2>&1) &
pid=$!
jwks=$(logged_url jwksUrl "$dir/identity.log")
[ -n "$jwks" ] || { cat "$dir/identity.log" >&2; echo "the identity service did not start from the production install" >&2; exit 1; }
keys=$(curl -s "$jwks")
echo "identity jwks: ${keys:0:60}..."
[[ "$keys" == *'"kty":"RSA"'* ]] || { cat "$dir/identity.log" >&2; exit 1; }
echo "production install: npm ci --omit=dev runs dist/main.js and dist/identity/main.js"
