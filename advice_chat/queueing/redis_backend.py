"""Redis queue backend for scale-out: every worker process shares one line and one roster.

Each operation that reads and then writes runs as one Lua script, so Redis
executes it atomically: whichever worker claims, a chat goes to one adviser
and no adviser goes over capacity. Keys (under a prefix, default `ac:`):

- `{p}q:{team}`      sorted set of a team's waiting chat ids; score = rank (see `_score`)
- `{p}qteam`         hash: waiting chat id -> its team (which line it is in)
- `{p}teams`         set of the teams that have (had) a line
- `{p}notes`         hash: chat id -> the note left when it was moved to another team
- `{p}available`     sorted set of available adviser ids; score = idle since (epoch seconds)
- `{p}adv:{id}`      hash: status, capacity, idle_since, teams (",respect,drive,")
- `{p}adv:{id}:conns` set of connection ids (`worker:sid`)
- `{p}adv:{id}:active` set of the adviser's open chat ids
- `{p}advisers`      set of adviser ids ever seen
- `{p}version`       counter bumped on every change, so workers know when to refresh

A single Redis server is assumed (keys are built inside scripts); Redis
Cluster would need hash tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from advice_chat.queueing.base import AdviserState, Claim, Overflow, QueueEntry
from advice_chat.routing import DEFAULT_TEAM

_RANK = 10**13  # priority band width in milliseconds (far beyond any epoch-ms value)
_MAX_PRIORITY = 9


def _score(entry: QueueEntry) -> int:
    """Lower is answered first: higher priority bands first, then earlier arrival."""
    return (_MAX_PRIORITY - entry.priority) * _RANK + int(entry.joined_at * 1000)


def _entry(chat_id: str, score: float, team: str) -> QueueEntry:
    value = int(score)
    band, joined_ms = divmod(value, _RANK)
    return QueueEntry(chat_id, _MAX_PRIORITY - band, joined_ms / 1000, team)


def _teams_field(teams: Sequence[str]) -> str:
    """Teams as one hash field, ",a,b,", so a script can test membership with a find."""
    return "," + ",".join(sorted(set(teams))) + ","


_CONNECT = """
local p, id, conn, cap, now, teams = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = p .. 'adv:' .. id
redis.call('SADD', p .. 'advisers', id)
redis.call('SADD', key .. ':conns', conn)
redis.call('HSET', key, 'capacity', cap, 'teams', teams)
local status = redis.call('HGET', key, 'status')
if not status or status == 'offline' then
  redis.call('HSET', key, 'status', 'away', 'idle_since', now)
end
redis.call('INCR', p .. 'version')
return 1
"""

_DISCONNECT = """
local p, id, conn, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. 'adv:' .. id
redis.call('SREM', key .. ':conns', conn)
if redis.call('SCARD', key .. ':conns') == 0 and redis.call('EXISTS', key) == 1
    and redis.call('HGET', key, 'status') ~= 'offline' then
  redis.call('HSET', key, 'status', 'offline', 'offline_since', now)
  redis.call('ZREM', p .. 'available', id)
end
redis.call('INCR', p .. 'version')
return redis.call('EXISTS', key)
"""

_SET_STATUS = """
local p, id, status, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. 'adv:' .. id
if redis.call('SCARD', key .. ':conns') == 0 then return 0 end
if status == 'available' then
  if redis.call('HGET', key, 'status') ~= 'available' then
    redis.call('HSET', key, 'idle_since', now)
    redis.call('ZADD', p .. 'available', now, id)
  end
else
  redis.call('ZREM', p .. 'available', id)
end
redis.call('HSET', key, 'status', status)
redis.call('INCR', p .. 'version')
return 1
"""

_CLAIM = """
local p, now = ARGV[1], ARGV[2]
local rank, bands = tonumber(ARGV[3]), tonumber(ARGV[4])
local cutoffs = {}
for i = 5, #ARGV, 2 do cutoffs[ARGV[i]] = tonumber(ARGV[i + 1]) end
-- Candidates: each team's head (for its members) and, for a team past its overflow
-- cutoff, its first late chat by priority band (for advisers of other teams).
local cands = {}
for _, team in ipairs(redis.call('SMEMBERS', p .. 'teams')) do
  local q = p .. 'q:' .. team
  local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
  if #head > 0 then
    local c = {chat = head[1], score = tonumber(head[2]), raw = head[2], team = team,
               members = true, others = false}
    table.insert(cands, c)
    local cut = cutoffs[team]
    if cut then
      for band = 0, bands do
        local lo = band * rank
        local late = redis.call('ZRANGEBYSCORE', q, string.format('%d', lo),
                                string.format('%d', lo + cut), 'WITHSCORES', 'LIMIT', 0, 1)
        if #late > 0 then
          if late[1] == head[1] then
            c.others = true
          else
            table.insert(cands, {chat = late[1], score = tonumber(late[2]), raw = late[2],
                                 team = team, members = false, others = true})
          end
          break
        end
      end
    end
  end
end
if #cands == 0 then return false end
table.sort(cands, function(a, b)
  if a.score ~= b.score then return a.score < b.score end
  return a.chat < b.chat
end)
local free = {}
for _, id in ipairs(redis.call('ZRANGE', p .. 'available', 0, -1)) do
  local key = p .. 'adv:' .. id
  local cap = tonumber(redis.call('HGET', key, 'capacity') or '0')
  if redis.call('SCARD', key .. ':active') < cap then
    table.insert(free, {id = id, teams = redis.call('HGET', key, 'teams') or ''})
  end
end
if #free == 0 then return false end
-- A team's own free advisers come first; others only take what overflow allows.
for _, c in ipairs(cands) do
  for pass = 1, 2 do
  for _, a in ipairs(free) do
    local member = string.find(a.teams, ',' .. c.team .. ',', 1, true) ~= nil
    if (pass == 1 and c.members and member) or (pass == 2 and c.others and not member) then
      local key = p .. 'adv:' .. a.id
      redis.call('ZREM', p .. 'q:' .. c.team, c.chat)
      redis.call('HDEL', p .. 'qteam', c.chat)
      redis.call('SADD', key .. ':active', c.chat)
      redis.call('ZADD', p .. 'available', now, a.id)
      redis.call('HSET', key, 'idle_since', now)
      redis.call('INCR', p .. 'version')
      return {c.chat, c.raw, a.id, c.team, member and 0 or 1}
    end
  end
  end
end
return false
"""

_ENQUEUE = """
local p, chat, score, team = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HSETNX', p .. 'qteam', chat, team) == 0 then return 0 end
redis.call('SADD', p .. 'teams', team)
redis.call('ZADD', p .. 'q:' .. team, score, chat)
redis.call('INCR', p .. 'version')
return 1
"""

_REMOVE = """
local p, chat = ARGV[1], ARGV[2]
local team = redis.call('HGET', p .. 'qteam', chat)
if not team then return 0 end
redis.call('HDEL', p .. 'qteam', chat)
redis.call('ZREM', p .. 'q:' .. team, chat)
redis.call('INCR', p .. 'version')
return 1
"""

_MOVE = """
local p, chat, to = ARGV[1], ARGV[2], ARGV[3]
local team = redis.call('HGET', p .. 'qteam', chat)
if not team then return false end
local score = redis.call('ZSCORE', p .. 'q:' .. team, chat)
redis.call('ZREM', p .. 'q:' .. team, chat)
redis.call('ZADD', p .. 'q:' .. to, score, chat)
redis.call('HSET', p .. 'qteam', chat, to)
redis.call('SADD', p .. 'teams', to)
redis.call('INCR', p .. 'version')
return score
"""

_SET_TEAMS = """
local p, id, teams = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'adv:' .. id
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'teams', teams)
redis.call('INCR', p .. 'version')
return 1
"""

_REAP = """
local p, now = ARGV[1], ARGV[2]
local dropped = 0
for _, chat in ipairs(redis.call('SMEMBERS', p .. 'pros')) do
  local key = p .. 'pro:' .. chat .. ':conns'
  for _, conn in ipairs(redis.call('SMEMBERS', key)) do
    local worker = string.match(conn, '^([^:]+):')
    if not worker or redis.call('EXISTS', p .. 'worker:' .. worker) == 0 then
      redis.call('SREM', key, conn)
      dropped = dropped + 1
    end
  end
  if redis.call('SCARD', key) == 0 then
    redis.call('SREM', p .. 'pros', chat)
    redis.call('ZADD', p .. 'pro:gone', 'NX', now, chat)
  end
end
for _, id in ipairs(redis.call('SMEMBERS', p .. 'advisers')) do
  local key = p .. 'adv:' .. id
  for _, conn in ipairs(redis.call('SMEMBERS', key .. ':conns')) do
    local worker = string.match(conn, '^([^:]+):')
    if not worker or redis.call('EXISTS', p .. 'worker:' .. worker) == 0 then
      redis.call('SREM', key .. ':conns', conn)
      dropped = dropped + 1
    end
  end
  local status = redis.call('HGET', key, 'status')
  if redis.call('SCARD', key .. ':conns') == 0 and status ~= 'offline' then
    redis.call('HSET', key, 'status', 'offline', 'offline_since', now)
    redis.call('ZREM', p .. 'available', id)
  end
end
if dropped > 0 then redis.call('INCR', p .. 'version') end
return dropped
"""

_PRO_CONNECT = """
local p, chat, conn = ARGV[1], ARGV[2], ARGV[3]
redis.call('SADD', p .. 'pro:' .. chat .. ':conns', conn)
redis.call('SADD', p .. 'pros', chat)
redis.call('ZREM', p .. 'pro:gone', chat)
return 1
"""

_PRO_DISCONNECT = """
local p, chat, conn, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. 'pro:' .. chat .. ':conns'
redis.call('SREM', key, conn)
if redis.call('SCARD', key) == 0 then
  redis.call('SREM', p .. 'pros', chat)
  redis.call('ZADD', p .. 'pro:gone', now, chat)
end
return 1
"""

_PRO_WAITING = """
local p, chat, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('SCARD', p .. 'pro:' .. chat .. ':conns') == 0 then
  redis.call('ZADD', p .. 'pro:gone', 'NX', now, chat)
end
return 1
"""

_CLAIM_CHAT = """
local p, chat, id, now, rank = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local cutoffs = {}
for i = 6, #ARGV, 2 do cutoffs[ARGV[i]] = tonumber(ARGV[i + 1]) end
local team = redis.call('HGET', p .. 'qteam', chat)
if not team then return false end
local score = redis.call('ZSCORE', p .. 'q:' .. team, chat)
if not score then return false end
local key = p .. 'adv:' .. id
if redis.call('HGET', key, 'status') ~= 'available' then return false end
local cap = tonumber(redis.call('HGET', key, 'capacity') or '0')
if redis.call('SCARD', key .. ':active') >= cap then return false end
local teams = redis.call('HGET', key, 'teams') or ''
local member = string.find(teams, ',' .. team .. ',', 1, true) ~= nil
if not member then
  local cut = cutoffs[team]
  if not cut or tonumber(score) % rank > cut then return false end
end
redis.call('ZREM', p .. 'q:' .. team, chat)
redis.call('HDEL', p .. 'qteam', chat)
redis.call('SADD', key .. ':active', chat)
redis.call('ZADD', p .. 'available', now, id)
redis.call('HSET', key, 'idle_since', now)
redis.call('INCR', p .. 'version')
return {chat, score, id, team, member and 0 or 1}
"""

_TAKE_OFFER = """
local p, chat, id = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', p .. 'offer:adviser', chat) ~= id then return 0 end
redis.call('HDEL', p .. 'offer:adviser', chat)
redis.call('ZREM', p .. 'offers', chat)
return 1
"""

_EXPIRED_OFFERS = """
local p, now = ARGV[1], ARGV[2]
local out = {}
for _, chat in ipairs(redis.call('ZRANGEBYSCORE', p .. 'offers', '-inf', now)) do
  local id = redis.call('HGET', p .. 'offer:adviser', chat)
  redis.call('HDEL', p .. 'offer:adviser', chat)
  redis.call('ZREM', p .. 'offers', chat)
  if id then
    table.insert(out, chat)
    table.insert(out, id)
  end
end
return out
"""

_RELEASE = """
local p, id, chat = ARGV[1], ARGV[2], ARGV[3]
local removed = redis.call('SREM', p .. 'adv:' .. id .. ':active', chat)
if removed == 1 then redis.call('INCR', p .. 'version') end
return removed
"""


_PLACE = """
local p, chat = ARGV[1], ARGV[2]
local team = redis.call('HGET', p .. 'qteam', chat)
if not team then return false end
local rank = redis.call('ZRANK', p .. 'q:' .. team, chat)
if not rank then return false end
return {team, rank + 1}
"""

_LINES = """
local p = ARGV[1]
local out = {}
for _, team in ipairs(redis.call('SMEMBERS', p .. 'teams')) do
  out[#out + 1] = team
  out[#out + 1] = redis.call('ZRANGE', p .. 'q:' .. team, 0, -1)
end
return out
"""

_HEAD = """
local p, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, team in ipairs(redis.call('SMEMBERS', p .. 'teams')) do
  local key = p .. 'q:' .. team
  out[#out + 1] = team
  out[#out + 1] = redis.call('ZCARD', key)
  if limit > 0 then
    out[#out + 1] = redis.call('ZRANGE', key, 0, limit - 1, 'WITHSCORES')
  else
    out[#out + 1] = {}
  end
end
return out
"""


class RedisQueue:
    def __init__(self, client: aioredis.Redis, prefix: str = "ac:") -> None:
        self._r = client
        self._p = prefix
        self._connect = client.register_script(_CONNECT)
        self._disconnect = client.register_script(_DISCONNECT)
        self._set_status = client.register_script(_SET_STATUS)
        self._claim = client.register_script(_CLAIM)
        self._enqueue = client.register_script(_ENQUEUE)
        self._remove = client.register_script(_REMOVE)
        self._release = client.register_script(_RELEASE)
        self._reap = client.register_script(_REAP)
        self._claim_chat = client.register_script(_CLAIM_CHAT)
        self._take_offer = client.register_script(_TAKE_OFFER)
        self._expired_offers = client.register_script(_EXPIRED_OFFERS)
        self._pro_connect = client.register_script(_PRO_CONNECT)
        self._pro_disconnect = client.register_script(_PRO_DISCONNECT)
        self._pro_waiting = client.register_script(_PRO_WAITING)
        self._move = client.register_script(_MOVE)
        self._set_teams = client.register_script(_SET_TEAMS)
        self._place = client.register_script(_PLACE)
        self._lines = client.register_script(_LINES)
        self._head = client.register_script(_HEAD)

    @property
    def prefix(self) -> str:
        return self._p

    async def enqueue(self, entry: QueueEntry) -> None:
        await self._enqueue(args=[self._p, entry.chat_id, _score(entry), entry.team])

    async def remove(self, chat_id: str) -> bool:
        return bool(await self._remove(args=[self._p, chat_id]))

    async def waiting(self, team: str | None = None) -> list[QueueEntry]:
        if team is not None:
            teams = [team]
        else:
            teams = sorted(_text(t) for t in await self._r.smembers(self._p + "teams"))
        async with self._r.pipeline(transaction=True) as pipe:
            for name in teams:
                pipe.zrange(f"{self._p}q:{name}", 0, -1, withscores=True)
            lines: list[Any] = await pipe.execute()
        rows = [
            (float(score), _text(member), name)
            for name, line in zip(teams, lines, strict=True)
            for member, score in line
        ]
        rows.sort()
        return [_entry(chat_id, score, name) for score, chat_id, name in rows]

    async def place(self, chat_id: str) -> tuple[str, int] | None:
        found = await self._place(args=[self._p, chat_id])
        if not found:
            return None
        return _text(found[0]), int(found[1])

    async def lines(self) -> dict[str, list[str]]:
        flat = await self._lines(args=[self._p])
        return {
            _text(flat[i]): [_text(member) for member in flat[i + 1]]
            for i in range(0, len(flat), 2)
        }

    async def head(self, limit: int) -> tuple[list[QueueEntry], dict[str, int]]:
        flat = await self._head(args=[self._p, limit])
        counts: dict[str, int] = {}
        rows: list[tuple[float, str, str]] = []
        for i in range(0, len(flat), 3):
            team, count, line = _text(flat[i]), int(flat[i + 1]), flat[i + 2]
            if count:
                counts[team] = count
            rows.extend(
                (float(line[j + 1]), _text(line[j]), team) for j in range(0, len(line), 2)
            )
        rows.sort()
        return [_entry(chat_id, score, team) for score, chat_id, team in rows[:limit]], counts

    async def move(self, chat_id: str, team: str) -> QueueEntry | None:
        score = await self._move(args=[self._p, chat_id, team])
        return None if score is None else _entry(chat_id, float(_text(score)), team)

    async def connect(
        self,
        adviser_id: int,
        conn_id: str,
        capacity: int,
        now: float,
        teams: Sequence[str] = (DEFAULT_TEAM,),
    ) -> None:
        await self._connect(args=[self._p, adviser_id, conn_id, capacity, now, _teams_field(teams)])

    async def set_teams(self, adviser_id: int, teams: Sequence[str]) -> None:
        await self._set_teams(args=[self._p, adviser_id, _teams_field(teams)])

    async def disconnect(self, adviser_id: int, conn_id: str, now: float) -> AdviserState | None:
        exists = await self._disconnect(args=[self._p, adviser_id, conn_id, now])
        return await self.adviser(adviser_id) if exists else None

    async def set_status(self, adviser_id: int, status: str, now: float) -> AdviserState | None:
        done = await self._set_status(args=[self._p, adviser_id, status, now])
        return await self.adviser(adviser_id) if done else None

    async def adviser(self, adviser_id: int) -> AdviserState | None:
        key = f"{self._p}adv:{adviser_id}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.smembers(key + ":active")
            pipe.scard(key + ":conns")
            fields, active, conns = await pipe.execute()
        if not fields:
            return None
        return _state(adviser_id, fields, active, conns)

    async def advisers(self) -> list[AdviserState]:
        ids = sorted(int(_text(i)) for i in await self._r.smembers(self._p + "advisers"))
        if not ids:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for adviser_id in ids:
                key = f"{self._p}adv:{adviser_id}"
                pipe.hgetall(key)
                pipe.smembers(key + ":active")
                pipe.scard(key + ":conns")
            rows = await pipe.execute()
        states = []
        for index, adviser_id in enumerate(ids):
            fields, active, conns = rows[3 * index : 3 * index + 3]
            if fields:
                states.append(_state(adviser_id, fields, active, conns))
        return states

    async def claim_next(self, now: float, overflow: Overflow | None = None) -> Claim | None:
        result = await self._claim(
            args=[self._p, now, _RANK, _MAX_PRIORITY, *_cutoff_args(overflow)]
        )
        return None if not result else _claim(result)

    async def claim_chat(
        self, chat_id: str, adviser_id: int, now: float, overflow: Overflow | None = None
    ) -> Claim | None:
        result = await self._claim_chat(
            args=[self._p, chat_id, adviser_id, now, _RANK, *_cutoff_args(overflow)]
        )
        return None if not result else _claim(result)

    async def set_capacity(self, adviser_id: int, capacity: int) -> None:
        key = f"{self._p}adv:{adviser_id}"
        if await self._r.exists(key):
            await self._r.hset(key, "capacity", capacity)
            await self._r.incr(self._p + "version")

    async def set_offers(self, adviser_id: int, enabled: bool) -> None:
        key = f"{self._p}adv:{adviser_id}"
        if await self._r.exists(key):
            await self._r.hset(key, "offers", int(enabled))

    async def add_offer(self, chat_id: str, adviser_id: int, deadline: float) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(self._p + "offer:adviser", chat_id, adviser_id)
            pipe.zadd(self._p + "offers", {chat_id: deadline})
            await pipe.execute()

    async def take_offer(self, chat_id: str, adviser_id: int) -> bool:
        return bool(await self._take_offer(args=[self._p, chat_id, adviser_id]))

    async def expired_offers(self, now: float) -> list[tuple[str, int]]:
        flat = await self._expired_offers(args=[self._p, now])
        return [(_text(flat[i]), int(_text(flat[i + 1]))) for i in range(0, len(flat), 2)]

    async def offers(self) -> dict[str, int]:
        rows = await self._r.hgetall(self._p + "offer:adviser")
        return {_text(k): int(_text(v)) for k, v in rows.items()}

    async def unclaim(self, claim: Claim) -> None:
        await self._release(args=[self._p, claim.adviser_id, claim.entry.chat_id])

    async def add_active(self, adviser_id: int, chat_id: str, now: float) -> None:
        key = f"{self._p}adv:{adviser_id}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.sadd(self._p + "advisers", adviser_id)
            pipe.hsetnx(key, "status", "offline")
            pipe.hsetnx(key, "capacity", 0)
            pipe.hsetnx(key, "idle_since", now)
            pipe.hsetnx(key, "offline_since", now)
            pipe.hsetnx(key, "teams", "")
            pipe.sadd(key + ":active", chat_id)
            pipe.incr(self._p + "version")
            await pipe.execute()

    async def release(self, adviser_id: int, chat_id: str, now: float) -> None:
        await self._release(args=[self._p, adviser_id, chat_id])

    async def version(self) -> int:
        return int(await self._r.get(self._p + "version") or 0)

    async def heartbeat(self, worker_id: str, ttl_seconds: float) -> None:
        await self._r.set(f"{self._p}worker:{worker_id}", 1, px=int(ttl_seconds * 1000))

    async def reap(self, now: float) -> int:
        return int(await self._reap(args=[self._p, now]))

    async def professional_waiting(self, chat_id: str, now: float) -> None:
        await self._pro_waiting(args=[self._p, chat_id, now])

    async def professional_connected(self, chat_id: str, conn_id: str) -> None:
        await self._pro_connect(args=[self._p, chat_id, conn_id])

    async def professional_disconnected(self, chat_id: str, conn_id: str, now: float) -> None:
        await self._pro_disconnect(args=[self._p, chat_id, conn_id, now])

    async def professionals_gone(self, before: float) -> list[str]:
        rows = await self._r.zrangebyscore(self._p + "pro:gone", "-inf", f"({before}")
        return [_text(r) for r in rows]

    async def forget_professional(self, chat_id: str) -> None:
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.zrem(self._p + "pro:gone", chat_id)
            pipe.srem(self._p + "pros", chat_id)
            pipe.delete(f"{self._p}pro:{chat_id}:conns")
            pipe.hdel(self._p + "notes", chat_id)
            await pipe.execute()

    async def set_note(self, chat_id: str, note: str | None) -> None:
        if note is None:
            await self._r.hdel(self._p + "notes", chat_id)
        else:
            await self._r.hset(self._p + "notes", chat_id, note)

    async def notes(self, chat_ids: Sequence[str]) -> dict[str, str]:
        if not chat_ids:
            return {}
        values = await self._r.hmget(self._p + "notes", list(chat_ids))
        return {c: _text(v) for c, v in zip(chat_ids, values, strict=True) if v is not None}

    async def connections(self, adviser_id: int) -> set[str]:
        return {_text(c) for c in await self._r.smembers(f"{self._p}adv:{adviser_id}:conns")}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _cutoff_args(overflow: Overflow | None) -> list[Any]:
    """Overflow cutoffs as script arguments: team, arrival cutoff in epoch milliseconds."""
    return [x for team, cut in (overflow or {}).items() for x in (team, int(cut * 1000))]


def _claim(result: Any) -> Claim:
    chat_id, score, adviser_id, team, overflow = result
    return Claim(
        entry=_entry(_text(chat_id), float(_text(score)), _text(team)),
        adviser_id=int(_text(adviser_id)),
        overflow=int(overflow) == 1,
    )


def _state(adviser_id: int, fields: dict[Any, Any], active: set[Any], conns: int) -> AdviserState:
    data = {_text(k): _text(v) for k, v in fields.items()}
    return AdviserState(
        adviser_id=adviser_id,
        status=data.get("status", "offline"),
        capacity=int(data.get("capacity", "0")),
        active=frozenset(_text(a) for a in active),
        connections=int(conns),
        idle_since=float(data.get("idle_since", "0")),
        offline_since=float(data.get("offline_since", "0")),
        offers=data.get("offers") == "1",
        teams=frozenset(t for t in data.get("teams", "").split(",") if t),
    )
