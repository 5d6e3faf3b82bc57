"""Which lines of a chat are redacted, and that one context keeps placeholders consistent."""

from __future__ import annotations

from advice_chat.records import MessageRecord, utcnow
from advice_chat.redaction import Redactor
from advice_chat.services.transcripts import redact_lines


def _m(seq: int, sender: str, text: str, code: str | None = None) -> MessageRecord:
    return MessageRecord("c_x", seq, sender, text, f"id{seq}", code, utcnow())


def test_people_are_redacted_consistently_and_composed_lines_are_kept() -> None:
    article = "Referring to MARAC\nHow MARAC works.\nRead the article: /kb/marac-referral"
    lines, withheld = redact_lines(
        Redactor(),
        [
            _m(1, "professional", "his ex Jade Wilkins called 07700 900123"),
            _m(2, "system", "An adviser has joined the chat.", "adviser_joined"),
            _m(3, "adviser", "Has Jade been referred to MARAC?"),
            _m(4, "adviser", article, "article"),
        ],
    )
    assert withheld == 0
    assert [line.text for line in lines] == [
        "his ex [NAME-1] called [PHONE-1]",
        "An adviser has joined the chat.",
        "Has [NAME-1] been referred to MARAC?",
        article,
    ]
    assert all(line.client_id is None for line in lines)
    assert [line.seq for line in lines] == [1, 2, 3, 4]


class _Failing:
    """A context whose engine breaks on one message (any engine can have a bug)."""

    def __init__(self) -> None:
        self._inner = Redactor().context()

    def redact(self, text: str) -> str:
        if "boom" in text:
            raise ValueError("engine bug")
        return self._inner.redact(text)


class _FailingRedactor:
    def context(self) -> _Failing:
        return _Failing()


def test_a_message_the_engine_fails_on_is_withheld_never_kept_raw() -> None:
    lines, withheld = redact_lines(
        _FailingRedactor(), [_m(1, "professional", "boom Jade Wilkins"), _m(2, "adviser", "ok")]
    )
    assert withheld == 1
    assert lines[0].text == "[message withheld: it could not be redacted]"
    assert lines[1].text == "ok"
