"""Languages: catalogues complete and in step with the templates, compiled from a fresh clone,
chosen per request and remembered; staff pages stay English."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import aiohttp
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import _parse_mapping_toml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from advice_chat.config import PROJECT_ROOT
from advice_chat.web.i18n import LANGUAGE_COOKIE, LOCALE_DIR, Templates, load_translations
from tests.support import PASSWORD, LiveServer

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _catalogues() -> list[Path]:
    found = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    assert found, "no catalogue besides English"
    return found


def _extracted() -> set[str]:
    """What `pybabel extract -F pyproject.toml` finds now (templates and choice labels)."""
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as fp:
        method_map, options_map = _parse_mapping_toml(fp, style="pyproject.toml")
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map
        )
    }


def test_every_catalogue_is_complete_and_current() -> None:
    """A new or reworded English string fails here until it is translated (docs/translation.md)."""
    wanted = _extracted()
    assert "Leave this page" in wanted and "Probation officer" in wanted
    for path in _catalogues():
        with path.open("rb") as fp:
            catalog = read_po(fp)
        have = {}
        for m in catalog:
            if not m.id:
                continue
            key = m.id if isinstance(m.id, str) else m.id[0]
            have[key] = m
        missing = sorted(wanted - set(have))
        assert missing == [], f"{path}: not in the catalogue: {missing}"
        for key in wanted:
            m = have[key]
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            assert all(strings), f"{path}: no translation for {key!r}"
            assert not m.fuzzy, f"{path}: fuzzy translation for {key!r}"
            # The same placeholders, or the page would show a raw {name} or fail to format.
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            expected = sorted(PLACEHOLDER.findall(ids[-1]))
            for s in strings:
                assert sorted(PLACEHOLDER.findall(s)) == expected, (path, key, s)


def test_a_fresh_clone_compiles_catalogues_in_memory(tmp_path: Path) -> None:
    """No .mo in the tree (as after `git clone`): the .po is compiled at start, nothing written."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    before = sorted(p.name for p in locale.rglob("*"))
    translations = load_translations("cy", locale)
    assert translations.gettext("Leave this page") == "Gadael y dudalen hon"
    assert translations.ngettext("%(num)d result for “%(query)s”", "%(num)d results", 2) == (
        "%(num)d ganlyniad ar gyfer “%(query)s”"
    )
    assert sorted(p.name for p in locale.rglob("*")) == before
    templates = Templates(PROJECT_ROOT / "templates", locale)
    assert templates.languages == ["en", "cy"] and templates.names["cy"] == "Cymraeg"


def test_a_stale_compiled_catalogue_is_not_used(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    po = locale / "cy" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"not a catalogue")  # older than the .po below
    po.touch()
    mo_time = po.stat().st_mtime - 60
    os.utime(mo, (mo_time, mo_time))
    assert load_translations("cy", locale).gettext("Send") == "Anfon"


async def _get(
    server: LiveServer, path: str, cookies: dict[str, str] | None = None
) -> tuple[int, str, aiohttp.ClientResponse]:
    async with (
        aiohttp.ClientSession(cookies=cookies or {}) as http,
        http.get(server.base_url + path, allow_redirects=False) as resp,
    ):
        return resp.status, await resp.text(), resp


async def test_language_is_chosen_remembered_and_kept_off_staff_pages(
    live_server: LiveServer,
) -> None:
    status, html, resp = await _get(live_server, "/")
    assert status == 200 and '<html lang="en-GB">' in html and "Leave this page" in html
    assert LANGUAGE_COOKIE not in resp.cookies  # nothing set until someone chooses

    status, html, resp = await _get(live_server, "/?lang=cy")
    assert '<html lang="cy">' in html and "Gadael y dudalen hon" in html
    cookie = resp.cookies[LANGUAGE_COOKIE]
    assert cookie.value == "cy" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert resp.headers["Content-Language"] == "cy"
    # The translated JS strings travel with the page.
    assert '"Sending…": "Wrthi\\u0027n anfon…"' in html or "Wrthi\\u0027n anfon" in html

    for path in ("/", "/privacy", "/kb"):
        status, html, _ = await _get(live_server, path, {LANGUAGE_COOKIE: "cy"})
        assert status == 200 and '<html lang="cy">' in html, path
    # An unknown language is ignored: English.
    _, html, resp = await _get(live_server, "/?lang=xx", {LANGUAGE_COOKIE: "zz"})
    assert '<html lang="en-GB">' in html and LANGUAGE_COOKIE not in resp.cookies

    # Staff pages stay in English whatever the cookie says.
    await live_server.create_user("adviser", "ada", "Ada Adviser", PASSWORD)
    session = await live_server.login_cookie("ada")
    _, html, _ = await _get(
        live_server, "/adviser", {LANGUAGE_COOKIE: "cy", "advice_chat_session": session}
    )
    assert '<html lang="en-GB">' in html and "Gadael" not in html
    _, html, _ = await _get(live_server, "/login?lang=cy")
    assert '<html lang="en-GB">' in html


async def test_privacy_notice_states_the_retention_period(live_server: LiveServer) -> None:
    days = live_server.settings.retention_days
    status, html, _ = await _get(live_server, "/privacy")
    assert status == 200
    assert f"Redacted transcripts are deleted {days} days after the chat ends." in html
    _, html, _ = await _get(live_server, "/privacy?lang=cy")
    assert f"eu dileu {days} diwrnod ar ôl i'r sgwrs ddod i ben." in html


def test_a_current_compiled_catalogue_is_used(tmp_path: Path) -> None:
    """As in the container image (`pybabel compile` at build): the .mo is read as it is."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    po = locale / "cy" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fp:
        catalog = read_po(fp)
    catalog["Send"].string = "Anfon (from the .mo)"  # tell the two apart
    with po.with_suffix(".mo").open("wb") as fp:
        write_mo(fp, catalog)
    assert load_translations("cy", locale).gettext("Send") == "Anfon (from the .mo)"
