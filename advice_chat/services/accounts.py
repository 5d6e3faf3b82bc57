"""Staff accounts, sign-in (with throttling and TOTP), sessions, and the account audit trail.

Passwords are hashed with argon2id (argon2-cffi, a maintained library) and must pass the
NCSC-style rules in `passwords.py`; session cookies are random tokens of which only a SHA-256
is stored, so a copy of the database does not let anyone sign in. TOTP (RFC 6238, pyotp)
secrets are stored sealed under a key derived from the service secret. Failed sign-ins are
counted per account and per address (`queueing.ratelimit`, shared through Redis when it is
configured) and throttled with a clear wait time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from advice_chat.queueing.ratelimit import MemoryRateLimiter, RateLimiter
from advice_chat.records import UserRecord, utcnow
from advice_chat.services.passwords import PASSWORD_MAX_CHARS, password_problem
from advice_chat.storage.sealing import FieldSealer, SealError
from advice_chat.storage.store import DuplicateUsername, Store

log = logging.getLogger(__name__)

STAFF_ROLES = ("adviser", "manager")
MAX_CAPACITY = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
TOTP_ISSUER = "Advice chat"
# Failed sign-ins are counted over this window, per account and per address.
LOGIN_WINDOW_SECONDS = 15 * 60

# Audit actions (short and fixed; listed in docs/security.md).
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"
SIGN_OUT = "sign_out"
ACCOUNT_CREATED = "account_created"
ACCOUNT_DISABLED = "account_disabled"
ACCOUNT_ENABLED = "account_enabled"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an audit action name)
SENIOR_CHANGED = "senior_changed"
CAPACITY_CHANGED = "capacity_changed"
TOTP_ENABLED = "totp_enabled"
TOTP_RESET = "totp_reset"
HOURS_CHANGED = "hours_changed"


_T = TypeVar("_T")

# Argon2 takes tens of milliseconds of CPU and 64 MiB per hash. Hashes run on a thread, so
# sign-ins do not hold the event loop (every chat on the worker would wait), one at a time:
# a burst of sign-ins queues instead of taking 64 MiB each (two at once raised the benchmark's
# peak RSS by ~40 MB) or every core. argon2-cffi releases the GIL while it hashes.
HASHES_AT_ONCE = 1


class AccountError(ValueError):
    pass


class LoginRefused(Exception):
    """A sign-in that did not succeed: HTTP status, protocol code, a sentence, maybe a wait."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignIn:
    user: UserRecord
    token: str
    enrol_only: bool  # TOTP is required and the user must set it up before anything else


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(
        self,
        store: Store,
        *,
        session_hours: float,
        default_capacity: int,
        secret_key: str | None = None,
        idle_minutes: float | None = None,
        require_totp: bool = False,
        limiter: RateLimiter | None = None,
        failures_per_account: int = 10,
        failures_per_address: int = 30,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._hasher = hasher or PasswordHasher()
        self._hash_slots = asyncio.Semaphore(HASHES_AT_ONCE)
        self._session_lifetime = timedelta(hours=session_hours)
        self._default_capacity = default_capacity
        self._idle_seconds = idle_minutes * 60 if idle_minutes else None
        self._totp_sealer = FieldSealer(secret_key or secrets.token_urlsafe(48), "totp")
        self.require_totp = require_totp
        self._limiter: RateLimiter = limiter or MemoryRateLimiter()
        self._per_account = failures_per_account
        self._per_address = failures_per_address
        # Verifying against a real hash for unknown users keeps timing the same.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def _off_loop(self, work: Callable[[], _T]) -> _T:
        async with self._hash_slots:
            return await asyncio.to_thread(work)

    async def _hash(self, password: str) -> str:
        return await self._off_loop(lambda: self._hasher.hash(password))

    async def _verify(self, stored_hash: str, password: str) -> bool:
        """True when the password matches; False for a wrong password or a damaged hash."""

        def check() -> bool:
            try:
                return self._hasher.verify(stored_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await self._off_loop(check)

    async def audit(self, user_id: int | None, action: str, subject: str | None = None) -> None:
        await self._store.audit(user_id, action, subject, utcnow())

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
        problem = password_problem(password, username)
        if problem:
            raise AccountError(problem)
        password_hash = await self._hash(password)
        try:
            user = await self._store.create_user(
                username=username,
                display_name=display_name,
                role=role,
                password_hash=password_hash,
                capacity=self._default_capacity,
                now=utcnow(),
            )
        except DuplicateUsername as exc:
            raise AccountError(f"username {username!r} is taken") from exc
        await self.audit(user.id, ACCOUNT_CREATED, role)
        log.info("user created", extra={"user_id": user.id, "role": role})
        return user

    async def advisers(self) -> list[UserRecord]:
        return await self._store.users_with_role("adviser")

    async def get_adviser(self, user_id: int) -> UserRecord | None:
        user = await self._store.get_user(user_id)
        return user if user is not None and user.role == "adviser" else None

    async def set_capacity(
        self, user_id: int, capacity: int, by: UserRecord | None = None
    ) -> UserRecord | None:
        """A manager sets how many chats an adviser takes at once; None if no such adviser."""
        if not 1 <= capacity <= MAX_CAPACITY:
            raise AccountError(f"capacity must be 1 to {MAX_CAPACITY}")
        user = await self._store.get_user(user_id)
        if user is None or user.role != "adviser":
            return None
        updated = await self._store.set_capacity(user_id, capacity)
        if updated is not None:
            await self.audit(by.id if by else None, CAPACITY_CHANGED, f"user:{user_id}")
        return updated

    async def set_disabled(
        self, user_id: int, disabled: bool, by: UserRecord | None = None
    ) -> UserRecord | None:
        """Disable (every session of the account ends at once) or enable an adviser."""
        user = await self._store.get_user(user_id)
        if user is None or user.role != "adviser":
            return None
        updated = await self._store.set_disabled(user_id, disabled)
        if updated is not None and updated.disabled != user.disabled:
            action = ACCOUNT_DISABLED if disabled else ACCOUNT_ENABLED
            await self.audit(by.id if by else None, action, f"user:{user_id}")
        return updated

    async def set_senior(
        self, user_id: int, senior: bool, by: UserRecord | None = None
    ) -> UserRecord | None:
        """Mark an adviser senior (they may watch other advisers' live chats) or not."""
        user = await self._store.get_user(user_id)
        if user is None or user.role != "adviser":
            return None
        updated = await self._store.set_senior(user_id, senior)
        if updated is not None and updated.senior != user.senior:
            await self.audit(by.id if by else None, SENIOR_CHANGED, f"user:{user_id}")
        return updated

    async def set_password(self, user_id: int, password: str, by: UserRecord | None = None) -> None:
        user = await self._store.get_user(user_id)
        problem = password_problem(password, user.username if user else None)
        if problem:
            raise AccountError(problem)
        await self._store.set_password_hash(user_id, await self._hash(password))
        # A new password ends every sign-in made with the old one.
        await self._store.delete_user_sessions(user_id)
        await self.audit(by.id if by else None, PASSWORD_CHANGED, f"user:{user_id}")

    # -- sign-in ----------------------------------------------------------------

    async def _throttled(self, keys: list[tuple[str, int]]) -> float | None:
        waits = [await self._limiter.blocked(key, limit) for key, limit in keys]
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    async def sign_in(
        self, username: str, password: str, totp_code: str | None, address: str
    ) -> SignIn:
        """Check the password (and TOTP code) and start a session; else LoginRefused."""
        username = username.strip().lower()[:64]
        keys = [
            (f"login:user:{username}", self._per_account),
            (f"login:addr:{address}", self._per_address),
        ]
        wait = await self._throttled(keys)
        if wait is not None:
            # Recorded once per address and window, so a flood cannot fill the audit log.
            if await self._limiter.hit(f"login:audited:{address}", 1, wait) is None:
                await self.audit(None, SIGN_IN_THROTTLED, f"addr:{address}"[:64])
            raise LoginRefused(
                429,
                "too_many_attempts",
                f"Too many failed sign-ins. Please wait {_minutes(wait)} before trying again.",
                wait,
            )
        user = await self.authenticate(username, password)
        if user is None:
            for key, _ in keys:
                await self._limiter.hit(key, 10**9, LOGIN_WINDOW_SECONDS)
            found = (
                await self._store.user_with_hash(username)
                if _USERNAME.fullmatch(username)
                else None
            )
            target = found[0].id if found else None
            await self.audit(target, SIGN_IN_FAILED, f"addr:{address}"[:64])
            raise LoginRefused(401, "invalid_credentials", "The username or password is not right.")
        enrol_only = False
        if user.totp_enabled:
            if not totp_code:
                raise LoginRefused(
                    401, "totp_required", "Enter the 6-digit code from your authenticator app."
                )
            if not await self.verify_totp(user, totp_code):
                for key, _ in keys:
                    await self._limiter.hit(key, 10**9, LOGIN_WINDOW_SECONDS)
                await self.audit(user.id, SIGN_IN_FAILED, f"addr:{address}"[:64])
                raise LoginRefused(
                    401, "invalid_totp", "That code is not right. Codes change every 30 seconds."
                )
        elif self.require_totp:
            enrol_only = True
        await self._limiter.reset(keys[0][0])
        token = await self.start_session(user, enrol_only=enrol_only)
        await self.audit(user.id, SIGN_IN, f"addr:{address}"[:64])
        return SignIn(user, token, enrol_only)

    async def authenticate(self, username: str, password: str) -> UserRecord | None:
        if len(password) > PASSWORD_MAX_CHARS:
            return None
        username = username.strip().lower()
        # A name no account can have is not looked up (PostgreSQL refuses NUL in text).
        found = (
            await self._store.user_with_hash(username) if _USERNAME.fullmatch(username) else None
        )
        if found is None:
            await self._verify(self._dummy_hash, password)
            return None
        user, stored_hash = found
        if not await self._verify(stored_hash, password):
            return None
        if user.disabled:
            return None
        if self._hasher.check_needs_rehash(stored_hash):
            await self._store.set_password_hash(user.id, await self._hash(password))
        return user

    async def start_session(self, user: UserRecord, *, enrol_only: bool = False) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        await self._store.create_session(
            token_hash=hash_token(token),
            user_id=user.id,
            now=now,
            expires_at=now + self._session_lifetime,
            enrol_only=enrol_only,
        )
        return token

    async def session(self, token: str | None) -> tuple[UserRecord, bool] | None:
        """(user, enrol_only) for a live session cookie, else None."""
        if not token or len(token) > 200:
            return None
        return await self._store.session_user(hash_token(token), utcnow(), self._idle_seconds)

    async def session_user(self, token: str | None) -> UserRecord | None:
        """The user of a live, fully signed-in session (not an enrol-only one), else None."""
        found = await self.session(token)
        if found is None or found[1]:
            return None
        return found[0]

    async def live_sessions(self, token_hashes: list[str]) -> set[str]:
        return await self._store.live_sessions(token_hashes, utcnow(), self._idle_seconds)

    async def end_session(self, token: str | None, user: UserRecord | None = None) -> None:
        if token:
            await self._store.delete_session(hash_token(token))
            if user is not None:
                await self.audit(user.id, SIGN_OUT)

    # -- TOTP -------------------------------------------------------------------

    async def begin_totp(self, user: UserRecord) -> tuple[str, str]:
        """A new secret for `user` (not yet in force): (base32 secret, otpauth URI)."""
        secret = pyotp.random_base32()
        sealed = self._totp_sealer.seal(secret.encode(), f"user:{user.id}")
        await self._store.set_totp(user.id, sealed, enabled=False)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)
        return secret, uri

    async def confirm_totp(self, user: UserRecord, code: str, token: str | None) -> bool:
        """Turn TOTP on once a code from the new secret checks out; opens an enrol-only
        session fully."""
        sealed, enabled, _ = await self._store.totp_state(user.id)
        if sealed is None or enabled or not await self._check_code(user.id, sealed, code):
            return False
        # set_totp clears the last step; the code just used must not sign in again.
        _, _, used = await self._store.totp_state(user.id)
        await self._store.set_totp(user.id, sealed, enabled=True)
        if used is not None:
            await self._store.use_totp_step(user.id, used)
        if token:
            await self._store.end_enrolment(hash_token(token))
        await self.audit(user.id, TOTP_ENABLED, f"user:{user.id}")
        return True

    async def reset_totp(self, user_id: int, by: UserRecord | None = None) -> None:
        """A lost phone: TOTP is turned off (and must be set up again when required)."""
        await self._store.set_totp(user_id, None, enabled=False)
        await self._store.delete_user_sessions(user_id)
        await self.audit(by.id if by else None, TOTP_RESET, f"user:{user_id}")

    async def verify_totp(self, user: UserRecord, code: str) -> bool:
        sealed, enabled, _ = await self._store.totp_state(user.id)
        return bool(sealed and enabled and await self._check_code(user.id, sealed, code))

    async def _check_code(self, user_id: int, sealed: bytes, code: str) -> bool:
        code = code.strip().replace(" ", "")
        if not re.fullmatch(r"[0-9]{6}", code):
            return False
        try:
            secret = self._totp_sealer.open(sealed, f"user:{user_id}").decode()
        except SealError:
            log.warning("TOTP secret cannot be opened", extra={"user_id": user_id})
            return False
        totp = pyotp.TOTP(secret)
        now_step = int(time.time()) // 30
        for step in (now_step - 1, now_step, now_step + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return await self._store.use_totp_step(user_id, step)
        return False


def _minutes(seconds: float) -> str:
    minutes = max(1, int((seconds + 59) // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
