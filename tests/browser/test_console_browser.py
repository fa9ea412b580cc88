"""The console in a real Chromium: sign in with the demo account, see the network, find a dealer,
watch leads captured over the API arrive in the live activity feed.

The server runs as its own process on a fresh SQLite database, exactly as `make demo` runs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from forecourt.bootstrap import bootstrap
from forecourt.config import Settings
from forecourt.entrypoints.demo import wait_until_up
from forecourt.entrypoints.simulator import simulator_token

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("FORECOURT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _forecourt(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "forecourt.entrypoints.cli", *args], env=env, check=True)


@pytest.fixture(scope="module")
def console_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the database the test server runs on."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'console.db'}"


@pytest.fixture(scope="module")
def server(console_db: str) -> Iterator[str]:
    env = {
        **os.environ,
        "FORECOURT_DATABASE_URL": console_db,
        "FORECOURT_SECRET_KEY": "browser-test",
    }
    _forecourt("db", "upgrade", env=env)
    _forecourt("seed", env=env)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "forecourt.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_until_up(base), "the server did not start"
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page with its own cookies, so no test depends on another's sign-in."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _sign_in(page: Page, server: str, password: str = "forecourt-demo") -> None:
    page.goto(server + "/")
    expect(page).to_have_url(server + "/signin")
    page.get_by_label("E-mail").fill("hq@forecourt.demo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_and_find_the_nearest_dealer(server: str, page: Page, tmp_path: Path) -> None:
    _sign_in(page, server)
    expect(page.get_by_test_id("viewer")).to_contain_text("hq@forecourt.demo")
    expect(page.get_by_test_id("markets")).to_contain_text("China")
    page.get_by_placeholder("上海").fill("上海")
    page.get_by_role("button", name="Find").click()
    results = page.get_by_test_id("nearest-results")
    expect(results.locator("li").first).to_contain_text("Shanghai")
    page.screenshot(path=str(tmp_path / "console.png"), full_page=True)


def test_unknown_city_shows_suggestions(server: str, page: Page) -> None:
    _sign_in(page, server)
    page.get_by_placeholder("上海").fill("Bratislavaa")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("alert")).to_contain_text("Bratislava")


def test_wrong_password_stays_on_sign_in(server: str, page: Page) -> None:
    _sign_in(page, server, password="wrong")
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    expect(page).to_have_url(server + "/signin")


@pytest.fixture(scope="module")
def api_token(server: str, console_db: str) -> str:
    """A token of the simulator's call-centre user, issued in the test server's database."""
    container = bootstrap(Settings(database_url=console_db, secret_key="browser-test"))
    try:
        return simulator_token(container)
    finally:
        container.engine.dispose()


def _capture(server: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{server}/api/v1/leads", json=body, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()["lead"]
    return lead


def _dealer_code(server: str, token: str, dealer_id: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{server}/api/v1/dealers/{dealer_id}", headers=headers, timeout=30)
    return str(response.json()["code"])


def test_captured_leads_appear_in_the_live_feed(server: str, page: Page, api_token: str) -> None:
    _sign_in(page, server)
    expect(page.get_by_test_id("activity")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    shanghai = _capture(
        server,
        api_token,
        {
            "channel": "live_broadcast",
            "source_id": "b-1",
            "full_name": "陈静",
            "phone": "+86 137 0000 1111",
            "city": "上海",
            "country": "CN",
        },
    )
    returning = _capture(
        server,
        api_token,
        {
            "channel": "web",
            "source_id": "b-2",
            "full_name": "Chen Jing",
            "phone": "+8613700001111",
            "city": "Shanghai",
            "country": "CN",
        },
    )
    for lead in (shanghai, returning):
        row = page.locator(f'tr[data-lead-id="{lead["id"]}"]')
        expect(row).to_be_visible(timeout=8000)  # polled every 2 s, no reload
        expect(row).to_contain_text(_dealer_code(server, api_token, lead["dealer_id"]))
        expect(row).to_contain_text("due in")
    expect(page.locator(f'tr[data-lead-id="{returning["id"]}"] .linked')).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    page.locator(f'tr[data-lead-id="{shanghai["id"]}"] a').click()
    detail = page.get_by_test_id("lead-routing")
    expect(detail).to_contain_text("Routing 1 (capture)")
    expect(page.get_by_test_id("score-reasons")).to_contain_text("channel")
