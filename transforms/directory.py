"""The employee directory: coworkers' names, emails and logins, found case-insensitively.

Titles glue names to other text (``jane.doe_review.docx``, ``Doe, Jane``, ``jdoe@corp``), so every
name is indexed in several spellings and matched with an Aho-Corasick automaton over the
lower-cased text: one pass per title whatever the directory size (100k people is fine). A match
counts only at letter boundaries, so ``ann`` is found in ``ann_notes`` but not in ``annual``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

PERSON = "PERSON"
EMAIL = "EMAIL_ADDRESS"
_GLUES = (" ", "_", ".", "-", "")


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Person:
    display_name: str
    email: str
    login: str


def name_spellings(display_name: str) -> set[str]:
    """All glued spellings of a name: ``jane doe``, ``jane.doe``, ``doe_jane``, ``doe, jane``…"""
    parts = display_name.casefold().replace(",", " ").split()
    if len(parts) < 2:
        return set(parts)
    orders = [parts, [parts[-1], *parts[:-1]], [parts[0], parts[-1]], [parts[-1], parts[0]]]
    spellings = {glue.join(order) for order in orders for glue in _GLUES}
    spellings.add(f"{parts[-1]}, {' '.join(parts[:-1])}")
    return spellings


class Directory:
    """Names, emails and logins of the people whose traces must not reach training data."""

    def __init__(
        self, people: Iterable[Person], *, match_name_parts: bool = True, min_part_len: int = 3
    ) -> None:
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for person in people:
            self.size += 1
            for word, entity in self._spellings(person, match_name_parts, min_part_len):
                # Keep the most specific entity when two people share a spelling.
                if word not in self._automaton or entity == EMAIL:
                    self._automaton.add_word(word, (len(word), entity))
        self._empty = self._automaton.kind == ahocorasick.EMPTY
        if self._empty:
            self._automaton.add_word("\x00", (1, PERSON))  # an empty automaton cannot search
        self._automaton.make_automaton()

    @staticmethod
    def _spellings(
        person: Person, match_name_parts: bool, min_part_len: int
    ) -> Iterable[tuple[str, str]]:
        # Both foldings of the name: a title "WEISS" folds to "weiss", a title "Weiß" to "weis".
        for name in {person.display_name, fold_case_keep_length(person.display_name)}:
            for spelling in name_spellings(name):
                if len(spelling) >= min_part_len:
                    yield spelling, PERSON
            if match_name_parts:
                for part in name.casefold().replace(",", " ").split():
                    if len(part) >= min_part_len:
                        yield part, PERSON
        email = person.email.strip().casefold()
        if email:
            yield email, EMAIL
            local = email.split("@", 1)[0]
            if len(local) >= min_part_len:
                yield local, PERSON
        login = person.login.strip().casefold()
        if len(login) >= min_part_len:
            yield login, PERSON

    @classmethod
    def from_csv(cls, path: Path | str, **options: bool | int) -> Directory:
        """Read ``display_name,email,login`` (header required; extra columns are ignored)."""
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                needed = {"display_name", "email", "login"}
                missing = needed - set(reader.fieldnames or ())
                if missing:
                    raise DirectoryError(
                        f"{path}: the header lacks {', '.join(sorted(missing))} "
                        "(expected display_name,email,login)"
                    )
                people = [
                    Person(row["display_name"] or "", row["email"] or "", row["login"] or "")
                    for row in reader
                ]
        except OSError as error:
            raise DirectoryError(f"cannot read the directory {path}: {error.strerror}") from None
        return cls(people, **options)  # type: ignore[arg-type]

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Spans ``(start, end, entity)`` of directory entries in ``text``, any case."""
        if self._empty:
            return []
        folded = fold_case_keep_length(text)
        spans = []
        for end_index, (length, entity) in self._automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if (start == 0 or not folded[start - 1].isalpha()) and (
                end == len(folded) or not folded[end].isalpha()
            ):
                spans.append((start, end, entity))
        return spans


def fold_case_keep_length(text: str) -> str:
    """Lower-case ``text`` without changing its length, so match offsets stay valid."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    # A few characters fold to two (ß to ss, İ to i and a combining dot); those keep the first
    # character of their folding, so "Weiß" folds to "weis" and "İLKER" to "ilker". The
    # directory indexes names in this folding too.
    return "".join(c.casefold()[0] for c in text)
