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

Longer segments (up to Whisper's 30 s) are encoded at their own length. How the floor's encoding
is built, the padded window through the encoder or only the audio's own length continued with
silence's encoding (``window="reduced"``), is windows.py's.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from agentassist.transcribe.options import MAX_S as MAX_S  # Whisper's window
from agentassist.transcribe.windows import HOP as HOP
from agentassist.transcribe.windows import SAMPLE_RATE_HZ as SAMPLE_RATE_HZ
from agentassist.transcribe.windows import Windows

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

    def __init__(
        self,
        whisper: Any,
        *,
        floor_s: float = 10.0,
        multilingual: bool | None = None,
        window: str = "padded",
        tail: bool = True,
    ) -> None:
        """``window``: "padded" or "reduced" (windows.py); ``tail`` False: a reduced window's encoding is not
        continued with silence's (benchmarks.window measures what that costs)."""
        self._whisper = whisper  # faster_whisper.WhisperModel
        self.floor_s = floor_s
        self.multilingual = bool(whisper.model.is_multilingual) if multilingual is None else multilingual
        self.windows = Windows(whisper, floor_s=floor_s, window=window, tail=tail)
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

    def window(self, audio: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The log-mel features of ``audio`` padded with silence to the floor (or to its own length)."""
        if audio.size > MAX_S * SAMPLE_RATE_HZ:
            raise ValueError(f"segment of {audio.size / SAMPLE_RATE_HZ:.1f} s: at most {MAX_S:.0f} s can be decoded")
        return self.windows.features(audio)

    def encode(self, audio: np.ndarray[Any, Any]) -> tuple[Any, int]:
        """The encoder output of ``audio`` (a floor of positions, or its own length), and its real mel frames."""
        if audio.size > MAX_S * SAMPLE_RATE_HZ:
            raise ValueError(f"segment of {audio.size / SAMPLE_RATE_HZ:.1f} s: at most {MAX_S:.0f} s can be decoded")
        return self.windows.encode([audio]), audio.size // HOP

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
        first, resume_s = self._decode_once(audio, language=language, prompt=prompt, beam_size=beam_size, words=words)
        return self._resume(audio, first, resume_s, prompt=prompt, beam_size=beam_size, words=words)

    def decode_batch(
        self,
        audios: Sequence[np.ndarray[Any, Any]],
        *,
        language: str,
        prompts: Sequence[str | None],
        beam_size: int = 1,
        words: bool = True,
    ) -> list[Decoded]:
        """Several segments of at most ``floor_s`` each, as :meth:`decode` would one by one, at the cost of
        one encoder and one decoder call on the batch of their floor windows (benchmarks.batch: the
        decoder's cost per window halves from 1 to 4 windows, the encoder's does not move) and one
        alignment. Their prompts must have as many tokens (the same prompt, or none). The rest of a
        segment whose last phrase stayed open is decoded on its own, as :meth:`decode` does. The decode
        length cap is the batch's largest: text past a segment's own cap is what the cap stops (a
        loop), and the guards after decoding cut it too."""
        if any(a.size > self.floor_s * SAMPLE_RATE_HZ for a in audios):
            raise ValueError(f"decode_batch: expected segments of at most {self.floor_s:g} s (the floor)")
        encoded = self.windows.encode(audios)
        tok = self.tokenizer(language)
        durations = [a.size / SAMPLE_RATE_HZ for a in audios]
        heads = [self._prefix(tok, p, d) for p, d in zip(prompts, durations, strict=True)]
        if len({len(h) for h, _ in heads}) > 1:  # CTranslate2 wants the start token at one position
            raise ValueError(f"decode_batch: expected prompts of one length, got {[len(h) for h, _ in heads]} tokens")
        results = self._generate(encoded, [h for h, _ in heads], tok, beam_size, max(n for _, n in heads))
        firsts = [self._decoded(tok, r, language, 1.0, d) for r, d in zip(results, durations, strict=True)]
        aligned: list[tuple[DecodedWord, ...]] = [()] * len(audios)
        if words:
            frames = [a.size // HOP for a in audios]
            aligned = self._align_batch(tok, [d.tokens for d, _ in firsts], encoded, frames, durations)
        return [
            self._resume(audio, replace(d, words=ws), resume_s, prompt=prompt, beam_size=beam_size, words=words)
            for audio, (d, resume_s), ws, prompt in zip(audios, firsts, aligned, prompts, strict=True)
        ]

    def _resume(
        self,
        audio: np.ndarray[Any, Any],
        first: Decoded,
        resume_s: float | None,
        *,
        prompt: str | None,
        beam_size: int,
        words: bool,
    ) -> Decoded:
        """``first``, the first pass over ``audio``, with the passes over the rest after an open end."""
        parts = [first]
        offset = 0
        while resume_s is not None and len(parts) < MAX_PASSES:
            offset += int(resume_s * SAMPLE_RATE_HZ)
            if audio.size - offset < MIN_REST_S * SAMPLE_RATE_HZ:
                break
            prompt = " ".join(x for x in ((prompt or "").strip(), parts[-1].text) if x)[-400:] or None
            part, resume_s = self._decode_once(
                audio[offset:], language=first.language, prompt=prompt, beam_size=beam_size, words=words
            )
            parts.append(_shifted(part, offset / SAMPLE_RATE_HZ))
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
        prefix, max_length = self._prefix(tok, prompt, duration_s)
        result = self._generate(encoded, [prefix], tok, beam_size, max_length)[0]
        d, resume_s = self._decoded(tok, result, language, lang_prob, duration_s)
        if words and d.tokens:
            d = replace(d, words=self._align(tok, list(d.tokens), encoded, content_frames, duration_s))
        return d, resume_s

    def _prefix(self, tok: Any, prompt: str | None, duration_s: float) -> tuple[list[int], int]:
        """The decoder's start tokens (the prompt's, then the task's) and the decode length cap."""
        prefix = list(tok.sot_sequence)
        if prompt and prompt.strip():
            prompt_tokens = tok.encode(" " + prompt.strip())[-100:]
            prefix = [tok.sot_prev, *prompt_tokens, *prefix]
        # English runs at ~3-4 text tokens a second, plus timestamp pairs; Cyrillic and other scripts take
        # two to three times the tokens: a cap well above that stops loops early and cuts no speech
        per_s = TOKENS_PER_S_EN if tok.language_code == "en" else TOKENS_PER_S_OTHER
        return prefix, min(448, len(prefix) + int(duration_s * per_s) + 16)

    def _generate(self, encoded: Any, prefixes: list[list[int]], tok: Any, beam_size: int, max_length: int) -> Any:
        return self._whisper.model.generate(
            encoded,
            prefixes,
            beam_size=beam_size,
            patience=1.0,
            length_penalty=1.0,
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed(tok),
            max_initial_timestamp_index=50,  # 1 s, as faster-whisper's default
        )

    def _decoded(
        self, tok: Any, result: Any, language: str, lang_prob: float, duration_s: float
    ) -> tuple[Decoded, float | None]:
        """One generate() result, its text cut where the audio ends (no words yet), and where to resume."""
        tokens = list(result.sequences_ids[0])
        seq_len = len(tokens)
        avg_logprob = float(result.scores[0]) * seq_len / (seq_len + 1)  # length_penalty 1: score = sum / len
        text_tokens, truncated = self._text_tokens(tok, tokens, duration_s)
        text = tok.decode(text_tokens).strip()
        resume_s = None if truncated else _open_end(tok, tokens, duration_s)
        return Decoded(
            text=text,
            words=(),
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
        alignment = self._whisper.find_alignment(tok, [text_tokens], encoded, frames)[0]
        return _words(alignment, duration_s)

    def _align_batch(
        self, tok: Any, tokens: list[tuple[int, ...]], encoded: Any, frames: list[int], durations: list[float]
    ) -> list[tuple[DecodedWord, ...]]:
        """The words of each segment of a batch that has text, in one alignment call."""
        import ctranslate2

        have = [i for i, t in enumerate(tokens) if t]
        out: list[tuple[DecodedWord, ...]] = [()] * len(tokens)
        if not have:
            return out
        if len(have) < len(tokens):  # align the windows with text only
            encoded = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(encoded)[have]))
        alignments = self._whisper.find_alignment(
            tok, [list(tokens[i]) for i in have], encoded, [frames[i] for i in have]
        )
        for i, alignment in zip(have, alignments, strict=True):
            out[i] = _words(alignment, durations[i])
        return out


def _words(alignment: list[dict[str, Any]], duration_s: float) -> tuple[DecodedWord, ...]:
    """faster-whisper's aligned words as DecodedWords within the audio, punctuation merged as it does."""
    from faster_whisper.transcribe import merge_punctuations

    merge_punctuations(alignment, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
    out = []
    for w in alignment:
        start = min(float(w["start"]), duration_s)
        end = min(max(float(w["end"]), start), duration_s)
        out.append(DecodedWord(start, end, w["word"], float(w["probability"])))
    return tuple(glue_words(out))
