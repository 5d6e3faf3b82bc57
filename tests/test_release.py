"""Release habits: one version everywhere, a changelog entry for it, and an image that keeps
the promises docs/deployment.md makes (non-root, health check, the var dir a volume)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import advice_chat
from advice_chat.config import PROJECT_ROOT


def _pyproject_version() -> str:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def test_version_is_the_same_everywhere() -> None:
    version = _pyproject_version()
    assert advice_chat.__version__ == version
    shown = subprocess.run(
        [sys.executable, "-m", "advice_chat.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == f"advice-chat {version}"


def test_changelog_has_the_current_version() -> None:
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(_pyproject_version())}\] - ", changelog, re.M)


def test_dockerfile_keeps_its_promises() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(stages) >= 2  # multi-stage: the build tools stay behind
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and not users[-1].startswith(("0", "root"))
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    var_dir = re.search(r"ADVICE_CHAT_VAR_DIR=(\S+)", dockerfile)
    assert var_dir is not None
    assert f'VOLUME ["{var_dir.group(1)}"]' in dockerfile
    # Nothing fetched from outside PyPI and Debian: no curl, wget or ADD of a URL.
    assert not re.search(r"\b(curl|wget)\b|^ADD https?:", dockerfile, re.M)
