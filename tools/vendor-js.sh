#!/usr/bin/env bash
# Third-party JavaScript from the npm registry at pinned versions: each package's tarball (`npm pack`) is
# checked against the sha512 integrity written below (the value `npm view NAME@VERSION dist.integrity`
# gives) before anything is taken from it, then the files named are put in the package's destination,
# a folder of the repository ignored by git. A page whose file is absent still works without what the
# file adds (outcomes.html: its tables, no chart; /scripts: a plain text area); a test skips.
#
# Usage: tools/vendor-js.sh [NAME...]   (no NAME: every package below). `make install` runs it for the
# pages' packages, `make install-test` for the tests'. Re-running is cheap: a package whose files are
# there with the pinned version's stamp (DEST/.NAME@VERSION) is not fetched again.
#
# To add a package: a line NAME VERSION INTEGRITY DEST FILE... below. A FILE is a path in the package,
# put in DEST under its base name, or PATH=NAME to name it otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(
  # Chart.js 4 (MIT): the outcomes and reports pages' charts; its UMD build defines window.Chart.
  "chart.js 4.5.0 sha512-aYeC/jDgSEx8SHWZvANYMioYMZ2KX02W6f6uVfyteuCGcadDLcYVHdfdygsTQkQ4TKn5lghoojAsPj5pu0SnvQ== agentassist/api/static/vendor dist/chart.umd.js"
  # CodeMirror 5 (MIT), the script editor's code component (agentassist/api/static/codeedit.js): its one
  # prebuilt file, its stylesheet and its YAML mode. Why 5, not 6: CodeMirror 6 adds <style> elements at
  # run time, which the pages' Content-Security-Policy (style-src 'self', agentassist/api/headers.py)
  # refuses; 5 styles itself from one CSS file.
  "codemirror 5.65.21 sha512-6teYk0bA0nR3QP0ihGMoxuKzpl5W80FpnHpBJpgy66NK3cZv5b/d/HY8PnRvfSsCG1MTfr92u2WUl+wT0E40mQ== agentassist/api/static/vendor/editor lib/codemirror.js lib/codemirror.css mode/yaml/yaml.js LICENSE"
  # axe-core (MPL-2.0), for the tests only: tests/test_axe.py injects axe.min.js into the pages (no page
  # loads it) and checks that its first line names the version pinned here.
  "axe-core 4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ== build/js axe.min.js LICENSE=axe-core.LICENSE"
)

# The sha512 integrity of a file, as npm writes it (sha512-BASE64).
integrity_of() {
  python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

# vendor NAME VERSION INTEGRITY DEST FILE...: fetch, check and install one package (nothing when its
# stamp and files are there). Each file is whole or absent: a page or a test never reads half of one.
vendor() {
  local name=$1 version=$2 integrity=$3 dest=$4
  shift 4
  local stamp="$dest/.${name//\//+}@" file target have=1
  for file in "$@"; do
    target=${file#*=}
    [ "$target" != "$file" ] || target=$(basename "$file")
    [ -f "$dest/$target" ] || have=0
  done
  if [ "$have" = 1 ] && [ -f "$stamp$version" ]; then
    return 0
  fi
  command -v npm >/dev/null || bash tools/apt-ensure.sh npm  # a nodejs that carries npm (NodeSource) is enough
  local work="$scratch/$name" tarball got
  mkdir -p "$work"
  if ! tarball=$(cd "$work" && npm pack --silent "$name@$version" | tail -n 1) || [ ! -f "$work/$tarball" ]; then
    echo "vendor-js: $name@$version: npm pack failed (is the npm registry reachable?): not installed" >&2
    return 1
  fi
  got=$(integrity_of "$work/$tarball")
  if [ "$got" != "$integrity" ]; then
    echo "vendor-js: $name@$version: expected integrity $integrity, got $got: not installed" >&2
    return 1
  fi
  local paths=()
  for file in "$@"; do
    paths+=("package/${file%%=*}")
  done
  if ! tar -xzf "$work/$tarball" -C "$work" "${paths[@]}"; then
    echo "vendor-js: $name@$version: expected ${paths[*]#package/} in the package: not installed" >&2
    return 1
  fi
  mkdir -p "$dest"
  for file in "$@"; do
    target=${file#*=}
    [ "$target" != "$file" ] || target=$(basename "$file")
    install -m 0644 "$work/package/${file%%=*}" "$dest/$target.part"
    mv "$dest/$target.part" "$dest/$target"
  done
  rm -f "$stamp"*
  touch "$stamp$version"
  echo "vendor-js: $name@$version -> $dest"
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  for line in "${PACKAGES[@]}"; do
    wanted+=("${line%% *}")
  done
fi
for want in "${wanted[@]}"; do
  found=""
  for line in "${PACKAGES[@]}"; do
    [ "${line%% *}" = "$want" ] && found=$line
  done
  if [ -z "$found" ]; then
    names=$(for line in "${PACKAGES[@]}"; do printf ' %s' "${line%% *}"; done)
    echo "vendor-js: expected a package of the table (one of:$names), got '$want'" >&2
    exit 2
  fi
  read -r -a fields <<<"$found"
  vendor "${fields[@]}"
done
