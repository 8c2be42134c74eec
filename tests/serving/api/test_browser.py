"""The coders' web page in a real headless browser (Playwright driving Debian's chromium): log in, open an item,
accept a code with the keyboard, and see the decision persisted. Skips when /usr/bin/chromium is absent."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.serving.api.conftest import Service, encounter, running_service

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(tiny_bundle: Path, tmp_path: Path) -> Iterator[tuple[str, Service]]:
    """The app served by uvicorn on a loopback port (started after its lifespan ran in the test client)."""
    with running_service(f"sqlite:///{tmp_path / 'db.sqlite'}", tiny_bundle) as service:
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(service.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 120  # generous: CI machines are shared
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {port}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", service
        server.should_exit = True
        thread.join(timeout=10)


def test_browser_login_open_item_accept_code_persists(live: tuple[str, Service]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, service = live
    suggested = service.client.post("/api/v1/suggest", json=encounter("ui-1"), headers=service.headers("coder")).json()
    item_id = suggested["review_item_id"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base}/ui/queue")
        assert page.url.endswith("/ui/login")
        page.fill("#api_key", "mc_wrong")
        page.click("#login")
        assert "Unknown or revoked key" in page.text_content("body")
        page.fill("#api_key", service.keys["coder"])
        page.click("#login")
        page.wait_for_url(f"{base}/ui/queue")
        page.click(f"tr[data-item='{item_id}'] a.open-item")
        page.wait_for_selector("#suggestions tbody tr")
        assert page.locator("#note mark").count() > 0, "evidence is highlighted"
        pending = page.locator("#suggestions tbody tr", has=page.locator("td.status", has_text="pending")).first
        code = pending.get_attribute("data-code")
        suggestion_id = int(pending.get_attribute("data-suggestion") or 0)
        pending.click()
        page.keyboard.press("a")
        page.wait_for_selector(f"#message:has-text('{code}: accept saved')")
        page.reload()
        row = page.locator(f"#suggestions tbody tr[data-suggestion='{suggestion_id}'] td.status")
        assert row.text_content() == "accepted"
        browser.close()
    detail = service.client.get(f"/api/v1/review-queue/{item_id}", headers=service.headers("coder")).json()
    decision = next(d for d in detail["decisions"] if d["suggestion_id"] == suggestion_id)
    assert (decision["action"], decision["user"]) == ("accept", "test-coder")


def test_browser_compliance_view_shows_flags(live: tuple[str, Service]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, service = live
    import json

    record = encounter(
        "ui-audit",
        text="Assessment: congestive heart failure, stable; weight reviewed; continue furosemide.",
        claim={"lines": [{"code": "99213", "dx": ["J45.909"]}]},
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base}/ui/login")
        page.fill("#api_key", service.keys["compliance"])
        page.click("#login")
        page.wait_for_url(f"{base}/ui/compliance")
        page.fill("#encounter", json.dumps(record))
        page.click("#run-audit")
        page.wait_for_selector("#flags tbody tr")
        assert "unsupported_diagnosis" in page.text_content("#flags")
        page.click("#run-hcc")
        page.wait_for_selector("#gaps tbody tr")
        assert "HCC226" in page.text_content("#gaps")
        browser.close()
