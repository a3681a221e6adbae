"""A stand-in for Discord on loopback, to drive the real, unmodified discord.py end to end.

An aiohttp server answers REST calls (recording every request) and runs a JSON gateway. discord.py
is pointed at it through ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``: login, sharding,
READY and GUILD_CREATE caching, command-tree dispatch, option parsing, checks, components and the
exact JSON the bot would send all run as in production. Payloads follow Discord's documented
shapes.

It also keeps Discord's interaction rules (Discord developer docs, "Receiving and Responding"):
- the first response (callback) must come within 3 s of the event, autocomplete included, or
  Discord answers 404 with code 10062 "Unknown interaction" (the member sees "The application
  did not respond");
- a second callback is refused: 400, code 40060 "Interaction has already been acknowledged";
- a follow-up or an edit of the original on an interaction never acknowledged: 404, code 10015
  "Unknown Webhook";
- the interaction token lives 15 minutes; after that 401, code 50027 "Invalid Webhook Token";
- after a deferred response (type 5) the first follow-up replaces the "thinking" placeholder and
  keeps the visibility chosen when deferring (its own ephemeral flag is ignored); later follow-ups
  are independent messages.
``visible_to_all`` tells, for each message the bot sent, whether the whole channel could see it.

Gotchas (from the proof of concept): responses need Content-Type exactly
``application/json``; GUILD_CREATE members need ``flags``; INTERACTION_CREATE needs
``attachment_size_limit``; a body sent with files arrives as the multipart part ``payload_json``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yarl
from aiohttp import BodyPartReader, web

APP_ID = "1000"
GUILD_ID = "2000"
CHANNEL_ID = "3000"
NSFW_CHANNEL_ID = "3001"
OPT_IN_CHANNEL_ID = "3002"
MOD_CHANNEL_ID = "3003"
FORUM_ID = "3004"  # not in the guild unless a test adds ``forum_channel()`` to it
MOD_ROLE_ID = "2100"
MANAGER_ROLE_ID = "2200"
T0 = "2024-01-01T00:00:00+00:00"
EVERYONE_PERMS = "104324673"  # view, send, read history, embed, attach, add reactions, use app commands
MANAGE_GUILD = 1 << 5

BOT_USER = {
    "id": APP_ID,
    "username": "librarybot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
OWNER = {"id": "4999", "username": "owner", "discriminator": "0", "global_name": None, "avatar": None}
ALICE = {"id": "4000", "username": "alice", "discriminator": "0", "global_name": None, "avatar": None}
BOB = {"id": "4001", "username": "bob", "discriminator": "0", "global_name": None, "avatar": None}
MOD = {"id": "4002", "username": "mod", "discriminator": "0", "global_name": None, "avatar": None}
MANAGER = {"id": "4003", "username": "manager", "discriminator": "0", "global_name": None, "avatar": None}

ROLES = {
    ALICE["id"]: [],
    BOB["id"]: [],
    MOD["id"]: [MOD_ROLE_ID],
    MANAGER["id"]: [MANAGER_ROLE_ID],
    OWNER["id"]: [],
    APP_ID: [],
}


def member(user: dict) -> dict:
    return {
        "user": user,
        "roles": ROLES.get(user["id"], []),
        "joined_at": T0,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
    }


def role(rid: str, name: str, permissions: str, position: int) -> dict:
    return {
        "id": rid,
        "name": name,
        "permissions": permissions,
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def channel(cid: str, name: str, nsfw: bool = False) -> dict:
    return {
        "id": cid,
        "type": 0,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": nsfw,
        "guild_id": GUILD_ID,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
    }


def forum_channel(cid: str = FORUM_ID, name: str = "questions") -> dict:
    return {
        **channel(cid, name),
        "type": 15,
        "available_tags": [],
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
        "flags": 0,
    }


def thread(tid: str, parent_id: str, name: str, owner_id: str, kind: int = 11) -> dict:
    """A thread channel object (a public thread, or a forum post), as Discord sends it."""
    return {
        "id": tid,
        "type": kind,
        "guild_id": GUILD_ID,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": T0,
            "locked": False,
            "create_timestamp": T0,
        },
    }


GUILD = {
    "id": GUILD_ID,
    "name": "Support Circle",
    "owner_id": OWNER["id"],
    "features": [],
    "emojis": [],
    "stickers": [],
    "preferred_locale": "en-GB",
    "unavailable": False,
    "member_count": 6,
    "threads": [],
    "voice_states": [],
    "presences": [],
    "roles": [
        role(GUILD_ID, "@everyone", EVERYONE_PERMS, 0),
        role(MOD_ROLE_ID, "Moderators", EVERYONE_PERMS, 1),
        role(MANAGER_ROLE_ID, "Managers", str(int(EVERYONE_PERMS) | MANAGE_GUILD), 2),
    ],
    "channels": [
        channel(CHANNEL_ID, "general"),
        channel(NSFW_CHANNEL_ID, "after-dark", nsfw=True),
        channel(OPT_IN_CHANNEL_ID, "ask-the-library"),
        channel(MOD_CHANNEL_ID, "moderators"),
    ],
    "members": [member(u) for u in (BOT_USER, OWNER, ALICE, BOB, MOD, MANAGER)],
}


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


ACK_DEADLINE = 3.0  # seconds to the first response of an interaction (autocomplete too)
TOKEN_LIFE = 15 * 60.0
EPHEMERAL = 1 << 6


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


@dataclass
class Interaction:
    """What Discord remembers of one interaction: when it came, whether and how it was answered."""

    id: str
    kind: int
    created: float
    acknowledged_at: float | None = None
    response_type: int | None = None
    loading: bool = False  # deferred, and the placeholder not yet replaced
    original_ephemeral: bool = False
    original_deleted: bool = False


@dataclass
class Call:
    method: str
    path: str
    body: Any  # the request's JSON
    query: dict = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)
    status: int = 200
    error_code: int | None = None
    visible_to_all: bool | None = None  # for messages the bot sent: could the whole channel see it?

    @property
    def data(self) -> dict:
        """The message data of a callback (``data``) or of a plain message/webhook body."""
        if isinstance(self.body, dict) and "type" in self.body and "data" in self.body:
            return self.body["data"] or {}
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class Reply:
    """A message the bot made for an interaction, as the member sees it."""

    call: Call
    data: dict

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict]:
        return self.data.get("embeds") or []

    @property
    def text(self) -> str:
        """Everything a reader sees: content and embed text."""
        return json.dumps([self.content, self.embeds], ensure_ascii=False)

    @property
    def public(self) -> bool:
        return bool(self.call.visible_to_all)


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._waiting: dict[str | None, list[asyncio.Future]] = {}  # interaction id (None: any) -> waiters
        self.ready = asyncio.Event()
        self.seq = 0
        self.ws: web.WebSocketResponse | None = None
        self.ids = itertools.count(900000)
        self.rate_limit_next: dict[str, int] = {}
        self.interaction_types: dict[str, int] = {}
        self.interactions: dict[str, Interaction] = {}
        self.tokens: dict[str, str] = {}  # token -> interaction id
        self.clock = time.perf_counter  # the harness's idea of now; tests may add to it
        self.skew = 0.0
        self.ack_lag = 0.0  # tests: pretend every first response arrives this much later
        self.guild = json.loads(json.dumps(GUILD))
        self.files: dict[str, tuple[bytes, str | None]] = {}  # attachment id -> (bytes, Content-Type served)
        self.downloads: list[str] = []  # attachment ids the bot downloaded
        app = web.Application()
        app.router.add_get("/gw", self.gateway)
        app.router.add_get("/attachments/{aid}/{name}", self.attachment_file)
        app.router.add_route("*", "/api/v10/{p:.*}", self.rest)
        self.runner = web.AppRunner(app)
        self.url = ""

    async def start(self, monkeypatch) -> None:
        import discord.http
        from discord.gateway import DiscordWebSocket

        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        monkeypatch.setattr(discord.http.Route, "BASE", f"{self.url}/api/v10")
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{port}/gw"))

    async def stop(self) -> None:
        await self.runner.cleanup()

    # -- REST ------------------------------------------------------------------------------------

    async def _body(self, req: web.Request) -> Any:
        if not req.can_read_body:
            return None
        if req.content_type.startswith("multipart/"):
            reader = await req.multipart()
            while (part := await reader.next()) is not None:
                if isinstance(part, BodyPartReader) and part.name == "payload_json":
                    return json.loads(await part.text())
            return None
        raw = await req.read()
        return json.loads(raw) if raw else None

    def _message(self, body: dict | None, channel_id: str = CHANNEL_ID) -> dict:
        body = body or {}
        return {
            "id": str(next(self.ids)),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content", ""),
            "timestamp": T0,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
        }

    async def rest(self, req: web.Request) -> web.Response:
        path = "/" + req.match_info["p"]
        body = await self._body(req)
        for prefix, left in list(self.rate_limit_next.items()):
            if path.startswith(prefix) and left > 0:
                self.rate_limit_next[prefix] = left - 1
                self._record(Call(req.method, path, body, dict(req.query) | {"rate_limited": "1"}))
                # As Discord sends it; discord.py treats a 429 without "Via" as a Cloudflare ban.
                response = _json({"message": "You are being rate limited.", "retry_after": 0.05, "global": False}, 429)
                response.headers.update(
                    {
                        "Via": "1.1 google",
                        "Retry-After": "1",
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": "0.05",
                        "X-RateLimit-Bucket": "fake-bucket",
                        "X-RateLimit-Scope": "user",
                    }
                )
                return response
        ruled = self._interaction_rules(req.method, path, body)
        if isinstance(ruled, web.Response):
            return ruled
        call = Call(req.method, path, body, dict(req.query), visible_to_all=ruled)
        self._record(call)
        ws_url = self.url.replace("http", "ws") + "/gw"
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/gateway/bot":
            return _json(
                {
                    "url": ws_url,
                    "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
                }
            )
        if path == "/gateway":
            return _json({"url": ws_url})
        if path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": APP_ID,
                    "name": "librarybot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": OWNER,
                    "verify_key": "k",
                    "flags": 0,
                }
            )
        if path.endswith("/callback"):
            iid = path.split("/")[2]
            kind = (body or {}).get("type")
            if req.query.get("with_response") not in ("1", "true", "True"):
                return web.Response(status=204)
            result = {
                "interaction": {
                    "id": iid,
                    "type": self.interaction_types.get(iid, 2),
                    "response_message_id": str(next(self.ids)),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(((body or {}).get("data") or {}).get("flags", 0) & 64),
                }
            }
            if kind in (4, 7):
                result["resource"] = {"type": kind, "message": self._message((body or {}).get("data"))}
            elif kind is not None:
                result["resource"] = {"type": kind}
            return _json(result)
        if req.method == "DELETE":
            return web.Response(status=204)
        if path.endswith("/typing"):
            return web.Response(status=204)
        if req.method == "PUT" and path.endswith("/commands"):
            return _json(
                [
                    {**c, "id": str(6000 + i), "application_id": APP_ID, "version": "1", "guild_id": GUILD_ID}
                    for i, c in enumerate(body or [])
                ]
            )
        parts = path.strip("/").split("/")
        if req.method == "POST" and len(parts) == 5 and parts[0] == "channels" and parts[4] == "threads":
            # Start a thread from a message: the thread's id is the message's id.
            return _json(thread(parts[3], parts[1], (body or {}).get("name", ""), APP_ID))
        if path.startswith("/channels/"):
            return _json(self._message(body, path.split("/")[2]))
        return _json(self._message(body if isinstance(body, dict) else None))

    def now(self) -> float:
        return self.clock() + self.skew

    def _record(self, call: Call) -> None:
        """Every request, accepted or refused; wakes whoever waits for one (nothing polls the bot's loop)."""
        self.calls.append(call)
        parts = call.path.strip("/").split("/")
        iid = None
        if parts[0] == "interactions" and len(parts) > 1:
            iid = parts[1]
        elif parts[0] == "webhooks" and len(parts) > 2:
            iid = self.tokens.get(parts[2])
        for key in {iid, None}:
            for waiter in self._waiting.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def _next_request(self, deadline: float, iid: str | None = None) -> None:
        """Until the next request (for interaction ``iid``, or any) is recorded, or the deadline."""
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        waiter = loop.create_future()
        self._waiting.setdefault(iid, []).append(waiter)
        try:
            await asyncio.wait_for(waiter, remaining)
        except TimeoutError:
            pass

    def _interaction_rules(self, method: str, path: str, body: Any) -> web.Response | bool | None:
        """Discord's answer where its interaction rules refuse a request; else who sees the message."""
        parts = path.strip("/").split("/")
        if path.endswith("/callback") and parts[0] == "interactions":
            it = self.interactions.get(parts[1])
            if it is None:
                return self._refuse(method, path, body, 404, 10062, "Unknown interaction")
            if it.acknowledged_at is not None:
                return self._refuse(method, path, body, 400, 40060, "Interaction has already been acknowledged.")
            if self.now() + self.ack_lag - it.created > ACK_DEADLINE:
                return self._refuse(method, path, body, 404, 10062, "Unknown interaction")
            kind = (body or {}).get("type")
            flags = ((body or {}).get("data") or {}).get("flags") or 0
            it.acknowledged_at, it.response_type = self.now(), kind
            it.loading = kind == 5
            it.original_ephemeral = bool(flags & EPHEMERAL)
            return (not it.original_ephemeral) if kind == 4 else None
        if parts[0] == "webhooks" and len(parts) >= 3 and parts[1] == APP_ID:
            iid = self.tokens.get(parts[2])
            it = self.interactions.get(iid) if iid else None
            if it is None or it.acknowledged_at is None:
                return self._refuse(method, path, body, 404, 10015, "Unknown Webhook")
            if self.now() - it.created > TOKEN_LIFE:
                return self._refuse(method, path, body, 401, 50027, "Invalid Webhook Token")
            original = len(parts) >= 5 and parts[4] == "@original"
            if method == "DELETE" and original:
                it.original_deleted, it.loading = True, False
                return None
            if method == "PATCH" and original:
                it.loading = False
                return not it.original_ephemeral and not it.original_deleted
            if method == "POST" and len(parts) == 3:
                flags = ((body or {}).get("flags") or 0) if isinstance(body, dict) else 0
                if it.loading:  # the first follow-up replaces the placeholder and keeps its visibility
                    it.loading = False
                    return not it.original_ephemeral
                return not bool(flags & EPHEMERAL)
        if method == "POST" and path.startswith("/channels/") and path.endswith("/messages"):
            return True
        return None

    def _refuse(self, method: str, path: str, body: object, status: int, code: int, message: str) -> web.Response:
        self._record(Call(method, path, body, {"refused": str(code)}, status=status, error_code=code))
        return _error(status, code, message)

    def refused(self, code: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.error_code is not None and (code is None or c.error_code == code)]

    # -- attachments -----------------------------------------------------------------------------

    def attach(self, filename: str, data: bytes, content_type: str | None = None, *, size: int | None = None) -> dict:
        """An attachment object as Discord puts it in ``resolved``; its ``url`` is served by this stand-in.

        ``size`` may differ from ``len(data)``: Discord reports the size, and a test can claim a large one.
        """
        aid = str(next(self.ids))
        self.files[aid] = (data, content_type)
        url = f"{self.url}/attachments/{aid}/{filename}"
        out = {
            "id": aid,
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            "ephemeral": True,
        }
        if content_type is not None:
            out["content_type"] = content_type
        return out

    async def attachment_file(self, req: web.Request) -> web.Response:
        aid = req.match_info["aid"]
        self.downloads.append(aid)  # not a REST call: kept apart from ``calls`` (checked against the API spec)
        if aid not in self.files:
            return web.Response(status=404)
        data, kind = self.files[aid]
        return web.Response(body=data, headers={"Content-Type": kind or "application/octet-stream"})

    # -- gateway ---------------------------------------------------------------------------------

    async def gateway(self, req: web.Request) -> web.WebSocketResponse:
        self.ws = ws = web.WebSocketResponse()
        await ws.prepare(req)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            payload = json.loads(msg.data)
            op = payload["op"]
            if op == 1:
                await ws.send_json({"op": 11})
            elif op == 2:
                shard = payload["d"].get("shard", [0, 1])
                await self.send(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "session",
                        "resume_gateway_url": str(req.url),
                        "shard": shard,
                        "application": {"id": APP_ID, "flags": 0},
                    },
                )
                await self.send("GUILD_CREATE", self.guild)
                self.ready.set()
            elif op == 6:  # RESUME
                await self.send("RESUMED", {})
        return ws

    async def send(self, event: str, data: dict) -> None:
        assert self.ws is not None, "the bot has not connected to the gateway yet"
        self.seq += 1
        await self.ws.send_json({"op": 0, "t": event, "s": self.seq, "d": data})

    # -- events a member causes ------------------------------------------------------------------

    def _interaction(
        self, iid: str, itype: int, data: dict, user: dict, channel_id: str, locale: str, message: dict | None = None
    ) -> dict:
        ch = next(c for c in self.guild["channels"] if c["id"] == channel_id)
        self.interaction_types[iid] = itype
        self.interactions[iid] = Interaction(iid, itype, self.now())
        self.tokens[f"tok{iid}"] = iid
        perms = int(EVERYONE_PERMS)
        for rid in ROLES.get(user["id"], []):
            perms |= int(next(r["permissions"] for r in self.guild["roles"] if r["id"] == rid))
        payload = {
            "id": iid,
            "application_id": APP_ID,
            "type": itype,
            "token": f"tok{iid}",
            "version": 1,
            "guild_id": GUILD_ID,
            "channel_id": channel_id,
            "channel": ch,
            "member": {**member(user), "permissions": str(perms)},
            "app_permissions": EVERYONE_PERMS,
            "locale": locale,
            "guild_locale": "en-GB",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
            "attachment_size_limit": 8388608,
            "data": data,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(
        self,
        name: str,
        options: dict | None = None,
        *,
        user: dict = ALICE,
        channel_id: str = CHANNEL_ID,
        locale: str = "en-US",
        iid: str | None = None,
        claimed_permissions: str | None = None,
        claimed_roles: list[str] | None = None,
    ) -> str:
        """Send an application command; returns the interaction id. ``claimed_*`` forge the member fields."""
        iid = iid or str(next(self.ids))
        opts = [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
        payload = self._interaction(
            iid,
            2,
            {"id": "6000", "name": name, "type": 1, "options": opts, "guild_id": GUILD_ID},
            user,
            channel_id,
            locale,
        )
        if claimed_permissions is not None:
            payload["member"]["permissions"] = claimed_permissions
        if claimed_roles is not None:
            payload["member"]["roles"] = claimed_roles
        await self.send("INTERACTION_CREATE", payload)
        return iid

    async def autocomplete(
        self, name: str, option: str, value: str, *, user: dict = ALICE, sub: str | None = None
    ) -> str:
        iid = str(next(self.ids))
        opts = [{"name": option, "type": 3, "value": value, "focused": True}]
        if sub is not None:
            opts = [{"name": sub, "type": 1, "options": opts}]
        await self.send(
            "INTERACTION_CREATE",
            self._interaction(
                iid,
                4,
                {"id": "6000", "name": name, "type": 1, "options": opts, "guild_id": GUILD_ID},
                user,
                CHANNEL_ID,
                "en-US",
            ),
        )
        return iid

    async def subcommand(
        self,
        name: str,
        sub: str,
        options: dict | None = None,
        *,
        user: dict = ALICE,
        channel_id: str = CHANNEL_ID,
        claimed_permissions: str | None = None,
    ) -> str:
        """``/name sub`` as Discord sends it: a type 1 option holding typed options.

        Values: str (type 3), bool (5), int (4), or an attachment from ``attach`` (type 11, its object in
        ``data.resolved.attachments``).
        """
        iid = str(next(self.ids))
        opts, attachments = [], {}
        for key, value in (options or {}).items():
            if isinstance(value, dict) and "filename" in value:
                attachments[value["id"]] = value
                opts.append({"name": key, "type": 11, "value": value["id"]})
            elif isinstance(value, bool):
                opts.append({"name": key, "type": 5, "value": value})
            elif isinstance(value, int):
                opts.append({"name": key, "type": 4, "value": value})
            else:
                opts.append({"name": key, "type": 3, "value": value})
        data = {
            "id": "6000",
            "name": name,
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": opts}],
            "guild_id": GUILD_ID,
        }
        if attachments:
            data["resolved"] = {"attachments": attachments}
        payload = self._interaction(iid, 2, data, user, channel_id, "en-US")
        if claimed_permissions is not None:
            payload["member"]["permissions"] = claimed_permissions
        await self.send("INTERACTION_CREATE", payload)
        return iid

    async def click(self, custom_id: str, message: dict, *, user: dict = ALICE, channel_id: str = CHANNEL_ID) -> str:
        iid = str(next(self.ids))
        await self.send(
            "INTERACTION_CREATE",
            self._interaction(
                iid, 3, {"custom_id": custom_id, "component_type": 2}, user, channel_id, "en-US", message
            ),
        )
        return iid

    async def forum_post(self, title: str, content: str, *, user: dict = ALICE, forum_id: str = FORUM_ID) -> str:
        """A new forum post as Discord sends it: THREAD_CREATE, then its first message (whose id is the post's)."""
        tid = str(next(self.ids))
        await self.send("THREAD_CREATE", {**thread(tid, forum_id, title, user["id"], kind=11), "newly_created": True})
        await self.message(content, user=user, channel_id=tid, mid=tid)
        return tid

    async def message(
        self,
        content: str,
        *,
        user: dict = ALICE,
        channel_id: str = CHANNEL_ID,
        mentions: Sequence[dict] = (),
        reply_to: dict | None = None,
        mention_everyone: bool = False,
        mid: str | None = None,
    ) -> str:
        mid = mid or str(next(self.ids))
        data = {
            "id": mid,
            "channel_id": channel_id,
            "guild_id": GUILD_ID,
            "author": user,
            "member": {k: v for k, v in member(user).items() if k != "user"},
            "content": content,
            "timestamp": T0,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": mention_everyone,
            "mentions": [{**u, "member": {k: v for k, v in member(u).items() if k != "user"}} for u in mentions],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 19 if reply_to else 0,
            "flags": 0,
            "components": [],
        }
        if reply_to is not None:
            data["message_reference"] = {"message_id": reply_to["id"], "channel_id": channel_id, "guild_id": GUILD_ID}
            data["referenced_message"] = reply_to
        await self.send("MESSAGE_CREATE", data)
        return mid

    # -- waiting and reading ---------------------------------------------------------------------

    async def wait_for(self, predicate, timeout: float = 10.0) -> Call:
        """The first accepted request matching ``predicate`` (requests answered with 429 do not count)."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = 0  # requests are only ever appended: each is looked at once
        while True:
            for call in self.calls[seen:]:
                if "rate_limited" not in call.query and call.error_code is None and predicate(call):
                    return call
            seen = len(self.calls)
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"no matching request in {len(self.calls)} calls: {[(c.method, c.path) for c in self.calls[-8:]]}"
                )
            await self._next_request(deadline)

    async def response_to(self, iid: str, *, timeout: float = 10.0, final: bool = True) -> Call:
        """The bot's answer to an interaction: the callback, or the follow-up/edit after a defer."""
        callback = await self.wait_for(lambda c: c.path == f"/interactions/{iid}/tok{iid}/callback", timeout)
        if callback.body.get("type") != 5 or not final:
            return callback
        return await self.wait_for(
            lambda c: (
                c.path.startswith(f"/webhooks/{APP_ID}/tok{iid}")
                and c.method in ("POST", "PATCH")
                and "Refreshing:" not in str(c.body)
            ),
            timeout,
        )

    async def edits_after(self, iid: str, count: int = 1, *, timeout: float = 10.0) -> list[Call]:
        """The first ``count`` edits of the message an interaction updated (a button's type 7 callback)."""
        deadline = asyncio.get_running_loop().time() + timeout
        found: list[Call] = []
        seen = 0
        while True:
            found += [
                c
                for c in self.calls[seen:]
                if c.error_code is None
                and c.method == "PATCH"
                and c.path == f"/webhooks/{APP_ID}/tok{iid}/messages/@original"
            ]
            seen = len(self.calls)
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(found)} of {count} edits for {iid}")
            await self._next_request(deadline, iid)

    def _replies_now(self, iid: str, calls: list[Call] | None = None) -> list[Reply]:
        out = []
        for c in self.calls if calls is None else calls:
            if c.error_code is not None or "rate_limited" in c.query or not isinstance(c.body, dict):
                continue
            if c.path == f"/interactions/{iid}/tok{iid}/callback" and c.body.get("type") in (4, 7):
                out.append(Reply(c, c.body.get("data") or {}))
            elif c.path.startswith(f"/webhooks/{APP_ID}/tok{iid}") and c.method in ("POST", "PATCH"):
                out.append(Reply(c, c.body))
        return out

    async def replies(self, iid: str, count: int = 1, *, timeout: float = 10.0) -> list[Reply]:
        """The first ``count`` messages the bot made for an interaction (a reply, follow-ups, edits)."""
        deadline = asyncio.get_running_loop().time() + timeout
        found: list[Reply] = []
        seen = 0
        while True:
            found += self._replies_now(iid, self.calls[seen:])
            seen = len(self.calls)
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{len(found)} of {count} replies to {iid}; refused: "
                    f"{[(c.path, c.error_code) for c in self.refused()]}"
                )
            await self._next_request(deadline, iid)

    async def reply(self, iid: str, *, timeout: float = 10.0) -> Reply:
        """The message that answers an interaction (the first one with content)."""
        return (await self.replies(iid, timeout=timeout))[0]

    def acknowledged_in(self, iid: str) -> float | None:
        """Seconds from the event to the bot's first accepted response, or None."""
        it = self.interactions[iid]
        return None if it.acknowledged_at is None else it.acknowledged_at - it.created

    async def reply_to_message(self, mid: str, timeout: float = 10.0) -> Call:
        return await self.wait_for(
            lambda c: (
                c.method == "POST"
                and c.path.endswith("/messages")
                and isinstance(c.body, dict)
                and str((c.body.get("message_reference") or {}).get("message_id")) == mid
            ),
            timeout,
        )

    def as_message(self, call: Call, channel_id: str = CHANNEL_ID) -> dict:
        """A message payload for what the bot sent, to click its buttons or reply to it."""
        msg = self._message(call.data, channel_id)
        msg["author"] = BOT_USER
        return msg


def spec_check(calls: list[Call]) -> list[dict]:
    """Validate recorded request bodies against Discord's OpenAPI spec (npm discord-api-spec).

    Returns the failures. Raises SkipTest-worthy RuntimeError("node") only when node is absent.
    """
    spec_dir = Path(__file__).resolve().parents[1] / "spec"
    if shutil.which("node") is None:
        raise RuntimeError("node")
    if not (spec_dir / "node_modules" / "discord-api-spec").exists():
        raise AssertionError("run `npm ci --prefix tests/spec` (make test does) to install the Discord API spec")
    requests = [
        {"method": c.method, "path": c.path, "body": c.body}
        for c in calls
        if "rate_limited" not in c.query and c.error_code is None
    ]
    out = subprocess.run(
        ["node", str(spec_dir / "validate.mjs")],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(out.stdout)
    return [dict(r, request=requests[r["index"]]) for r in results if not r["ok"]]
