#!/usr/bin/env bash
# The script editor's code component: CodeMirror 5 (MIT) as its one prebuilt file, its stylesheet and
# its YAML mode, from the npm registry at a pinned version, checked against the tarball's sha512
# integrity taken when the version was pinned, extracted to agentassist/api/static/vendor/editor/
# (.gitignored). `make install` runs this; without these files /scripts is a plain text area.
# Why 5, not 6: CodeMirror 6 adds <style> elements at run time, which the pages' Content-Security-
# Policy (style-src 'self', agentassist/api/headers.py) refuses; 5 styles itself from one CSS file.
# Usage: tools/vendor-editor.sh [DEST]
set -euo pipefail
NAME=codemirror
VERSION=5.65.21
INTEGRITY=sha512-6teYk0bA0nR3QP0ihGMoxuKzpl5W80FpnHpBJpgy66NK3cZv5b/d/HY8PnRvfSsCG1MTfr92u2WUl+wT0E40mQ==
FILES=(lib/codemirror.js lib/codemirror.css mode/yaml/yaml.js LICENSE)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/agentassist/api/static/vendor/editor}
STAMP="$DEST/.$NAME-$VERSION"
[ -f "$STAMP" ] && exit 0
command -v npm >/dev/null || bash "$ROOT/tools/apt-ensure.sh" npm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$NAME@$VERSION" >/dev/null)
tarball="$work/$NAME-$VERSION.tgz"
got=$(python3 -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")
if [ "$got" != "$INTEGRITY" ]; then
  echo "vendor-editor: $NAME@$VERSION: expected integrity $INTEGRITY, got $got: not installed" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" "${FILES[@]/#/package/}"
rm -rf "$DEST"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  cp "$work/package/$f" "$DEST/$(basename "$f")"
done
touch "$STAMP"
echo "vendor-editor: $NAME@$VERSION in $DEST"
