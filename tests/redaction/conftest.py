from __future__ import annotations

import pytest

from advice_chat.redaction import Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()
