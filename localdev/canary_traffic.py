"""Collector traffic whose every secret is recorded, and the hostile inputs collectors send.

Unlike ``localdev.synthetic`` (realistic people, for demos and privacy measurements), this
traffic is built to be checked: each raw identifier (user, device, session, event id) and a
canary in every typed key, text and clipboard value is kept in ``Traffic.secrets``, so a scan of
the outputs for those strings proves that nothing typed and no raw identifier left. The fault
run (``localdev.fault_run``) and the worker integration tests produce it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

T0 = 1_778_758_000_000  # 2026-05-14, a plausible collector timestamp

TITLES = (
    "Inbox - {email} - Outlook",
    "RE: offer for {email} - Message (HTML)",
    "JIRA-4411 payment bug - Jira",
    "Quarterly plan.xlsx - Excel",
)

KINDS = ("key_down", "key_up", "text_input", "clipboard", "mouse_move", "click", "window_focus")
# Kinds whose fate does not depend on pipeline state: the default policy's typing summary and
# key merge absorb or drop key events depending on what came before in the session, and
# renumbers seq. Counts across an opt-out use these.
# (mouse_move left with issue 9: the default policy drops every pointer move.)
STATELESS_KINDS = ("text_input", "clipboard", "click", "window_focus")

Message = tuple[bytes | None, bytes | None]  # key, value


@dataclass
class Traffic:
    """Synthetic collector traffic: every secret is recorded so the outputs can be scanned."""

    seed: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    secrets: set[str] = field(default_factory=set)  # raw ids, emails, canaries
    _seq: dict[str, int] = field(default_factory=dict)
    _session: dict[str, str] = field(default_factory=dict)  # one login session per user
    _canaries: int = 0

    def user(self, n: int) -> str:
        user_id = f"user{n}.{self.seed}@corp.example"
        self.secrets.add(user_id)
        return user_id

    def canary(self) -> str:
        self._canaries += 1
        value = f"CANARY{self.seed}{self._canaries:06d}"
        self.secrets.add(value)
        return value

    def event(self, user_id: str, kind: str, **fields: Any) -> dict[str, Any]:
        seq = self._seq.get(user_id, 0)
        self._seq[user_id] = seq + 1
        session = self._session.setdefault(user_id, str(uuid.uuid4()))
        device = f"LT-{self.seed}-{user_id.split('.')[0].upper()}"
        event_id = str(uuid.uuid4())
        self.secrets.update((device, session, event_id))
        event: dict[str, Any] = {
            "schema": "interaction/v1",
            "event_id": event_id,
            "user_id": user_id,
            "device_id": device,
            "session_id": session,
            "seq": seq,
            "ts": T0 + seq * 37,
            "type": kind,
            "app": "Microsoft Outlook",
            "os": "macOS 15.4",
        }
        if kind in ("key_down", "key_up"):
            event |= {"key": self.canary(), "code": self.canary(), "modifiers": ["shift"]}
        elif kind == "text_input":
            event |= {"text": f"my password is {self.canary()}", "field": "text"}
        elif kind == "clipboard":
            event |= {"action": "paste", "text": f"{self.canary()} {user_id}", "mime": "text"}
        elif kind in ("mouse_move", "click"):
            event |= {"x": seq % 1900, "y": seq % 1000}
        elif kind == "window_focus":
            title = TITLES[seq % len(TITLES)].format(email=user_id)
            event |= {"window_title": title, "url": f"https://mail.corp.example/u/{user_id}?q=1"}
        return event | fields

    def single(self, user_id: str, kind: str, **fields: Any) -> Message:
        return user_id.encode(), orjson.dumps(self.event(user_id, kind, **fields))

    def batch(self, user_id: str, kinds: Iterable[str]) -> Message:
        return user_id.encode(), orjson.dumps([self.event(user_id, kind) for kind in kinds])


def malformed_messages(traffic: Traffic, users: list[str]) -> list[Message]:
    """Eight broken messages of ``users[0]`` (each holds a canary or raw ids) and one unkeyed
    valid one: the collector bugs the input contract warns about."""
    user = users[0]
    good = traffic.event(user, "key_down")
    wrong_type = traffic.event(user, "click") | {"x": "left"}
    missing = traffic.event(user, "text_input")
    del missing["session_id"]
    unknown = traffic.event(user, "telepathy")
    truncated = orjson.dumps(traffic.event(user, "clipboard"))[:-7]
    bad_batch = [traffic.event(user, "mouse_move") for _ in range(20)]
    bad_batch[7] = bad_batch[7] | {"ts": "yesterday"}
    return [
        (user.encode(), truncated),  # invalid JSON, and it holds a canary and raw ids
        (user.encode(), b"\xff\xfe" + orjson.dumps(good)[2:]),  # invalid UTF-8
        (user.encode(), orjson.dumps(wrong_type)),
        (user.encode(), orjson.dumps(missing)),
        (user.encode(), orjson.dumps(unknown)),
        (user.encode(), b"[]"),
        (user.encode(), b"42"),
        (user.encode(), orjson.dumps(bad_batch)),  # one bad event among 19 good ones
        (None, orjson.dumps(traffic.event(user, "scroll"))),  # no key: still processed
    ]


def hostile_message(traffic: Traffic, user: str, n: int) -> Message:
    """The ``n``-th of a cycle of hostile inputs of ``user``, each one the worker must
    quarantine (all or, for a batch, its bad event) without crashing: broken JSON and UTF-8,
    wrong and missing fields, nesting and numbers past every limit, a lone surrogate, NaN,
    duplicate keys, a tombstone. Keyed by the user, so its partition is the user's."""
    key, event = user.encode(), traffic.event(user, "text_input")
    document = orjson.dumps(event)
    values: list[bytes | None] = [
        document[: len(document) // 2],  # truncated: holds a canary and raw ids
        b"\xff\xfe" + document[2:],
        orjson.dumps(event | {"ts": "yesterday"}),
        orjson.dumps({k: v for k, v in event.items() if k != "user_id"}),
        orjson.dumps(event | {"type": "telepathy"}),
        b"[]",
        b"42",
        b"[" * 5000 + b"]" * 5000,
        document.replace(b'"seq":', b'"seq":' + b"9" * 400 + b',"s0":', 1),
        document[:-1] + b',"window_title":"\\ud800 lone"}',
        document.replace(b'"ts":', b'"ts":NaN,"ts0":', 1),
        document[:-1] + b',"seq":"again"}',
        orjson.dumps(event | {"text": "x" * 200_000}),
        orjson.dumps([traffic.event(user, "click"), traffic.event(user, "click") | {"x": []}]),
        None,  # a tombstone on the raw topic
    ]
    return key, values[n % len(values)]


def hostile_messages(
    traffic: Traffic, users: list[str], count: int, rng: random.Random
) -> list[Message]:
    return [hostile_message(traffic, rng.choice(users), n) for n in range(count)]
