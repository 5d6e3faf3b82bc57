"""advice_chat: webchat advice for professionals who work with perpetrators of abuse."""

__version__ = "0.2.0"
PROTOCOL_VERSION = 1
