#!/usr/bin/env bash
# The JavaScript that the browser tests inject into the pages, from the npm registry at a pinned version
# and checked against the registry's sha512 integrity before use: axe-core (tests/test_axe.py), whose
# axe.min.js goes to build/js/ (ignored by git; the pages never load it). Run by `make install-test`;
# does nothing when the pinned version is already there.
#   bash tools/test-js.sh [DEST]    (default build/js)
set -euo pipefail

AXE_VERSION=4.14.1
# `npm view axe-core@4.14.1 dist.integrity`, and the sha512 of the tarball `npm pack` fetched
AXE_SHA512=FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==

dest=${1:-build/js}
if [ -f "$dest/axe.min.js" ] && head -n 1 "$dest/axe.min.js" | grep -qx "/\*! axe v$AXE_VERSION"; then
  exit 0
fi
command -v npm >/dev/null || bash "$(dirname "$0")/apt-ensure.sh" npm  # a nodejs that carries npm (NodeSource) is enough
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
tarball="$tmp/axe-core-$AXE_VERSION.tgz"
got=$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)
if [ "$got" != "$AXE_SHA512" ]; then
  echo "axe-core $AXE_VERSION: expected sha512-$AXE_SHA512, got sha512-$got: not installed"
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/axe.min.js package/LICENSE
mkdir -p "$dest"
cp "$tmp/package/LICENSE" "$dest/axe-core.LICENSE"
cp "$tmp/package/axe.min.js" "$dest/axe.min.js.part"
mv "$dest/axe.min.js.part" "$dest/axe.min.js"  # whole or absent: a test never reads half of it
echo "axe-core $AXE_VERSION in $dest/axe.min.js"
