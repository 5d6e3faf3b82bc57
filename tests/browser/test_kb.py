"""The knowledge base in Chromium: public search and article pages, suggestions while waiting,
an adviser sharing an article into a chat, and the manager's editor. axe runs on each page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer

pytestmark = pytest.mark.browser


async def test_public_search_and_article(live_server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    errors = page_errors(page)
    await page.goto(live_server.base_url + "/kb")
    assert await serious_violations(page) == []
    await page.get_by_label("Search the guidance").fill("he keeps turning up at her work")
    await page.get_by_role("button", name="Search").click()
    first = page.locator(".kb-result").first
    await expect(first.get_by_role("link")).to_have_text(
        "Stalking and harassment by partners and ex-partners"
    )
    await expect(first.locator("mark").first).to_be_visible()
    assert await serious_violations(page) == []
    await first.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Stalking")
    await expect(page.get_by_text("Last reviewed")).to_be_visible()
    assert await serious_violations(page) == []
    assert errors == []
    await context.close()


async def test_adviser_shares_an_article_and_the_professional_sees_it(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    base = live_server.base_url
    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    pro_errors = page_errors(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, "he put his hands round her neck")
    await pro.get_by_role("button", name="Start chat").click()
    suggestions = pro.locator("#kb-suggestions")
    await expect(suggestions).to_be_visible()
    await expect(suggestions.get_by_role("link").first).to_contain_text("strangulation")
    assert await serious_violations(pro) == []

    adv_context = await browser.new_context()
    adv = await adv_context.new_page()
    adv_errors = page_errors(adv)
    await sign_in(adv, base, "ada")
    await adv.wait_for_url("**/adviser")
    await adv.get_by_role("button", name="Accept").click()
    await expect(adv.get_by_role("tab")).to_have_count(1)
    await adv.get_by_label("Search the knowledge base").fill("dvpo")
    await adv.get_by_role("button", name="Search", exact=True).click()
    share = adv.get_by_role("button", name="Share into the open chat: DVPNs, DVPOs")
    await share.click()
    await expect(adv.locator("#kb-share-status")).to_contain_text("Shared")
    await expect(adv.locator(".message__link")).to_contain_text("DVPNs, DVPOs")
    assert await serious_violations(adv) == []

    link = pro.locator(".message__link")
    await expect(link).to_contain_text("DVPNs, DVPOs")
    assert await link.get_attribute("href") == "/kb/dvpn-dvpo"
    assert pro_errors == [] and adv_errors == []

    manager_context = await browser.new_context()
    manager = await manager_context.new_page()
    await sign_in(manager, base, "max")
    await manager.wait_for_url("**/manager")
    await manager.goto(base + "/manager/kb")
    assert await serious_violations(manager) == []
    await manager.get_by_label("Article to edit").select_option("coercive-control")
    await expect(manager.get_by_label("Title")).to_have_value(
        "Recognising and responding to coercive control"
    )
    await manager.get_by_label("Article text (Markdown)").fill("**Bold** <script>alert(1)</script>")
    await manager.get_by_role("button", name="Preview").click()
    await expect(manager.locator("#kb-preview strong")).to_have_text("Bold")
    assert await manager.locator("#kb-preview script").count() == 0
    await manager.get_by_role("button", name="Save article").click()
    await expect(manager.locator("#kb-status")).to_contain_text("version 2")
    await expect(manager.locator("#kb-versions li")).to_have_count(2)
    for context in (pro_context, adv_context, manager_context):
        await context.close()
