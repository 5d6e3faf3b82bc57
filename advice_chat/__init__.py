"""advice_chat: webchat advice for professionals who work with perpetrators of abuse."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
