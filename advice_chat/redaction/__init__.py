"""Redaction of identifying details from UK chat text, for transcripts kept to learn from.

Pure: no web code, no network, no models. Build one `Redactor` per process and one
`RedactionContext` per chat; see docs/redaction.md for the placeholder types and figures.
"""

from advice_chat.redaction.engine import Redaction, RedactionContext, Redactor
from advice_chat.redaction.spans import KINDS

__all__ = ["KINDS", "Redaction", "RedactionContext", "Redactor"]
