"""``agentassist phone``: the softphone on the agent's desk and its uplink to the center; no model, no
web server. Runs until SIGTERM or SIGINT; calls up then end ``shutdown`` and what the center lacks
stays in the spool for the next start."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from agentassist.config import Settings
from agentassist.errors import ConfigError
from agentassist.phone.spool import Spool
from agentassist.phone.uplink import Uplink, center_urls

log = logging.getLogger(__name__)


def run_phone(settings: Settings, server: str | None = None) -> int:
    from agentassist.audio.devices import AudioIO
    from agentassist.sip.softphone import Softphone  # pjsua2: imported only here

    p = settings.phone
    urls = center_urls(server or p.server)
    token = os.environ.get("AGENTASSIST_PHONE_TOKEN") or p.token
    if not settings.sip.listen:
        raise ConfigError('[sip] listen = "": expected HOST:PORT for the phone\'s softphone')
    spool = Spool(Path(p.spool_dir), p.spool_max_mb * 1024 * 1024)
    r = settings.recorder
    uplink = Uplink(
        urls, token, spool, ca_file=p.ca_file, dtmf_pause=r.dtmf_pause(), store_dtmf_digits=r.store_dtmf_digits
    )
    audio = AudioIO(settings.audio)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    uplink.start()
    phone = Softphone(settings.sip, audio, uplink)
    try:
        phone.start()
        uplink.attach(phone)
        log.info("phone on SIP %s, streaming to %s (spool %s)", settings.sip.listen, ", ".join(urls), spool.root)
        while not stop.wait(1.0):
            pass
        log.info("stopping: calls up end now; the spool keeps what the center lacks")
    finally:
        phone.stop()
        uplink.stop()
        audio.close()
        if uplink.dropped_frames:
            log.warning("%d frame(s) dropped: the uplink's loop fell behind the media thread", uplink.dropped_frames)
    return 0
