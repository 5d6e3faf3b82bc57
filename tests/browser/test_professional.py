"""The professional's pages in Chromium: Welsh, quick exit, a dropped network, out of hours,
the privacy notice, and a phone-sized screen. axe-core checks every page state visited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from advice_chat.opening import LONDON, Schedule, Window
from advice_chat.web.keys import HOURS
from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer

pytestmark = pytest.mark.browser

NEUTRAL = "https://www.bbc.co.uk/weather"


async def _neutral_site(context: BrowserContext) -> None:
    """The quick exit's neutral site is not reachable here: answer it locally."""
    await context.route(
        "https://www.bbc.co.uk/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Weather</p>"),
    )


async def _adviser_takes_chat(browser: Browser, base: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, "ada")
    await page.wait_for_url("**/adviser")
    await page.get_by_role("button", name="Accept").click()
    await expect(page.get_by_role("tab")).to_have_count(1)
    return context, page


async def test_welsh_pages_chosen_and_remembered(live_server: LiveServer, browser: Browser) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    base = live_server.base_url
    context = await browser.new_context()
    pro = await context.new_page()
    errors = page_errors(pro)
    await pro.goto(base + "/")
    assert await pro.get_attribute("html", "lang") == "en-GB"

    # The switch is a link named in its own language; the choice is remembered.
    await pro.get_by_role("link", name="Cymraeg").click()
    await expect(pro.get_by_role("heading", name="Siarad â chynghorydd arbenigol")).to_be_visible()
    assert await pro.get_attribute("html", "lang") == "cy"
    assert await pro.title() == "Sgwrs gyngor"  # neutral in Welsh too
    assert await serious_violations(pro) == []
    await pro.goto(base + "/")
    await expect(pro.get_by_role("heading", name="Siarad â chynghorydd arbenigol")).to_be_visible()
    await expect(pro.get_by_role("button", name="Gadael y dudalen hon")).to_be_visible()
    # The choice lists are translated too (ids stay the same).
    await expect(
        pro.get_by_label("Ble rydych chi'n gweithio").locator("option[value=wales]")
    ).to_have_text("Cymru")

    # Errors from the page's script are in Welsh, beside their field.
    await pro.get_by_role("button", name="Dechrau sgwrs").click()
    await expect(pro.get_by_text("Dewiswch eich rôl.")).to_be_visible()
    await expect(pro.get_by_label("Eich rôl")).to_be_focused()
    assert await serious_violations(pro) == []

    await pro.get_by_label("Eich rôl").select_option("probation")
    await pro.get_by_label("Ble rydych chi'n gweithio").select_option("wales")
    await pro.get_by_label("Beth yr hoffech gael cyngor amdano").select_option("risk")
    await pro.get_by_label("Eich cwestiwn (dewisol)").fill("Cwestiwn am risg.")
    await pro.get_by_label(
        "Rydw i wedi darllen yr hysbysiad preifatrwydd ac yn cytuno iddo"
    ).check()
    await pro.get_by_role("button", name="Dechrau sgwrs").click()
    status = pro.locator("#queue-status")
    await expect(status).to_contain_text("Chi sydd nesaf yn y ciw.")
    await expect(pro.get_by_role("heading", name="Eich sgwrs")).to_be_focused()
    assert await serious_violations(pro) == []

    adv_context, adv = await _adviser_takes_chat(browser, base)
    await expect(status).to_contain_text("Mae cynghorydd wedi ymuno â'r sgwrs (Ada Adviser).")
    log = pro.get_by_role("log")
    # The server's system message is shown in the page's language, by its code.
    await expect(log).to_contain_text("Mae cynghorydd wedi ymuno â'r sgwrs.")
    await expect(log).not_to_contain_text("An adviser has joined the chat.")
    await adv.get_by_label("Reply").fill("Diolch. Sut alla i helpu?")
    await adv.get_by_label("Reply").press("Enter")
    await expect(log.get_by_text("Diolch. Sut alla i helpu?")).to_have_count(1)
    await expect(log).to_contain_text("Cynghorydd")
    await pro.get_by_label("Eich neges").fill("Mae angen cyngor arnaf.")
    await pro.get_by_role("button", name="Anfon").click()
    await expect(adv.get_by_role("log")).to_contain_text("Mae angen cyngor arnaf.")
    # Delivered and read marks (and the typing line) are in Welsh too.
    mark = log.locator(".message--mine .message__mark").last
    await expect(mark).to_have_text(re.compile(r"^Wedi"))
    await adv.get_by_label("Reply").press_sequentially("Iawn")
    await expect(pro.locator(".typing-line")).to_have_text("Mae'r cynghorydd yn teipio…")
    await pro.get_by_role("button", name="Dod â'r sgwrs i ben").click()
    await pro.get_by_role("button", name="Ie, dewch â'r sgwrs i ben").click()
    await expect(pro.locator("#ended-text")).to_have_text(
        "Mae'r sgwrs hon wedi dod i ben. Chi a ddaeth â hi i ben."
    )
    # The feedback form after an answered chat, in Welsh.
    await pro.get_by_role("button", name="Anfon adborth").click()
    await expect(pro.get_by_text("Dewiswch sgôr o 1 i 5.")).to_be_visible()
    await pro.get_by_label("5 (defnyddiol iawn)").check()
    await pro.get_by_role("button", name="Anfon adborth").click()
    await expect(pro.get_by_text("Diolch am eich adborth.")).to_be_visible()
    assert await serious_violations(pro) == []

    # The other public pages follow the choice.
    await pro.goto(base + "/privacy")
    await expect(
        pro.get_by_role("heading", name="Hysbysiad preifatrwydd", exact=True)
    ).to_be_visible()
    assert await serious_violations(pro) == []
    await pro.goto(base + "/kb")
    await expect(
        pro.get_by_role("heading", name="Canllawiau i weithwyr proffesiynol")
    ).to_be_visible()
    assert await serious_violations(pro) == []

    # And back to English, remembered the same way.
    await pro.get_by_role("link", name="English").click()
    await pro.goto(base + "/")
    await expect(pro.get_by_role("heading", name="Talk to a specialist adviser")).to_be_visible()
    assert errors == []
    await adv_context.close()
    await context.close()


async def test_quick_exit_button_from_a_chat(live_server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context()
    await _neutral_site(context)
    page = await context.new_page()
    await page.goto(live_server.base_url + "/kb")  # came here from another page of the site
    await page.goto(live_server.base_url + "/")
    await fill_prechat(page, "a question")
    await page.get_by_role("button", name="Start chat").click()
    await expect(page.locator("#queue-status")).to_contain_text("queue")
    # Guidance opened from the chat in a second tab leaves too.
    second = await context.new_page()
    await second.goto(live_server.base_url + "/kb")
    assert await page.evaluate("sessionStorage.length") == 1
    assert await page.evaluate("localStorage.length") == 0

    await page.get_by_role("button", name="Leave this page").click()
    await page.wait_for_url(NEUTRAL)
    await second.wait_for_url(NEUTRAL)
    assert await page.evaluate("sessionStorage.length + localStorage.length") == 0
    # The chat's entry was replaced: Back goes to the page before it, which shows no chat.
    await page.go_back()
    assert page.url.startswith(live_server.base_url + "/kb")
    await page.goto(live_server.base_url + "/")
    await expect(page.locator("#conversation")).to_be_hidden()
    await expect(page.get_by_role("button", name="Start chat")).to_be_visible()
    assert await page.evaluate("sessionStorage.length + localStorage.length") == 0
    await context.close()


async def test_quick_exit_from_a_later_page_leaves_no_chat_behind_it(
    live_server: LiveServer, browser: Browser
) -> None:
    """From the chat to the privacy notice in the same tab, then Shift three times: Back
    reaches the chat page's entry, which shows no chat (the tab's storage was cleared)."""
    context = await browser.new_context()
    await _neutral_site(context)
    page = await context.new_page()
    await page.goto(live_server.base_url + "/")
    await fill_prechat(page, "a question")
    await page.get_by_role("button", name="Start chat").click()
    await expect(page.locator("#queue-status")).to_contain_text("queue")
    await page.get_by_role("link", name="Privacy notice", exact=True).click()
    await page.wait_for_url("**/privacy")
    for _ in range(3):
        await page.keyboard.press("Shift")
    await page.wait_for_url(NEUTRAL)
    await page.go_back()
    await page.wait_for_url(live_server.base_url + "/")
    await expect(page.get_by_role("button", name="Start chat")).to_be_visible()
    await expect(page.locator("#conversation")).to_be_hidden()
    await expect(page.get_by_role("log")).to_have_count(0)
    assert await page.evaluate("sessionStorage.length + localStorage.length") == 0
    await context.close()


async def test_dropped_network_loses_and_repeats_nothing(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    base = live_server.base_url
    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    errors = page_errors(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, "first question")
    await pro.get_by_role("button", name="Start chat").click()
    adv_context, adv = await _adviser_takes_chat(browser, base)
    status = pro.locator("#queue-status")
    await expect(status).to_contain_text("An adviser has joined")
    pro_log = pro.get_by_role("log")
    adv_log = adv.get_by_role("log")

    await pro_context.set_offline(True)
    connection = pro.locator("#connection")
    await expect(connection).to_contain_text("Reconnecting")
    assert await serious_violations(pro) == []
    # Typed while offline: shown as sending, held until the link is back.
    composer = pro.get_by_label("Your message")
    for text in ("offline one", "offline two"):
        await composer.fill(text)
        await composer.press("Enter")
    await expect(pro_log.locator(".message--pending")).to_have_count(2)
    # Meanwhile the adviser writes; it reaches the professional after the resync.
    await adv.get_by_label("Reply").fill("adviser while you were away")
    await adv.get_by_label("Reply").press("Enter")

    await pro_context.set_offline(False)
    await expect(connection).to_contain_text("Connected again")
    for text in ("offline one", "offline two", "adviser while you were away", "first question"):
        await expect(pro_log.get_by_text(text, exact=True)).to_have_count(1)
        await expect(adv_log.get_by_text(text, exact=True)).to_have_count(1)
    await expect(pro_log.locator(".message--pending")).to_have_count(0)
    # In order on screen, by id, with no gap and no repeat.
    ids = await pro_log.locator("li[data-id]").evaluate_all(
        "els => els.map(e => Number(e.dataset.id))"
    )
    assert ids == list(range(1, len(ids) + 1))

    # A second drop, with the adviser's reply arriving during it.
    await pro_context.set_offline(True)
    await expect(connection).to_contain_text("Reconnecting")
    await adv.get_by_label("Reply").fill("second drop reply")
    await adv.get_by_label("Reply").press("Enter")
    await composer.fill("second drop message")
    await composer.press("Enter")
    await pro_context.set_offline(False)
    for text in ("second drop reply", "second drop message", "offline one"):
        await expect(pro_log.get_by_text(text, exact=True)).to_have_count(1)
        await expect(adv_log.get_by_text(text, exact=True)).to_have_count(1)
    assert errors == []
    await adv_context.close()
    await pro_context.close()


async def test_out_of_hours_page(live_server: LiveServer, browser: Browser) -> None:
    today = datetime.now(UTC).astimezone(LONDON).weekday()
    await live_server.app[HOURS].set_schedule(
        Schedule(windows=(Window((today + 3) % 7, time(9, 0), time(17, 0)),))
    )
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live_server.base_url + "/")
    await expect(page.get_by_role("heading", name="The webchat is closed just now")).to_be_visible()
    await expect(page.get_by_text("It opens again on")).to_contain_text("at 09:00 (UK time)")
    await expect(page.get_by_text("09:00–17:00")).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("call 999")
    # The public guidance is offered on the page itself.
    guidance = page.locator(".guidance-list a")
    assert await guidance.count() > 0
    await expect(page.get_by_role("button", name="Start chat")).to_have_count(0)
    assert await serious_violations(page) == []
    await page.get_by_role("link", name="Cymraeg").click()
    await expect(
        page.get_by_role("heading", name="Mae'r sgwrs we ar gau ar hyn o bryd")
    ).to_be_visible()
    await expect(page.get_by_text("Bydd yn agor eto:")).to_contain_text("am 09:00 (amser y DU)")
    assert await serious_violations(page) == []
    await context.close()


async def test_privacy_notice_says_how_long(live_server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live_server.base_url + "/")
    await page.get_by_role("link", name="Privacy notice", exact=True).click()
    await page.wait_for_url("**/privacy")
    days = live_server.settings.retention_days
    await expect(page.get_by_role("main")).to_contain_text(
        f"Redacted transcripts are deleted {days} days after the chat ends."
    )
    for heading in ("What we keep", "What we do not keep", "Who can see it"):
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    await expect(page.get_by_role("button", name="Leave this page")).to_be_visible()
    assert await serious_violations(page) == []
    await context.close()


@pytest.mark.parametrize("width", [320, 375])
async def test_phone_width_reads_without_sideways_scrolling(
    live_server: LiveServer, browser: Browser, width: int
) -> None:
    context = await browser.new_context(viewport={"width": width, "height": 720})
    page = await context.new_page()
    for path in ("/", "/privacy", "/kb", "/login"):
        await page.goto(live_server.base_url + path)
        overflow = await page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{path} is {overflow}px wide at {width}px"
        assert await serious_violations(page) == []
    await page.goto(live_server.base_url + "/")
    await fill_prechat(page, "a question from a phone")
    await page.get_by_role("button", name="Start chat").click()
    await expect(page.locator("#queue-status")).to_contain_text("queue")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await expect(page.get_by_role("button", name="Leave this page")).to_be_in_viewport()
    assert await serious_violations(page) == []
    await context.close()


async def test_keyboard_alone_reaches_the_chat(live_server: LiveServer, browser: Browser) -> None:
    """Tab order follows the page: skip link, then the form's fields in order; focus moves
    to the chat when it opens. No mouse, no focus() calls."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live_server.base_url + "/")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    await page.keyboard.press("Enter")
    order = []
    for key in ("Tab", "ArrowDown", "Tab", "ArrowDown", "Tab", "ArrowDown", "Tab", "Tab", "Tab",
                "Tab", "Tab", "Tab", "Space", "Tab"):  # fmt: skip
        await page.keyboard.press(key)
        if key == "Tab":
            order.append(
                await page.evaluate(
                    "document.activeElement.id || document.activeElement.textContent"
                )
            )
    notice = "Read the full privacy notice (opens in a new tab)"
    assert order == ["role", "region", "topic", "open_to_drive", "high_risk", "immediate_risk",
                     "message", notice, "consent", "start-chat"]  # fmt: skip
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Your chat")).to_be_focused()
    await expect(page.locator("#queue-status")).to_contain_text("queue")
    await context.close()


async def test_staff_pages_fit_a_phone(live_server: LiveServer, browser: Browser) -> None:
    """The console and the manager pages share the stylesheet: at 320 px nothing makes the
    page scroll sideways (wide tables scroll inside their panel), and axe finds nothing."""
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    width = 320
    for username, home, paths in (
        ("ada", "adviser", ["/adviser"]),
        ("max", "manager", ["/manager", "/manager/kb", "/manager/transcripts", "/manager/audit"]),
    ):
        context = await browser.new_context(viewport={"width": width, "height": 700})
        page = await context.new_page()
        await sign_in(page, live_server.base_url, username)
        await page.wait_for_url(f"**/{home}")
        for path in paths:
            await page.goto(live_server.base_url + path)
            await expect(page.get_by_role("heading", level=1)).to_have_count(1)
            overflow = await page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{path} is {overflow}px wide at {width}px"
            assert await serious_violations(page) == [], path
        await context.close()
