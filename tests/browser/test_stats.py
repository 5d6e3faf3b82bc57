"""Statistics in Chromium: the adviser's wrap-up, the professional's survey, the dashboard.

Charts render beside accessible tables, hidden counts read `<5`, and axe-core finds no
serious violation on any of the pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from advice_chat.services.stats import today_london
from advice_chat.web.stats import STATS
from tests.browser.conftest import fill_prechat, page_errors, serious_violations, sign_in
from tests.support import PASSWORD, LiveServer, adviser, professional

pytestmark = pytest.mark.browser

WRAP = {"topic": "risk", "advice": ["risk-assessment"], "referrals": ["drive"]}


async def test_wrap_up_in_the_console_and_survey_on_the_professional_page(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    base = live_server.base_url
    pro_context = await browser.new_context()
    pro = await pro_context.new_page()
    pro_errors = page_errors(pro)
    await pro.goto(base + "/")
    await fill_prechat(pro, topic="children")
    await pro.get_by_role("button", name="Start chat").click()
    await expect(pro.locator("#queue-status")).to_contain_text("queue")

    adv_context = await browser.new_context()
    adv = await adv_context.new_page()
    adv_errors = page_errors(adv)
    await sign_in(adv, base, "ada")
    await adv.wait_for_url("**/adviser")
    await adv.get_by_role("button", name="Accept").click()
    await expect(adv.get_by_role("tab")).to_have_count(1)
    # The wrap-up: the topic starts as the one the professional chose; all fields labelled.
    await expect(adv.get_by_label("Topic as discussed")).to_have_value("children")
    await adv.get_by_label("Topic as discussed").select_option("risk")
    await (
        adv.get_by_role("group", name="Advice given")
        .get_by_label("Risk assessment or risk management")
        .check()
    )
    await adv.get_by_role("group", name="Referral suggested").get_by_label("MARAC").check()
    await adv.get_by_label("Safeguarding concern").check()
    await adv.get_by_label("Outcome").select_option("referral-suggested")
    assert await serious_violations(adv) == []
    await adv.get_by_role("button", name="End chat").click()
    await expect(pro.get_by_text("This chat has ended.")).to_be_visible()

    # The professional is asked how useful the advice was.
    survey = pro.locator("#survey")
    await expect(survey).to_be_visible()
    assert await serious_violations(pro) == []
    await pro.get_by_role("button", name="Send feedback").click()
    await expect(pro.get_by_text("Choose a rating from 1 to 5.")).to_be_visible()
    await pro.get_by_label("5 (very useful)").check()
    await pro.get_by_label("Anything else you would like to tell us").fill(
        "Clear and practical, thank you."
    )
    await pro.get_by_role("button", name="Send feedback").click()
    await expect(
        pro.get_by_role("status").filter(has_text="Thank you for your feedback.")
    ).to_be_visible()
    assert await serious_violations(pro) == []
    assert pro_errors == [] and adv_errors == []

    report = await live_server.app[STATS].report(today_london(), today_london())
    referral = next(v for v in report["views"] if v["id"] == "referral")
    assert next(r for r in referral["rows"] if r["key"] == "marac")["cells"]["answered"] == "<5"
    await pro_context.close()
    await adv_context.close()


async def test_dashboard_charts_tables_and_accessibility(
    live_server: LiveServer, browser: Browser
) -> None:
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    await live_server.create_user("manager", "max", "Max Manager", PASSWORD)
    ada = await adviser(live_server, "ada")
    for i in range(6):
        chat_id, token = await live_server.start_chat(role="police" if i == 5 else "probation")
        pro = await professional(live_server, token)
        await ada.wait_for("assigned", lambda e, c=chat_id: e["chat_id"] == c)
        await ada.call("end", {"chat_id": chat_id, "outcome": "advice-given", "wrap_up": WRAP})
        await pro.wait_for("ended")
        await pro.disconnect()
    await ada.disconnect()

    context = await browser.new_context()
    page = await context.new_page()
    errors = page_errors(page)
    await sign_in(page, live_server.base_url, "max")
    await page.wait_for_url("**/manager")
    await expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    # Charts are drawn (SVG with an accessible name) and each has its table beside it.
    charts = page.locator("figure.chart--drawn svg[role=img]")
    assert await charts.count() >= 10
    assert await page.locator("figure.chart--drawn svg rect.chart__bar").count() > 0
    assert await page.locator("figure.chart--drawn svg rect.chart__heat").count() == 7 * 24
    role_table = page.get_by_role("table", name="By role")
    await expect(role_table).to_be_visible()
    await expect(role_table.locator("tfoot")).to_contain_text("Total")
    police = role_table.get_by_role("row", name="Police officer or staff")
    await expect(police).to_contain_text("<5")
    await expect(page.get_by_role("img", name="Bar chart: By role")).to_be_visible()
    assert await serious_violations(page) == []

    # The date range form, and the CSV link of a view.
    await page.get_by_label("From", exact=True).fill("2020-01-01")
    await page.get_by_label("To", exact=True).fill("2020-01-31")
    await page.get_by_role("button", name="Show statistics").click()
    await page.wait_for_url("**/manager?from=2020-01-01&to=2020-01-31")
    await expect(page.get_by_role("heading", name="2020-01-01 to 2020-01-31")).to_be_visible()
    link = page.get_by_role("link", name=re.compile(r"^Download CSV\W+By role$"))
    assert await link.get_attribute("href") == (
        "/manager/stats.csv?view=role&from=2020-01-01&to=2020-01-31"
    )
    assert await serious_violations(page) == []
    assert errors == []
    await context.close()
