"""Names in chat style are found; what an adviser learns from is kept."""

from __future__ import annotations

import pytest

from advice_chat.redaction import Redactor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("his partner jade has disclosed", "his partner [NAME-1] has disclosed"),
        ("her son Tyler is 7", "her son [NAME-1] is 7"),
        ("Mr Smith was released", "Mr [NAME-1] was released"),
        ("mrs hargreaves rang", "mrs [NAME-1] rang"),
        ("I spoke to DS Khan today", "I spoke to DS [NAME-1] today"),
        ("his partner rose rang me", "his partner [NAME-1] rang me"),
        ("her partner mark hit her", "her partner [NAME-1] hit her"),
        ("Will said he would ring", "[NAME-1] said he would ring"),
        ("she thinks Hope is at risk", "she thinks [NAME-1] is at risk"),
        ("her daughter is called grace", "her daughter is called [NAME-1]"),
        ("client is kayden wilkins", "client is [NAME-1]"),
        ("spoke to Jade Wilkins, she is scared", "spoke to [NAME-1], she is scared"),
        ("Jade's dad was convicted", "[NAME-1]'s dad was convicted"),
    ],
)
def test_names(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact_one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "he says he will change and she may give him another chance",
        "can you mark this as urgent, I hope to hear back",
        "will he be able to see the kids if there is a DVPO?",
        "Will you be able to advise on a Clare's Law application?",
        "Hope you're well, quick question about Serious Crime Act 2015 s.76",
        "DASH score 14, referred to MARAC, IDVA allocated, he is 34",
        "the incident was last Tuesday around 14:30, he was drunk",
        "he was convicted in 2019 and moved to Preston in March 2021",
        "probation officer and social worker disagree, children's services involved",
        "he lives in Lincoln and works in Bolton, 3 kids",
        "Preston probation said Lincoln court would deal with it",
        "the perp has been to Leeds Crown Court twice",
        "Sarah's Law is about child sex offenders",
        "she is a health visitor, he is a support worker",
    ],
)
def test_kept_unchanged(redactor: Redactor, text: str) -> None:
    assert redactor.redact_one(text) == text


def test_town_that_is_a_surname_is_redacted_after_a_title(redactor: Redactor) -> None:
    assert redactor.redact_one("Mr Preston lives in Preston") == "Mr [NAME-1] lives in Preston"


def test_all_caps_message_still_finds_listed_names(redactor: Redactor) -> None:
    assert redactor.redact_one("HER PARTNER JADE RANG") == "HER PARTNER [NAME-1] RANG"
