"""Per-chat encryption of raw message text, so that closing a chat can shred it.

Why: deleted rows linger in database files, journals, WAL segments and backups
(PostgreSQL keeps them in its WAL until the segment is recycled). Raw text is
therefore never written in the clear: each chat gets a random data key, and
each message is sealed with AES-256-GCM under it. The data key is stored
wrapped by a key-encryption key derived from the service's secret key. When a
chat closes, its transcript is redacted and the data key is deleted; what is
left of the raw text anywhere is ciphertext nobody can open.
"""

from __future__ import annotations

import base64
import os
from collections import OrderedDict

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
_PREFIX = "s1:"


class SealError(Exception):
    """A sealed value could not be opened (wrong key, tampered, or shredded)."""


class Sealer:
    """Makes and unwraps chat keys; seals and opens message text."""

    def __init__(self, secret_key: str) -> None:
        kek = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"advice_chat chat-key wrapping v1",
        ).derive(secret_key.encode())
        self._kek = AESGCM(kek)

    def new_chat_key(self, chat_id: str) -> tuple[bytes, bytes]:
        """A fresh data key and its wrapped form (the only form that is stored)."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        return key, nonce + self._kek.encrypt(nonce, key, chat_id.encode())

    def unwrap(self, chat_id: str, wrapped: bytes) -> bytes:
        try:
            return self._kek.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], chat_id.encode())
        except Exception as exc:
            raise SealError("chat key cannot be unwrapped") from exc

    @staticmethod
    def seal(key: bytes, chat_id: str, seq: int, text: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), f"{chat_id}:{seq}".encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    @staticmethod
    def open(key: bytes, chat_id: str, seq: int, value: str) -> str:
        if not value.startswith(_PREFIX):
            raise SealError("not a sealed value")
        raw = base64.b64decode(value[len(_PREFIX) :])
        try:
            plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], f"{chat_id}:{seq}".encode())
        except Exception as exc:
            raise SealError("message cannot be opened") from exc
        return plain.decode()


class FieldSealer:
    """Seals a small secret stored in a row (e.g. a staff member's TOTP secret) with
    AES-256-GCM under a key derived from the service secret for that one purpose, bound to
    the row it belongs to, so a copy of the database alone does not reveal it."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"advice_chat field sealing v1: {purpose}".encode(),
        ).derive(secret_key.encode())
        self._aead = AESGCM(key)

    def seal(self, value: bytes, bound_to: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, value, bound_to.encode())

    def open(self, sealed: bytes, bound_to: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], bound_to.encode())
        except Exception as exc:
            raise SealError("sealed field cannot be opened") from exc


class KeyCache:
    """Recently used chat keys, unwrapped, so a chat's messages are sealed without a read.

    Used from the event loop only. Shredding a chat must `drop` its key.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._keys: OrderedDict[str, bytes] = OrderedDict()

    def get(self, chat_id: str) -> bytes | None:
        return self._keys.get(chat_id)

    def put(self, chat_id: str, key: bytes) -> None:
        self._keys[chat_id] = key
        self._keys.move_to_end(chat_id)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)

    def drop(self, chat_id: str) -> None:
        self._keys.pop(chat_id, None)
