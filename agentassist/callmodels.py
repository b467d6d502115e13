"""The speech models a center's calls are transcribed with: the main one (``[transcribe] model``), loaded at
start, and the multilingual one (``model_multilingual``), loaded by the first call of a campaign in
another language than English when the main model is English-only. Owned by the runtime
(agentassist.runtime); thread-safe: calls start on the pj thread and the API's threads.
"""

from __future__ import annotations

import logging
import threading
import time

from agentassist.config import TranscribeSettings
from agentassist.errors import AgentassistError
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber
from agentassist.transcribe.transcriber import one_blas_thread

log = logging.getLogger(__name__)


class CallModels:
    def __init__(self, settings: TranscribeSettings) -> None:
        self.settings = settings
        self.main: StreamingTranscriber | None = None  # None: not loaded, or ``enabled`` false
        self._multilingual: StreamingTranscriber | None = None  # loaded by the first call that needs it
        self._multilingual_failed = False
        self._lock = threading.Lock()  # its own: loading takes a second, and the calls' table must not wait

    def load(self) -> None:
        """The main model, unless transcription is off (a recorder only); AgentassistError if unusable."""
        if self.settings.enabled:
            one_blas_thread()  # a process setting, made where the process gets its models
            self.main = StreamingTranscriber(Transcriber(self.settings.transcriber_options()))

    @property
    def ready(self) -> bool:
        """Loaded, or none needed (``[transcribe] enabled`` false): what /healthz says of the model."""
        return self.main is not None or not self.settings.enabled

    def for_language(self, language: str | None) -> StreamingTranscriber | None:
        """The main model, or the multilingual one for a campaign in another language than English when
        the main model is English-only (loaded once, by the first such call); None when ``[transcribe]
        enabled`` is false."""
        main = self.main
        if main is None:
            return None
        name = self.settings.model_multilingual
        if main.transcriber.multilingual or language in (None, "en") or not name:
            if language not in (None, "en") and not main.transcriber.multilingual:
                log.warning(
                    "campaign language %r but model %s is English-only", language, main.transcriber.options.model
                )
            return main
        with self._lock:
            if self._multilingual is None and not self._multilingual_failed:
                try:
                    options = self.settings.transcriber_options(model=name)
                    self._multilingual = StreamingTranscriber(Transcriber(options))
                except AgentassistError as exc:
                    self._multilingual_failed = True
                    log.error(
                        "model_multilingual %r unusable, %s calls get %s: %s",
                        name,
                        language,
                        main.transcriber.options.model,
                        exc,
                    )
            return self._multilingual or main

    def metrics(self) -> dict[str, float]:
        """Whether each is loaded, and each one's own figures (the multilingual one's labelled with its name)."""
        values = {
            "agentassist_model_loaded": float(self.main is not None),
            "agentassist_model_multilingual_loaded": float(self._multilingual is not None),
        }
        if self.main is not None:
            values.update(self.main.metrics())
        m = self._multilingual
        if m is not None:
            label = f'model="{self.settings.model_multilingual}"'
            for key, value in m.metrics().items():
                values[key.replace("{", "{" + label + ",", 1) if "{" in key else key + "{" + label + "}"] = value
        return values

    def lag_s(self) -> dict[str, float]:
        """Per call: how long its oldest unfinished final has waited, on whichever model it runs."""
        lags: dict[str, float] = {}
        for t in (self.main, self._multilingual):
            if t is not None:
                lags.update(t.lag_s())
        return lags

    def close(self, deadline: float) -> None:
        """Let go of both by ``deadline`` (time.monotonic()): a final still decoding then is left out."""
        for streaming in (self.main, self._multilingual):
            if streaming is not None:
                streaming.close(timeout_s=max(0.0, deadline - time.monotonic()))
