#!/usr/bin/env bash
# Debian bookworm's Node 18, the Node the appliance runs, beside the system's Node and cached.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: device/node18.sh [--path | --help | NODE_ARGS...]

Runs Debian bookworm's nodejs 18 (the appliance's Node) without installing it: the first run takes the .debs
with `apt-get download` (nodejs, libnode108 and whatever of their dependencies is not installed) and unpacks
them with `dpkg -x` into the cache; the system's Node is not touched. Needs apt lists (`apt-get update`) once.

  device/node18.sh --path        fetch if needed, then print the path of a node 18 launcher
  device/node18.sh app.mjs       run node 18 with these arguments
  device/node18.sh --help        show this help

environment:
  BORG_NODE18_DIR       the cache (default ${XDG_CACHE_HOME:-~/.cache}/borgos/node18)
  BORG_NODE18_VERSION   the Debian version of nodejs (default: the newest 18.x apt offers)

Debian builds libnode with undici (fetch), acorn and cjs-module-lexer left out, read at start from absolute
paths under /usr/share/nodejs. The cached libnode.so.108 is the package's with only those five paths changed
to /proc/self/fd/200/*.js, and the launcher opens fd 200 on the unpacked files: the same code, run from here.
EOF
}

cache="${BORG_NODE18_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/borgos/node18}"
launcher="$cache/bin/node"

case "${1:-}" in
  -h | --help)
    usage
    exit 0
    ;;
esac

die() {
  echo "node18: $*" >&2
  exit 1
}

# The newest nodejs 18.x in the apt lists: what a bookworm image installs.
wanted_version() {
  if [ -n "${BORG_NODE18_VERSION:-}" ]; then
    echo "$BORG_NODE18_VERSION"
    return
  fi
  apt-cache madison nodejs 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); if ($2 ~ /^18\./) { print $2; exit } }'
}

# Builtin file name in the cache <- the path Debian's libnode reads it from.
builtins=(
  "l.js:/usr/share/nodejs/cjs-module-lexer/lexer.js"
  "m.js:/usr/share/nodejs/cjs-module-lexer/dist/lexer.js"
  "u.js:/usr/share/nodejs/undici/undici-fetch.js"
  "a.js:/usr/share/nodejs/acorn/dist/acorn.js"
  "w.js:/usr/share/nodejs/acorn-walk/dist/walk.js"
)
builtin_fd=200
tmp=""

fetch_into() {
  local dir="$1" version="$2" pkg dep
  local -a pkgs=("nodejs=$version" "libnode108=$version")
  # libnode108's dependencies that this machine lacks: on bookworm libc-ares2 and the node-* builtins.
  while read -r dep; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$dep" 2>/dev/null || true)" != installed ]; then pkgs+=("$dep"); fi
  done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "libnode108=$version" |
    sed -n 's/^ *|\{0,1\}Depends: \([^<][^ ]*\)$/\1/p' | sort -u)
  mkdir -p "$dir/debs" "$dir/root" "$dir/builtins" "$dir/bin"
  if ! (cd "$dir/debs" && apt-get download "${pkgs[@]}") >"$dir/download.log" 2>&1; then
    cat "$dir/download.log" >&2
    die "apt-get download ${pkgs[*]} failed (run apt-get update first?)"
  fi
  for pkg in "$dir"/debs/*.deb; do dpkg -x "$pkg" "$dir/root"; done

  local libnode
  libnode="$(find "$dir/root" -name libnode.so.108 -type f | head -n1)"
  [ -n "$libnode" ] || die "libnode108 $version has no libnode.so.108"
  local entry name path renames=""
  for entry in "${builtins[@]}"; do
    name="${entry%%:*}"
    path="${entry#*:}"
    [ -f "$dir/root$path" ] || die "the unpacked packages lack $path"
    ln -s "../root$path" "$dir/builtins/$name"
    renames+="$path /proc/self/fd/$builtin_fd/$name"$'\n'
  done
  # Each path is a NUL-terminated C string: the new, shorter one is padded with NULs to the same length.
  RENAMES="$renames" perl -0777 -i -pe '
    for my $pair (split /\n/, $ENV{RENAMES}) {
      my ($from, $to) = split / /, $pair;
      my $count = s/\Q$from\E(?=\0)/$to . ("\0" x (length($from) - length($to)))/ge;
      die "node18: $from occurs $count times in libnode.so.108, expected once\n" unless $count == 1;
    }' "$libnode"

  # The launcher finds everything relative to itself, so the directory can be renamed into place.
  local libdirs
  libdirs="$(find "$dir/root" -name '*.so*' -printf '%h\n' | sort -u | sed "s|^$dir/|\$here/|" | paste -sd: -)"
  cat >"$dir/bin/node" <<EOF
#!/usr/bin/env bash
# Debian's nodejs $version, unpacked by device/node18.sh: its libnode reads undici, acorn and cjs-module-lexer
# from /proc/self/fd/$builtin_fd/, so that fd is opened on them first.
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
exec $builtin_fd<"\$here/builtins"
export LD_LIBRARY_PATH="$libdirs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "\$here/root/usr/bin/node" "\$@"
EOF
  chmod 755 "$dir/bin/node"
  (cd "$dir/debs" && ls) >"$dir/PACKAGES"
  rm -rf "$dir/debs" "$dir/download.log"
  echo "$version" >"$dir/VERSION"
}

ensure() {
  local version cached="" started=$SECONDS
  version="$(wanted_version)"
  [ -f "$cache/VERSION" ] && cached="$(cat "$cache/VERSION")"
  if [ -z "$version" ]; then
    [ -n "$cached" ] && return 0
    die "apt offers no nodejs 18.x (run apt-get update; or set BORG_NODE18_VERSION)"
  fi
  [ "$cached" = "$version" ] && [ -x "$launcher" ] && return 0

  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then die "needs apt-get and dpkg (Debian or Ubuntu)"; fi
  mkdir -p "$(dirname "$cache")"
  tmp="$(mktemp -d "$cache.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  fetch_into "$tmp" "$version"
  "$tmp/bin/node" -e 'if (!process.version.startsWith("v18.")) throw new Error(process.version); fetch' >/dev/null ||
    die "the unpacked nodejs $version does not start"
  # Another run may have put the same version in place meanwhile: then keep that one.
  [ -n "$cached" ] && rm -rf "$cache"
  if mv -T "$tmp" "$cache" 2>/dev/null; then
    trap - EXIT
    echo "node18: Debian nodejs $version in $cache ($((SECONDS - started)) s)" >&2
  fi
}

ensure
if [ "${1:-}" = --path ]; then
  echo "$launcher"
  exit 0
fi
exec "$launcher" "$@"
