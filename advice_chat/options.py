"""The fixed choice lists of the pre-chat form and wrap-up, defined once.

Pages, validation, statistics and `GET /api/options` all read these, so an id
means the same thing everywhere. Ids are stable (stored in the database);
labels may be reworded or translated.
"""

from __future__ import annotations

from typing import Final

Option = tuple[str, str]

ROLES: Final[tuple[Option, ...]] = (
    ("probation", "Probation officer"),
    ("social-worker-children", "Children's social worker"),
    ("social-worker-adults", "Adult social worker"),
    ("police", "Police officer or staff"),
    ("health", "Health professional (GP, nurse, midwife, health visitor)"),
    ("mental-health", "Mental health professional"),
    ("substance-misuse", "Drug and alcohol worker"),
    ("housing", "Housing professional"),
    ("idva", "IDVA or victim support worker"),
    ("perpetrator-programme", "Perpetrator programme or Drive worker"),
    ("education", "Education or early help"),
    ("other", "Other professional"),
)

REGIONS: Final[tuple[Option, ...]] = (
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
)

TOPICS: Final[tuple[Option, ...]] = (
    ("risk", "Assessing or managing risk"),
    ("referral", "Referral to Drive, MARAC or a programme"),
    ("denial", "Denial, minimisation and blame"),
    ("coercive-control", "Coercive and controlling behaviour"),
    ("children", "Children and child contact"),
    ("information-sharing", "Information sharing and consent"),
    ("engagement", "Engaging a perpetrator in change"),
    ("other", "Something else"),
)

OUTCOMES: Final[tuple[Option, ...]] = (
    ("advice-given", "Advice given"),
    ("referral-suggested", "Referral suggested"),
    ("signposted", "Signposted elsewhere"),
    ("safeguarding-escalated", "Safeguarding concern escalated"),
    ("disconnected", "Professional left or disconnected"),
    ("other", "Other"),
)

# Wrap-up coding (adviser, when ending a chat): what advice was given and where the
# professional was pointed. Several of each may be chosen; topic reuses TOPICS.
ADVICE: Final[tuple[Option, ...]] = (
    ("risk-assessment", "Risk assessment or risk management"),
    ("safety-planning", "Safety of the victim and children"),
    ("information-sharing", "Information sharing and consent"),
    ("engagement", "Engaging the perpetrator in change"),
    ("challenging", "Challenging denial, minimisation or blame"),
    ("legal-options", "Legal and protective orders"),
    ("case-management", "Case management and next steps"),
    ("other", "Other advice"),
)

REFERRALS: Final[tuple[Option, ...]] = (
    ("drive", "Drive"),
    ("marac", "MARAC"),
    ("idva", "IDVA service"),
    ("police", "Police"),
    ("childrens-services", "Children's services"),
    ("adult-social-care", "Adult social care"),
    ("perpetrator-programme", "Perpetrator programme"),
    ("respect-phone-line", "Respect Phone Line"),
    ("mental-health", "Mental health services"),
    ("substance-misuse", "Drug and alcohol services"),
    ("other", "Another service"),
)

# Safeguarding escalation (adviser console): why an adviser raised a flag during a chat.
FLAG_REASONS: Final[tuple[Option, ...]] = (
    ("risk-to-victim", "Imminent risk to a victim"),
    ("risk-to-child", "Imminent risk to a child"),
    ("marac-mappa", "MARAC or MAPPA relevant"),
    ("needs-senior", "Out of my depth: needs a senior"),
)

ROLE_IDS: Final = frozenset(i for i, _ in ROLES)
REGION_IDS: Final = frozenset(i for i, _ in REGIONS)
TOPIC_IDS: Final = frozenset(i for i, _ in TOPICS)
OUTCOME_IDS: Final = frozenset(i for i, _ in OUTCOMES)
ADVICE_IDS: Final = frozenset(i for i, _ in ADVICE)
REFERRAL_IDS: Final = frozenset(i for i, _ in REFERRALS)
FLAG_REASON_IDS: Final = frozenset(i for i, _ in FLAG_REASONS)

SURVEY_COMMENT_MAX_CHARS: Final = 2000

MESSAGE_MAX_CHARS: Final = 4000
CLIENT_ID_MAX_CHARS: Final = 64


def _as_json(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"id": i, "label": label} for i, label in options]


def options_document() -> dict[str, object]:
    """The body of `GET /api/options` (protocol v1)."""
    return {
        "version": 1,
        "roles": _as_json(ROLES),
        "regions": _as_json(REGIONS),
        "topics": _as_json(TOPICS),
        "outcomes": _as_json(OUTCOMES),
        "advice": _as_json(ADVICE),
        "referrals": _as_json(REFERRALS),
        "flag_reasons": _as_json(FLAG_REASONS),
        "limits": {
            "message_max_chars": MESSAGE_MAX_CHARS,
            "survey_comment_max_chars": SURVEY_COMMENT_MAX_CHARS,
        },
    }
