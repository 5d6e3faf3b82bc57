"""Staff accounts and sign-in sessions.

Passwords are hashed with argon2id (argon2-cffi, a maintained library);
session cookies are random tokens of which only a SHA-256 is stored, so a
copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from advice_chat.records import UserRecord, utcnow
from advice_chat.storage.store import DuplicateUsername, Store

log = logging.getLogger(__name__)

STAFF_ROLES = ("adviser", "manager")
MAX_CAPACITY = 10
PASSWORD_MIN_CHARS = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class AccountError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, store: Store, *, session_hours: float, default_capacity: int) -> None:
        self._store = store
        self._hasher = PasswordHasher()
        self._session_lifetime = timedelta(hours=session_hours)
        self._default_capacity = default_capacity
        # Verifying against a real hash for unknown users keeps timing the same.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def create_user(
        self, *, username: str, display_name: str, role: str, password: str
    ) -> UserRecord:
        username = username.strip().lower()
        display_name = display_name.strip()
        if role not in STAFF_ROLES:
            raise AccountError(f"role must be one of {', '.join(STAFF_ROLES)}")
        if not _USERNAME.match(username):
            raise AccountError(
                "username must be 2-63 characters: lower-case letters, digits, '.', '_' or '-'"
            )
        if not display_name or len(display_name) > 100:
            raise AccountError("display name must be 1-100 characters")
        if len(password) < PASSWORD_MIN_CHARS:
            raise AccountError(f"password must be at least {PASSWORD_MIN_CHARS} characters")
        try:
            user = await self._store.create_user(
                username=username,
                display_name=display_name,
                role=role,
                password_hash=self._hasher.hash(password),
                capacity=self._default_capacity,
                now=utcnow(),
            )
        except DuplicateUsername as exc:
            raise AccountError(f"username {username!r} is taken") from exc
        log.info("user created", extra={"user_id": user.id, "role": role})
        return user

    async def advisers(self) -> list[UserRecord]:
        return await self._store.users_with_role("adviser")

    async def set_capacity(self, user_id: int, capacity: int) -> UserRecord | None:
        """A manager sets how many chats an adviser takes at once; None if no such adviser."""
        if not 1 <= capacity <= MAX_CAPACITY:
            raise AccountError(f"capacity must be 1 to {MAX_CAPACITY}")
        user = await self._store.get_user(user_id)
        if user is None or user.role != "adviser":
            return None
        return await self._store.set_capacity(user_id, capacity)

    async def set_password(self, user_id: int, password: str) -> None:
        if len(password) < PASSWORD_MIN_CHARS:
            raise AccountError(f"password must be at least {PASSWORD_MIN_CHARS} characters")
        await self._store.set_password_hash(user_id, self._hasher.hash(password))

    async def authenticate(self, username: str, password: str) -> UserRecord | None:
        found = await self._store.user_with_hash(username.strip().lower())
        if found is None:
            try:
                self._hasher.verify(self._dummy_hash, password)
            except VerificationError:
                pass
            return None
        user, stored_hash = found
        try:
            self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if user.disabled:
            return None
        if self._hasher.check_needs_rehash(stored_hash):
            await self._store.set_password_hash(user.id, self._hasher.hash(password))
        return user

    async def start_session(self, user: UserRecord) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        await self._store.create_session(
            token_hash=hash_token(token),
            user_id=user.id,
            now=now,
            expires_at=now + self._session_lifetime,
        )
        return token

    async def session_user(self, token: str | None) -> UserRecord | None:
        if not token or len(token) > 200:
            return None
        return await self._store.session_user(hash_token(token), utcnow())

    async def end_session(self, token: str | None) -> None:
        if token:
            await self._store.delete_session(hash_token(token))
