"""A manager reads a redacted transcript in Chromium: placeholders shown, hostile text inert."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, expect

from advice_chat.web.keys import TRANSCRIPTS
from tests.browser.conftest import page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer, adviser, professional

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


async def test_manager_reads_a_redacted_transcript(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    chat_id, token = await live_server.start_chat(message="my colleague Priya Shah asked me")
    pro = await professional(live_server, token)
    adv = await adviser(live_server, "ada")
    await pro.wait_for("assigned")
    await pro.send("he wrote " + HOSTILE)
    await adv.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await pro.wait_for("ended")
    await pro.disconnect()
    await adv.disconnect()
    store = live_server.app[TRANSCRIPTS]._store
    for _ in range(200):
        chat = await store.get_chat(chat_id)
        if chat is not None and chat.redacted_at is not None:
            break
        await asyncio.sleep(0.05)

    context = await browser.new_context()
    page = await context.new_page()
    errors = page_errors(page)
    await sign_in(page, live_server.base_url, "max")
    await page.wait_for_url("**/manager")
    await page.get_by_role("link", name="Redacted transcripts and retention").click()
    await expect(page.get_by_role("heading", name="Redacted transcripts")).to_be_visible()
    assert await serious_violations(page) == []
    await page.get_by_role("link", name="Open").first.click()
    await expect(page.get_by_role("heading", name="Redacted transcript")).to_be_visible()
    body = page.locator("main")
    await expect(body).to_contain_text("my colleague [NAME-1] asked me")
    await expect(body).not_to_contain_text("Priya")
    assert await page.locator("main img").count() == 0  # hostile markup stayed text
    assert await serious_violations(page) == []
    assert errors == []
    await context.close()
