"""The pipeline's audio units: 16 kHz, 16-bit mono, 20 ms frames (320 samples, 640 bytes).

No numpy here (agentassist.audio.frames, which re-exports these, has the numpy helpers): a phone
imports these units, and numpy alone is about 15 MB of its resident memory."""

from __future__ import annotations

SAMPLE_RATE_HZ = 16000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE_HZ * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
SILENT_FRAME = bytes(FRAME_BYTES)
