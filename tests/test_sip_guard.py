"""Who may call, who may transfer, how long a hold may last, and what pjsua's log may say.

Real peers: sipp scenarios (tests/sipp/uac_refer*.xml, uac_forbidden.xml, uac_hold.xml) against a real
`agentassist serve`; the whole 127/8 is loopback, so sipp calls from 127.0.0.2 to be a stranger. A plain
UDP socket stands where a REFER's target would be: any INVITE the phone sends there is read.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentassist.config import load_settings
from agentassist.errors import ConfigError
from agentassist.sip.guard import caller_policy, redact, refer_policy, resolve, uri_host
from tests.conftest import SOUNDS_EN
from tests.test_call_control import _wait
from tests.test_call_failures import SIPP, Sipp
from tests.test_registration import PASSWORD, _contacts, kamailio  # noqa: F401 - kamailio is a fixture

pytestmark = [pytest.mark.sip]


@contextlib.contextmanager
def _udp_listener() -> Iterator[tuple[socket.socket, int]]:
    """A UDP port on 127.0.0.1 that only reads: the target a REFER names."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    try:
        yield sock, sock.getsockname()[1]
    finally:
        sock.close()


def _received(sock: socket.socket) -> list[bytes]:
    packets: list[bytes] = []
    for _ in range(100):
        try:
            packets.append(sock.recv(65536))
        except TimeoutError:
            break
    return packets


def _calls(server: Any) -> list[dict[str, Any]]:
    with server.client() as client:
        items: list[dict[str, Any]] = client.get("/api/calls").json()["items"]
        return items


# ---- policies and redaction, no SIP ---------------------------------------------------------------


def _metric(server: Any, name: str) -> float:
    with server.client() as client:
        lines = client.get("/metrics").text.splitlines()
    return float(next(line.rpartition(" ")[2] for line in lines if line.startswith(name + " ")))


def test_policies_match_the_source_address() -> None:
    registrar = caller_policy(frozenset(), ["10.0.0.0/8", "192.0.2.7"])
    assert registrar.allows("10.1.2.3:5060") and registrar.allows("192.0.2.7:1024")
    assert not registrar.allows("192.0.2.8:5060") and not registrar.allows("garbage")
    assert caller_policy(frozenset(), []).open and caller_policy(frozenset(), []).allows("203.0.113.9:5060")
    assert not refer_policy(frozenset(), []).allows("127.0.0.1:5060")  # nobody may transfer by default
    pbx = resolve(["sip:127.0.0.1:5070;lr"])
    assert refer_policy(pbx, ["registrar"]).allows("127.0.0.1:40000")
    assert not refer_policy(pbx, ["10.0.0.0/8"]).allows("127.0.0.1:40000")
    assert caller_policy(frozenset(), ["::1"]).allows("[::1]:5060")
    assert registrar.allows("[::ffff:10.0.0.1]:5060")
    assert uri_host("sips:agent@pbx.example.com:5061;transport=tls") == "pbx.example.com"
    assert uri_host("<sip:[2001:db8::1]:5060;lr>") == "2001:db8::1"


def test_bad_networks_are_named_at_load(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text('[sip]\nallow_from = ["10.0.0.0/8", "pbx.example.com"]\n')
    with pytest.raises(ConfigError, match=r"sip\.allow_from.*expected a network.*'pbx\.example\.com'"):
        load_settings(config)
    config.write_text('[sip]\naccept_refer = ["registar"]\n')
    with pytest.raises(ConfigError, match=r"sip\.accept_refer.*expected \"registrar\" or a network.*'registar'"):
        load_settings(config)
    config.write_text("[sip]\nmax_hold_s = -1\n")
    with pytest.raises(ConfigError, match=r"sip\.max_hold_s.*expected seconds >= 0"):
        load_settings(config)


def test_redact_cuts_keys_digest_answers_and_info_bodies() -> None:
    packet = (
        "TX 900 bytes Request msg INFO/cseq=3 (tdta0x1) to UDP 127.0.0.1:5062:\n"
        "INFO sip:agent@127.0.0.1 SIP/2.0\r\nCSeq: 3 INFO\r\n"
        'Proxy-Authorization: Digest username="agent", response="0123456789abcdef0123456789abcdef"\r\n'
        "Content-Type: application/dtmf\r\n\r\n7\n--end msg--"
    )
    out = redact(packet)
    assert "0123456789abcdef" not in out and "Proxy-Authorization: Digest <redacted>" in out
    assert out.endswith("\r\n\r\n<body of an INFO not logged>\n--end msg--"), out
    key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
    sdp = f"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20|1:4\r\n"
    assert redact(sdp) == "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4\r\n"
    assert redact("Signal=5\r\nDuration=160") == "Signal=<redacted>\r\nDuration=160"
    assert redact("Authorization: Digest username=x") == "Authorization: Digest <redacted>"


# ---- against sipp ------------------------------------------------------------------------------


def _referring_caller(tmp_path: Path, scenario: str, server: Any, target_port: int) -> Sipp:
    """sipp calling the phone, then sending a REFER to sip:target@127.0.0.1:``target_port``; started."""
    peer = Sipp(
        tmp_path, scenario, "-key", "target_port", str(target_port), "-s", "agent", f"127.0.0.1:{server.sip_port}"
    )
    peer.start()
    return peer


def test_refer_from_the_caller_is_refused_and_nothing_is_dialled(make_server: Any, tmp_path: Path) -> None:
    server = make_server()
    server.start()
    with _udp_listener() as (target, target_port):
        peer = _referring_caller(tmp_path, "uac_refer.xml", server, target_port)
        calls = _wait(lambda: [c for c in _calls(server) if c["status"] == "active"], 10, "the call is not up")
        assert peer.wait() == 0, peer.output() + server.log()  # the 403 came; the BYE was answered
        time.sleep(1)  # an INVITE placed for the REFER would have left by now
        assert _received(target) == [], "the phone dialled the REFER's target"
    call = _wait(lambda: [c for c in _calls(server) if c["status"] == "ended"], 10, "the call did not end")[0]
    assert call["id"] == calls[0]["id"] and call["end_reason"] == "hangup" and call["duration_s"] >= 3, call
    assert len(_calls(server)) == 1
    assert "REFER to <sip:target@127.0.0.1" in server.log() and "refused (403)" in server.log()
    assert _metric(server, 'agentassist_sip_refused_total{kind="refer"}') == 1


def test_refer_allowed_by_accept_refer_is_dialled(make_server: Any, tmp_path: Path) -> None:
    server = make_server(sip={"accept_refer": ["127.0.0.1/32"]})
    server.start()
    with _udp_listener() as (target, target_port):
        peer = _referring_caller(tmp_path, "uac_refer_accepted.xml", server, target_port)
        assert peer.wait() == 0, peer.output() + server.log()  # 202 and the NOTIFY came
        packets = _received(target)
    assert packets and packets[0].startswith(b"INVITE sip:target@127.0.0.1"), packets
    assert b"Referred-By: <sip:customer@127.0.0.1" in packets[0]


def test_refer_to_a_target_pjsua_cannot_call_leaves_no_call_behind(make_server: Any, tmp_path: Path) -> None:
    """An allowed REFER whose Refer-To pjsua cannot parse: 202, NOTIFY 100, NOTIFY 500; the call made for it
    is dropped (kept, it would count as a call up, and the next caller would wait as a second call)."""
    server = make_server(sip={"accept_refer": ["127.0.0.1/32"]})
    server.start()
    text = (SIPP / "uac_refer_accepted.xml").read_text(encoding="latin-1")
    notify = text[text.index('  <recv request="NOTIFY" />') : text.index('  <pause milliseconds="3000" />')]
    text = text.replace("<sip:target@127.0.0.1:[target_port]>", "<nonsense>").replace(notify, notify * 2)
    scenario = tmp_path / "uac_refer_unplaceable.xml"
    scenario.write_text(text, encoding="latin-1")
    peer = Sipp(tmp_path, str(scenario), "-s", "agent", f"127.0.0.1:{server.sip_port}")
    peer.start()
    assert peer.wait() == 0, peer.output() + server.log()
    failed = _wait(lambda: [c for c in _calls(server) if c["status"] == "failed"], 10, "no failed call for it")
    assert failed[0]["end_reason"] == "not placed" and failed[0]["direction"] == "outbound", failed
    with server.client() as client:
        assert "agentassist_sip_calls 0" in client.get("/metrics").text
    friend = Sipp(tmp_path, "uac", "-d", "500", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    friend.start()
    assert friend.wait() == 0, friend.output() + server.log()  # answered at once, not rung as a second call


def _dialog(messages_log: Path) -> tuple[str, str, str]:
    """Call-ID, the phone's tag and sipp's tag from the 200 OK in a sipp ``-trace_msg`` file."""
    text = messages_log.read_text(errors="replace")
    ok = text[text.index("SIP/2.0 200 OK") :]
    call_id = re.search(r"^Call-ID:\s*(\S+)", ok, re.MULTILINE | re.IGNORECASE)
    to_tag = re.search(r"^To:.*;tag=([^;>\s]+)", ok, re.MULTILINE | re.IGNORECASE)
    from_tag = re.search(r"^From:.*;tag=([^;>\s]+)", ok, re.MULTILINE | re.IGNORECASE)
    assert call_id and to_tag and from_tag, ok[:1500]
    return call_id.group(1), to_tag.group(1), from_tag.group(1)


def test_invite_with_replaces_is_refused_and_the_call_goes_on(make_server: Any, tmp_path: Path) -> None:
    """A second INVITE naming the first call's dialog in Replaces would take it over, answered at once."""
    server = make_server()
    server.start()
    customer = Sipp(tmp_path, "uac", "-d", "6000", "-trace_msg", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    customer.start()
    call = _wait(lambda: [c for c in _calls(server) if c["status"] == "active"], 10, "the call is not up")[0]
    # The server may report the call active before sipp has written the 200 OK to its trace file.
    log = _wait(
        lambda: [p for p in tmp_path.glob("uac_*_messages.log") if "SIP/2.0 200 OK" in p.read_text(errors="replace")],
        10,
        "sipp logged no 200 OK",
    )[0]
    call_id, phone_tag, customer_tag = _dialog(log)
    replaces = f"{call_id};to-tag={phone_tag};from-tag={customer_tag}"
    header = (
        "Max-Forwards: 70\n      Content-Type",
        f"Max-Forwards: 70\n      Replaces: {replaces}\n      Content-Type",
    )
    intruder = Sipp(tmp_path, "uac_forbidden.xml", "-s", "agent", f"127.0.0.1:{server.sip_port}", replace=header)
    intruder.start()
    assert intruder.wait() == 0, intruder.output() + server.log()  # 403
    assert [c["id"] for c in _calls(server) if c["status"] == "active"] == [call["id"]]
    assert customer.wait() == 0, customer.output() + server.log()  # its call lasted, then its BYE was answered
    ended = _wait(lambda: [c for c in _calls(server) if c["status"] == "ended"], 10, "the call did not end")
    assert len(_calls(server)) == 1 and ended[0]["end_reason"] == "hangup", _calls(server)
    assert "INVITE with Replaces from 127.0.0.1:" in server.log()
    assert _metric(server, 'agentassist_sip_refused_total{kind="replaces"}') == 1


def test_invite_from_outside_allow_from_is_refused_before_anything_exists(make_server: Any, tmp_path: Path) -> None:
    server = make_server(sip={"allow_from": ["127.0.0.1/32"]})
    server.start()
    stranger = Sipp(tmp_path, "uac_forbidden.xml", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    stranger.cmd[stranger.cmd.index("-i") + 1] = "127.0.0.2"
    stranger.cmd[stranger.cmd.index("-m") + 1] = "3"  # three calls: one WARNING (at most one in 10 s)
    stranger.start()
    assert stranger.wait() == 0, stranger.output() + server.log()  # 403s, no 180 nor 200 before them
    time.sleep(0.5)
    assert _calls(server) == []
    with server.client() as client:
        assert client.get("/api/ringing").json() == []
        assert "agentassist_sip_calls 0" in client.get("/metrics").text
    assert server.log().count("incoming call from 127.0.0.2:") == 1 and "refused (403)" in server.log()
    assert _metric(server, 'agentassist_sip_refused_total{kind="invite_source"}') == 3  # every one counted
    friend = Sipp(tmp_path, "uac", "-d", "500", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    friend.start()
    assert friend.wait() == 0, friend.output() + server.log()
    _wait(lambda: [c for c in _calls(server) if c["status"] == "ended"], 10, "the allowed call was not kept")


def test_open_phone_warns_at_start(make_server: Any) -> None:
    server = make_server()
    server.start()
    assert "no registrar and no allow_from: this phone answers INVITEs from any address" in server.log()


@pytest.mark.parametrize(("scenario", "by"), [("uac_hold.xml", "customer"), ("uac_held.xml", "agent")])
def test_a_hold_past_max_hold_s_ends_the_call(make_server: Any, tmp_path: Path, scenario: str, by: str) -> None:
    """The customer (sipp's re-INVITE, a=sendonly) or the agent (the API) holds; 2 s later the phone hangs up."""
    max_hold_s = 2
    server = make_server(sip={"max_hold_s": max_hold_s})
    server.start()
    peer = Sipp(tmp_path, scenario, "-s", "agent", f"127.0.0.1:{server.sip_port}")
    peer.start()
    call_id = _wait(lambda: [c for c in _calls(server) if c["status"] == "active"], 10, "the call is not up")[0]["id"]
    with server.client() as client:
        if by == "agent":
            assert client.post(f"/api/calls/{call_id}/hold").status_code == 202
        held = _wait(lambda: client.get(f"/api/calls/{call_id}").json()["holds"], 5, "no hold span")
        held_at = time.monotonic()
        assert peer.wait() == 0, peer.output() + server.log()  # the phone sent the BYE
        took_s = time.monotonic() - held_at
        call = _wait(lambda: [c for c in _calls(server) if c["status"] != "active"], 10, "the call did not end")[0]
        holds = client.get(f"/api/calls/{call_id}").json()["holds"]
    assert call["status"] == "ended" and call["end_reason"] == "hold timeout", call
    assert [h["by"] for h in holds] == [by] and held[0]["by"] == by, holds
    assert max_hold_s - 1 <= took_s < max_hold_s + 5, took_s  # checked once a second


# ---- the log at -v ---------------------------------------------------------------------------------

_SECRETS = {
    "SDES key": re.compile(r"inline:(?!<redacted>)"),
    "DTMF by INFO": re.compile(r"^signal\s*=\s*(?!<redacted>)", re.IGNORECASE | re.MULTILINE),
    "digest answer": re.compile(r"response\s*=", re.IGNORECASE),
}


def _leaks(text: str) -> list[str]:
    return [name for name, pattern in _SECRETS.items() if pattern.search(text)]


@pytest.mark.slow
def test_verbose_log_keeps_no_keys_or_info_digits(make_server: Any) -> None:
    """Two agentassist at -v, SRTP mandatory: the caller sends digits by SIP INFO and RFC 4733."""
    callee = make_server(sip={"srtp": "mandatory"})
    callee.verbose = True
    callee.start()
    caller = make_server(sip={"srtp": "mandatory"}, audio={"agent_audio_file": str(SOUNDS_EN / "demo-congrats.wav")})
    caller.verbose = True
    caller.start()
    with caller.client() as a, callee.client() as b:
        out_id = a.post("/api/calls", json={"uri": callee.sip_uri}).json()["id"]
        in_id = _wait(lambda: b.get("/api/calls").json()["items"], 10, "the callee got no call")[0]["id"]
        _wait(lambda: a.get(f"/api/calls/{out_id}").json().get("status") == "active", 10, "the call is not up")
        _wait(lambda: b.get(f"/api/calls/{in_id}").json().get("status") == "active", 10, "the callee's call is not up")
        assert a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "9731", "method": "info"}).status_code == 202
        # 30 s: two verbose servers doing SRTP beside other tests' calls answer slowly; the digits still come
        _wait(lambda: len(b.get(f"/api/calls/{in_id}").json()["dtmf"]) == 4, 30, "the digits did not arrive")
        assert a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "86"}).status_code == 202
        _wait(lambda: len(b.get(f"/api/calls/{in_id}").json()["dtmf"]) == 6, 10, "the RFC 4733 digits did not arrive")
        assert a.post(f"/api/calls/{out_id}/hangup").status_code == 204
        _wait(lambda: b.get(f"/api/calls/{in_id}").json()["status"] == "ended", 15, "the call did not end")
        media = _wait(
            lambda: (
                b.get(f"/api/calls/{in_id}").json()["media"].get("srtp") is not None
                and b.get(f"/api/calls/{in_id}").json()["media"]
            ),
            10,
            "no media report",
        )
        assert media["srtp"] is True, media
    for server in (caller, callee):
        text = server.log_path.read_text(errors="replace")
        assert "pjsua: TX" in text and "RTP/SAVP" in text, "pjsua logged no packets at -v"
        assert re.search(r"a=crypto:1 \w+ inline:<redacted>", text), "no SDES offer logged"
        assert "<body of an INFO not logged>" in text
        assert _leaks(text) == [], (_leaks(text), server.log_path)
        # the digits as a number of their own: a CSeq of 19731 is no leak (a run found one)
        assert not re.search(r"(?<!\d)9731(?!\d)", text), server.log_path
        assert not re.search(r"DTMF (digits? )?(id )?[0-9*#]+\b", text), server.log_path


def test_registered_phone_takes_calls_from_its_registrar_only_and_logs_no_digest(
    kamailio: dict[str, Any],  # noqa: F811 - the fixture imported above
    make_server: Any,
    tmp_path: Path,
) -> None:
    """Registered to Kamailio (digest auth) at -v: a stranger calling the phone directly gets 403, and the
    REGISTER's Authorization header is logged without its answer."""
    registrar = f"sip:127.0.0.1:{kamailio['port']}"
    server = make_server(sip={"registrar": registrar, "username": "agent", "password": PASSWORD})
    server.verbose = True
    server.start()
    _wait(lambda: "AoR: agent" in _contacts(kamailio["ctl"]), 10, "not registered")
    stranger = Sipp(tmp_path, "uac_forbidden.xml", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    stranger.cmd[stranger.cmd.index("-i") + 1] = "127.0.0.2"
    stranger.start()
    assert stranger.wait() == 0, stranger.output() + server.log()
    assert _calls(server) == []
    text = server.log_path.read_text(errors="replace")
    assert "no registrar and no allow_from" not in text
    assert "calls taken from 127.0.0.1; REFER accepted from nobody" in text
    assert "Authorization: Digest <redacted>" in text and PASSWORD not in text
    assert _leaks(text) == [], _leaks(text)
