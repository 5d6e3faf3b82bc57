"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from tests.support import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed (scripts/test.sh installs it)"
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core violations of impact serious or critical on the page as it is now."""
    result = await Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Staff sign-in through the real login page."""
    await page.goto(base + "/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def fill_prechat(
    page: Page, message: str | None = None, *, topic: str = "risk", region: str = "wales"
) -> None:
    """The professional's pre-chat form, filled as a person would (by the fields' labels)."""
    await page.get_by_label("Your role").select_option("probation")
    await page.get_by_label("Where you work").select_option(region)
    await page.get_by_label("What you would like advice about").select_option(topic)
    if message is not None:
        await page.get_by_label("Your question (optional)").fill(message)
    await page.get_by_label("I have read the privacy notice and agree to it").check()


def page_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    return errors
