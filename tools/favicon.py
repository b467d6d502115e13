"""Draw agentassist/api/static/favicon.ico: a headset's level bars, white on the pages' agent blue.

    python tools/favicon.py   # rewrites the file; plain Python (zlib, struct), no imaging library
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 32
BLUE = (31, 111, 235, 255)  # --agent in common.css (#1f6feb)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
BARS = ((7, 12, 20), (13, 7, 25), (19, 10, 22), (25, 14, 18))  # (left x, top y, bottom y) of 4 px bars
OUT = Path(__file__).resolve().parent.parent / "agentassist" / "api" / "static" / "favicon.ico"


def pixel(x: int, y: int) -> tuple[int, int, int, int]:
    r = 7  # corner radius of the rounded square
    cx, cy = min(max(x, r), SIZE - 1 - r), min(max(y, r), SIZE - 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    if any(left <= x < left + 4 and top <= y <= bottom for left, top, bottom in BARS):
        return WHITE
    return BLUE


def png() -> bytes:
    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def ico(image: bytes) -> bytes:
    """One PNG image in an ICO container (every browser reads PNG inside ICO)."""
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 22) + image


if __name__ == "__main__":
    OUT.write_bytes(ico(png()))
    print(f"{OUT}: {OUT.stat().st_size} bytes")
