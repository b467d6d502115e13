"""``python -m benchmarks.floor --nodes N``: the floor's calls spread over N centers that act as one
service (docs/deploy.md): one throwaway PostgreSQL (tests/databases.py) and one nats-server
(tests/natsserver.py) on loopback, N ``agentassist serve`` with data_dirs of their own. Call i streams
into node i mod N; the feed watched is node 0's, so the finals of the other nodes' calls reach it over
NATS.

Measured, beside benchmarks.floor's figures (every recording checked, frame for frame): each node's CPU
over the calls, the final latency of node 0's own calls and of the calls of the other nodes (seen on node
0 through the bus), and their difference at p50 and p95: the bus's added delay. On one machine the nodes
share its cores, so this says what the bus and the shared database cost, not N machines' capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx

from agentassist.events import Channel
from benchmarks.common import percentile
from benchmarks.floor import agents, check_recording, latencies, summarize, wire_pcm, write_config
from benchmarks.floorphones import CallFigures, Phone, run_floor
from benchmarks.ports import free_port
from benchmarks.sip_load import Process, start_server


def floor_nodes(
    args: argparse.Namespace, calls: list[dict[Channel, tuple[bytes, list[float]]]], lang: str | None, transcribe: bool
) -> tuple[dict[str, Any], str]:
    from tests.databases import PgServer  # the tests' throwaway servers: no production engine is needed
    from tests.natsserver import NatsServer

    root = Path(tempfile.mkdtemp(prefix="floor-nodes-"))
    pg, nats = PgServer(), NatsServer(root)
    nats.start()
    procs = []
    try:
        ports, tokens = [free_port() for _ in range(args.nodes)], []
        for i, port in enumerate(ports):
            node = root / f"node-{i}"
            node.mkdir()
            config = write_config(node, port, args.model, lang, transcribe, database_url=pg.url, bus_url=nats.url)
            proc, token = start_server(node, config, port, user=f"bench{i}")
            procs.append(proc)
            tokens.append(token)
        desks = agents(pg.url, args.calls)
        phones = [Phone(ports[i % args.nodes], c, name, wire_pcm(calls[i])) for i, (name, c) in enumerate(desks)]
        cpus = [Process(p.pid) for p in procs]
        at_start: list[float] = []
        results, feed, start, done = asyncio.run(
            run_floor(ports[0], tokens[0], phones, lambda: at_start.extend(c.cpu_s() for c in cpus))
        )
        auth = {"Authorization": f"Bearer {tokens[0]}"}  # one database: any node's token is every node's
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth) for port in ports]
        try:
            summary = summarize(args, transcribe, results, feed, calls, clients[0])
            # each recording from the node that made it (without [storage] url it stays on that node's disk)
            whole = [
                r for i, r in enumerate(results)
                if isinstance(r, CallFigures) and r.closed and check_recording(clients[i % args.nodes], r, calls[i])
            ]  # fmt: skip
        finally:
            for client in clients:
                client.close()
        summary["recordings_exact"] = len(whole)
        summary["frames_lost"] = summary["frames_sent"] - sum(f.frames for f in whole)
        cpu = [round(c.cpu_s() - s, 2) for c, s in zip(cpus, at_start, strict=True)]
        summary.update(nodes=args.nodes, node_cpu_s=cpu, node_cores=[round(s / (done - start), 3) for s in cpu])

        def group(local: bool) -> list[float]:
            return latencies(feed, [
                (r, calls[i]) for i, r in enumerate(results)
                if isinstance(r, CallFigures) and (i % args.nodes == 0) == local
            ])  # fmt: skip

        if transcribe:
            own, bus = group(True), group(False)
            for q in (50, 95):
                summary[f"final_latency_node0_p{q}_s"] = round(percentile(own, q), 3) if own else None
                summary[f"final_latency_via_bus_p{q}_s"] = round(percentile(bus, q), 3) if bus else None
                if own and bus:
                    summary[f"bus_added_p{q}_ms"] = round((percentile(bus, q) - percentile(own, q)) * 1000, 1)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        nats.stop()
        pg.stop()
    return summary, (root / "node-0" / "serve.log").read_text(errors="replace")
