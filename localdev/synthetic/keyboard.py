"""Text to keystrokes, typed with one person's rhythm: key_down/key_up with DOM key and code.

Hold times, key-down to key-down latencies and per-letter-pair offsets are drawn from the
person's ``Rhythm``, so keystroke timing carries a per-user signature as real typing does (the
sanitizer has to blur it). Capitals and shifted symbols are typed with Shift held, and typos are
noticed a few keys later and corrected with Backspace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

BACKSPACE, ENTER, PAUSE = "\b", "\n", None
_PLAIN_CODES = {
    " ": "Space", ".": "Period", ",": "Comma", "-": "Minus", "=": "Equal", ";": "Semicolon",
    "'": "Quote", "/": "Slash", "[": "BracketLeft", "]": "BracketRight", "\\": "Backslash",
    "`": "Backquote", BACKSPACE: "Backspace", ENTER: "Enter",
}  # fmt: skip
_SHIFTED_CODES = {
    "!": "Digit1", "@": "Digit2", "#": "Digit3", "$": "Digit4", "%": "Digit5", "^": "Digit6",
    "&": "Digit7", "*": "Digit8", "(": "Digit9", ")": "Digit0", "_": "Minus", "+": "Equal",
    ":": "Semicolon", '"': "Quote", "?": "Slash", "<": "Comma", ">": "Period", "~": "Backquote",
}  # fmt: skip
_KEY_NAMES = {BACKSPACE: "Backspace", ENTER: "Enter"}
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True, slots=True)
class Rhythm:
    """One person's keystroke and pointer dynamics (milliseconds)."""

    hold_ms: float
    hold_sd: float
    flight_ms: float  # key-down to next key-down
    flight_sd: float
    digraph_sd: float
    typo_rate: float
    mouse_hz: int
    mouse_speed: float
    seed: int
    _digraphs: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def digraph_offset(self, pair: str) -> float:
        """A stable per-person offset for a letter pair ("th" is fast for some, slow for others)."""
        offset = self._digraphs.get(pair)
        if offset is None:
            offset = random.Random(f"{self.seed}:{pair}").gauss(0.0, self.digraph_sd)
            self._digraphs[pair] = offset
        return offset


def key_code(char: str) -> tuple[str, bool] | None:
    """The DOM ``code`` of the physical key (US layout) and whether Shift is needed."""
    if char.isascii() and char.isalpha():
        return f"Key{char.upper()}", char.isupper()
    if char.isdigit() and char.isascii():
        return f"Digit{char}", False
    if char in _PLAIN_CODES:
        return _PLAIN_CODES[char], False
    if char in _SHIFTED_CODES:
        return _SHIFTED_CODES[char], True
    return None


def neighbour(char: str, rng: random.Random) -> str:
    """A key next to ``char`` on the same QWERTY row: the usual slip of a finger."""
    for row in _ROWS:
        index = row.find(char.lower())
        if index >= 0:
            options = [row[j] for j in (index - 1, index + 1) if 0 <= j < len(row)]
            slip = rng.choice(options)
            return slip.upper() if char.isupper() else slip
    return char


def plan_keys(text: str, rng: random.Random, typo_rate: float, *, enter: bool) -> list[str | None]:
    """The keys actually pressed to type ``text``: typos, a pause, Backspaces, the fix."""
    plan: list[str | None] = []
    for index, char in enumerate(text):
        if key_code(char) is None:
            continue
        if char.isalpha() and rng.random() < typo_rate:
            # Typed on past the slip for a key or two before noticing it.
            run_on = [c for c in text[index + 1 : index + 1 + rng.randint(0, 2)] if key_code(c)]
            plan += [neighbour(char, rng), *run_on, PAUSE, *[BACKSPACE] * (1 + len(run_on))]
        plan.append(char)
    if enter:
        plan.append(ENTER)
    return plan


Stroke = tuple[str, float, dict[str, Any]]


def key_strokes(
    plan: list[str | None], rng: random.Random, rhythm: Rhythm, clock: float
) -> tuple[list[Stroke], float]:
    """Timed key_down/key_up strokes for ``plan`` in time order, and the clock after them.

    Key-downs follow each other by the person's latency, so a fast typist presses the next key
    before releasing the last (rollover), as real people do.
    """
    strokes: list[Stroke] = []
    previous, not_before, shift_free = "", clock, clock
    released: dict[str, float] = {}  # a key cannot go down again before it came up
    for char in plan:
        if char is PAUSE:
            clock += rng.uniform(250, 700)  # noticing the typo
            continue
        code, shifted = key_code(char) or ("Unidentified", False)
        key = _KEY_NAMES.get(char, char)
        offset = rhythm.digraph_offset(previous + char)
        latency = rng.gauss(rhythm.flight_ms + offset, rhythm.flight_sd)
        if char == " " and rng.random() < 0.15:
            latency += rng.uniform(200, 900)  # choosing the next word
        down = max(clock + max(35.0, latency), not_before, released.get(code, 0.0) + 10)
        hold = max(25.0, rng.gauss(rhythm.hold_ms, rhythm.hold_sd))
        released[code] = down + hold
        mods = ["shift"] if shifted else []
        if shifted:
            shift_up = down + hold + rng.uniform(10, 50)
            # Shift goes down after the previous key-down and after Shift's own last release.
            lead = min(rng.uniform(30, 90), (down - clock) * 0.8, down - shift_free)
            strokes.append(("key_down", down - lead, _fields("Shift", "ShiftLeft")))
            strokes.append(("key_up", shift_up, _fields("Shift", "ShiftLeft", [])))
            not_before = shift_up + 40  # else the next key would be typed shifted
            shift_free = shift_up + 10
        strokes.append(("key_down", down, _fields(key, code, mods)))
        strokes.append(("key_up", down + hold, _fields(key, code, mods)))
        clock, previous = down, char
    strokes.sort(key=lambda stroke: stroke[1])
    return strokes, max(clock, strokes[-1][1]) if strokes else clock


def _fields(key: str, code: str, modifiers: list[str] | None = None) -> dict[str, Any]:
    modifiers = ["shift"] if modifiers is None else modifiers  # Shift's own key_down has it
    return {"key": key, "code": code, "modifiers": modifiers, "repeat": False}
