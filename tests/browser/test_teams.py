"""Teams in Chromium (issue 12): a manager puts an adviser in Drive, a professional's answers
route the chat to Drive, the Drive adviser passes it to Respect with a note, and the
professional is told. axe-core runs on the manager's teams section and on the console."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer

pytestmark = pytest.mark.browser


async def test_manager_sets_teams_and_a_chat_is_routed_and_passed_on(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.base_url
    await live_server.create_user("adviser", "ada", "Ada Respect", PASSWORD)
    await live_server.create_user("adviser", "dan", "Dan Drive", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)

    # The manager makes Dan a Drive adviser only, and lets Drive chats overflow.
    mgr = await (await browser.new_context()).new_page()
    mgr_errors = page_errors(mgr)
    await sign_in(mgr, base, "max")
    await mgr.wait_for_url("**/manager")
    members = mgr.get_by_role("table", name="Which teams each adviser answers for")
    await expect(members.get_by_role("checkbox")).to_have_count(4)
    await mgr.get_by_label("Dan Drive answers for Drive").check()
    status = mgr.locator("#teams-status")
    await expect(status).to_contain_text("Dan Drive now answers for: respect, drive.")
    await mgr.get_by_label("Dan Drive answers for Respect Phoneline").uncheck()
    await expect(status).to_contain_text("Dan Drive now answers for: drive.")
    drive = mgr.get_by_role("form", name="Drive (open now)")
    await drive.get_by_label("Let advisers of other teams answer its chats").check()
    await drive.get_by_label("Minutes a chat waits").fill("10")
    await drive.get_by_role("button", name="Save Drive").click()
    await expect(status).to_contain_text("Drive saved.")
    assert await serious_violations(mgr) == []

    # The professional says the case is open to Drive.
    pro = await (await browser.new_context()).new_page()
    pro_errors = page_errors(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, "Is this one for Drive?")
    await pro.get_by_label("The case is already open to a Drive service").check()
    await pro.get_by_role("button", name="Start chat").click()
    await expect(pro.locator("#queue-status")).to_contain_text("queue")

    # Dan (Drive) is offered it; he passes it to Respect with a note.
    dan = await (await browser.new_context()).new_page()
    dan_errors = page_errors(dan)
    await sign_in(dan, base, "dan")
    await dan.wait_for_url("**/adviser")
    await dan.get_by_role("button", name="Accept").click()
    await expect(dan.get_by_role("tab")).to_have_count(1)
    await expect(dan.locator(".team-form__current")).to_contain_text("Drive team")
    await dan.get_by_label("Team", exact=True).select_option(label="Respect Phoneline")
    await dan.get_by_label("Note for that team (optional, private)").fill(
        "Not open to Drive after all"
    )
    assert await serious_violations(dan) == []
    await dan.get_by_role("button", name="Pass to this team").click()
    await expect(dan.get_by_role("tabpanel").get_by_role("status")).to_contain_text(
        "You passed this chat to another team"
    )

    pro_log = pro.get_by_role("log")
    await expect(pro_log).to_contain_text("Respect Phoneline team")
    await expect(pro.locator("#queue-status")).to_contain_text("queue")

    # Ada (Respect) is offered it, with Dan's note.
    ada = await (await browser.new_context()).new_page()
    ada_errors = page_errors(ada)
    await sign_in(ada, base, "ada")
    await ada.wait_for_url("**/adviser")
    await ada.get_by_role("button", name="Accept").click()
    await expect(ada.locator(".transfer-info")).to_contain_text("Not open to Drive after all")
    await expect(ada.get_by_role("log")).to_contain_text("Is this one for Drive?")
    assert await serious_violations(ada) == []
    assert mgr_errors == pro_errors == dan_errors == ada_errors == []
