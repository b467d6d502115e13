"""Process settings: a TOML file, overridden key by key by ``AGENTASSIST_<SECTION>__<KEY>``.

Settings are built by :func:`load_settings`; nothing reads them at import time.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agentassist.audio.segmenter_options import SegmenterOptions
from agentassist.errors import ConfigError
from agentassist.pause import DtmfPauseOptions, check_sequences
from agentassist.sip.guard import REGISTRAR, parse_network
from agentassist.tracker_options import TrackerOptions
from agentassist.transcribe.options import StreamOptions, TranscriberOptions

if TYPE_CHECKING:
    from agentassist.api.throttle import ThrottleOptions

# The [transcribe] and [assist] defaults are the stages' own: each is written once, in its options dataclass.
_MODEL, _SEGMENTER, _STREAM = TranscriberOptions(), SegmenterOptions(), StreamOptions()
_TRACKER = TrackerOptions()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _host_port(value: str, default_port: int) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host:
        return value, default_port
    try:
        return host, int(port)
    except ValueError as exc:
        raise ValueError(f"expected HOST:PORT, got {value!r}") from exc


class SipSettings(_Section):
    listen: str = "127.0.0.1:5060"
    auto_answer: bool = True
    # An inbound call while another call is up: "ring" (it rings until answered through the API, which
    # holds the other call, declined, or cancelled by the caller), "answer" (every call answered at
    # once: a recorder on a trunk), "busy" (486 Busy Here).
    second_call: Literal["ring", "answer", "busy"] = "ring"
    registrar: str = ""
    username: str = ""
    password: str = ""
    outbound_proxy: str = ""  # e.g. "sip:127.0.0.1:5070;lr": every request goes through it (a TLS-terminating Kamailio)
    # Calls at once; the next caller gets 486 Busy Here. pjsua cannot take more than its build's
    # PJSUA_MAX_CALLS: 4 in the pjsua2-python wheel from PyPI (enough for one agent's phone: a call, one
    # on hold, a transfer), 64 in the build `make` makes from source (tools/build-pjsua2.sh). More than
    # the build takes is cut to it, with a WARNING at start.
    max_calls: int = 4
    register_expires_s: int = 300  # re-registered before expiry; a registrar that lost us has us back by then
    register_retry_s: int = 5  # after a failed registration
    rtp_timeout_s: float = 30.0  # a call that receives no RTP for this long is hung up (peer vanished)
    # Audio codecs in order of preference, as pjsua names them ("PCMU", "G722", "speex/16000");
    # the others are disabled. Empty: pjsua's defaults. Checked against the build at start.
    codecs: list[str] = []
    # SRTP with SDES keys in the SDP: "off", "optional" (offered, RTP accepted) or "mandatory".
    srtp: Literal["off", "optional", "mandatory"] = "off"
    # TLS: a registrar URI "sips:..." or with ";transport=tls" is reached over TLS. The pjsua2 wheel
    # links OpenSSL 1.0.2 (end of life): see the README for putting a TLS proxy in front instead.
    tls_listen: str = ""  # "HOST:PORT" to accept TLS too; "" = outgoing TLS only, from an ephemeral port
    tls_cert_file: str = ""  # this phone's certificate and key (PEM), needed to accept TLS
    tls_key_file: str = ""
    tls_ca_file: str = ""  # CA certificates (PEM) that the registrar's certificate must chain to
    tls_verify_server: bool = True  # refuse a registrar whose certificate does not verify
    # Who may call (docs/security.md): an INVITE is taken only from an address that `registrar` or
    # `outbound_proxy` resolves to, or from these networks ("10.0.0.0/8", "192.0.2.7"); anyone else
    # gets 403 before the call is kept, recorded or rings. With no registrar and no allow_from, anyone
    # who reaches `listen` may call: a WARNING at start says so.
    allow_from: list[str] = []
    # Who may send this phone's calls elsewhere (REFER, a blind or attended transfer made by the far
    # end): "registrar" (the addresses of `registrar` and `outbound_proxy`) and networks as in
    # allow_from, matched against the address the REFER came from. Empty: every REFER gets 403 and
    # nothing is dialled (a caller could otherwise make the phone dial out on the PBX account).
    accept_refer: list[str] = []
    # A call on hold (by either side) this long is hung up, end reason "hold timeout"; 0: never.
    max_hold_s: float = 1800.0

    @property
    def uses_tls(self) -> bool:
        r = self.registrar.lower()
        return bool(self.tls_listen) or r.startswith("sips:") or ";transport=tls" in r

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, v: str) -> str:
        if v:  # "": no softphone in this process (a center that only takes phones' streams)
            _host_port(v, 5060)
        return v

    @property
    def host_port(self) -> tuple[str, int]:
        return _host_port(self.listen, 5060)

    @field_validator("allow_from")
    @classmethod
    def _check_allow_from(cls, v: list[str]) -> list[str]:
        for network in v:
            parse_network(network)
        return v

    @field_validator("accept_refer")
    @classmethod
    def _check_accept_refer(cls, v: list[str]) -> list[str]:
        for entry in v:
            if entry != REGISTRAR:
                try:
                    parse_network(entry)
                except ValueError as exc:
                    raise ValueError(f'expected "{REGISTRAR}" or {str(exc).removeprefix("expected ")}') from None
        return v

    @field_validator("max_hold_s")
    @classmethod
    def _check_max_hold(cls, v: float) -> float:
        if v < 0:
            raise ValueError(f"expected seconds >= 0 (0: never), got {v}")
        return v


class AudioSettings(_Section):
    # A device by name (`agentassist devices` lists them): the exact name, else the one whose name
    # contains it; "" the system default; "null" none. An empty output_device follows input_device.
    input_device: str = ""
    output_device: str = ""
    agent_audio_file: str = ""


class RecorderSettings(_Section):
    """How a call's recording is kept: WAV while the call runs (crash-safe), then ``format``."""

    format: Literal["wav", "opus"] = "wav"  # "opus": Ogg Opus after hangup, the WAV removed once verified
    opus_bitrate_bps: int = 32000  # both channels together
    # Card-data pause by DTMF from the far end (a payment IVR, the PBX): these digit sequences pause
    # and resume the recording as the API does; "" turns one off. Their own digits are never stored.
    pause_dtmf: str = ""
    resume_dtmf: str = ""
    # > 0: any other digit keyed by the far end pauses the recording (a customer typing a card number),
    # and this many seconds without a digit resume it. 0: off.
    pause_on_digits_s: float = 0.0
    # DTMF digits received in a call are stored and published masked (their time and method, no digit):
    # they may be a card number. true: as keyed, for an IVR-like use that needs them (and has no card data).
    store_dtmf_digits: bool = False
    # The recording is fsynced this often: the most audio a power loss (not a process crash: the kernel
    # has every frame at once) may cost. Each fsync of a 2 s stretch (256 kB) takes ~1 ms on an SSD, 14-80 ms
    # on a busy virtual disk: it runs in a thread of its own, never holding up the call's audio; 0 fsyncs on
    # every flush, on the call's thread.
    fsync_every_s: float = 2.0
    # When a call's recording cannot be written (disk full): "alert" keeps the call up (the agent's page
    # and the wall show an alert, the call ends "abnormal"); "hangup" ends the call at once, for a floor
    # where no call may go on unrecorded.
    on_failure: Literal["alert", "hangup"] = "alert"

    @model_validator(mode="after")
    def _check_dtmf(self) -> RecorderSettings:
        if not 0 <= self.fsync_every_s <= 60:
            raise ValueError(f"fsync_every_s: expected 0..60 s, got {self.fsync_every_s}")
        self.pause_dtmf, self.resume_dtmf = self.pause_dtmf.upper(), self.resume_dtmf.upper()
        check_sequences(self.pause_dtmf, self.resume_dtmf)
        if not 0 <= self.pause_on_digits_s <= 600:
            raise ValueError(f"pause_on_digits_s: expected 0..600 s, got {self.pause_on_digits_s}")
        return self

    def dtmf_pause(self) -> DtmfPauseOptions:
        return DtmfPauseOptions(self.pause_dtmf, self.resume_dtmf, self.pause_on_digits_s)

    @field_validator("opus_bitrate_bps")
    @classmethod
    def _check_bitrate(cls, v: int) -> int:
        if not 6000 <= v <= 510000:
            raise ValueError(f"expected 6000..510000 bit/s, got {v}")
        return v


class TranscribeSettings(_Section):
    # false: calls are recorded and stored, never transcribed (no model is loaded, no transcript, no assist
    # from speech): a recorder only, for many more calls a core (benchmarks/floor.py --no-transcribe)
    enabled: bool = True
    model: str = _MODEL.model
    # The folder of installed models (`agentassist models install`); a path relative to the config
    # file's folder when it is set there. "": $AGENTASSIST_MODELS_DIR, else ./models.
    models_dir: str = ""
    # calls whose script is in another language than English, when `model` is English-only ("": none)
    model_multilingual: str = "base"
    language: str = _MODEL.language
    compute_type: str = _MODEL.compute_type
    workers: int = _MODEL.workers  # 0: one per core
    # threads inside one decode; 0: the cores shared out among the workers (one each with a worker per
    # core), so decodes at once never ask for more threads than there are cores: spinning OpenMP threads
    # of one decode would hold the cores another needs (under chrt -r, for seconds)
    cpu_threads: int = _MODEL.cpu_threads
    # the CPU policy of `serve`'s threads when it transcribes (agentassist/cpu.py): "decodes-first" (every thread
    # but the decodes' under SCHED_BATCH: a thread that wakes waits for a decode's time slice rather than
    # cutting into it, while the decodes' own wakes run at once; the softphone's and the headset's audio threads
    # keep the default), "batch" (every thread, the decodes' too) or "normal" (Linux's default for every
    # thread). "decodes-first" halves the decodes' kernel time on a loaded center (docs/transcription-under-load.md)
    scheduling: Literal["decodes-first", "batch", "normal"] = "decodes-first"
    beam_size: int = _MODEL.beam_size
    initial_prompt: str = _MODEL.initial_prompt or ""  # words to bias recognition towards (product names, jargon)
    script_prompt: bool = False  # also the active script's company, campaign and card titles
    floor_s: float = _MODEL.floor_s  # short segments are padded to this much audio, not to Whisper's 30 s
    # finals of several calls queued at once decoded in one batch, at most this many; 1: one at a time
    # (docs/transcription-under-load.md has the figures)
    final_batch: int = _MODEL.final_batch
    # a revision that has waited this long goes before partials; 0: after them (the default)
    revise_due_s: float = _MODEL.revise_due_s
    # what the encoder reads of a short segment: "padded" (the floor_s window) or "reduced" (the audio and 2 s
    # of silence rounded up to 1 s, silence's encoding for the rest; less CPU, worse WER):
    # docs/transcription-under-load.md
    window: str = _MODEL.window
    # partials of several calls queued at once are decoded in one batch, at most this many; 1: one at a time
    partial_batch: int = _MODEL.partial_batch
    # The media thread takes a call's audio this often instead of at every 10 ms tick (0). It was a saving
    # when each call had a thread woken by each frame (32 calls on the wire: a third of the call threads' CPU,
    # session 16); one media thread for every call wakes once a tick anyway (agentassist/pipeline/media.py).
    # An utterance's end is seen up to this much later (60: one call's finals 35 ms later, session 16).
    frame_wait_ms: int = Field(default=0, ge=0, le=200)
    partials: bool = _STREAM.partials
    # a new partial this often while someone speaks (news within 0.5 s)
    partial_every_s: float = _STREAM.partial_every_s
    # decode what was said at this much silence; 0: wait for the cut
    speculative_silence_ms: int = _STREAM.speculative_silence_ms
    # Each turn (one side's finals with pauses under revise_gap_s) is decoded again in the background
    # as offline files are (beam revise_beam_size, 30 s windows); changed lines come as utterance.revised.
    revise: bool = _STREAM.revise
    revise_beam_size: int = _STREAM.revise_beam_size
    revise_gap_s: float = _STREAM.revise_gap_s
    vad_aggressiveness: int = _SEGMENTER.aggressiveness  # webrtcvad 0..3
    end_silence_ms: int = _SEGMENTER.end_silence_ms  # silence that ends an utterance
    pre_pad_ms: int = _SEGMENTER.pre_pad_ms  # audio kept before speech starts
    post_pad_ms: int = _SEGMENTER.post_pad_ms  # and after it ends
    min_speech_ms: int = _SEGMENTER.min_speech_ms  # shorter bursts are not utterances (a quick "yes" is 160 ms)
    max_segment_s: float = _SEGMENTER.max_segment_s  # longer speech is cut here and goes on in a new utterance
    # speech longer than this ends at its next pause of split_pause_ms (0: never)
    split_after_s: float = _SEGMENTER.split_after_s
    split_pause_ms: int = _SEGMENTER.split_pause_ms  # half of it from 1.5 x split_after_s on
    # from 1.5 x split_after_s, a dip this deep in speech (not tones) is a pause (0: off)
    split_dip_db: float = _SEGMENTER.split_dip_db

    @model_validator(mode="after")
    def _consistent(self) -> TranscribeSettings:
        self.transcriber_options()  # each raises ValueError naming the setting that is wrong
        from agentassist.transcribe.models import MODELS

        spec = MODELS.get(self.model_multilingual)
        if spec is not None and not spec.multilingual:
            raise ValueError(f"model_multilingual: {self.model_multilingual!r} is English-only")
        self.segmenter_options()
        self.stream_options()
        return self

    def transcriber_options(self, model: str | None = None) -> TranscriberOptions:
        """The options of the main model, or of ``model`` (the multilingual one) with the same settings."""
        return TranscriberOptions(
            model=model or self.model,
            language=self.language if model is None else "auto",
            compute_type=self.compute_type,
            beam_size=self.beam_size,
            workers=self.workers,
            cpu_threads=self.cpu_threads,
            initial_prompt=self.initial_prompt or None,
            floor_s=self.floor_s,
            final_batch=self.final_batch,
            revise_due_s=self.revise_due_s,
            window=self.window,
            partial_batch=self.partial_batch,
            models_dir=Path(self.models_dir) if self.models_dir else None,  # None: models.default_models_dir()
        )

    def segmenter_options(self) -> SegmenterOptions:
        return SegmenterOptions(
            aggressiveness=self.vad_aggressiveness,
            end_silence_ms=self.end_silence_ms,
            pre_pad_ms=self.pre_pad_ms,
            post_pad_ms=self.post_pad_ms,
            min_speech_ms=self.min_speech_ms,
            max_segment_s=self.max_segment_s,
            split_after_s=self.split_after_s,
            split_pause_ms=self.split_pause_ms,
            split_dip_db=self.split_dip_db,
        )

    def stream_options(self) -> StreamOptions:
        return StreamOptions(
            partials=self.partials,
            partial_every_s=self.partial_every_s,
            speculative_silence_ms=self.speculative_silence_ms,
            revise=self.revise,
            revise_beam_size=self.revise_beam_size,
            revise_gap_s=self.revise_gap_s,
        )


class AssistSettings(_Section):
    scripts_dir: str = "scripts"
    default_script: str = "helpdesk-basic"  # the example in scripts/: a first call has a checklist that ticks
    # The agent whose phone this server's softphone is: the agent user of this name sees its calls on /agent
    agent_name: str = "Alex"
    company: str = "Example Corp"
    match_threshold: float = _TRACKER.match_threshold  # share of a say-line heard for a final to tick its step
    silence_alert_s: float = _TRACKER.silence_s  # alert thresholds; a script's `alerts:` overrides them; 0 disables
    overtalk_alert_s: float = _TRACKER.overtalk_s
    talk_ratio_max: float = _TRACKER.talk_ratio_max
    talk_ratio_min: float = _TRACKER.talk_ratio_min
    compliance_warn_s: float = _TRACKER.compliance_warn_s

    def tracker_options(self) -> TrackerOptions:
        """The tracker's thresholds: a live call's, and a script's tried on a transcript (scripttools.py)."""
        return TrackerOptions(
            match_threshold=self.match_threshold,
            silence_s=self.silence_alert_s,
            overtalk_s=self.overtalk_alert_s,
            talk_ratio_max=self.talk_ratio_max,
            talk_ratio_min=self.talk_ratio_min,
            compliance_warn_s=self.compliance_warn_s,
        )


class ServerSettings(_Section):
    listen: str = "127.0.0.1:8000"
    data_dir: str = "data"
    database_url: str = ""
    # API tokens (``users add``, ``users token``) end after this many days; 0: never (a WARNING at start).
    # 90 days: the rotation period PCI DSS 8.3.9 asks of a credential used alone.
    api_token_ttl_days: int = Field(default=90, ge=0, le=3650)
    # HMAC key of signed media links and WebSocket tickets: the same on every node behind one address.
    # Empty: generated once into <data_dir>/secret (mode 0600).
    secret: str = ""
    # open WebSockets (feeds and walls together) one user may hold; the next one is closed with 4429
    max_sockets_per_user: int = Field(default=20, ge=1, le=10_000)

    @field_validator("secret")
    @classmethod
    def _check_secret(cls, v: str) -> str:
        if v and len(v) < 32:
            raise ValueError(f"expected empty (a generated key) or at least 32 characters, got {len(v)}")
        return v

    # Hardening (docs/security.md). A request body over its route's limit is refused (413) before it
    # is read; routes that take files have their own limits in agentassist/api/limits.py.
    max_body_bytes: int = 1024 * 1024
    password_hash_workers: int = 0  # argon2 hashes at once, 64 MiB each; 0: one per core
    login_max_failures: int = 10  # failed logins for one user name within login_window_s before a lockout
    login_max_failures_per_address: int = 100  # the same from one client address (users behind a NAT share one)
    login_window_s: float = 900.0
    login_lockout_s: float = 60.0  # the first lockout; each further failure doubles it, up to login_window_s
    public_docs: bool = False  # /docs, /redoc, /openapi.json without signing in
    public_metrics: bool = False  # /metrics without a token
    metrics_token: str = ""  # a bearer token for Prometheus scrapers to read /metrics (besides an admin's)

    @property
    def host_port(self) -> tuple[str, int]:
        return _host_port(self.listen, 8000)

    @property
    def api_token_ttl(self) -> timedelta | None:
        return timedelta(days=self.api_token_ttl_days) if self.api_token_ttl_days else None

    @model_validator(mode="after")
    def _check_hardening(self) -> ServerSettings:
        if self.max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes: expected at least 1024, got {self.max_body_bytes}")
        if self.password_hash_workers < 0:
            n = self.password_hash_workers
            raise ValueError(f"password_hash_workers: expected 0 (one per core) or more, got {n}")
        self.throttle_options()  # raises ValueError naming what is wrong
        return self

    def throttle_options(self) -> ThrottleOptions:
        from agentassist.api.throttle import ThrottleOptions

        return ThrottleOptions(
            max_failures_per_name=self.login_max_failures,
            max_failures_per_address=self.login_max_failures_per_address,
            window_s=self.login_window_s,
            lockout_s=self.login_lockout_s,
        )


class PhoneSettings(_Section):
    """``agentassist phone``: the softphone on an agent's desk, streaming to a center (docs/wire-protocol.md)."""

    server: str = ""  # the center's URL (http(s):// or ws(s)://); a comma-separated list is tried in turn
    token: str = ""  # the phone credential (`agentassist users add-phone AGENT`); $AGENTASSIST_PHONE_TOKEN wins
    spool_dir: str = "spool"  # every frame is kept here until the center acknowledges it
    # The most disk the spool may take (frames not yet acknowledged); a call-minute is 3.84 MB (16 kHz
    # stereo PCM), so 2048 MB holds about 8 hours of calls while the center is away.
    spool_max_mb: int = Field(default=2048, ge=4)  # at least one call-minute
    ca_file: str = ""  # CA certificates (PEM) the center's certificate must chain to, for https/wss


class CenterSettings(_Section):
    """The center's side of the wire (docs/wire-protocol.md): phones and AudioHook clients."""

    phone_timeout_s: float = Field(default=60.0, gt=0)  # a call whose phone stays away this long ends abnormal
    command_timeout_s: float = Field(default=10.0, gt=0)  # a command the phone does not answer in this fails
    credential_check_s: float = Field(default=30.0, gt=0)  # a revoked credential's phone is cut off this soon


class BusSettings(_Section):
    """Where live events and script updates travel (docs/bus.md): in this process, or NATS between nodes."""

    url: str = ""  # "": in-process (one node); "nats://HOST:PORT": every node on that NATS server

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        if v and (not v.startswith("nats://") or not v.removeprefix("nats://").strip("/")):
            raise ValueError(f'expected "" (in-process) or nats://HOST:PORT, got {v!r}')
        return v


class StorageSettings(_Section):
    """Where recordings go after hangup (docs/storage.md): ``data_dir`` (one node), or an S3 object store.
    Credentials are not settings: the S3 client's own AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or files."""

    url: str = ""  # "": <data_dir>/recordings; "s3://BUCKET/PREFIX": that bucket, keys under PREFIX
    endpoint_url: str = ""  # "": AWS; else the store's URL (MinIO, Ceph): http://10.0.0.6:9000
    region: str = ""  # "": the client's default (AWS_DEFAULT_REGION or its config file)
    # "": recordings in clear, unless AGENTASSIST_RECORDING_KEY is set; else a file of "<id> <base64 key>"
    # lines, mode 0600, the last the current key (docs/encryption.md)
    encryption_key_file: str = ""

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        if v and (not v.startswith("s3://") or not v.removeprefix("s3://").split("/", 1)[0]):
            raise ValueError(f'expected "" (data_dir) or s3://BUCKET/PREFIX, got {v!r}')
        return v

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f'expected "" (AWS) or an http(s):// URL, got {v!r}')
        return v


class RetentionRule(_Section):
    """How many days after a call ends each kind of its data is kept; 0: for ever. A campaign's rule
    names only what differs from the default (``None``: the default's)."""

    recordings_days: int | None = Field(default=None, ge=0, le=36500)
    transcripts_days: int | None = Field(default=None, ge=0, le=36500)  # utterances, adherence, checkers' marks
    evaluations_days: int | None = Field(default=None, ge=0, le=36500)


class RetentionSettings(_Section):
    """What is deleted when (docs/privacy.md): a default rule, rules per campaign, and how often the
    server applies them. A call whose every kind has expired is deleted whole; a legal hold keeps all."""

    recordings_days: int = Field(default=0, ge=0, le=36500)  # 0: kept for ever
    transcripts_days: int = Field(default=0, ge=0, le=36500)
    evaluations_days: int = Field(default=0, ge=0, le=36500)
    # [retention.campaigns.NAME]: the campaign's own days, each key optional
    campaigns: dict[str, RetentionRule] = {}
    run_every_s: float = Field(default=3600.0, ge=0)  # the server's deletion pass; 0: only `agentassist retention run`


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGENTASSIST_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    sip: SipSettings = SipSettings()
    audio: AudioSettings = AudioSettings()
    recorder: RecorderSettings = RecorderSettings()
    transcribe: TranscribeSettings = TranscribeSettings()
    assist: AssistSettings = AssistSettings()
    server: ServerSettings = ServerSettings()
    phone: PhoneSettings = PhoneSettings()
    center: CenterSettings = CenterSettings()
    bus: BusSettings = BusSettings()
    storage: StorageSettings = StorageSettings()
    retention: RetentionSettings = RetentionSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    @property
    def data_dir(self) -> Path:
        return Path(self.server.data_dir)


def _relative_to(folder: Path, data: dict[str, Any], section: str, key: str) -> None:
    """A relative path in a config file means one from the file's folder, wherever the process runs."""
    table = data.get(section)
    if isinstance(table, dict) and isinstance(table.get(key), str) and table[key]:
        table[key] = str(folder.absolute() / Path(table[key]).expanduser())


def load_settings(path: str | Path | None = None) -> Settings:
    """Read ``path`` (TOML) if given, apply environment overrides, validate.

    Raises ConfigError naming the file and the key that is wrong.
    """
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        _relative_to(p.parent, data, "transcribe", "models_dir")
    try:
        return Settings(**data)
    except ValidationError as exc:
        where = str(path) if path else "environment"
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where}: invalid settings: {problems}") from None
