"""Queue state: who is waiting and which advisers can take a chat. One interface, two backends."""

from advice_chat.queueing.base import AdviserState, Claim, QueueBackend, QueueEntry

__all__ = ["AdviserState", "Claim", "QueueBackend", "QueueEntry"]
