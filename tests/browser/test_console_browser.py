"""The console in a real Chromium: sign in with the demo account, see the network, find a dealer.

The server runs as its own process on a fresh SQLite database, exactly as `make demo` runs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser") / "console.db"
    env = {
        **os.environ,
        "FORECOURT_DATABASE_URL": f"sqlite:///{db}",
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
    _wait_until_up(base)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


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
