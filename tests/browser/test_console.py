"""The adviser console in Chromium (issue #7): take a chat, reply with a canned response,
raise a safeguarding flag a manager acknowledges, transfer the chat, wrap up. axe-core is
run on each console state."""

from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer, professional

pytestmark = pytest.mark.browser


async def test_console_take_canned_flag_transfer_wrap_up(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.base_url
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("adviser", "bea", "Bea Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    cookie = await live_server.login_cookie("max")
    async with (
        aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http,
        http.post(
            base + "/api/canned",
            json={
                "title": "Greeting",
                "shortcut": "hello",
                "text": "Hello, thank you for contacting the advice line.",
            },
        ) as resp,
    ):
        assert resp.status == 201

    # The manager is on the dashboard when the flag is raised.
    mgr_context = await browser.new_context()
    mgr = await mgr_context.new_page()
    mgr_errors = page_errors(mgr)
    await sign_in(mgr, base, "max")
    await mgr.wait_for_url("**/manager")

    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    pro_errors = page_errors(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, "He keeps turning up at her work.")
    await pro.get_by_role("button", name="Start chat").click()
    await expect(pro.locator("#queue-status")).to_contain_text("queue")

    # Take the chat.
    ada_context = await browser.new_context()
    ada = await ada_context.new_page()
    ada_errors = page_errors(ada)
    await sign_in(ada, base, "ada")
    await ada.wait_for_url("**/adviser")
    await ada.get_by_role("button", name="Accept").click()
    await expect(ada.get_by_role("tab")).to_have_count(1)
    ada_log = ada.get_by_role("log")
    await expect(ada_log).to_contain_text("He keeps turning up at her work.")

    # Reply with a canned response, by keyboard: "/hello" then Tab, edit, Enter.
    reply = ada.get_by_label("Reply")
    await reply.focus()
    await ada.keyboard.type("/hello")
    await ada.keyboard.press("Tab")
    await expect(reply).to_have_value("Hello, thank you for contacting the advice line.")
    await expect(reply).to_be_focused()
    await ada.keyboard.type(" I am Ada.")
    await ada.keyboard.press("Enter")
    pro_log = pro.get_by_role("log")
    await expect(pro_log).to_contain_text(
        "Hello, thank you for contacting the advice line. I am Ada."
    )
    # The professional's page reports it read; typing shows both ways.
    await expect(ada.locator("li.message--mine .message__mark").last).to_have_text("Read")
    await pro.get_by_label("Your message").press_sequentially("Thank")
    await expect(ada.locator(".typing-line")).to_have_text("The professional is typing…")
    await reply.press_sequentially("One moment")
    await expect(pro.locator(".typing-line")).to_have_text("The adviser is typing…")
    await reply.fill("")
    await pro.get_by_label("Your message").fill("")
    # The same reply from the list (it lands in the box, editable, not sent).
    await ada.get_by_label("Insert a canned response").select_option(
        label="Team: Greeting (/hello)"
    )
    await expect(reply).to_have_value("Hello, thank you for contacting the advice line.")
    await reply.fill("")

    # A private note: in the console, never on the professional's page.
    await ada.get_by_label("New private note").fill("Check the DVPO history")
    await ada.get_by_role("button", name="Add note").click()
    await expect(ada.get_by_role("tabpanel").locator(".notes-list")).to_contain_text(
        "Check the DVPO history"
    )
    assert await serious_violations(ada) == []

    # Raise a safeguarding flag; the manager is alerted and acknowledges it.
    await ada.get_by_label("Reason").select_option(label="Imminent risk to a child")
    await ada.get_by_role("button", name="Raise a safeguarding flag").click()
    await expect(ada.locator(".flag-status")).to_contain_text("Managers have been alerted")
    alerts = mgr.get_by_role("region", name="Safeguarding flags to acknowledge")
    await expect(alerts).to_contain_text("Imminent risk to a child")
    await expect(alerts).to_contain_text("Ada Adviser")
    assert await serious_violations(mgr) == []
    acknowledge = mgr.get_by_role("button", name="Acknowledge flag")
    await acknowledge.focus()
    await mgr.keyboard.press("Enter")
    await expect(alerts).to_be_hidden()
    await expect(ada.locator(".flag-status")).to_contain_text("Max Manager acknowledged")

    # The manager watches the chat live, read only, from the flag's link.
    await mgr.goto(base + "/manager/live")
    await mgr.get_by_role("button", name="Watch chat").click()
    watch_log = mgr.get_by_role("log")
    await expect(watch_log).to_contain_text("He keeps turning up at her work.")
    await expect(mgr.locator("#watch-notes")).to_contain_text("Check the DVPO history")
    await pro.get_by_label("Your message").fill("Is anyone else reading this?")
    await pro.get_by_role("button", name="Send").click()
    await expect(watch_log).to_contain_text("Is anyone else reading this?")
    assert await serious_violations(mgr) == []

    # Transfer to Bea, with a note; the professional is told and nothing is lost.
    bea_context = await browser.new_context()
    bea = await bea_context.new_page()
    bea_errors = page_errors(bea)
    await sign_in(bea, base, "bea")
    await bea.wait_for_url("**/adviser")
    await expect(bea.locator("#presence-status")).to_contain_text("You are available")
    adviser_list = ada.get_by_label("Adviser", exact=True)
    await adviser_list.focus()
    await expect(adviser_list.locator("option")).to_have_count(2)
    await adviser_list.select_option(index=1)
    await ada.get_by_label("Note for the next adviser (private)").fill("Wants Drive referral")
    await ada.get_by_role("button", name="Transfer chat").click()
    await expect(ada.get_by_role("tabpanel").get_by_role("status")).to_contain_text(
        "You transferred this chat to Bea Adviser"
    )
    await expect(bea.get_by_role("tab")).to_have_count(1)
    await expect(bea.locator(".transfer-info")).to_contain_text(
        "Transferred to you by Ada Adviser. Their note: Wants Drive referral"
    )
    bea_log = bea.get_by_role("log")
    await expect(bea_log).to_contain_text("He keeps turning up at her work.")
    await expect(bea_log).to_contain_text("I am Ada.")
    await expect(bea.get_by_role("tabpanel").locator(".notes-list")).to_contain_text(
        "Check the DVPO history"
    )
    await expect(pro_log).to_contain_text("passed to another adviser")
    await expect(pro.get_by_text("Check the DVPO history")).to_have_count(0)
    await expect(pro.get_by_text("Wants Drive referral")).to_have_count(0)
    assert await serious_violations(bea) == []

    await bea.get_by_label("Reply").fill("Bea here, I have read everything.")
    await bea.get_by_label("Reply").press("Enter")
    await expect(pro_log).to_contain_text("Bea here, I have read everything.")
    await pro.get_by_label("Your message").fill("Thanks Bea")
    await pro.get_by_role("button", name="Send").click()
    await expect(bea_log).to_contain_text("Thanks Bea")
    # Bea's own reply carries its mark (sent, delivered or read, as the professional's
    # page reports it).
    await expect(bea.locator("li.message--mine .message__mark").last).to_have_text(
        re.compile("^(Sent|Delivered|Read)$")
    )

    # Wrap up and end.
    await bea.get_by_label("Outcome").select_option("advice-given")
    await bea.get_by_label("Topic as discussed").select_option("risk")
    await bea.get_by_label("Risk assessment or risk management").check()
    await bea.get_by_label("Drive", exact=True).check()
    await bea.get_by_label("Safeguarding concern").check()
    await bea.get_by_role("button", name="End chat").click()
    await expect(pro.get_by_text("This chat has ended.")).to_be_visible()
    await expect(bea.get_by_role("tabpanel").get_by_role("status")).to_contain_text("You ended it")
    assert await serious_violations(bea) == []
    assert ada_errors == [] and bea_errors == [] and pro_errors == [] and mgr_errors == []
    for context in (mgr_context, pro_context, ada_context, bea_context):
        await context.close()


RECORD_ALERTS = """
(() => {
  window.__alerts = [];
  class FakeNotification {
    constructor(title, options) {
      window.__alerts.push({kind: 'desktop', title, body: (options || {}).body});
    }
    close() {}
    static requestPermission() { return Promise.resolve('granted'); }
  }
  FakeNotification.permission = 'granted';
  window.Notification = FakeNotification;
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    createOscillator() { window.__alerts.push({kind: 'sound'}); return super.createOscillator(); }
  };
})();
"""


async def test_canned_responses_are_managed_and_alerts_can_be_turned_off(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.base_url
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)

    # A manager keeps the shared set on /manager/canned.
    mgr_context = await browser.new_context()
    mgr = await mgr_context.new_page()
    mgr_errors = page_errors(mgr)
    await sign_in(mgr, base, "max")
    await mgr.wait_for_url("**/manager")
    await mgr.get_by_role("link", name="Shared canned responses").click()
    await mgr.get_by_label("Title").fill("Closing")
    await mgr.get_by_label("Shortcut").fill("Bad Shortcut")
    await mgr.get_by_label("Text", exact=True).fill("Thank you for calling.")
    await mgr.get_by_role("button", name="Save canned response").click()
    await expect(mgr.locator("#canned-error")).to_contain_text("shortcut")
    await expect(mgr.get_by_label("Shortcut")).to_be_focused()
    await mgr.get_by_label("Shortcut").fill("bye")
    await mgr.get_by_role("button", name="Save canned response").click()
    await expect(mgr.locator("#canned-manage-list")).to_contain_text("Closing (/bye)")
    assert await serious_violations(mgr) == []

    # The adviser adds their own, and is alerted (sound and desktop) when a chat is offered.
    ada_context = await browser.new_context()
    await ada_context.add_init_script(RECORD_ALERTS)
    ada = await ada_context.new_page()
    ada_errors = page_errors(ada)
    await sign_in(ada, base, "ada")
    await ada.wait_for_url("**/adviser")
    await expect(ada.locator("#presence-status")).to_contain_text("You are available")
    await ada.get_by_text("Manage my canned responses").click()
    await ada.get_by_label("Title").fill("DASH")
    await ada.get_by_label("Text", exact=True).fill("Has a DASH risk assessment been done?")
    await ada.get_by_role("button", name="Save canned response").click()
    await expect(ada.locator("#canned-manage-list")).to_contain_text("DASH")
    await expect(ada.locator("#canned-manage-list")).not_to_contain_text("Closing")
    assert await ada.get_by_label("Play a sound").is_checked()
    assert await ada.get_by_label("Show a desktop notification").is_checked()
    assert await serious_violations(ada) == []

    await live_server.start_chat()  # waits in the queue: offered to Ada
    await expect(ada.get_by_role("button", name="Accept")).to_be_visible()
    alerts = await ada.evaluate("window.__alerts")
    assert {"kind": "desktop", "title": "Chat offered", "body": alerts[-1].get("body")} in alerts
    assert any(a["kind"] == "sound" for a in alerts)
    await ada.get_by_role("button", name="Accept").click()
    await expect(ada.get_by_role("tab")).to_have_count(1)
    options = ada.get_by_label("Insert a canned response").locator("option")
    await expect(options).to_have_text(
        ["Choose a canned response", "Team: Closing (/bye)", "Mine: DASH"]
    )

    # A message in a chat not in view alerts too (naming the chat, never the words).
    _, token = await live_server.start_chat()
    pro = await professional(live_server, token)
    await ada.get_by_role("button", name="Accept").click()
    await expect(ada.get_by_role("tab")).to_have_count(2)
    await expect(ada.get_by_role("tab").first).to_have_attribute("aria-selected", "true")
    before = len(await ada.evaluate("window.__alerts"))
    second_log = ada.locator(".chat-panel").nth(1).locator(".messages__list")
    await pro.send("A private detail")
    await expect(second_log).to_contain_text("A private detail")
    await expect(ada.get_by_role("tab").nth(1)).to_contain_text("new")  # unread count
    await ada.wait_for_function("n => window.__alerts.length > n", arg=before)
    alerts = (await ada.evaluate("window.__alerts"))[before:]
    assert [a for a in alerts if a["kind"] == "desktop"] == [
        {"kind": "desktop", "title": "New message", "body": alerts[-1]["body"]}
    ]
    assert "A private detail" not in str(alerts)

    # Both turned off: later messages and offers come silently (the choice is kept).
    await ada.get_by_label("Play a sound").uncheck()
    await ada.get_by_label("Show a desktop notification").uncheck()
    before = len(await ada.evaluate("window.__alerts"))
    await pro.send("Another one")
    await expect(second_log).to_contain_text("Another one")
    await live_server.start_chat()
    await expect(ada.get_by_role("button", name="Accept")).to_be_visible()
    assert len(await ada.evaluate("window.__alerts")) == before
    await pro.disconnect()
    await ada.reload()
    assert not await ada.get_by_label("Play a sound").is_checked()
    assert ada_errors == [] and mgr_errors == []
    for context in (mgr_context, ada_context):
        await context.close()


async def _tab_to(page: Page, target: Locator, presses: int = 80) -> None:
    """Press Tab until `target` has focus: it is reachable by keyboard alone."""
    for _ in range(presses):
        if await target.evaluate("node => node === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {target} with Tab")


async def test_console_by_keyboard_alone_with_a_senior_watching(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.base_url
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("adviser", "bea", "Bea Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    cookie = await live_server.login_cookie("max")
    async with aiohttp.ClientSession(cookies={"advice_chat_session": cookie}) as http:
        async with http.get(base + "/api/manager/advisers") as resp:
            bea_id = next(
                a["id"] for a in (await resp.json())["advisers"] if a["username"] == "bea"
            )
        async with http.patch(
            f"{base}/api/manager/advisers/{bea_id}", json={"senior": True}
        ) as resp:
            assert resp.status == 200

    ada_context = await browser.new_context()
    ada = await ada_context.new_page()
    errors = page_errors(ada)
    await ada.goto(base + "/login")
    await ada.get_by_label("Username").focus()
    await ada.keyboard.type("ada")
    await ada.keyboard.press("Tab")
    await ada.keyboard.type(PASSWORD)
    await ada.keyboard.press("Enter")
    await ada.wait_for_url("**/adviser")
    await expect(ada.locator("#presence-status")).to_contain_text("You are available")
    await live_server.start_chat(message="A question")
    accept = ada.get_by_role("button", name="Accept")
    await expect(accept).to_be_focused()  # focus goes to the offer when nothing else has it
    await ada.keyboard.press("Enter")
    reply = ada.get_by_label("Reply")
    await expect(reply).to_be_focused()
    await ada.keyboard.type("Hello, how can I help?")
    await ada.keyboard.press("Enter")
    await expect(ada.get_by_role("log")).to_contain_text("Hello, how can I help?")

    # Notes, flag and transfer forms are all reachable and usable with Tab and keys.
    await _tab_to(ada, ada.get_by_label("New private note"))
    await ada.keyboard.type("Keyboard note")
    await _tab_to(ada, ada.get_by_role("button", name="Add note"))
    await ada.keyboard.press("Enter")
    await expect(ada.get_by_role("tabpanel").locator(".notes-list")).to_contain_text(
        "Keyboard note"
    )
    await _tab_to(ada, ada.get_by_label("Reason"))
    await ada.keyboard.press("ArrowDown")
    await _tab_to(ada, ada.get_by_role("button", name="Raise a safeguarding flag"))
    await ada.keyboard.press("Enter")
    await expect(ada.locator(".flag-status")).to_contain_text("Managers have been alerted")
    await _tab_to(ada, ada.get_by_label("Outcome"))
    await _tab_to(ada, ada.get_by_role("button", name="Transfer chat"))
    await ada.keyboard.press("Alt+1")
    await expect(ada.get_by_role("tab")).to_be_focused()

    # A senior adviser sees the supervision panel and watches by keyboard.
    bea_context = await browser.new_context()
    bea = await bea_context.new_page()
    bea_errors = page_errors(bea)
    await sign_in(bea, base, "bea")
    await bea.wait_for_url("**/adviser")
    watch = bea.get_by_role("button", name="Watch chat")
    await expect(watch).to_be_visible()
    await watch.focus()
    await bea.keyboard.press("Enter")
    await expect(bea.locator("#watch-heading")).to_be_focused()
    await expect(bea.locator("#watch-messages")).to_contain_text("Hello, how can I help?")
    await expect(bea.locator("#watch-notes")).to_contain_text("Keyboard note")
    assert await serious_violations(bea) == []
    assert await serious_violations(ada) == []
    assert errors == [] and bea_errors == []
    for context in (ada_context, bea_context):
        await context.close()
