#!/usr/bin/env bash
# The pages' third-party JavaScript, fetched from the npm registry at pinned versions and checked
# against the sha512 integrity written here (the value `npm view NAME@VERSION dist.integrity` gives),
# then one dist file of each extracted into agentassist/api/static/vendor/ (.gitignored). A page whose
# file is absent still works, without what the file adds (outcomes.html: its tables, no chart).
#
# Usage: tools/vendor-js.sh [DIR]   (DIR default agentassist/api/static/vendor). Re-running is cheap:
# a file already there with the pinned version's stamp is kept.
#
# To add a package: a line NAME VERSION INTEGRITY FILE_IN_PACKAGE TARGET_NAME below.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-agentassist/api/static/vendor}
PACKAGES=(
  # Chart.js 4 (MIT): the outcomes page's rates over time; its UMD build defines window.Chart
  "chart.js 4.5.0 sha512-aYeC/jDgSEx8SHWZvANYMioYMZ2KX02W6f6uVfyteuCGcadDLcYVHdfdygsTQkQ4TKn5lghoojAsPj5pu0SnvQ== dist/chart.umd.js chart.umd.js"
)

command -v npm >/dev/null || bash tools/apt-ensure.sh npm
command -v openssl >/dev/null || bash tools/apt-ensure.sh openssl
mkdir -p "$DEST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for line in "${PACKAGES[@]}"; do
  read -r name version integrity file target <<<"$line"
  stamp="$DEST/.$target.$version"
  if [ -f "$DEST/$target" ] && [ -f "$stamp" ]; then
    continue
  fi
  tarball=$(cd "$work" && npm pack --silent "$name@$version" | tail -n 1)
  got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "vendor-js: $name@$version: expected integrity $integrity, got $got" >&2
    exit 1
  fi
  tar -xzf "$work/$tarball" -C "$work" "package/$file"
  install -m 0644 "$work/package/$file" "$DEST/$target"
  rm -f "$DEST/.$target".*
  touch "$stamp"
  echo "vendor-js: $name@$version -> $DEST/$target"
done
