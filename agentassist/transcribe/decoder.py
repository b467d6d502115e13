"""Whisper decoding of short speech segments without padding them to 30 seconds.

Whisper was trained on 30-second windows, and faster-whisper pads every input to
3000 mel frames, so a 2-second phrase costs as much encoder work as half a
minute of audio. CTranslate2's encoder accepts fewer frames. Decoding straight
from a very short encoding makes Whisper repeat itself, but measured here on
the 120 English Asterisk prompts (tiny.en, greedy) a 10-second floor *with
timestamp tokens* keeps the WER of the padded path (0.068 both) at 3.5x less
compute; floors of 8, 7 and 6 seconds loop (WER 0.35-0.71). So segments are
padded with silence to ``floor_s``, decoded in timestamp mode with a length cap
from their duration, and whatever the decoder says after the real audio ended
(a timestamp past the end, a phrase repeated) is cut off and flagged.

Longer segments (up to Whisper's 30 s) are encoded at their own length.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from agentassist.transcribe.options import MAX_S as MAX_S  # Whisper's window

SAMPLE_RATE_HZ = 16000
HOP = 160  # samples per mel frame
TIME_PRECISION_S = 0.02  # one timestamp token
PREPEND_PUNCTUATION = "\"'“¿([{-"
APPEND_PUNCTUATION = "\"'.。,，!！?？:：”)]}、"


OVERSHOOT_S = 0.5  # a phrase may end this far past the audio (timestamps are coarse) ...
NEAR_END_S = 0.5  # ... unless it also starts this near the end: then the rest of it is invented
TOKENS_PER_S_EN = 8  # the decode length cap per second of audio
TOKENS_PER_S_OTHER = 20
MAX_PASSES = 3  # decodes of one segment when Whisper leaves its last phrase open
MIN_REST_S = 0.3  # less audio than this after an open end is not decoded again


def _open_end(tok: Any, tokens: list[int], duration_s: float) -> float | None:
    """Where to decode again when the sequence ends on a timestamp pair (an unfinished phrase)."""
    body = [t for t in tokens if t != tok.eot]
    if len(body) < 2 or body[-1] < tok.timestamp_begin or body[-2] < tok.timestamp_begin:
        return None
    at = (body[-1] - tok.timestamp_begin) * TIME_PRECISION_S
    return at if 0 < at < duration_s - MIN_REST_S else None


def _shifted(d: Decoded, by_s: float) -> Decoded:
    if not by_s:
        return d
    words = tuple(DecodedWord(w.start_s + by_s, w.end_s + by_s, w.text, w.probability) for w in d.words)
    return replace(d, words=words)


def _joined(parts: list[Decoded]) -> Decoded:
    """One result from the passes over one segment, weighted by their token counts."""
    weights = [max(len(p.tokens), 1) for p in parts]
    text = " ".join(p.text for p in parts if p.text)
    return Decoded(
        text=text,
        words=tuple(w for p in parts for w in p.words),
        language=parts[0].language,
        language_probability=parts[0].language_probability,
        avg_logprob=sum(p.avg_logprob * n for p, n in zip(parts, weights, strict=True)) / sum(weights),
        no_speech_prob=min(p.no_speech_prob for p in parts),
        compression_ratio=compression_ratio(text),
        truncated=any(p.truncated for p in parts),
        tokens=tuple(t for p in parts for t in p.tokens),
    )


@dataclass(frozen=True, slots=True)
class DecodedWord:
    start_s: float  # from the start of the decoded audio
    end_s: float
    text: str
    probability: float


def glue_words(words: Iterable[DecodedWord]) -> list[DecodedWord]:
    """Whisper's words (text with its leading space) as its text splits into words, stripped: a word with
    no space before it that starts with punctuation is the end of the word before (",000" after "600",
    "%" after "12", "-record" after "re"), so that the words and the text agree word for word."""
    out: list[DecodedWord] = []
    for w in words:
        text = w.text.strip()
        if not text:
            continue
        if out and not w.text[:1].isspace() and not text[:1].isalnum():
            p = out[-1]
            out[-1] = DecodedWord(p.start_s, max(p.end_s, w.end_s), p.text + text, min(p.probability, w.probability))
        else:
            out.append(DecodedWord(w.start_s, w.end_s, text, w.probability))
    return out


@dataclass(frozen=True, slots=True)
class Decoded:
    """What Whisper made of one short segment, with the measures its guards need."""

    text: str
    words: tuple[DecodedWord, ...]
    language: str
    language_probability: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    truncated: bool  # text after the end of the audio or a repeated phrase was cut off
    tokens: tuple[int, ...] = field(default=(), repr=False)


def compression_ratio(text: str) -> float:
    """Bytes over zlib-compressed bytes: high when the text repeats itself (Whisper's loop guard)."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def cut_repetition(phrases: list[list[int]], max_repeats: int = 2) -> tuple[list[list[int]], bool]:
    """A phrase (text tokens between timestamps) repeated more than ``max_repeats`` times in a row is
    a decoding loop, not speech: keep its first copy and drop everything after it."""
    run = 1
    for i in range(1, len(phrases)):
        run = run + 1 if phrases[i] and phrases[i] == phrases[i - 1] else 1
        if run > max_repeats:
            return phrases[: i - run + 2], True
    return phrases, False


def cut_token_loops(tokens: list[int], words_of: Any, max_n: int = 16) -> tuple[list[int], bool]:
    """A run of the same token n-gram inside a phrase ("девять девять девять девять ...") is a decoding
    loop: keep its first copy. A one-word n-gram may come 3 times ("no, no, no"), a longer one twice.
    ``words_of`` turns tokens into their words."""
    out: list[int] = []
    looped = False
    i = 0
    while i < len(tokens):
        skipped = 0
        for n in range(1, min(max_n, (len(tokens) - i) // 3) + 1):
            gram = tokens[i : i + n]
            run = 1
            while tokens[i + run * n : i + (run + 1) * n] == gram:
                run += 1
            if run >= 3 and run >= (4 if len(words_of(gram)) <= 1 else 3):
                out.extend(gram)
                skipped = run * n
                looped = True
                break
        if skipped:
            i += skipped
        else:
            out.append(tokens[i])
            i += 1
    return out, looped


class ShortDecoder:
    """Decodes float32 16 kHz audio of at most 30 s with a faster-whisper model, thread-safe."""

    def __init__(self, whisper: Any, *, floor_s: float = 10.0, multilingual: bool | None = None) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        self._whisper = whisper  # faster_whisper.WhisperModel
        self.floor_s = floor_s
        self.multilingual = bool(whisper.model.is_multilingual) if multilingual is None else multilingual
        n_mels = int(getattr(whisper.model, "n_mels", 80) or 80)
        self._features = FeatureExtractor(feature_size=n_mels)  # our own: faster-whisper's is mutated by calls
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def tokenizer(self, language: str) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        with self._lock:
            tok = self._tokenizers.get(language)
            if tok is None:
                tok = Tokenizer(
                    self._whisper.hf_tokenizer,
                    self.multilingual,
                    task="transcribe",
                    language=language if self.multilingual else "en",
                )
                self._tokenizers[language] = tok
            return tok

    def encode(self, audio: np.ndarray[Any, Any]) -> tuple[Any, int]:
        """The encoder output of ``audio`` padded to the floor, and the number of real mel frames."""
        if audio.size > MAX_S * SAMPLE_RATE_HZ:
            raise ValueError(f"segment of {audio.size / SAMPLE_RATE_HZ:.1f} s: at most {MAX_S:.0f} s can be decoded")
        target = max(int(self.floor_s * SAMPLE_RATE_HZ), audio.size)
        padded = np.zeros(target, np.float32)
        padded[: audio.size] = audio
        feats = self._features(padded)
        frames = min(feats.shape[1], target // HOP)
        frames -= frames % 2  # the encoder's convolution halves the frame count
        encoded = self._whisper.encode(np.ascontiguousarray(feats[:, :frames]))
        return encoded, audio.size // HOP

    def detect_language(self, encoded: Any) -> tuple[str, float]:
        if not self.multilingual:
            return "en", 1.0
        token, prob = self._whisper.model.detect_language(encoded)[0][0]
        return str(token)[2:-2], float(prob)

    def decode(
        self,
        audio: np.ndarray[Any, Any],
        *,
        language: str | None = None,
        prompt: str | None = None,
        beam_size: int = 1,
        words: bool = True,
    ) -> Decoded:
        """Transcribe one segment. ``language`` None: detected from this segment (multilingual models).

        Whisper ends a window whose last phrase it could not finish with an opening timestamp and
        no text (``<|17.20|><|17.20|><|endoftext|>``): the rest of the audio is decoded again from
        that point, as faster-whisper's long-form loop does, at most ``MAX_PASSES`` times.
        """
        parts: list[Decoded] = []
        offset = 0
        total = audio.size
        while True:
            part, resume_s = self._decode_once(
                audio[offset:], language=language, prompt=prompt, beam_size=beam_size, words=words
            )
            parts.append(_shifted(part, offset / SAMPLE_RATE_HZ))
            language = part.language
            if resume_s is None or len(parts) >= MAX_PASSES:
                break
            offset += int(resume_s * SAMPLE_RATE_HZ)
            if total - offset < MIN_REST_S * SAMPLE_RATE_HZ:
                break
            prompt = " ".join(x for x in ((prompt or "").strip(), part.text) if x)[-400:] or None
        return parts[0] if len(parts) == 1 else _joined(parts)

    def _decode_once(
        self,
        audio: np.ndarray[Any, Any],
        *,
        language: str | None,
        prompt: str | None,
        beam_size: int,
        words: bool,
    ) -> tuple[Decoded, float | None]:
        encoded, content_frames = self.encode(audio)
        lang_prob = 1.0
        if language is None:
            language, lang_prob = self.detect_language(encoded)
        tok = self.tokenizer(language)
        duration_s = audio.size / SAMPLE_RATE_HZ
        prefix = list(tok.sot_sequence)
        if prompt and prompt.strip():
            prompt_tokens = tok.encode(" " + prompt.strip())[-100:]
            prefix = [tok.sot_prev, *prompt_tokens, *prefix]
        # English runs at ~3-4 text tokens a second, plus timestamp pairs; Cyrillic and other scripts take
        # two to three times the tokens: a cap well above that stops loops early and cuts no speech
        per_s = TOKENS_PER_S_EN if language == "en" else TOKENS_PER_S_OTHER
        max_length = min(448, len(prefix) + int(duration_s * per_s) + 16)
        result = self._whisper.model.generate(
            encoded,
            [prefix],
            beam_size=beam_size,
            patience=1.0,
            length_penalty=1.0,
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed(tok),
            max_initial_timestamp_index=50,  # 1 s, as faster-whisper's default
        )[0]
        tokens = list(result.sequences_ids[0])
        seq_len = len(tokens)
        avg_logprob = float(result.scores[0]) * seq_len / (seq_len + 1)  # length_penalty 1: score = sum / len
        text_tokens, truncated = self._text_tokens(tok, tokens, duration_s)
        text = tok.decode(text_tokens).strip()
        aligned: tuple[DecodedWord, ...] = ()
        if words and text_tokens:
            aligned = self._align(tok, text_tokens, encoded, content_frames, duration_s)
        resume_s = None if truncated else _open_end(tok, tokens, duration_s)
        return Decoded(
            text=text,
            words=aligned,
            language=language,
            language_probability=lang_prob,
            avg_logprob=avg_logprob,
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=compression_ratio(text),
            truncated=truncated,
            tokens=tuple(text_tokens),
        ), resume_s

    def _suppressed(self, tok: Any) -> list[int]:
        # faster-whisper's "-1": the non-speech symbols, plus the task and special tokens
        specials = [tok.transcribe, tok.translate, tok.sot, tok.sot_prev, tok.sot_lm, tok.no_speech]
        return sorted({*tok.non_speech_tokens, *specials})

    def _text_tokens(self, tok: Any, tokens: list[int], duration_s: float) -> tuple[list[int], bool]:
        """Text tokens up to the end of the audio: a timestamp past the end (plus a little slack)
        starts invented text, so does a phrase after the first that starts near the end of the audio
        and claims to go on well past it, and so does a phrase repeated three times in a row."""
        phrases: list[list[int]] = [[]]
        ends: list[float] = []  # the closing time of each finished phrase
        starts: list[float] = [0.0]
        truncated = False
        for i, t in enumerate(tokens):
            if tok.eot <= t < tok.timestamp_begin:
                continue  # special tokens
            if t >= tok.timestamp_begin:
                at = (t - tok.timestamp_begin) * TIME_PRECISION_S
                if phrases[-1]:  # the end of a phrase (it may overshoot a little: that is fine)
                    ends.append(at)
                    phrases.append([])
                    starts.append(at)
                elif at > duration_s + 0.3:
                    # a phrase that starts after the audio ended is invented
                    truncated = any(x < tok.eot for x in tokens[i + 1 :])
                    break
                else:
                    starts[-1] = at
                continue
            phrases[-1].append(t)
        keep = len(phrases)
        while keep > 1:
            j = keep - 1 if phrases[keep - 1] else keep - 2  # the last phrase with text
            if j < 1:
                break
            end = ends[j] if j < len(ends) else None
            overshoots = end is None or end > duration_s + OVERSHOOT_S
            if starts[j] >= duration_s - NEAR_END_S and overshoots:
                keep, truncated = j, True  # begun at the very end of the audio, "said" after it
            else:
                break
        phrases, looped = cut_repetition(phrases[:keep])
        text, stuck = cut_token_loops([t for p in phrases for t in p], lambda g: tok.decode(g).split())
        return text, truncated or looped or stuck

    def _align(
        self, tok: Any, text_tokens: list[int], encoded: Any, frames: int, duration_s: float
    ) -> tuple[DecodedWord, ...]:
        from faster_whisper.transcribe import merge_punctuations

        alignment = self._whisper.find_alignment(tok, [text_tokens], encoded, frames)[0]
        merge_punctuations(alignment, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
        out = []
        for w in alignment:
            start = min(float(w["start"]), duration_s)
            end = min(max(float(w["end"]), start), duration_s)
            out.append(DecodedWord(start, end, w["word"], float(w["probability"])))
        return tuple(glue_words(out))
