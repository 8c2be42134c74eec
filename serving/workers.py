"""``medcode serve --workers N`` (N > 1): N uvicorn processes, each listening on its own SO_REUSEPORT socket.

Why not uvicorn's own ``--workers``: its workers share one listening socket, and asyncio accepts every pending
connection in one go (up to the backlog, 2048) in whichever worker wakes first. A burst of keep-alive connections (a
proxy's pool, the load benchmark's clients) then lands in one worker while the others idle: measured at concurrency
8, 10.2 s of CPU in one worker and 0.02 s in the other over 10 s. With SO_REUSEPORT every worker has its own accept
queue and the kernel spreads new connections over them by a hash of the client address and port.

The parent binds the port first (without listening, so it receives no connections) to fail early when the port is
taken and to learn the port number when asked for port 0; it restarts a worker that dies after serving started and
stops everything when one fails to start (a bad bundle would fail the same way on every restart).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

logger = logging.getLogger("uvicorn.error")
_spawn = multiprocessing.get_context("spawn")


def reuseport_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with SO_REUSEPORT (and listening when ``listen``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def claim_port(host: str, port: int) -> socket.socket:
    """Hold ``host:port`` for the workers (a bound SO_REUSEPORT socket that does not listen); OSError when taken.

    SO_REUSEPORT alone would let a second ``medcode serve`` on the same port join the first one's group and take half
    its connections; a plain bind first fails against any socket on the port, SO_REUSEPORT or not.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = int(probe.getsockname()[1])
    return reuseport_socket(host, port, listen=False)


def _run_worker(config: uvicorn.Config, port: int) -> None:
    config.configure_logging()
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[reuseport_socket(config.host, port, listen=True)])
    finally:
        if not server.started:
            sys.exit(STARTUP_FAILURE)


class WorkerSupervisor:
    """Starts ``workers`` processes serving ``config`` on one port and keeps them running until SIGINT/SIGTERM."""

    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.port = config.port
        self.processes: list[BaseProcess] = []
        self.stopping = False

    def _start(self) -> BaseProcess:
        process = _spawn.Process(target=_run_worker, args=(self.config, self.port), daemon=False)
        process.start()
        return process

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s, stopping the workers.", signal.Signals(signum).name)
        self.stopping = True

    def run(self) -> int:
        """Serve until stopped; returns the exit status (STARTUP_FAILURE when a worker could not start)."""
        try:
            reserved = claim_port(self.config.host, self.port)
        except OSError as error:
            logger.error(
                "Cannot bind %s:%s (%s); choose another --port or stop what uses it.",
                self.config.host,
                self.port,
                error.strerror,
            )
            return STARTUP_FAILURE
        self.port = int(reserved.getsockname()[1])
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._stop)
        logger.info("medcode serving on http://%s:%d with %d workers", self.config.host, self.port, self.workers)
        status = 0
        with reserved:
            self.processes = [self._start() for _ in range(self.workers)]
            while not self.stopping:
                wait([p.sentinel for p in self.processes], timeout=0.5)
                for index, process in enumerate(self.processes):
                    if process.exitcode is None or self.stopping:
                        continue
                    if process.exitcode == STARTUP_FAILURE:
                        logger.error("Worker %s failed to start; stopping.", process.pid)
                        self.stopping, status = True, STARTUP_FAILURE
                        break
                    logger.warning("Worker %s died (exit code %s); starting another.", process.pid, process.exitcode)
                    self.processes[index] = self._start()
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                process.join(timeout=30)
                if process.exitcode is None:
                    process.kill()
                    process.join()
        return status
