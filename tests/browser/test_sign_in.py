"""Signing in and out in a real browser; the Secure session cookie works on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Live


def test_sign_in_lands_on_the_role_home_and_sign_out_returns_to_login(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as("admin")
    assert page.url.endswith("/admin/audit")
    expect(page.locator("#audit-table")).to_contain_text("login")
    page.click("#logout")
    page.wait_for_url("**/login")
    page.goto("/admin/audit")
    assert "/login" in page.url


def test_a_wrong_password_shows_the_reason(browser: Browser, live: Live) -> None:
    context = browser.new_context(base_url=live.base_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "inspector")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    context.close()


def test_the_language_switch_changes_the_interface_to_english(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as("admin")
    page.click("a.langswitch")
    expect(page.locator("h1")).to_have_text("Audit log")
