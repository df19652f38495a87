"""The Balabit Mouse Dynamics Challenge subset as interaction/v1 raw events.

Fülöp, Kovács, Kurics, Windhager-Pokol (2016). Balabit Mouse Dynamics Challenge data set.
https://github.com/balabit/Mouse-Dynamics-Challenge. 10 people doing their ordinary
administrative work over remote desktop, 65 sessions (the first 40 min of each). The repository
states no licence and asks for citation: the data stays in ``shared/`` beside the repository, is
read from there for measurement only, and is never copied in (see its PROVENANCE.md).

Each session becomes one session of one fake login: ``mouse_move`` for Move and Drag rows,
``mouse_down``/``mouse_up`` (button ``left``/``right``, one click) for Pressed/Released, and
``scroll`` (``dy`` ±120, the usual wheel notch) for Scroll Down/Up, all at the row's position.
``ts`` is the client timestamp plus a fixed start per session (sessions one day apart, whole
seconds, so 1 s flooring floors at session-relative second boundaries as in PROVENANCE.md).
``screen`` is the user's largest x and y plus 1 (4 sizes among 10 people); the 41 rows holding
the RDP sentinel 65535 are dropped.
"""

from __future__ import annotations

import csv
import gzip
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_DIR = "SANITIZER_MOUSE_DIR"
CITATION = (
    "Fülöp, Kovács, Kurics, Windhager-Pokol (2016). Balabit Mouse Dynamics Challenge data set. "
    "https://github.com/balabit/Mouse-Dynamics-Challenge"
)
APP = "Remote Desktop Connection"
WINDOW_TITLE = "Remote Desktop"
OS = "Windows 10"
START_MS = 1_778_745_600_000  # 2026-05-14T08:00:00Z; session n starts n days later
DAY_MS = 86_400_000
WHEEL_NOTCH = 120
_NAMESPACE = uuid.UUID("0b6f3f1e-8d4c-4a5e-9a8e-2f7c3d1b5a90")
_BUTTONS = {"Left": "left", "Right": "right"}

Event = dict[str, Any]


@dataclass
class MouseSession:
    user: str  # "user12"
    session: str  # the original session id
    events: list[Event] = field(default_factory=list, repr=False)


@dataclass
class MouseLoad:
    users: int = 0
    sessions: int = 0
    rows: int = 0
    sentinel_rows: int = 0
    events: int = 0


def dataset_dir(explicit: Path | str | None = None) -> Path:
    """``explicit``, else $SANITIZER_MOUSE_DIR, else ``../shared/data/mouse-balabit``."""
    if explicit is not None:
        return Path(explicit)
    if env := os.environ.get(ENV_DIR):
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "mouse-balabit"


def _fields(button: str, state: str, x: int, y: int) -> tuple[str, dict[str, Any]] | None:
    if state in ("Move", "Drag"):
        return "mouse_move", {"x": x, "y": y}
    if state in ("Pressed", "Released") and button in _BUTTONS:
        kind = "mouse_down" if state == "Pressed" else "mouse_up"
        return kind, {"x": x, "y": y, "button": _BUTTONS[button], "clicks": 1}
    if button == "Scroll" and state in ("Down", "Up"):
        dy = WHEEL_NOTCH if state == "Down" else -WHEEL_NOTCH
        return "scroll", {"x": x, "y": y, "dx": 0, "dy": dy}
    return None


def load_user(
    path: Path, stats: MouseLoad, first_day: int, minutes: float | None = None
) -> list[MouseSession]:
    """One ``userN.csv.gz``: its sessions in file order, events in file order; with
    ``minutes``, only the rows of each session's first minutes (by client time)."""
    user = path.name.split(".")[0]
    rows: dict[str, list[tuple[int, str, str, int, int]]] = {}
    limit = None if minutes is None else minutes * 60_000
    width = height = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # session,t_ms,rec_ms,button,state,x,y
        for session, t_ms, _, button, state, x, y in reader:
            stats.rows += 1
            if x == "65535" or y == "65535":
                stats.sentinel_rows += 1
                continue
            width, height = max(width, int(x) + 1), max(height, int(y) + 1)
            if limit is None or int(t_ms) < limit:
                rows.setdefault(session, []).append((int(t_ms), button, state, int(x), int(y)))
    screen = [width, height]
    sessions = []
    for offset, (session, session_rows) in enumerate(rows.items()):
        start = START_MS + (first_day + offset) * DAY_MS
        envelope = {
            "schema": "interaction/v1",
            "user_id": f"balabit-{user}",
            "session_id": str(uuid.uuid5(_NAMESPACE, f"session:{session}")),
            "app": APP,
            "window_title": WINDOW_TITLE,
            "os": OS,
        }
        out = MouseSession(user, session)
        for t, pressed, action, px, py in session_rows:
            made = _fields(pressed, action, px, py)
            if made is not None:
                number = len(out.events)
                out.events.append(
                    {
                        **envelope,
                        "event_id": f"{session}-{number}",
                        "seq": number,
                        "ts": start + t,
                        "type": made[0],
                        "screen": list(screen),
                        **made[1],
                    }
                )
        sessions.append(out)
    return sessions


def load_sessions(
    directory: Path | str | None = None, users: int | None = None, minutes: float | None = None
) -> tuple[list[MouseSession], MouseLoad]:
    """Every session of every user (sorted by user number); with ``users``, the first N users;
    with ``minutes``, only each session's first minutes (for quick runs)."""
    folder = dataset_dir(directory)
    files = sorted(folder.glob("user*.csv.gz"), key=lambda p: int(p.name[4:].split(".")[0]))
    if not files:
        raise FileNotFoundError(
            f"{folder}: the Balabit mouse subset is not there; set ${ENV_DIR} to its folder"
        )
    stats = MouseLoad()
    sessions: list[MouseSession] = []
    for path in files[:users] if users else files:
        loaded = load_user(path, stats, len(sessions), minutes)
        stats.users += 1
        sessions += loaded
    stats.sessions = len(sessions)
    stats.events = sum(len(s.events) for s in sessions)
    return sessions, stats
