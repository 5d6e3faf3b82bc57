"""Screenshots of the main pages at a phone width and a desktop width, for docs/screenshots/.

Runs the real app on loopback (a throw-away SQLite database and the bundled knowledge base)
and drives Debian's Chromium with Playwright, the same recipe as tests/browser/conftest.py:

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png

Viewport-sized shots at device scale 1 keep the files small.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import sys
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advice_chat.app import create_app  # noqa: E402
from advice_chat.config import Settings  # noqa: E402
from advice_chat.opening import LONDON, Schedule, Window  # noqa: E402
from advice_chat.web.keys import ACCOUNTS, HOURS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshots-only-password-1"  # noqa: S105 (a throw-away database)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 860}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _shot(page: Page, name: str) -> None:
    await page.mouse.move(0, 0)
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    path = OUT / f"{name}.png"
    await page.screenshot(path=str(path), animations="disabled", caret="hide")
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


async def _fill(page: Page, question: str) -> None:
    await page.get_by_label("Your role").select_option("probation")
    await page.get_by_label("Where you work").select_option("wales")
    await page.get_by_label("What you would like advice about").select_option("risk")
    await page.get_by_label("Your question (optional)").fill(question)
    await page.get_by_label("I have read the privacy notice and agree to it").check()


async def _pages(browser: Browser, base: str, app: web.Application) -> None:
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        context = await browser.new_context(viewport=size, device_scale_factor=1)
        page = await context.new_page()
        await page.goto(base + "/")
        await _shot(page, f"professional-{label}")
        await page.goto(base + "/privacy")
        await _shot(page, f"privacy-{label}")
        await page.goto(base + "/?lang=cy")
        await _shot(page, f"professional-cy-{label}")
        await page.goto(base + "/?lang=en")

        # A chat: the professional asks, an adviser answers in a second context.
        await page.goto(base + "/")
        await _fill(page, "He says she provokes him. How do I respond without colluding?")
        await page.get_by_role("button", name="Start chat").click()
        await expect(page.locator("#queue-status")).to_contain_text("queue")
        adviser_context = await browser.new_context(viewport=size, device_scale_factor=1)
        adviser = await adviser_context.new_page()
        await adviser.goto(base + "/login")
        await adviser.get_by_label("Username").fill(f"ada-{label}")
        await adviser.get_by_label("Password").fill(PASSWORD)
        await adviser.get_by_role("button", name="Sign in").click()
        await adviser.wait_for_url("**/adviser")
        await adviser.get_by_role("button", name="Accept").click()
        reply = adviser.get_by_label("Reply")
        await reply.fill(
            "Thank you for asking. Naming the behaviour, not the person, helps: what did he do, "
            "and what did she do to keep herself safe? Has a DASH been completed?"
        )
        await reply.press("Enter")
        await expect(page.get_by_role("log")).to_contain_text("Has a DASH been completed?")
        await page.get_by_label("Your message").fill("Not yet. I will do that today.")
        await page.get_by_role("button", name="Send").click()
        await expect(adviser.get_by_role("log")).to_contain_text("I will do that today.")
        await _shot(page, f"chat-{label}")
        await _shot(adviser, f"adviser-console-{label}")

        await context.set_offline(True)
        await expect(page.locator("#connection")).to_contain_text("Reconnecting")
        await page.get_by_label("Your message").fill("Is a referral to Drive possible?")
        await page.get_by_label("Your message").press("Enter")
        await _shot(page, f"chat-reconnecting-{label}")
        await context.set_offline(False)
        await expect(page.locator("#connection")).to_contain_text("Connected again")
        await adviser_context.close()
        await context.close()

    # Out of hours: a schedule whose only opening is three days from today.
    today = datetime.now(UTC).astimezone(LONDON).weekday()
    await app[HOURS].set_schedule(
        Schedule(
            windows=tuple(
                Window((today + offset) % 7, time(9, 0), time(17, 0)) for offset in (2, 3, 4)
            )
        )
    )
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        context = await browser.new_context(viewport=size, device_scale_factor=1)
        page = await context.new_page()
        await page.goto(base + "/")
        await _shot(page, f"closed-{label}")
        await context.close()
    await app[HOURS].set_schedule(Schedule())

    context = await browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.get_by_label("Username").fill("max")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/manager")
    await _shot(page, "manager-desktop")
    await context.close()


async def main() -> None:
    executable = shutil.which("chromium")
    if not executable:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'shots.db'}",
            secret_key=secrets.token_urlsafe(48),
            var_dir=Path(tmp),
        )
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            for label in ("phone", "desktop"):  # one adviser per run, so each has one chat
                await app[ACCOUNTS].create_user(
                    username=f"ada-{label}", display_name="Ada", role="adviser", password=PASSWORD
                )
            await app[ACCOUNTS].create_user(
                username="max", display_name="Max", role="manager", password=PASSWORD
            )
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                try:
                    await _pages(browser, f"http://127.0.0.1:{port}", app)
                finally:
                    await browser.close()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
