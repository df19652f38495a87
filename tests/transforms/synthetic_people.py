"""A generated employee directory and a corpus of realistic window titles and URLs.

Everything here is made up, from a fixed seed: a few hundred people with names from several
languages (so case folding of ``ß``, ``İ``, ``ø`` is exercised), corporate emails at the
non-public ``corp.example`` domain and logins; and title and URL templates modelled on Outlook,
Slack, Teams, Excel, Acrobat, VS Code and browsers, with a slot where PII is glued in.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from transforms.directory import Directory, Person

SEED = 20260514

FIRST_NAMES = (
    "Jane", "Rafael", "Mei", "Sven", "Amara", "Kenji", "Priya", "Olusegun", "Ingrid", "Mateo",
    "Fatima", "Dmitri", "Aiko", "Tomasz", "Leilani", "Chidi", "Ximena", "Bjorn", "Anouk",
    "Farid", "Hana", "Jürgen", "Zoë", "José", "Søren", "Åsa", "Łukasz", "İlker", "Chloé",
    "Renée", "Bo", "Wren", "Thandiwe", "Yusuf", "Ottilie", "Keanu", "Marisol", "Radu",
    "Signe", "Teodor", "Nkechi", "Ravi", "Esperanza", "Gunnar", "Ayasha", "Caius", "Delphine",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Petrova", "Novak", "Becker", "Okafor", "Tanaka", "Raman", "Lindqvist", "Moreau",
    "Kowalczyk", "Haddad", "Ivanova", "Nakamura", "Achterberg", "Weiß", "Müller", "Çelik",
    "Nuñez", "Dvořák", "Østergaard", "Şahin", "Groß", "Li", "Oyelaran", "Castellanos",
    "Fitzgerald", "Zielinski", "Abernathy", "Vasquez", "Kallio", "Mbeki", "Sorensen",
    "Halvorsen", "Quispe", "Ferreira", "Yilmaz", "Szabo", "Rautenberg", "Nakashima",
    "Delacroix", "Brannigan", "Tkachenko", "Wojcik", "Almeida", "Kovacs", "Hargreaves",
)  # fmt: skip

_ASCII = {"ß": "ss", "ø": "o", "ł": "l", "ı": "i", "æ": "ae", "đ": "d"}


def ascii_fold(name: str) -> str:
    """``Jürgen Weiß`` -> ``jurgen weiss``: how corporate email and login systems spell names."""
    lowered = "".join(_ASCII.get(c, c) for c in name.lower())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if c.isascii())


def generate_people(count: int = 300, seed: int = SEED) -> list[Person]:
    rng = random.Random(seed)
    people = []
    while len(people) < count:  # namesakes are allowed: directories do hold them
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = rng.randrange(1, 100)
        local = f"{ascii_fold(first)}.{ascii_fold(last)}{number if rng.random() < 0.5 else ''}"
        login = f"{ascii_fold(first)[0]}{ascii_fold(last)}{number}"
        people.append(Person(f"{first} {last}", f"{local}@corp.example", login))
    return people


# Window titles as apps write them; ``{x}`` is where the PII goes.
TITLE_TEMPLATES = (
    "RE: offer letter for {x} - Message (HTML)",
    "FW: contract renewal {x} - Outlook",
    "Inbox - {x} - Outlook",
    "Meeting with {x} - Calendar - Microsoft Outlook",
    "{x} (DM) - Acme Corp - Slack",
    "Thread with {x} | payments-team - Slack",
    "Chat | {x} | Microsoft Teams",
    "salaries_2026_{x}.xlsx - Excel",
    "{x}.xlsx - Excel",
    "Book1 - {x} - Excel",
    "invoice_{x}.pdf - Adobe Acrobat Reader",
    "Review {x}.docx - Word",
    "{x} - Google Search - Google Chrome",
    "Profile of {x} | LinkedIn - Google Chrome",
    "{x} - Workday - Mozilla Firefox",
    "https://intranet.corp.example/people/{x} - Google Chrome",
    "{x}.py - payments-service - Visual Studio Code",
    "main.py - {x} - Visual Studio Code",
    "{x} — zsh — 120×40",
)
URL_TEMPLATES = (
    "https://intranet.corp.example/people/{x}/profile",
    "https://mail.google.com/mail/u/0/#search/{x}",
    "https://www.linkedin.com/in/{x}/",
    "https://corp.example/files/{x}.pdf",
    "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit?usp=sharing&owner={x}",
    "https://acme.atlassian.net/wiki/spaces/HR/pages/{x}",
)
# Words glued next to the PII in file names and titles.
GLUE_WORDS = ("invoice", "review", "draft", "notes", "final", "scan", "corp")
# Separators seen in file names and titles; "" means glued with no separator.
SEPARATORS = ("_", ".", "-", "@", "", " ")
PLACEHOLDER_WORDS = (
    "person", "email", "address", "phone", "number", "credit", "card", "iban", "code", "url",
    "ssn", "us", "id", "ip",
)  # fmt: skip


def vocabulary() -> set[str]:
    """Every word the templates, glue words and placeholders contain, case-folded."""
    words: set[str] = set()
    for text in (*TITLE_TEMPLATES, *URL_TEMPLATES, *GLUE_WORDS, *PLACEHOLDER_WORDS):
        words.update(word.casefold() for word in re.findall(r"[^\W\d_]+", text))
    return words


def people_for_tests() -> list[Person]:
    """Generated people whose name parts are no template word (the checks need that)."""
    words = vocabulary()
    return [
        person
        for person in generate_people()
        if not any(part.casefold() in words for part in person.display_name.split())
    ]


def build_directory() -> Directory:
    return Directory(people_for_tests())


@dataclass(frozen=True)
class Secret:
    """One piece of PII as placed in a title, and what of it must not survive.

    ``pieces`` must not appear anywhere (case-insensitively); ``words`` must not appear at
    letter boundaries (the directory's promise: ``ann`` in ``ann_notes`` but not ``annual``);
    when ``numeric``, no digit of it may survive.
    """

    text: str
    pieces: tuple[str, ...]
    words: tuple[str, ...] = ()
    numeric: bool = False


def name_forms(person: Person) -> dict[str, str]:
    """How a person's name shows up in titles: display, ``Last, First``, glued, email, login."""
    first, last = person.display_name.split(" ", 1)
    return {
        "display": person.display_name,
        "last_first": f"{last}, {first}",
        "dotted": f"{first}.{last}",
        "underscored": f"{first}_{last}",
        "dashed": f"{last}-{first}",
        "glued": f"{first}{last}",
        "email": person.email,
        "email_local": person.email.split("@")[0],
        "login": person.login,
        "login_at_corp": f"{person.login}@corp",
    }


def person_secret(person: Person, form: str) -> Secret:
    text = name_forms(person)[form]
    parts = tuple(p for p in person.display_name.split() if len(p) >= 3)
    if form in ("email", "email_local"):
        local = person.email.split("@")[0]
        return Secret(text, (text,), (local,))
    if form in ("login", "login_at_corp"):
        return Secret(text, (text,), (person.login,))
    return Secret(text, (text,), parts)


def with_case(text: str, case: str, flips: list[bool]) -> str:
    """``upper``, ``lower``, ``title``, ``swap``, ``as_is`` or ``mixed`` (per-letter flips)."""
    if case == "upper":
        return text.upper()
    if case == "lower":
        return text.lower()
    if case == "title":
        return text.title()
    if case == "swap":
        return text.swapcase()
    if case == "mixed":
        return "".join(
            (c.upper() if flips[i % len(flips)] else c.lower()) if flips else c
            for i, c in enumerate(text)
        )
    return text


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def is_subsequence(needle: str, haystack: str) -> bool:
    remaining = iter(haystack)
    return all(c in remaining for c in needle)


def word_at_boundaries(word: str, text: str) -> bool:
    """``word`` in ``text`` (both case-folded) with no letter right before or after it."""
    pattern = rf"(?<![^\W\d_]){re.escape(word.casefold())}(?![^\W\d_])"
    return re.search(pattern, text.casefold()) is not None
