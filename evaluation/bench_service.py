"""Load benchmark of the service: ``medcode serve`` in its own process on 127.0.0.1, driven by keep-alive HTTP/1.1
connections on asyncio streams.

For each concurrency level (1, 8, 32 by default) the client keeps that many suggest requests in flight for a fixed
time, each with a different synthetic note of about 400 words (``datasets.synth``, cut or joined to length), and
reports p50/p95 latency, throughput, errors and the server CPU time per request (the load-independent cost that
bounds throughput on free cores), the cores the server kept busy (its CPU seconds over the wall seconds: below the
worker count means requests waited rather than computed, or other processes held the cores) and the client's own
CPU per request (it shares the machine); the server's resident memory (RSS, all its processes) is read from
``/proc`` after each level. Every request goes the whole way: validation, the models, routing and the SQLite write.
Only loopback addresses are used.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from configs.settings import get_settings

LEVELS = (1, 8, 32)
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def find_bundle() -> str | None:
    """``$MEDCODE_ICD_BUNDLE``, else the newest ICD-10-CM bundle under ``<artifacts>/models/icd10``."""
    configured = os.environ.get("MEDCODE_ICD_BUNDLE")
    if configured:
        return configured
    folder = get_settings().artifacts_dir / "models" / "icd10"
    manifests = sorted(
        (p for p in folder.glob("*/manifest.json") if not p.parent.name.startswith("staging")),
        key=lambda p: p.stat().st_mtime,
    )
    return str(manifests[-1].parent) if manifests else None


def notes(n: int, words: int = 400, seed: int = 11) -> list[str]:
    """``n`` synthetic notes of exactly ``words`` words (generated notes cut, or joined when shorter)."""
    from datasets.synth.generator import SynthConfig, generate_encounters

    texts = [e.text for e in generate_encounters(SynthConfig(n=n * 2, seed=seed))]
    out: list[str] = []
    for i in range(n):
        chunk: list[str] = []
        j = i
        while len(chunk) < words:
            chunk += texts[j % len(texts)].split()
            j += n
        out.append(" ".join(chunk[:words]))
    return out


def _pids(pid: int) -> list[int]:
    try:
        return [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children (uvicorn workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def _runqueue_wait_s(pid: int) -> float:
    """Seconds the threads of a process and its children were ready to run but waited for a core (schedstat)."""
    total = 0
    for p in _pids(pid):
        try:
            tasks = list(Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


async def _post_json(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes) -> int:
    """Send one POST on a keep-alive connection and read the whole response; returns its status code."""
    writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    lengths = [int(line.split(b":", 1)[1]) for line in lines[1:] if line.lower().startswith(b"content-length:")]
    if not lengths:
        raise ValueError("response without Content-Length")
    await reader.readexactly(lengths[0])
    return status


async def _drive(host: str, port: int, key: str, texts: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """``concurrency`` keep-alive connections, each sending its next suggest as soon as the last answer is read.

    The client is a few lines on asyncio streams rather than httpx: it shares the cores with the server, and httpx
    spent ~2.3 ms of CPU per request (the requests are the same: JSON body, API key header, HTTP/1.1 keep-alive).
    """
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = 0
    deadline = time.perf_counter() + seconds
    head = (
        f"POST /api/v1/suggest HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {key}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()

    async def worker(wid: int) -> None:
        nonlocal counter
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                counter += 1
                n = counter
                body = {"encounter_id": f"bench-{concurrency}-{wid}-{n}", "text": texts[n % len(texts)]}
                payload = json.dumps(body).encode()
                started = time.perf_counter()
                try:
                    status = str(await asyncio.wait_for(_post_json(reader, writer, head, payload), timeout=60))
                except (OSError, EOFError, ValueError, TimeoutError) as error:  # EOFError: IncompleteReadError
                    status = type(error).__name__
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                if status == "200":
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[status] = errors.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1) if ordered else None,
    }


def run(
    bundle: str | None = None,
    levels: tuple[int, ...] = LEVELS,
    seconds: float = 15.0,
    workers: int = 2,
    suggest_em_services: bool = True,
    words: int = 400,
) -> dict[str, Any]:
    """Start the server, drive it at each concurrency level, stop it; returns the figures as one dict."""
    bundle = bundle or find_bundle()
    if bundle is None:
        return {"skipped": "no ICD-10-CM bundle: train one (`medcode train --task icd10`) or set MEDCODE_ICD_BUNDLE"}
    port = _free_port()
    key = "mc_bench_" + secrets.token_urlsafe(16)
    texts = notes(200, words=words)
    with tempfile.TemporaryDirectory(prefix="medcode-bench-") as folder:
        env = {
            **os.environ,
            "MEDCODE_ICD_BUNDLE": bundle,
            "MEDCODE_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "MEDCODE_BOOTSTRAP_ADMIN_KEY": key,
            "MEDCODE_RATE_LIMIT_PER_MINUTE": "10000000",
            "MEDCODE_RATE_LIMIT_BURST": "100000",
            "MEDCODE_QA_SAMPLE_RATE": "0.05",
            "MEDCODE_SUGGEST_EM_SERVICES": "true" if suggest_em_services else "false",
        }
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "serving.cli.main", "serve", "--host", HOST, "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning"]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://{HOST}:{port}"
        try:
            started = time.perf_counter()
            ready: dict[str, Any] = {}
            while time.perf_counter() - started < 300:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"medcode serve exited: {(server.stderr.read() if server.stderr else b'')[-2000:]!r}"
                    )
                try:
                    response = httpx.get(f"{base}/ready", timeout=2)
                    ready = response.json()
                    if ready.get("ready"):
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            start_s = round(time.perf_counter() - started, 1)
            idle_rss = _rss_mb(server.pid)
            asyncio.run(_drive(HOST, port, key, texts, 4, 3.0))  # warm-up: caches, connections, first SQLite pages
            results = []
            peak = idle_rss
            for level in levels:
                cpu_before = _cpu_s(server.pid)
                waited_before = _runqueue_wait_s(server.pid)
                client_before = time.process_time()
                result = asyncio.run(_drive(HOST, port, key, texts, level, seconds))
                cpu = _cpu_s(server.pid) - cpu_before
                waited = _runqueue_wait_s(server.pid) - waited_before
                client_cpu = time.process_time() - client_before
                done = max(1, result["requests"])
                # CPU the server spent per request: what bounds throughput on an otherwise idle machine
                # (2 cores / this = the requests per second two free cores could serve).
                result["server_cpu_ms_per_request"] = round(1000 * cpu / done, 1)
                # Cores the server kept busy: well under the worker count with the CPU per request unchanged means
                # requests waited (locks, queueing, the client), not computed.
                result["server_cores_busy"] = round(cpu / result["seconds"], 2)
                # Server threads ready to run that found no free core, on average: with cores_busy under the worker
                # count, a high figure means other processes held the cores (starved), a low one that the server
                # had nothing to run (idle: waiting on locks or on the client).
                result["server_threads_waiting_for_a_core"] = round(waited / result["seconds"], 2)
                # The client shares the cores on one machine: its CPU is taken from the server's.
                result["client_cpu_ms_per_request"] = round(1000 * client_cpu / done, 1)
                result["load_average_1min"] = round(os.getloadavg()[0], 1)  # other processes on the same cores
                results.append(result)
                peak = max(peak, _rss_mb(server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return {
        "bundle": ready.get("bundles", {}),
        "workers": workers,
        "cpus": os.cpu_count(),
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "note_words": words,
        "suggest_em_services": suggest_em_services,
        "start_to_ready_s": start_s,
        "seconds_per_level": seconds,
        "levels": results,
        "server_rss_mb_idle": idle_rss,
        "server_rss_mb_peak": peak,
    }


if __name__ == "__main__":  # pragma: no cover - manual use
    print(json.dumps(run(), indent=2))
