"""DOM ``KeyboardEvent.key`` and ``code`` values for the 136M Keystrokes LETTER/KEYCODE columns.

LETTER holds the typed character, or a name such as ``SHIFT`` or ``BKSP`` for other keys, and
is empty in some rows (all rows of 33 of the 300 participants), where the JavaScript ``keyCode``
tells the key (the case then follows Shift). What neither column tells becomes ``Unidentified``,
as in the DOM.

Two readings of an empty LETTER: *restored* (the letter from the key code, as above) and *as
logged* (``restore=False``): the log does not say which character was typed, so the key is
``Unidentified`` with no ``code``, exactly what Android virtual keyboards and some IMEs send.
"""

from __future__ import annotations

# LETTER names the dataset uses for non-printing keys -> (DOM key, DOM code or None).
_NAMED: dict[str, tuple[str, str | None]] = {
    "SHIFT": ("Shift", None),  # the side is not recorded, so no ShiftLeft/ShiftRight
    "CTRL": ("Control", None),
    "ALT": ("Alt", None),
    "BKSP": ("Backspace", "Backspace"),
    "\x08": ("Backspace", "Backspace"),
    "CAPS_LOCK": ("CapsLock", "CapsLock"),
    "NUM_LK": ("NumLock", "NumLock"),
    "ARW_LEFT": ("ArrowLeft", "ArrowLeft"),
    "ARW_RIGHT": ("ArrowRight", "ArrowRight"),
    "ARW_UP": ("ArrowUp", "ArrowUp"),
    "ARW_DOWN": ("ArrowDown", "ArrowDown"),
    "ARw_DOWN": ("ArrowDown", "ArrowDown"),  # spelled so in two rows of the subset
    "INSERT": ("Insert", "Insert"),
    "DELETE": ("Delete", "Delete"),
    "HOME": ("Home", "Home"),
    "END": ("End", "End"),
    "MENU": ("ContextMenu", "ContextMenu"),
    "F12": ("F12", "F12"),
}
# JavaScript keyCode -> (unshifted key, DOM code), for rows whose LETTER is empty.
_KEYCODES: dict[int, tuple[str, str]] = {
    32: (" ", "Space"),
    8: ("Backspace", "Backspace"),
    16: ("Shift", ""),
    17: ("Control", ""),
    18: ("Alt", ""),
    20: ("CapsLock", "CapsLock"),
    190: (".", "Period"),
    188: (",", "Comma"),
    222: ("'", "Quote"),
    191: ("/", "Slash"),
    173: ("-", "Minus"),
    189: ("-", "Minus"),
    59: (";", "Semicolon"),
    186: (";", "Semicolon"),
    61: ("=", "Equal"),
    187: ("=", "Equal"),
    219: ("[", "BracketLeft"),
    221: ("]", "BracketRight"),
    220: ("\\", "Backslash"),
    192: ("`", "Backquote"),
    110: (".", "NumpadDecimal"),
    **{code: (chr(code).lower(), f"Key{chr(code)}") for code in range(65, 91)},
    **{code: (str(code - 48), f"Digit{code - 48}") for code in range(48, 58)},
    **{code: (str(code - 96), f"Numpad{code - 96}") for code in range(96, 106)},
}
MODIFIER_KEYS = {"Shift": "shift", "Control": "ctrl", "Alt": "alt", "Meta": "meta"}


def dom_key(
    letter: str, keycode: int, shift_held: bool, restore: bool = True
) -> tuple[str, str | None]:
    """DOM ``key`` and ``code`` for one row; ``Unidentified`` when neither field tells, or when
    LETTER is empty and ``restore`` is off (the letter as logged)."""
    if letter in _NAMED:
        return _NAMED[letter]
    by_code = _KEYCODES.get(keycode)
    if len(letter) == 1:
        return letter, by_code[1] if by_code and by_code[1] else None
    if letter == "" and by_code is not None and restore:
        key, code = by_code
        if shift_held and len(key) == 1 and key.isalpha():
            key = key.upper()
        return key, code or None
    return "Unidentified", None
