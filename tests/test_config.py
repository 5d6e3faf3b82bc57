"""Settings: safe defaults, clear errors, and docs that list every variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advice_chat.config import PROJECT_ROOT, SETTINGS_DOC, ConfigError, load_settings


def test_every_setting_is_documented_and_every_documented_one_exists() -> None:
    doc = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `(ADVICE_CHAT_[A-Z_]+)`", doc, re.MULTILINE))
    assert documented == set(SETTINGS_DOC)
    source = "\n".join(p.read_text() for p in (PROJECT_ROOT / "advice_chat").rglob("*.py"))
    used = set(re.findall(r'"(ADVICE_CHAT_[A-Z_]+)"', source))
    assert used <= set(SETTINGS_DOC)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"ADVICE_CHAT_VAR_DIR": str(tmp_path)})
    assert settings.host == "127.0.0.1" and settings.port == 8080
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/advice_chat.db"
    assert settings.redis_url is None
    assert len(settings.secret_key) >= 32
    again = load_settings({"ADVICE_CHAT_VAR_DIR": str(tmp_path)})
    assert again.secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADVICE_CHAT_PORT", "eighty"),
        ("ADVICE_CHAT_SECRET_KEY", "short"),
        ("ADVICE_CHAT_DATABASE_URL", "mysql://x"),
        ("ADVICE_CHAT_ADVISER_CAPACITY", "0"),
        ("ADVICE_CHAT_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({"ADVICE_CHAT_VAR_DIR": str(tmp_path), name: value})
