"""Knowledge base over HTTP and sockets: audience rule, escaping, editing, sharing into a chat."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp

from advice_chat.opening import LONDON
from tests.kb_support import HOSTILE_BODY
from tests.support import LiveServer, adviser, professional

STAFF_ONLY = "adviser-handling-distressed-callers"


async def get(server: LiveServer, path: str, cookie: str | None = None) -> tuple[int, Any]:
    headers = {"Cookie": f"advice_chat_session={cookie}"} if cookie else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.base_url + path, headers=headers) as r,
    ):
        body = await r.text()
        try:
            return r.status, await r.json(content_type=None)
        except ValueError:
            return r.status, body


async def send(
    server: LiveServer, method: str, path: str, body: Any, cookie: str
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method,
            server.base_url + path,
            json=body,
            headers={"Cookie": f"advice_chat_session={cookie}"},
        ) as r,
    ):
        return r.status, await r.json(content_type=None)


async def test_search_and_the_audience_rule(server: LiveServer) -> None:
    status, body = await get(server, "/api/kb/search?q=dvpo")
    assert status == 200
    assert body["results"][0]["slug"] == "dvpn-dvpo"
    assert set(body["results"][0]) >= {"slug", "title", "summary", "score", "snippet"}

    query = "/api/kb/search?q=distressed+professional+vicarious+trauma&limit=20"
    _, public = await get(server, query)
    assert STAFF_ONLY not in [r["slug"] for r in public["results"]]
    cookie = await server.login_cookie("ada")
    _, staff = await get(server, query, cookie)
    assert STAFF_ONLY in [r["slug"] for r in staff["results"]]

    assert (await get(server, f"/api/kb/articles/{STAFF_ONLY}"))[0] == 404
    assert (await get(server, f"/api/kb/articles/{STAFF_ONLY}", cookie))[0] == 200
    assert (await get(server, f"/kb/{STAFF_ONLY}"))[0] == 404
    _, listing = await get(server, "/api/kb/articles")
    assert STAFF_ONLY not in [a["slug"] for a in listing["articles"]]
    assert len(listing["articles"]) >= 25
    status, page = await get(server, "/kb/dvds-clares-law")
    assert status == 200 and "Last reviewed" in page and "Clare" in page


async def test_managers_edit_with_versions_and_others_cannot(server: LiveServer) -> None:
    manager = await server.login_cookie("max")
    adviser_cookie = await server.login_cookie("ada")
    article = {
        "slug": "hostile-test",
        "title": "Hostile <i>test</i> article",
        "summary": "A test of escaping.",
        "tags": ["testing"],
        "audience": "professional",
        "reviewed": "2026-11-24",
        "sources": ["Domestic Abuse Act 2021"],
        "body": HOSTILE_BODY,
    }
    status, _ = await send(server, "POST", "/api/manager/kb/articles", article, adviser_cookie)
    assert status == 403
    status, created = await send(server, "POST", "/api/manager/kb/articles", article, manager)
    assert status == 201 and created["version"] == 1
    assert "<script" not in created["html"] and "&lt;script&gt;" in created["html"]
    status, _ = await send(server, "POST", "/api/manager/kb/articles", article, manager)
    assert status == 409

    _, found = await get(server, "/api/kb/search?q=zebracorn+%3Cscript%3E")
    hit = next(r for r in found["results"] if r["slug"] == "hostile-test")
    assert "<mark>zebracorn</mark>" in hit["snippet"] and "<script" not in hit["snippet"]
    status, page = await get(server, "/kb?q=zebracorn")
    assert status == 200 and "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Hostile &lt;i&gt;test&lt;/i&gt; article" in page

    update = {**article, "body": "Now about pangolins.", "version": 1}
    path = "/api/manager/kb/articles/hostile-test"
    status, edited = await send(server, "PUT", path, update, manager)
    assert status == 200 and edited["version"] == 2
    status, _ = await send(server, "PUT", path, update, manager)  # stale version
    assert status == 409
    _, versions = await get(server, path + "/versions", manager)
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    assert versions["versions"][0]["edited_by"]["display_name"] == "Max Manager"
    status, preview = await send(
        server, "POST", "/api/manager/kb/preview", {"body": "**b** <script>x</script>"}, manager
    )
    assert status == 200 and "<strong>b</strong>" in preview["html"]
    assert "<script" not in preview["html"]


async def test_share_an_article_into_a_chat(server: LiveServer) -> None:
    chat_id, token = await server.start_chat()
    pro = await professional(server, token)
    adv = await adviser(server, "ada")
    await adv.wait_for("assigned", lambda a: a["chat_id"] == chat_id)
    await pro.wait_for("assigned")

    client_id = uuid.uuid4().hex
    payload = {"chat_id": chat_id, "slug": "dvpn-dvpo", "client_id": client_id}
    ack = await adv.call("share_article", payload)
    assert isinstance(ack["id"], int) and ack["sent_at"]
    assert (await adv.call("share_article", payload))["id"] == ack["id"]  # resend: stored once

    shared = await pro.wait_for("message", lambda m: m.get("code") == "article")
    assert shared["id"] == ack["id"] and shared["sender"] == "adviser"
    assert shared["article"] == {
        "slug": "dvpn-dvpo",
        "title": shared["text"].split("\n")[0],
        "url": "/kb/dvpn-dvpo",
    }
    assert shared["text"].endswith("Read the article: /kb/dvpn-dvpo")
    history = await pro.call("history", {"after_id": 0})
    articles = [m for m in history["messages"] if m.get("code") == "article"]
    assert len(articles) == 1 and articles[0]["article"]["slug"] == "dvpn-dvpo"

    refused = await adv.call(
        "share_article", {"chat_id": chat_id, "slug": STAFF_ONLY, "client_id": "x1"}
    )
    assert refused["error"] == "article_not_shareable"
    refused = await adv.call(
        "share_article", {"chat_id": chat_id, "slug": "no-such-article", "client_id": "x2"}
    )
    assert refused["error"] == "article_not_shareable"
    assert (await pro.call("share_article", payload))["error"] == "forbidden"
    await pro.disconnect()
    await adv.disconnect()


async def test_suggestions_for_a_waiting_professional(live_server: LiveServer) -> None:
    status, body = await live_server.post_json(
        "/api/kb/suggest", {"topic": "risk", "message": "he put his hands round her neck"}
    )
    assert status == 200
    slugs = [r["slug"] for r in body["results"]]
    assert 1 <= len(slugs) <= 3 and slugs[0] == "non-fatal-strangulation"
    status, _ = await live_server.post_json("/api/kb/suggest", {"topic": 5})
    assert status == 400


async def test_overdue_articles_are_listed_for_managers_only(server: LiveServer) -> None:
    manager = await server.login_cookie("max")
    adviser_cookie = await server.login_cookie("ada")
    stale = {
        "slug": "stale-review-test",
        "title": "Stale review test",
        "summary": "Reviewed long ago.",
        "tags": ["testing"],
        "audience": "professional",
        "reviewed": "2020-01-02",
        "sources": ["Domestic Abuse Act 2021"],
        "body": "An article last reviewed years ago.",
    }
    fresh = {**stale, "slug": "fresh-review-test", "title": "Fresh", "reviewed": "2099-01-01"}
    for article in (stale, fresh):
        status, _ = await send(server, "POST", "/api/manager/kb/articles", article, manager)
        assert status == 201
    status, listed = await get(server, "/api/manager/kb/overdue", manager)
    slugs = [a["slug"] for a in listed["articles"]]
    assert status == 200 and "stale-review-test" in slugs and "fresh-review-test" not in slugs
    status, _ = await get(server, "/api/manager/kb/overdue", adviser_cookie)
    assert status == 403
    status, _ = await get(server, "/api/manager/kb/overdue")
    assert status == 401
    status, page = await get(server, "/manager/kb", manager)
    assert status == 200
    overdue_list = page.split('id="overdue-list"', 1)[1].split("</ul>", 1)[0]
    assert "Stale review test</a>: reviewed 2020-01-02" in overdue_list
    assert "Fresh" not in overdue_list
    # The article page shows its reviewed date.
    status, page = await get(server, "/kb/stale-review-test")
    assert status == 200 and "Last reviewed" in page and "2020" in page


async def test_public_articles_stay_open_when_the_webchat_is_closed(server: LiveServer) -> None:
    manager = await server.login_cookie("max")
    # A window on another weekday only: closed now.
    other_day = (datetime.now(UTC).astimezone(LONDON).weekday() + 3) % 7
    hours = {"windows": [{"weekday": other_day, "opens": "09:00", "closes": "10:00"}]}
    status, _ = await send(server, "PUT", "/api/manager/hours", hours, manager)
    assert status == 200
    _, state = await get(server, "/api/status")
    assert state["open"] is False
    status, found = await get(server, "/api/kb/search?q=clares+law")
    assert status == 200 and found["results"][0]["slug"] == "dvds-clares-law"
    assert STAFF_ONLY not in [r["slug"] for r in found["results"]]
    status, page = await get(server, "/kb/dvds-clares-law")
    assert status == 200 and "Last reviewed" in page
    status, listing = await get(server, "/kb")
    assert status == 200 and "/kb/immediate-danger" in listing
