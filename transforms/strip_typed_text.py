"""strip_typed_text: nothing a person typed survives, only its coarse shape.

``key`` and ``code`` both reveal the character (``code`` ``KeyA`` is as good as ``a``), so both
are replaced by one key class. The text of ``text_input`` and ``clipboard`` is removed; at most
a coarse length bucket remains, and none for password fields.

Commands fail closed: a key is a *command* only if it is on an explicit list (Enter, Tab,
Escape, the navigation keys, F1-F24) or is pressed with Ctrl, Alt or Meta held (a shortcut).
Every other key, including ``Unidentified``, ``Process``, ``Dead``, empty or unknown names and
any name a collector invents, is *typing* (``is_command`` is the one place that decides; the
typing stages absorb everything it does not accept). With ``collapse_typing: true`` every
typing key leaves with the single class ``typing``, so not even letter, digit, space or
Backspace can be told apart.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pydantic import Field, field_validator

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register

KEY_CLASSES = (
    "letter", "digit", "punctuation", "whitespace", "enter", "tab", "editing",
    "modifier", "navigation", "function", "other", "typing",
)  # fmt: skip
# The explicit command list: only these classes (and shortcuts) may leave as single key events.
COMMAND_CLASSES = frozenset({"enter", "tab", "navigation", "function"})
SHORTCUT_MODIFIERS = frozenset({"ctrl", "alt", "meta"})

_MODIFIERS = (
    "Shift", "Control", "Alt", "AltGraph", "Meta", "OS", "Super", "Hyper", "Fn",
    "FnLock", "CapsLock", "NumLock", "ScrollLock", "Symbol", "SymbolLock",
)  # fmt: skip
_NAVIGATION = (
    "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown",
)  # fmt: skip
_NAMED_KEYS: dict[str, str] = {
    "Enter": "enter",
    "Tab": "tab",
    " ": "whitespace",
    "Backspace": "editing",
    "Delete": "editing",
    "Insert": "editing",
    "Cut": "editing",
    "Copy": "editing",
    "Paste": "editing",
    "Undo": "editing",
    "Redo": "editing",
    "Clear": "editing",
    "Escape": "function",
    **dict.fromkeys(_MODIFIERS, "modifier"),
    **dict.fromkeys(_NAVIGATION, "navigation"),
    **{f"F{n}": "function" for n in range(1, 25)},
}


def key_class(key: str) -> str:
    """The class of a DOM ``KeyboardEvent.key`` value. Unknown names fall to ``other``, which
    is typing, never a command."""
    if len(key) == 1:
        if key.isalpha():
            return "letter"
        if key.isdigit():
            return "digit"
        if key.isspace():
            return "whitespace"
        return "punctuation"
    named = _NAMED_KEYS.get(key)
    if named is not None:
        return named
    # Other DOM key names ("PrintScreen", "Dead", "Unidentified") are ASCII CamelCase. Any other
    # multi-character text from one key press (dead-key composition, some IMEs) is typed text.
    if key.isascii() and key[:1].isupper() and key.isalnum():
        return "other"
    return "letter" if key.isalpha() else "other"


def is_command(cls: str | None, modifiers: object) -> bool:
    """A key event that may leave as its own event: a command-list class, or a shortcut (a
    non-modifier key with Ctrl, Alt or Meta held). Anything else, unknown values included, is
    typing, and so is Shift+Enter: the soft line break of chat, mail and office text fields.
    (Some typists submit with Shift still held; letting that habit out named them.)"""
    if cls == "enter" and isinstance(modifiers, list) and "shift" in modifiers:
        return not SHORTCUT_MODIFIERS.isdisjoint(modifiers)  # Ctrl+Shift+Enter is a shortcut
    if cls in COMMAND_CLASSES:
        return True
    if cls is None or cls == "modifier" or cls not in KEY_CLASSES:
        return False
    return isinstance(modifiers, list) and not SHORTCUT_MODIFIERS.isdisjoint(modifiers)


class StripTypedTextConfig(TransformConfig):
    keep_modifiers: bool = Field(True, description="keep the list of held modifiers")
    collapse_typing: bool = Field(
        False, description="give every non-command key the single class 'typing'"
    )
    keep_length_bucket: bool = Field(True, description="keep a coarse length of removed text")
    length_buckets: tuple[int, ...] = Field(
        (1, 5, 17, 65, 257), description="lower bounds of the length buckets, ascending"
    )

    @field_validator("length_buckets")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] < 1:
            raise ValueError("must be distinct positive integers in ascending order")
        return value


def length_bucket(length: int, bounds: tuple[int, ...]) -> str:
    """``"0"``, ``"1-4"``, …, ``"257+"``: the bucket label for a text length."""
    index = bisect_right(bounds, length)
    if index == 0:
        return "0"
    low = bounds[index - 1]
    return f"{low}+" if index == len(bounds) else f"{low}-{bounds[index] - 1}"


_TEXT_FIELDS = ("text", "key", "code")
# `field` and `mime` are free strings from collectors; only well-known values pass, so a
# collector that puts a label or a file name there leaks nothing.
INPUT_FIELD_KINDS = frozenset(
    {"text", "password", "email", "search", "textarea", "url", "tel", "number", "other"}
)
_MIME = re.compile(r"^[a-z]{1,20}/[a-z0-9.+-]{1,60}$")
_TYPED_EVENTS = frozenset({"key_down", "key_up", "text_input", "clipboard"})


@register("strip_typed_text", StripTypedTextConfig)
def strip_typed_text(config: StripTypedTextConfig, context: Context) -> Transform:
    """Replace key and code by a key class; remove typed and pasted text."""
    collapse, keep_modifiers = config.collapse_typing, config.keep_modifiers

    def strip(event: Event) -> Event:
        kind = event["type"]
        if kind not in _TYPED_EVENTS:  # pointer and focus events carry nothing typed
            return event
        out = dict(event)  # a copy and three deletions: cheaper than a comprehension
        pop = out.pop
        for name in _TEXT_FIELDS:
            pop(name, None)
        if kind == "key_down" or kind == "key_up":
            cls = key_class(event["key"])
            if collapse and not is_command(cls, event.get("modifiers")):
                cls = "typing"
            out["key_class"] = cls
            if not keep_modifiers:
                pop("modifiers", None)
            return out
        if "field" in event and event["field"] not in INPUT_FIELD_KINDS:
            out["field"] = "other"
        if "mime" in event and not _MIME.match(event["mime"]):
            out["mime"] = "other"
        if "text" in event:
            is_password = event.get("field") == "password"
            if config.keep_length_bucket and not is_password:
                out["text_length"] = length_bucket(len(event["text"]), config.length_buckets)
        return out

    return strip
