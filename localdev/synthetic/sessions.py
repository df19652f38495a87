"""Simulated people at work, as the desktop collectors see them: interaction/v1 messages.

Pure and deterministic (a seed fixes every byte; no clock, no Kafka). Each user has a typing and
pointing rhythm of their own (hold and flight times, per-digraph offsets, typo rate, mouse
speed), because keystroke and mouse dynamics are the biometrics the sanitizer must blur: a
simulator where everyone typed alike could not show whether they survive. Messages are batched
the way collectors batch: key, focus, clipboard and text events one per message, high-rate mouse
moves and scroll bursts as JSON arrays of one user's events.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localdev.synthetic.keyboard import Rhythm, key_strokes, plan_keys
from localdev.synthetic.message import Event, Message, event_ms
from localdev.synthetic.pii import SECRETS, Employee, Window, make_directory, secret, window

DEFAULT_START_MS = 1_778_745_600_000  # 2026-05-14T08:00:00Z: fixed, so a seed reproduces a file
SENTENCES = (
    "Hi {first}, can you call me back at {phone}?", "Sure, my personal email is {email}",
    "The card on file is {card}, expiring 09/27", "Routing the refund to {iban} today",
    "SSN for the background check: {ssn}", "Meeting with {name} moved to 3pm",
    "lgtm, shipping after lunch", "Can you review the payments PR before Friday?",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class User:
    person: Employee
    user_id: str
    device_id: str | None
    os: str
    screen: tuple[int, int]
    rhythm: Rhythm
    batch_max: int  # this collector's mouse batch size
    string_ts_rate: float  # some collectors send RFC 3339 strings
    emits_click: bool


def make_users(rng: random.Random, people: list[Employee]) -> list[User]:
    users = []
    for index, person in enumerate(people):
        rhythm = Rhythm(
            hold_ms=rng.uniform(65, 140), hold_sd=rng.uniform(10, 30),
            flight_ms=rng.uniform(120, 280), flight_sd=rng.uniform(20, 70),
            digraph_sd=rng.uniform(10, 45), typo_rate=rng.uniform(0.01, 0.06),
            mouse_hz=rng.choice((60, 90, 125)), mouse_speed=rng.uniform(0.7, 1.4),
            seed=rng.getrandbits(32),
        )  # fmt: skip
        users.append(
            User(
                person=person,
                user_id=person.login if index % 2 else person.email,
                device_id=f"LT-{person.login.upper()}-{rng.randint(1000, 9999)}"
                if rng.random() < 0.8 else None,
                os=rng.choice(("macOS 15.4", "Windows 11", "Ubuntu 24.04")),
                screen=rng.choice(((2560, 1440), (1920, 1080), (3024, 1964))),
                rhythm=rhythm,
                batch_max=rng.randint(50, 200),
                string_ts_rate=rng.choice((0.0, 0.0, 0.1)),
                emits_click=rng.random() < 0.5,
            )
        )  # fmt: skip
    return users


class _Actor:
    """One user's session: a clock, a pointer, a focused window, and the events they cause."""

    def __init__(self, user: User, coworkers: list[Employee], seed: str, start_ms: int) -> None:
        self.user, self.coworkers = user, coworkers
        self.rng = random.Random(seed)
        self.clock = start_ms + self.rng.uniform(0, 2000)
        self.session_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.seq = 0
        self.pos = (user.screen[0] / 2, user.screen[1] / 2)
        self.window = Window("Finder", "Desktop")

    def event(self, kind: str, at: float, **fields: Any) -> Event:
        u, w, ms = self.user, self.window, int(at)
        ts: int | str = ms
        if u.string_ts_rate and self.rng.random() < u.string_ts_rate:
            ts = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
            ts = ts.replace("+00:00", "Z")
        event: Event = {
            "schema": "interaction/v1",
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "user_id": u.user_id, "device_id": u.device_id, "session_id": self.session_id,
            "seq": self.seq, "ts": ts, "type": kind, "app": w.app, "window_title": w.title,
            "os": u.os, "screen": list(u.screen),
        }  # fmt: skip
        if u.device_id is None:
            del event["device_id"]
        if w.url is not None or kind == "window_focus":
            event["url"] = w.url
        self.seq += 1
        event.update(fields)
        return event

    def single(self, events: list[Event]) -> list[Message]:
        return [Message(self.user.user_id, event_ms(e["ts"]), (e,), False) for e in events]

    def batches(self, events: list[Event]) -> list[Message]:
        """Split high-rate events into near-equal batches of at most ``batch_max`` (>= 20 each
        whenever there are 20)."""
        count = math.ceil(len(events) / self.user.batch_max)
        size = math.ceil(len(events) / count)
        return [
            Message(self.user.user_id, event_ms(chunk[0]["ts"]), tuple(chunk), True)
            for chunk in (events[i : i + size] for i in range(0, len(events), size))
        ]

    def focus(self) -> list[Message]:
        self.window = window(self.rng, self.coworkers, self.user.person)
        return self.single([self.event("window_focus", self.clock)])

    def move_and_click(self) -> list[Message]:
        """A smooth, slightly curved minimum-jerk path (Fitts' law duration), then a click."""
        rng, (w, h), r = self.rng, self.user.screen, self.user.rhythm
        (x0, y0), (x1, y1) = self.pos, (rng.uniform(20, w - 20), rng.uniform(20, h - 20))
        distance = math.hypot(x1 - x0, y1 - y0)
        duration = (100 + 140 * math.log2(distance / 20 + 1)) / r.mouse_speed
        steps = max(20, round(duration * r.mouse_hz / 1000))
        bend = rng.gauss(0, 0.15)
        cx, cy = (x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)
        moves = []
        for i in range(1, steps + 1):
            tau = i / steps
            s = tau**3 * (10 - 15 * tau + 6 * tau * tau)
            x = (1 - s) ** 2 * x0 + 2 * (1 - s) * s * cx + s * s * x1 + rng.gauss(0, 0.7)
            y = (1 - s) ** 2 * y0 + 2 * (1 - s) * s * cy + s * s * y1 + rng.gauss(0, 0.7)
            self.clock += 1000 / r.mouse_hz + rng.uniform(-1, 1)
            moves.append(self.event("mouse_move", self.clock, x=_clamp(x, w), y=_clamp(y, h)))
        self.pos = (x1, y1)
        return self.batches(moves) + self.click(_clamp(x1, w), _clamp(y1, h))

    def click(self, x: int, y: int) -> list[Message]:
        clicks = 2 if self.rng.random() < 0.1 else 1
        down = self.clock + self.rng.uniform(40, 120)
        self.clock = down + self.rng.uniform(60, 140)
        pointer = {"x": x, "y": y, "button": "left" if self.rng.random() < 0.93 else "right"}
        events = [self.event("mouse_down", down, **pointer, clicks=clicks),
                  self.event("mouse_up", self.clock, **pointer, clicks=clicks)]  # fmt: skip
        if self.user.emits_click:
            events.append(self.event("click", self.clock, **pointer, clicks=clicks))
        return self.single(events)

    def scroll(self) -> list[Message]:
        x, y = (int(v) for v in self.pos)
        wheel = self.rng.choice((-120, -100, 100, 120, -3, 3))
        events = []
        for _ in range(self.rng.randint(4, 24)):
            self.clock += 16 + self.rng.uniform(-2, 6)
            events.append(self.event("scroll", self.clock, x=x, y=y, dx=0, dy=wheel))
        return self.batches(events)

    def type_sentence(self) -> list[Message]:
        rng, who = self.rng, self.rng.choice(self.coworkers)
        if self.window.field == "password":
            word = rng.choice(("Summer", "Winter", "Tiger"))
            text = f"{word}{rng.randint(2020, 2029)}!{who.login}"  # typed into a password field
        else:
            values = {kind: make(rng) for kind, make in SECRETS.items()}
            text = rng.choice(SENTENCES).format(first=who.first, name=who.display_name, **values)
        plan = plan_keys(text, rng, self.user.rhythm.typo_rate, enter=self.window.app == "Slack")
        strokes, self.clock = key_strokes(plan, rng, self.user.rhythm, self.clock)
        return self.single([self.event(kind, at, **fields) for kind, at, fields in strokes])

    def paste_or_commit(self) -> list[Message]:
        kind, text = secret(self.rng)
        self.clock += self.rng.uniform(50, 400)
        if self.rng.random() < 0.5:
            action = self.rng.choice(("copy", "paste", "cut"))
            return self.single([self.event("clipboard", self.clock, action=action, text=text,
                                           mime="text/plain")])  # fmt: skip
        field_kind = "email" if kind == "email" else self.window.field
        return self.single([self.event("text_input", self.clock, text=text, field=field_kind)])

    def messages(self, end_ms: float | None) -> Iterator[Message]:
        actions = (self.move_and_click, self.type_sentence, self.scroll, self.paste_or_commit)
        while end_ms is None or self.clock < end_ms:
            yield from self.focus()
            for _ in range(self.rng.randint(2, 5)):
                self.clock += self.rng.uniform(150, 1500)  # reading, thinking
                yield from self.rng.choices(actions, weights=(6, 3, 2, 1))[0]()


def _clamp(value: float, limit: int) -> int:
    return min(max(int(value), 0), limit - 1)


def generate(
    seed: int, users: int, *, duration_s: float | None = None, start_ms: int = DEFAULT_START_MS
) -> tuple[list[Employee], Iterator[Message]]:
    """The employee directory and the users' messages merged in time order.

    The directory holds the simulated users plus coworkers who only appear in titles and text.
    """
    rng = random.Random(f"directory:{seed}")
    people = make_directory(rng, users + max(20, 3 * users))
    simulated = make_users(rng, people[:users])
    end = None if duration_s is None else start_ms + duration_s * 1000
    actors = [
        _Actor(user, people[:index] + people[index + 1 :], f"user:{seed}:{index}", start_ms)
        for index, user in enumerate(simulated)
    ]
    streams = [actor.messages(end) for actor in actors]
    return people, heapq.merge(*streams, key=lambda message: message.ts)
