"""Stored hostile text in Chromium: the adviser's console, the professional's page and the
manager's transcript show it as text; no injected script runs (no dialog, no page error, no
Content-Security-Policy report, nothing set on window), and axe stays clean. Also the TOTP
set-up page works under the strict CSP."""

from __future__ import annotations

import asyncio
from typing import Any

import pyotp
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, PRE_CHAT, LiveServer, adviser

pytestmark = pytest.mark.browser

HOSTILE = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=2;alert(2)</script>",
    '<svg onload="window.__pwned=3;alert(3)"></svg>',
    '"><iframe src="javascript:alert(4)"></iframe>',
    '<a href="javascript:alert(5)">click me</a>',
    '<b onmouseover="alert(6)">hover</b> {{7*7}}',
]


def _watch(page: Page) -> list[str]:
    """Dialogs and page errors (conftest), plus any CSP report: an injected element that the
    policy had to block would mean the text reached the page as markup."""
    errors = page_errors(page)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            errors.append(f"csp: {message.text}")

    page.on("console", console)
    return errors


async def _no_injection(page: Page) -> None:
    assert await page.evaluate("window.__pwned === undefined")
    assert await page.locator("main img, main script, main svg, main iframe").count() == 0
    assert await page.locator("main [onerror], main [onload], main [onmouseover]").count() == 0


async def test_hostile_text_is_shown_as_text_everywhere(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("adviser", "bea", "Bea Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    base = live_server.base_url

    # The professional types the hostile pre-chat question in the page.
    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    pro_errors = _watch(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, HOSTILE[0])
    await pro.get_by_role("button", name="Start chat").click()
    await expect(pro.locator("#queue-status")).to_contain_text("queue")

    # An adviser (a socket client) takes it and answers with hostile text.
    bea = await adviser(live_server, "bea")
    assigned = await bea.wait_for("assigned")
    chat_id = assigned["chat_id"]
    for text in HOSTILE:
        assert "id" in await bea.send(text, chat_id=chat_id)
    pro_log = pro.get_by_role("log")
    for text in HOSTILE:
        await expect(pro_log).to_contain_text(text)
    await pro.get_by_label("Your message").fill(HOSTILE[1])
    await pro.get_by_role("button", name="Send").click()
    await expect(pro_log.get_by_text(HOSTILE[1])).to_have_count(2)
    await _no_injection(pro)
    assert await serious_violations(pro) == []
    await bea.call("end", {"chat_id": chat_id, "outcome": "advice-given"})
    await bea.disconnect()

    # A second chat, held for Ada in her console in Chromium.
    status, body = await live_server.post_json(
        "/api/chats", {**PRE_CHAT, "message": HOSTILE[2] + " " + HOSTILE[4]}
    )
    assert status == 201, body
    adv_context = await browser.new_context()
    adv = await adv_context.new_page()
    adv_errors = _watch(adv)
    await sign_in(adv, base, "ada")
    await adv.wait_for_url("**/adviser")
    await adv.get_by_role("button", name="Accept").click()
    adv_log = adv.get_by_role("log")
    await expect(adv_log).to_contain_text(HOSTILE[2])
    await _no_injection(adv)
    assert await serious_violations(adv) == []

    # The manager reads the (redacted) transcript of the first chat.
    man_context = await browser.new_context()
    man = await man_context.new_page()
    man_errors = _watch(man)
    await sign_in(man, base, "max")
    await man.wait_for_url("**/manager")
    for _ in range(100):  # redaction runs within a housekeeping pass after the end
        response = await man.goto(f"{base}/manager/transcripts/{chat_id}")
        if response is not None and response.status == 200:
            break
        await asyncio.sleep(0.2)
    await expect(man.get_by_text("window.__pwned=2").first).to_be_visible()
    await _no_injection(man)
    assert await serious_violations(man) == []
    await man.goto(f"{base}/manager/audit")  # the audit log page, with the view just made
    await expect(man.get_by_text("Opened a transcript").first).to_be_visible()
    assert await serious_violations(man) == []

    assert pro_errors == [] and adv_errors == [] and man_errors == []
    for context in (pro_context, adv_context, man_context):
        await context.close()


async def test_totp_set_up_page_works_under_the_csp(tmp_path: Any, browser: Browser) -> None:
    from tests.conftest import _settings

    settings = _settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    live = LiveServer(settings.with_overrides(require_totp=True))
    await live.start()
    try:
        await live.create_user("manager", "max", "Max Manager", PASSWORD)
        context = await browser.new_context()
        page = await context.new_page()
        errors = _watch(page)
        await sign_in(page, live.base_url, "max")
        await page.wait_for_url("**/account/totp")
        assert await serious_violations(page) == []
        await page.get_by_role("button", name="Show my setup key").click()
        secret = page.locator("#totp-secret")
        await expect(secret).not_to_be_empty()
        code = pyotp.TOTP(await secret.inner_text()).now()
        await page.get_by_label("6-digit code").fill(code)
        await page.get_by_role("button", name="Turn on").click()
        await page.wait_for_url("**/manager")
        await expect(page.get_by_role("heading", name="Opening hours (UK time)")).to_be_visible()
        assert errors == []
        await context.close()
    finally:
        await live.stop()
