"""``medcode serve`` as a real process with the embedded defaults (SQLite, no bundle): live, not ready, 503."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_cli_starts_with_embedded_defaults(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDCODE_") and k != "DATABASE_URL"}
    env["MEDCODE_ARTIFACTS_DIR"] = str(tmp_path)  # a fresh machine: nothing trained, no database yet
    env["MEDCODE_BOOTSTRAP_ADMIN_KEY"] = "mc_fresh_machine_admin_key"
    server = subprocess.Popen(
        [sys.executable, "-m", "serving.cli.main", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (server.stderr.read() if server.stderr else b"")[-2000:]
            try:
                # uvicorn accepts connections only after the lifespan (migrations, models) has finished.
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    ready = httpx.get(f"{base}/ready", timeout=5)
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "medcode serve did not come up in 180 s"
            time.sleep(0.5)
        assert ready.status_code == 503 and "MEDCODE_ICD_BUNDLE" in ready.json()["reason"]
        assert (tmp_path / "medcode.db").is_file()
        headers = {"X-API-Key": "mc_fresh_machine_admin_key"}
        assert httpx.get(f"{base}/api/v1/auth/me", headers=headers).json()["role"] == "admin"
        response = httpx.post(f"{base}/api/v1/suggest", json={"encounter_id": "a", "text": "cough"}, headers=headers)
        assert response.status_code == 503 and response.json()["code"] == "API015"
        assert httpx.get(f"{base}/ui/login").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
