"""Browser tests: Debian's Chromium driven by Playwright against `tiexin serve`.

The server runs in a subprocess over a seeded SQLite database (module scope: one server per test
module). `page_as("inspector")` gives a fresh browser context signed in through the login form.
Chromium is the system package (no browser download), headless with --no-sandbox --disable-gpu.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.live_server import LiveServer, seed_database
from tests.support.workbench import PASSWORD, Seeded

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
    )
    yield launched
    launched.close()


class Live:
    def __init__(self, server: LiveServer, seeded: Seeded) -> None:
        self.server = server
        self.seeded = seeded
        self.base_url = server.base_url


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    url, seeded = seed_database(folder)
    server = LiveServer(folder, url)
    try:
        yield Live(server, seeded)
    finally:
        server.stop()


@pytest.fixture
def page_as(browser: Browser, live: Live) -> Iterator[Callable[[str], Page]]:
    contexts = []

    def sign_in(username: str, *, language: str = "zh") -> Page:
        context = browser.new_context(base_url=live.base_url, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if language != "zh":
            page.goto(f"/lang/{language}?next=/login")
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, f"{username} could not sign in"
        return page

    yield sign_in
    for context in contexts:
        context.close()
