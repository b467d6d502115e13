#!/usr/bin/env bash
# Build pjsua2's Python binding from source, for a phone or recorder that takes more than 4 calls at once,
# against Debian's OpenSSL instead of the OpenSSL 1.0.2k bundled in the pjsua2-python wheel.
#
#   tools/build-pjsua2.sh VENV_PYTHON OUT_DIR [MAX_CALLS]
#
# The pjsua2-python wheel on PyPI is compiled with pjsua's default PJSUA_MAX_CALLS = 4 and cuts more to 4
# without a word. pjproject's own repository is on GitHub; the source used here is the copy Debian ships
# inside its asterisk source package (orig-Xpjproject.tar.xz), fetched from the Debian archive and
# checked against the sha256 below. When Debian moves on and that file is gone from the pool, the script
# says so and asks for the new name and sum (see the Sources index of forky or sid).
#
# It adds agentassist's request validation (tools/pjsip/agentassist_conform.c, docs/sip-conformance.md) to
# libpjsua; pjsua_init() registers it.
#
# The result is a wheel, pjsua2_python-<pjproject version>+agentassist.r<REV>.max<N>-*.whl in OUT_DIR. REV is
# the start of the sha256 of this script and tools/pjsip/* (`build-pjsua2.sh --rev` prints it): the
# Makefile's glob names it, so a wheel built from older sources is never reused. `make pjsua2` installs it
# into the venv in place of the PyPI wheel.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REV=$(cat "$HERE/build-pjsua2.sh" "$HERE"/pjsip/* | sha256sum | cut -c1-8)
if [ "${1:-}" = --rev ]; then echo "$REV"; exit 0; fi

PY=$(realpath -s "${1:?usage: build-pjsua2.sh VENV_PYTHON OUT_DIR [MAX_CALLS]}")  # the venv link, not its target
OUT=$(realpath -m "${2:?usage: build-pjsua2.sh VENV_PYTHON OUT_DIR [MAX_CALLS]}")
MAX_CALLS=${3:-64}
case $MAX_CALLS in '' | *[!0-9]*) echo "MAX_CALLS must be a whole number, got '$MAX_CALLS'" >&2; exit 2 ;; esac

DEB_POOL=http://deb.debian.org/debian/pool/main/a/asterisk
TARBALL=asterisk_22.10.1+dfsg+~cs6.17.60671434.orig-Xpjproject.tar.xz
SHA256=6860c2f7604b4eee75f38151a9ef69774eb3f0c5286fc1d14bc1db2dc5a9e8aa

# Debian's copy leaves out pjproject's bundled third-party code: those libraries come from Debian.
bash "$HERE/apt-ensure.sh" build-essential swig libssl-dev libopus-dev libsrtp2-dev libgsm1-dev libspeex-dev \
  libspeexdsp-dev python3.11-dev curl xz-utils

WORK=$(realpath -m "${PJSUA2_BUILD_DIR:-build/pjsua2}")
mkdir -p "$WORK" "$OUT"
if [ ! -f "$WORK/$TARBALL" ]; then
  echo "fetching pjproject from Debian: $TARBALL"
  if ! curl -fsSL -o "$WORK/$TARBALL.part" "$DEB_POOL/$TARBALL"; then
    echo "could not fetch $DEB_POOL/$TARBALL: Debian has likely moved to a newer asterisk." >&2
    echo "Take the orig-Xpjproject.tar.xz name and sha256 from" >&2
    echo "  http://deb.debian.org/debian/dists/sid/main/source/Sources.xz (Package: asterisk)" >&2
    echo "and set TARBALL and SHA256 in $0." >&2
    exit 1
  fi
  mv "$WORK/$TARBALL.part" "$WORK/$TARBALL"
fi
echo "$SHA256  $WORK/$TARBALL" | sha256sum --check --quiet - \
  || { echo "$WORK/$TARBALL: sha256 differs from the pinned one; delete it and run again" >&2; exit 1; }

SRC="$WORK/src"
rm -rf "$SRC"
mkdir -p "$SRC"
tar xJf "$WORK/$TARBALL" -C "$SRC" --strip-components=1
cd "$SRC"

# Calls at once, and room for them: every call takes an RTP and an RTCP socket and a conference port,
# and agentassist adds two taps per call to the bridge.
cat > pjlib/include/pj/config_site.h <<EOF
#define PJSUA_MAX_CALLS $MAX_CALLS
#define PJSUA_MAX_CONF_PORTS ($MAX_CALLS * 4 + 16)
#define PJ_IOQUEUE_MAX_HANDLES ($MAX_CALLS * 8 + 64)
#define PJSUA_MAX_ACC 8
#define PJMEDIA_HAS_VIDEO 0
#define PJSUA_HAS_VIDEO 0
/* A TCP peer that connects and says nothing valid is dropped after 10 s (pjsip's default: never, then 600 s
   idle). benchmarks/sip_fuzz.py --transport tcp opened ~580 connections in 4 minutes and, with every
   ioqueue handle taken, the next accept hit pj_assert(free_list not empty) and aborted the phone. */
#define PJSIP_TCP_INITIAL_TIMEOUT 10
EOF

# Request validation: compiled into libpjsua, registered by pjsua_init() (tools/pjsip/patch-pjsua.py).
cp "$HERE/pjsip/agentassist_conform.c" pjsip/src/pjsua-lib/
python3 "$HERE/pjsip/patch-pjsua.py" .

# Debian also leaves out the BlueDigits sound device, which pjmedia's makefile lists unconditionally
# (compiled empty without PJMEDIA_AUDIO_DEV_HAS_BDIMAD, which nothing here sets).
[ -f pjmedia/src/pjmedia-audiodev/bdimad_dev.c ] || echo "/* left out of Debian's source */" \
  > pjmedia/src/pjmedia-audiodev/bdimad_dev.c

# NDEBUG: pjlib's pj_assert() aborts the process where the release code path returns an error (an ioqueue
# out of handles answers PJ_ETOOMANY and the connection is refused, instead of the phone dying).
export CFLAGS="-fPIC -O2 -DNDEBUG" CXXFLAGS="-fPIC -O2 -DNDEBUG"
./configure --disable-shared --disable-sound --disable-video --enable-epoll \
  --disable-libyuv --disable-libwebrtc --disable-openh264 --disable-ffmpeg --disable-v4l2 --disable-sdl \
  --disable-android-mediacodec --disable-darwin-ssl --disable-upnp --disable-ilbc-codec --disable-g7221-codec \
  --with-external-srtp --with-external-gsm --with-external-speex --enable-speex-resample >configure.log 2>&1 \
  || { tail -30 configure.log >&2; exit 1; }
grep -E "OpenSSL|opus" configure.log | sed 's/^/  configure: /' || true
make dep >make-dep.log 2>&1 || { tail -30 make-dep.log >&2; exit 1; }
make -j"$(nproc)" lib >make-lib.log 2>&1 || { tail -40 make-lib.log >&2; exit 1; }

cd pjsip-apps/src/swig/python
"$PY" -m pip install --quiet setuptools wheel
make PYTHON_EXE="$PY" pjsua2_wrap.cpp >swig.log 2>&1 || { tail -30 swig.log >&2; exit 1; }
VERSION=$(sed -n 's/^export PJ_VERSION_\(MAJOR\|MINOR\) *:= *\([0-9]*\).*/\2/p' "$SRC/version.mak" | paste -sd.)
# setup.py reads the version from pjproject's makefiles; the local label says what this build is.
"$PY" setup.py --quiet bdist_wheel --dist-dir "$WORK/dist" >wheel.log 2>&1 || { tail -30 wheel.log >&2; exit 1; }
"$PY" - "$WORK/dist" "$OUT" "$VERSION" "$MAX_CALLS" "$REV" <<'EOF'
"""Re-label the wheel as pjsua2_python with the pjsua2 package layout of the PyPI wheel."""
import base64, hashlib, pathlib, sys, zipfile

dist, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
version, max_calls, rev = sys.argv[3:6]
(src,) = sorted(dist.glob("*.whl"))[-1:]
tag = src.name.split("-", 2)[2]  # python-abi-platform.whl
name = f"pjsua2_python-{version}+agentassist.r{rev}.max{max_calls}"
files: dict[str, bytes] = {}
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if base == "pjsua2.py" or base.startswith("_pjsua2"):
            files[f"pjsua2/{base}"] = z.read(info)
files["pjsua2/__init__.py"] = (
    "from . import pjsua2 as _bindings\n"
    "from .pjsua2 import *  # noqa: F401,F403\n"
    f"__version__ = {version + '+agentassist.r' + rev + '.max' + max_calls!r}\n"
    f"PJSUA_MAX_CALLS = {max_calls}\n"
    "# tools/pjsip/agentassist_conform.c is in; the longest Call-ID and From/To URI it lets in\n"
    "AGENTASSIST_CONFORM = True\n"
    "SIP_ID_MAX_CHARS = 255  # AGENTASSIST_SIP_ID_MAX: PJSIP_MAX_URL_SIZE - 1\n\n\n"
    "def __getattr__(name):\n"
    "    return getattr(_bindings, name)\n"
).encode()
info_dir = f"{name.split('-')[0]}-{name.split('-')[1]}.dist-info"
files[f"{info_dir}/METADATA"] = (
    f"Metadata-Version: 2.1\nName: pjsua2-python\nVersion: {name.split('-')[1]}\n"
    f"Summary: pjsua2 built by agentassist from Debian's pjproject, PJSUA_MAX_CALLS={max_calls}\n"
).encode()
files[f"{info_dir}/WHEEL"] = (
    f"Wheel-Version: 1.0\nGenerator: agentassist\nRoot-Is-Purelib: false\nTag: {tag[:-4]}\n"
).encode()
files[f"{info_dir}/top_level.txt"] = b"pjsua2\n"
record = []
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
record.append(f"{info_dir}/RECORD,,")
files[f"{info_dir}/RECORD"] = ("\n".join(record) + "\n").encode()
target = out / f"{name}-{tag}"
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for path, data in files.items():
        z.writestr(path, data)
print(target)
EOF
rm -rf "$SRC"  # 150 MB of objects; the tarball stays for a rebuild
