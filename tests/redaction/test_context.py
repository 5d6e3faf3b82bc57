"""Placeholders are numbered per chat, consistently, and contexts do not share numbering."""

from __future__ import annotations

import threading

from advice_chat.redaction import Redactor


def test_same_person_same_number_across_messages(redactor: Redactor) -> None:
    ctx = redactor.context()
    first = ctx.redact("his partner Jade Wilkins rang, Tyler was there")
    second = ctx.redact("jade said Wilkins hit her again")
    third = ctx.redact("JADE WILKINS has moved")
    assert first == "his partner [NAME-1] rang, [NAME-2] was there"
    assert second == "[NAME-1] said [NAME-1] hit her again"
    assert third == "[NAME-1] has moved"


def test_numbering_per_type_and_value(redactor: Redactor) -> None:
    ctx = redactor.context()
    out = ctx.redact("ring 07700 900123 or 07700 900456, not 07700900123")
    assert out == "ring [PHONE-1] or [PHONE-2], not [PHONE-1]"
    assert ctx.redact("email a@example.com, phone 07700 900456") == (
        "email [EMAIL-1], phone [PHONE-2]"
    )


def test_contexts_are_independent(redactor: Redactor) -> None:
    one = redactor.context()
    two = redactor.context()
    one.redact("her son Tyler")
    assert two.redact("her son Kayden") == "her son [NAME-1]"
    assert redactor.redact_one("her son Kayden") == "her son [NAME-1]"


def test_name_seen_earlier_in_the_chat_is_found_again(redactor: Redactor) -> None:
    ctx = redactor.context()
    ctx.redact("his partner hope is pregnant")
    assert ctx.redact("Hope has left him") == "[NAME-1] has left him"
    assert ctx.redact("i hope she is safe") == "i hope she is safe"


def test_redactions_report_offsets(redactor: Redactor) -> None:
    text = "call 07700 900123"
    [r] = redactor.context().redactions(text)
    assert text[r.start : r.end] == "07700 900123"
    assert (r.kind, r.placeholder) == ("PHONE", "[PHONE-1]")


def test_threads_with_their_own_contexts_agree(redactor: Redactor) -> None:
    text = "his partner jade wilkins, 07700 900123, LS6 2AB, dob 12/03/1988"
    expected = redactor.redact_one(text)
    results: list[str] = []

    def work() -> None:
        ctx = redactor.context()
        results.extend(ctx.redact(text) for _ in range(50))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 200
