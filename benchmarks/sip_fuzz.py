"""Mutated INVITE, OPTIONS, BYE, REFER and CANCEL requests at a real `agentassist serve` on 127.0.0.1.

    python -m benchmarks.sip_fuzz --messages 50000 [--minutes 10] [--transport udp]

The mutations come from boofuzz (the maintained successor of Sulley): every request is a boofuzz block
of its request line, headers and SDP, each field a fuzzable string or delimiter, and boofuzz walks its
library of bad values (long strings, format strings, binary, separators, numbers at their limits) over
each field in turn. The budget is split evenly over the five methods. Passes when the phone is alive and
answers an OPTIONS at the end, no call is left open once pjsip has given up waiting for the ACK of an
answered INVITE (64 s), and its RSS after the run is within 10 % of the RSS after the first 1000
messages.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import machine, record
from benchmarks.ports import free_port
from benchmarks.sip_load import Process, start_server, write_config
from benchmarks.sip_messages import Dialog, Peer, request

METHODS = ("INVITE", "OPTIONS", "BYE", "REFER", "CANCEL")
RSS_TOLERANCE = 0.10
ACK_TIMEOUT_S = 75  # an INVITE answered 200 and never ACKed ended 64 s after the 200 (measured, 408)


def _seed(method: str, port: int) -> str:
    """A real request of ``method`` as baresip would send it (REFER and BYE in a dialog that is gone)."""
    peer_port = 5999
    d = Dialog(peer_port, "UDP", call_id="fuzz-seed@127.0.0.1", from_tag="seed", branch="z9hG4bKfuzzseed")
    extra: tuple[str, ...] = ()
    if method == "REFER":
        extra = (f"Refer-To: <sip:transfer@127.0.0.1:{peer_port}>",)
    return request(method, port, d, extra=extra, to_tag="" if method in ("INVITE", "OPTIONS") else "gone")


def _define(method: str, port: int) -> Any:
    """The boofuzz request for ``method``: each header value and the SDP lines are fuzzable strings."""
    from boofuzz import Delim, Request, Static, String

    head, _, body = _seed(method, port).partition("\r\n\r\n")
    first, *headers = head.split("\r\n")
    verb, uri, version = first.split(" ")
    children: list[Any] = [
        String("method", verb),
        Delim("sp1", " "),
        String("request-uri", uri),
        Static("version", f" {version}\r\n"),
    ]
    for i, line in enumerate(headers):
        name, _, value = line.partition(": ")
        children += [
            String(f"h{i}-name", name),
            Delim(f"h{i}-colon", ":"),
            String(f"h{i}-value", " " + value),
            Static(f"h{i}-end", "\r\n"),
        ]
    children.append(Static("head-end", "\r\n"))
    for i, line in enumerate(body.split("\r\n")[:-1]):
        children += [String(f"sdp{i}", line), Static(f"sdp{i}-end", "\r\n")]
    return Request(method, children=children)


class _Budget:
    """Counts the cases sent; samples the phone's RSS after ``warmup`` of them; stops at the deadline or
    when the phone's process is gone (a crash: nothing more to learn, and boofuzz would wait on it)."""

    def __init__(self, proc: subprocess.Popen[bytes], warmup: int, deadline: float) -> None:
        self.proc, self.process = proc, Process(proc.pid)
        self.warmup, self.deadline = warmup, deadline
        self.sent = 0
        self.rss_after_warmup_mb = 0.0

    @property
    def over(self) -> bool:
        return time.monotonic() >= self.deadline or self.proc.poll() is not None

    def after_case(self, *args: Any, **kwargs: Any) -> None:  # one of boofuzz's post_test_case_callbacks
        self.sent += 1
        if self.sent == self.warmup:
            self.rss_after_warmup_mb = self.process.sample()["rss_mb"]
        if self.over:
            raise KeyboardInterrupt  # boofuzz's own way out of its loop (it catches every Exception)


def fuzz(port: int, transport: str, messages: int, budget: _Budget) -> None:
    """Send up to ``messages`` mutations, split evenly over METHODS."""
    from boofuzz import Session, Target, TCPSocketConnection, UDPSocketConnection

    for method in METHODS:
        if budget.over:
            return
        connection = (
            UDPSocketConnection("127.0.0.1", port, send_timeout=1, recv_timeout=0.001)
            if transport == "udp"
            else TCPSocketConnection("127.0.0.1", port, send_timeout=1, recv_timeout=0.001)
        )
        session = Session(
            target=Target(connection=connection),
            index_end=messages // len(METHODS),
            web_port=None,
            keep_web_open=False,
            fuzz_loggers=[],
            receive_data_after_each_request=False,
            reuse_target_connection=transport == "udp",
            post_test_case_callbacks=[budget.after_case],
            db_filename=":memory:",  # on disk, its commit per case took 13 of the 19 ms a case cost
        )
        session.connect(_define(method, port))
        try:
            session.fuzz()
        except KeyboardInterrupt:
            return
        except Exception as exc:  # boofuzz gives up on a target that stopped answering: the phone died
            print(f"boofuzz stopped on {method}: {type(exc).__name__}: {exc}")
            return


def _options_answered(port: int) -> bool:
    peer = Peer("UDP", port)
    try:
        peer.send(request("OPTIONS", port, peer.dialog(), contact=False))
        answer = peer.final(5)
        return answer is not None and answer.status == 200
    finally:
        peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=50000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="sip-fuzz-"))
    sip_port, http_port = free_port(), free_port()
    config = write_config(root, sip_port, http_port, calls=8, fmt="wav")
    proc, token = start_server(root, config, http_port)
    client = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", headers={"Authorization": f"Bearer {token}"})
    process = Process(proc.pid)
    started = time.monotonic()
    deadline = started + args.minutes * 60
    budget = _Budget(proc, min(1000, args.messages), deadline)
    try:
        fuzz(sip_port, args.transport, args.messages, budget)
        sent, rss_start = budget.sent, budget.rss_after_warmup_mb
        fuzz_s = time.monotonic() - started
        time.sleep(ACK_TIMEOUT_S)
        alive = proc.poll() is None
        answered = alive and _options_answered(sip_port)
        metrics = client.get("/metrics").text if alive else ""
        open_calls = next(
            (int(float(line.split()[1])) for line in metrics.splitlines() if line.startswith("agentassist_sip_calls ")),
            -1,
        )
        calls = client.get("/api/calls", params={"limit": 500}).json()["items"] if alive else []
        rss_end = process.sample()["rss_mb"] if alive else float("nan")
    finally:
        proc.terminate()
        proc.wait(30)
    summary: dict[str, Any] = {
        "machine": machine(),
        "transport": args.transport,
        "messages_sent": sent,
        "fuzz_s": round(fuzz_s, 1),
        "crashes": 0 if alive else 1,
        "answers_options_after": answered,
        "calls_left_open": open_calls,
        "calls_stored": len(calls),
        "calls_active_in_store": sum(c["status"] == "active" for c in calls),
        "rss_mb_after_warmup": rss_start,
        "rss_mb_end": rss_end,
        "rss_change": round(rss_end / rss_start - 1, 3) if rss_start else float("nan"),
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "machine"}, indent=2))
    ok = alive and answered and open_calls == 0 and abs(summary["rss_change"]) <= RSS_TOLERANCE
    record("SIP fuzz (boofuzz)", f"python -m benchmarks.sip_fuzz --messages {args.messages}", summary)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
