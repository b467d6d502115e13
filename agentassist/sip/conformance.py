"""Which RFC 3261 request validation the pjsua2 in use carries (docs/sip-conformance.md).

The source build (``PJSUA2=source``, tools/build-pjsua2.sh) compiles tools/pjsip/agentassist_conform.c
into libpjsua: it answers malformed and unsupported requests (400, 405, 406, 416, 420, 501) before a
call exists. PyPI's wheel (``PJSUA2=wheel``) has no such module: pjsua's own checks only.
"""

from __future__ import annotations

import pjsua2 as pj

# The longest Call-ID and From/To URI kept whole: pjsua prints them into PJSIP_MAX_URL_SIZE (256) byte
# buffers. The module refuses longer ones with 400; the store's columns hold at least this many.
SIP_ID_MAX_CHARS = 255


def has_request_validation() -> bool:
    """Whether this pjsua2 build registers agentassist's validation module."""
    return bool(getattr(pj, "AGENTASSIST_CONFORM", False))


def describe() -> str:
    if has_request_validation():
        return f"RFC 3261 request validation on (Call-ID and From/To up to {SIP_ID_MAX_CHARS} characters)"
    return (
        "no request validation: PyPI's pjsua2 wheel answers some malformed requests 200 and leaves REGISTER"
        " and unknown methods unanswered; `make pjsua2` builds the module (docs/sip-conformance.md)"
    )
