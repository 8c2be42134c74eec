"""Responses are not held back by Nagle's algorithm when uvicorn runs several workers."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from serving.tcp import NoDelayH11Protocol


class _Transport:
    """The part of an asyncio transport the protocol reads when a connection is made."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def _nodelay_after_connection_made(protocol_class: type[H11Protocol]) -> int:
    config = uvicorn.Config(app="serving.app:create_app", factory=True, http=protocol_class, lifespan="off")
    # accepted like a connection on uvicorn's multi-worker socket: protocol number 0, which asyncio leaves with Nagle on
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        with client, accepted:
            accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
            protocol.connection_made(_Transport(accepted))  # type: ignore[arg-type]
            return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_get_tcp_nodelay() -> None:
    assert _nodelay_after_connection_made(H11Protocol) == 0
    assert _nodelay_after_connection_made(NoDelayH11Protocol) != 0
