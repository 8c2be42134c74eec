"""``medcode serve --workers N``: every worker gets connections, dead workers are replaced, a failed start stops all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from uvicorn.config import STARTUP_FAILURE

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def _supervisor(port: int, app: str = "tests.serving.pid_app:app") -> Iterator[subprocess.Popen[bytes]]:
    code = (
        "import sys, uvicorn; from serving.workers import WorkerSupervisor; "
        f"sys.exit(WorkerSupervisor(uvicorn.Config({app!r}, host={HOST!r}, port={port}, lifespan='off', "
        "log_level='warning'), 2).run())"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _read_pid(sock: socket.socket) -> int:
    """The body of one HTTP response (the app sends headers and body in separate writes)."""
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the worker closed the connection")
        data += chunk
    return int(data.split(b"\r\n\r\n", 1)[1])


def _pids(port: int, connections: int) -> list[int]:
    """Open ``connections`` keep-alive connections at once, then send one request on each: the worker pids."""
    socks = [socket.create_connection((HOST, port), timeout=10) for _ in range(connections)]
    try:
        for sock in socks:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        return [_read_pid(sock) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _both_workers(port: int, process: subprocess.Popen[bytes], deadline_s: float = 60) -> set[int]:
    """Connect one at a time until two distinct workers answered (both listening)."""
    seen: set[int] = set()
    deadline = time.monotonic() + deadline_s
    while len(seen) < 2:
        assert process.poll() is None, (process.stderr.read() if process.stderr else b"")[-2000:]
        assert time.monotonic() < deadline, f"only workers {seen} answered in {deadline_s} s"
        try:
            seen.update(_pids(port, 1))
        except OSError:
            time.sleep(0.2)
    return seen


def test_workers_share_a_burst_of_keepalive_connections() -> None:
    port = _free_port()
    with _supervisor(port) as process:
        workers = _both_workers(port, process)
        # 16 connections opened together: the kernel spreads them over both accept queues (all in one: p = 2**-15).
        assert set(_pids(port, 16)) == workers


def test_workers_replace_a_dead_worker() -> None:
    port = _free_port()
    with _supervisor(port) as process:
        first = _both_workers(port, process)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        now = _both_workers(port, process)
        assert victim not in now and len(now - first) == 1


def test_workers_stop_on_sigterm() -> None:
    port = _free_port()
    with _supervisor(port) as process:
        workers = _both_workers(port, process)
        process.terminate()
        assert process.wait(timeout=30) == 0
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # stopped and reaped


def test_workers_failed_start_stops_the_server() -> None:
    with _supervisor(_free_port(), app="tests.serving.no_such_module:app") as process:
        assert process.wait(timeout=60) == STARTUP_FAILURE


def test_workers_refuse_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with _supervisor(port) as process:
            assert process.wait(timeout=60) == STARTUP_FAILURE


def test_workers_refuse_the_port_of_another_supervisor() -> None:
    port = _free_port()
    with _supervisor(port) as first:
        _both_workers(port, first)
        with _supervisor(port) as second:  # SO_REUSEPORT must not let it join the first one's workers
            assert second.wait(timeout=60) == STARTUP_FAILURE
        assert first.poll() is None
