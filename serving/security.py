"""API keys, bearer tokens, roles and the per-key rate limiter.

Keys are random 32-byte URL-safe strings prefixed ``mc_``; only their sha256 is stored. A key can be exchanged for
a signed, expiring bearer token (``POST /api/v1/auth/token``), and the web page keeps the same token in a cookie.

Rate limiting is an in-process token bucket per key: with several worker processes each worker keeps its own
buckets, so the effective limit is ``workers x rate``; put a shared limiter (e.g. the reverse proxy) in front when
running more than one worker.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

Role = Literal["coder", "compliance", "admin"]
ROLES: tuple[Role, ...] = ("coder", "compliance", "admin")
KEY_PREFIX = "mc_"
_TOKEN_SALT = "medcode.bearer.v1"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: key id, key name (the user) and role."""

    key_id: int
    name: str
    role: Role

    def has(self, *roles: Role) -> bool:
        """Whether the caller holds one of ``roles``; admin holds every role."""
        return self.role == "admin" or self.role in roles


def new_api_key() -> str:
    """A fresh random API key (shown once; only its hash is stored)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The sha256 hex digest under which a key is stored and looked up."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class TokenSigner:
    """Signs and checks bearer tokens (``{"k": key_id}``) with the service secret and a time limit."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_TOKEN_SALT)
        self.ttl_s = ttl_s

    def issue(self, key_id: int) -> str:
        """A token naming the key; valid for ``ttl_s`` seconds."""
        return str(self._serializer.dumps({"k": key_id}))

    def key_id(self, token: str) -> int | None:
        """The key id a valid, unexpired token names, else None."""
        try:
            data = self._serializer.loads(token, max_age=self.ttl_s)
        except (BadSignature, SignatureExpired):
            return None
        value = data.get("k") if isinstance(data, dict) else None
        return value if isinstance(value, int) else None


class RateLimiter:
    """Token buckets per key: ``rate_per_minute`` sustained, ``burst`` at once. Thread-safe, per process."""

    def __init__(self, rate_per_minute: int, burst: int) -> None:
        self.rate_per_s = rate_per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key_id: int) -> float:
        """Take one token; returns 0 when allowed, else the seconds to wait before a token is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate_per_s)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate_per_s
