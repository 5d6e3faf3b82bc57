"""The whole journey in Chromium: a professional and an adviser in two browser contexts."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


async def _sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(base + "/login")
    assert await serious_violations(page) == []  # the login page itself
    await sign_in(page, base, username)


async def test_professional_and_adviser_journey(live_server: LiveServer, browser: Browser) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    base = live_server.base_url
    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    pro_errors = page_errors(pro)
    await pro.goto(base + "/")
    assert await pro.title() == "Advice chat"  # neutral title
    assert await serious_violations(pro) == []

    # A missing field is reported next to it, and focus goes there.
    await pro.get_by_role("button", name="Start chat").click()
    await expect(pro.get_by_text("Choose your role.")).to_be_visible()
    await expect(pro.get_by_label("Your role")).to_be_focused()

    await fill_prechat(pro, "He says she provokes him. " + HOSTILE)
    await pro.get_by_role("button", name="Start chat").click()
    status = pro.locator("#queue-status")
    await expect(status).to_contain_text("next in the queue")
    await expect(status).to_contain_text("can't estimate")
    assert await serious_violations(pro) == []

    adv_context = await browser.new_context()
    adv = await adv_context.new_page()
    adv_errors = page_errors(adv)
    await _sign_in(adv, base, "ada")
    await adv.wait_for_url("**/adviser")
    # The console asks for offers: accept the one that arrives.
    await adv.get_by_role("button", name="Accept").click()
    tab = adv.get_by_role("tab")
    await expect(tab).to_have_count(1)
    adv_log = adv.get_by_role("log")
    await expect(adv_log).to_contain_text("He says she provokes him.")
    await expect(adv_log).to_contain_text(HOSTILE)  # shown as text, not markup
    assert await serious_violations(adv) == []

    await expect(status).to_contain_text("An adviser has joined")
    await expect(pro.get_by_label("Your message")).to_be_focused()

    await adv.get_by_label("Reply").fill("Thank you. Has a DASH been completed?")
    await adv.get_by_label("Reply").press("Enter")
    pro_log = pro.get_by_role("log")
    await expect(pro_log).to_contain_text("Has a DASH been completed?")
    await pro.get_by_label("Your message").fill("Not yet, I will do that today.")
    await pro.get_by_role("button", name="Send").click()
    await expect(adv_log).to_contain_text("Not yet, I will do that today.")
    assert await serious_violations(pro) == []

    # Each message shows exactly once on each side.
    for log in (pro_log, adv_log):
        await expect(log.get_by_text("Not yet, I will do that today.")).to_have_count(1)
        await expect(log.get_by_text("Has a DASH been completed?")).to_have_count(1)

    await adv.get_by_label("Outcome").select_option("advice-given")
    await adv.get_by_role("button", name="End chat").click()
    await expect(pro.get_by_text("This chat has ended.")).to_be_visible()
    await expect(adv.get_by_role("tabpanel").get_by_role("status")).to_contain_text(
        "This chat has ended."
    )
    assert await pro.evaluate("sessionStorage.length") == 0
    assert pro_errors == [] and adv_errors == []
    await pro_context.close()
    await adv_context.close()


async def test_quick_exit_leaves_nothing_behind(live_server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context()
    # The neutral site is not reachable here; answer it locally so the test stays offline.
    await context.route(
        "https://www.bbc.co.uk/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Weather</p>"),
    )
    page = await context.new_page()
    await page.goto(live_server.base_url + "/")
    await fill_prechat(page, "a question")
    await page.get_by_role("button", name="Start chat").click()
    await expect(page.locator("#queue-status")).to_contain_text("queue")
    assert await page.evaluate("sessionStorage.length") == 1
    await page.keyboard.press("Shift")
    await page.keyboard.press("Shift")
    await page.keyboard.press("Shift")
    await page.wait_for_url("https://www.bbc.co.uk/weather")
    assert await page.evaluate("sessionStorage.length") == 0
    # The chat page was replaced, not added to: going back does not return to it.
    await page.go_back()
    assert page.url.startswith("https://www.bbc.co.uk") or page.url == "about:blank"
    await context.close()


async def test_manager_and_forbidden_pages(live_server: LiveServer, browser: Browser) -> None:
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    context = await browser.new_context()
    page = await context.new_page()
    errors = page_errors(page)
    await _sign_in(page, live_server.base_url, "max")
    await page.wait_for_url("**/manager")
    await expect(page.get_by_role("heading", name="Opening hours (UK time)")).to_be_visible()
    await expect(page.get_by_label("Capacity of Ada Adviser")).to_have_value("3")
    assert await serious_violations(page) == []
    await page.get_by_label("Open on Monday").check()
    await page.get_by_role("button", name="Save opening hours").click()
    await expect(page.get_by_text("Opening hours saved.")).to_be_visible()
    response = await page.goto(live_server.base_url + "/adviser")
    assert response is not None and response.status == 403
    assert await serious_violations(page) == []
    assert errors == []
    await context.close()
