"""Languages of the pages people see: gettext catalogues (Babel) and jinja2's i18n extension.

English is written in the templates and is the default. Every other language is a catalogue
`advice_chat/locale/<code>/LC_MESSAGES/messages.po` (docs/translation.md). A compiled `.mo`
beside it is used when it is newer; otherwise the `.po` is compiled in memory at start, so a
fresh clone serves every language without a build step and nothing is written at run time.

One jinja2 environment per language (each with its own translations installed) keeps renders
independent: nothing global is switched per request.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

from aiohttp import web
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from advice_chat import options as choice_lists

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LANGUAGE = "en"
# The chosen language, remembered for a year. It holds a language code only, nothing of a chat.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
DOMAIN = "messages"


def available_languages(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """English first, then every language that has a catalogue, in code order."""
    found = (
        sorted(
            p.name for p in locale_dir.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        )
        if locale_dir.is_dir()
        else []
    )
    return [DEFAULT_LANGUAGE, *(code for code in found if code != DEFAULT_LANGUAGE)]


def load_translations(language: str, locale_dir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The catalogue for a language: its `.mo` when up to date, else its `.po` compiled now."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def language_name(code: str) -> str:
    """A language's name in that language, as a language switch should show it ("Cymraeg")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


class Templates:
    """The page templates, one jinja2 environment per language."""

    def __init__(self, root: Path, locale_dir: Path = LOCALE_DIR) -> None:
        self.languages = available_languages(locale_dir)
        self.names = {code: language_name(code) for code in self.languages}
        self._environments = {
            code: self._environment(root, load_translations(code, locale_dir))
            for code in self.languages
        }

    @staticmethod
    def _environment(root: Path, translations: gettext.NullTranslations) -> Environment:
        env = Environment(
            loader=FileSystemLoader(root),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        return env

    def render(self, language: str, template: str, context: Mapping[str, Any]) -> str:
        env = self._environments.get(language, self._environments[DEFAULT_LANGUAGE])
        return env.get_template(template).render(**context)

    def gettext(self, language: str) -> Any:
        """The `gettext` of a language's environment (for strings built outside templates)."""
        env = self._environments.get(language, self._environments[DEFAULT_LANGUAGE])
        return env.globals["gettext"]


def requested_language(request: web.Request, languages: list[str]) -> tuple[str, bool]:
    """The language for this request and whether it was just chosen (`?lang=`), so the
    response should remember it. English unless a known language was chosen or remembered."""
    chosen = request.query.get("lang")
    if chosen in languages:
        return chosen, True
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in languages:
        return remembered, False
    return DEFAULT_LANGUAGE, False


def remember_language(response: web.StreamResponse, language: str, secure: bool) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        path="/",
        samesite="Lax",
        secure=secure,
        httponly=True,
    )


# -- extraction -----------------------------------------------------------------------------

# The choice lists the professional sees (their labels are data, so no `_()` call names them).
PROFESSIONAL_OPTION_LISTS = ("ROLES", "REGIONS", "TOPICS")


def extract_options(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method (pyproject `[tool.babel]`): the labels of the pre-chat
    choice lists in advice_chat/options.py, so they are translated like any other string."""
    for name in PROFESSIONAL_OPTION_LISTS:
        for _id, label in getattr(choice_lists, name):
            yield 1, "gettext", label, [f"options.{name}"]
