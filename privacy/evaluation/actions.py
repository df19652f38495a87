"""What training keeps, as figures with targets: the order of actions and where clicks were.

* **Order of actions.** A session, raw or sanitized, reads as a sequence of action tokens:
  ``click:<button>`` (a ``mouse_down``), ``command`` (Enter, Escape, Tab, navigation and function
  keys, and any key held with Ctrl, Alt or Meta), ``typing`` (a run of text-entry keys or
  typing summaries), ``scroll`` (a run of scroll events), ``focus`` (``window_focus``) and
  ``paste``. Runs of ``typing`` and of ``scroll`` count once, and pointer moves and releases are
  not actions, so a policy may summarize a burst or a scroll without losing anything here.
  Similarity = 1 - Levenshtein distance / length of the longer sequence, per session.
* **Click positions.** Sanitized ``mouse_down`` events are paired with raw ones by order within
  the session: the k outputs that processing raw event i released (the harness knows which
  input an output came out of; the output carries no raw id) go, in order, to the last k raw
  ``mouse_down`` still unpaired at or before i. So a click released as it happens pairs with
  itself, a held-back click with the one it held, and a dropped click stays unpaired. The
  error is the distance between the two positions, in pixels of the raw screen (an output
  position on a generalized ``screen`` is scaled back to the raw one first), as a share of the
  raw screen's diagonal. A click whose
  output is lost, or has no position, has an infinite error. *Faithful* means an error of at
  most 5% of the diagonal (about 110 px on a 1920x1080 screen: the same button or list row).

The raw side leaves out the events of password managers and similar apps
(``drop_sensitive_apps`` with its default list): every policy drops them whole on purpose, so
they are not part of what training should keep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from transforms.context import Context
from transforms.drop_sensitive_apps import DropSensitiveAppsConfig, drop_sensitive_apps
from transforms.keyring import Keyring
from transforms.strip_typed_text import key_class

Event = Mapping[str, Any]
FAITHFUL_SHARE_OF_DIAGONAL = 0.05
_COMMAND_CLASSES = frozenset({"enter", "navigation", "function"})
_COMMAND_KEYS = frozenset({"Enter", "Escape", "Tab"})
_SHORTCUT_MODIFIERS = frozenset({"ctrl", "alt", "meta"})
_RUNS = frozenset({"typing", "scroll"})


_SENSITIVE = drop_sensitive_apps(
    DropSensitiveAppsConfig.model_validate({}), Context(keyring=Keyring(b"-" * 32))
)


def for_training(event: Event) -> bool:
    """Whether a raw event is one training may keep (not from a password manager)."""
    return _SENSITIVE(dict(event)) is not None


def _key_token(event: Event) -> str | None:
    if "key" in event:  # raw
        key = str(event["key"])
        cls = key_class(key)
        if key in _COMMAND_KEYS:
            return "command"
    else:
        cls = str(event.get("key_class", "other"))
    if cls == "modifier":
        return None  # a modifier alone is neither typing nor a command
    if cls in _COMMAND_CLASSES or _SHORTCUT_MODIFIERS & set(event.get("modifiers") or ()):
        return "command"
    return "typing"


def action(event: Event) -> str | None:
    """The action token of one event (raw or sanitized), or None if it is not an action."""
    kind = event.get("type")
    if kind == "mouse_down":
        return f"click:{event.get('button', 'left')}"
    if kind == "key_down":
        return _key_token(event)
    if kind == "text_input":
        return "typing"
    if kind == "scroll":
        return "scroll"
    if kind == "window_focus":
        return "focus"
    if kind == "clipboard" and event.get("action") == "paste":
        return "paste"
    return None


def actions(events: Sequence[Event]) -> list[str]:
    """A session's action tokens in order, runs of typing and of scrolls counted once."""
    out: list[str] = []
    for event in events:
        token = action(event)
        if token is not None and not (token in _RUNS and out and out[-1] == token):
            out.append(token)
    return out


def order_similarity(raw: Sequence[Event], sanitized: Sequence[Event]) -> float:
    """1 - edit distance / length of the longer action sequence (1.0 when both are empty)."""
    a = actions([e for e in raw if for_training(e)])
    b = actions([e for e in sanitized if for_training(e)])
    longest = max(len(a), len(b))
    return 1.0 - Levenshtein.distance(a, b) / longest if longest else 1.0


def _diagonal(event: Event) -> float | None:
    screen = event.get("screen")
    if isinstance(screen, list | tuple) and len(screen) == 2:
        return math.hypot(float(screen[0]), float(screen[1]))
    return None


def _screen_scale(screen_in: Any, screen_out: Any) -> tuple[float, float] | None:
    """Raw screen / output screen, when the output carries a (generalized) screen."""
    pairs = [s for s in (screen_in, screen_out) if isinstance(s, list | tuple) and len(s) == 2]
    if len(pairs) < 2 or min(screen_out) <= 0:
        return None
    return screen_in[0] / screen_out[0], screen_in[1] / screen_out[1]


def _error(raw: Event, out: Event | None, diagonal: float) -> float:
    if out is None or not isinstance(out.get("x"), int | float):
        return math.inf
    if not isinstance(out.get("y"), int | float):
        return math.inf
    x, y = float(out["x"]), float(out["y"])
    scale = _screen_scale(raw.get("screen"), out.get("screen"))
    if scale is not None:
        x, y = x * scale[0], y * scale[1]
    return math.hypot(x - float(raw["x"]), y - float(raw["y"])) / diagonal


def click_errors(
    raw: Sequence[Event], sanitized: Sequence[Event], origins: Sequence[int]
) -> list[float]:
    """Per raw ``mouse_down`` (that has a screen), its position error as a share of the screen
    diagonal; ``origins[i]`` is the index of the raw event whose processing released
    ``sanitized[i]``."""
    downs = [i for i, e in enumerate(raw) if e.get("type") == "mouse_down" and for_training(e)]
    wanted = set(downs)
    released: dict[int, list[Event]] = {}  # origin -> the mouse_down outputs it released
    for origin, event in zip(origins, sanitized, strict=True):
        if event.get("type") != "mouse_down":
            continue
        if raw[origin].get("type") == "mouse_down" and origin not in wanted:
            continue  # from a password manager (the raw pseudo-policy keeps those)
        released.setdefault(origin, []).append(event)
    paired: dict[int, Event] = {}
    for origin in sorted(released):
        outputs = released[origin]
        free = [i for i in downs if i <= origin and i not in paired][-len(outputs) :]
        paired.update(zip(free, outputs[len(outputs) - len(free) :], strict=True))
    errors = []
    for index in downs:
        diagonal = _diagonal(raw[index])
        if diagonal:
            errors.append(_error(raw[index], paired.get(index), diagonal))
    return errors


@dataclass(frozen=True)
class Kept:
    """What training keeps of a set of sessions, against the targets."""

    sessions: int
    order_similarity: float  # mean over sessions
    order_similarity_min: float
    clicks: int  # raw mouse_down with a screen
    clicks_faithful: float  # share with error <= 5% of the diagonal
    click_error_median: float  # share of the diagonal (inf if most clicks are lost)

    def to_json(self) -> dict[str, Any]:
        return {
            name: (None if isinstance(v, float) and math.isinf(v) else v)
            for name, v in self.__dict__.items()
        }


def kept(
    raw_sessions: Sequence[Sequence[Event]],
    out_sessions: Sequence[Sequence[Event]],
    origins: Sequence[Sequence[int]],
) -> Kept:
    similarities = [order_similarity(r, o) for r, o in zip(raw_sessions, out_sessions, strict=True)]
    errors = np.asarray(
        [
            e
            for r, o, i in zip(raw_sessions, out_sessions, origins, strict=True)
            for e in click_errors(r, o, i)
        ],
        dtype=np.float64,
    )
    return Kept(
        sessions=len(similarities),
        order_similarity=float(np.mean(similarities)) if similarities else 1.0,
        order_similarity_min=float(np.min(similarities)) if similarities else 1.0,
        clicks=len(errors),
        clicks_faithful=float((errors <= FAITHFUL_SHARE_OF_DIAGONAL).mean())
        if len(errors)
        else 1.0,
        click_error_median=float(np.median(errors)) if len(errors) else 0.0,
    )
