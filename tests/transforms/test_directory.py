"""The employee directory: names, emails and logins found in any case and glued form."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.directory import (
    EMAIL,
    PERSON,
    Directory,
    DirectoryError,
    Person,
    fold_case_keep_length,
    name_spellings,
)

JANE = Person("Jane Doe", "jane.doe@corp.example", "jdoe")
JURGEN = Person("Jürgen Weiß", "juergen.weiss@corp.example", "jweiss")
ILKER = Person("İlker Çelik", "ilker.celik@corp.example", "icelik")
ANN = Person("Ann Lee", "ann.lee@corp.example", "alee7")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory([JANE, JURGEN, ILKER, ANN])


def found(directory: Directory, text: str) -> set[str]:
    """The matched substrings of ``text``."""
    return {text[start:end] for start, end, _ in directory.find(text)}


def covered(directory: Directory, text: str, secret: str) -> bool:
    """Every character of ``secret`` (located case-insensitively in ``text``) is in a match."""
    start = fold_case_keep_length(text).find(fold_case_keep_length(secret))
    assert start >= 0, (text, secret)
    spans = directory.find(text)
    return all(any(s <= i < e for s, e, _ in spans) for i in range(start, start + len(secret)))


def test_name_spellings_cover_orders_and_glues() -> None:
    spellings = name_spellings("Jane Doe")
    for expected in (
        "jane doe", "jane.doe", "jane_doe", "jane-doe", "janedoe",
        "doe jane", "doe.jane", "doe_jane", "doejane", "doe, jane",
    ):  # fmt: skip
        assert expected in spellings


def test_single_word_name_spells_as_itself() -> None:
    assert name_spellings("Cher") == {"cher"}


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("jane.doe_review.docx", "jane.doe"),
        ("DOE, JANE - Performance review", "DOE, JANE"),
        ("ssh jdoe@corp", "jdoe"),
        ("JaneDoe (DM) - Slack", "JaneDoe"),
        ("doe-jane notes", "doe-jane"),
        ("Mail from JANE.DOE@CORP.EXAMPLE", "JANE.DOE@CORP.EXAMPLE"),
        ("salaries_2026_JDOE.xlsx", "JDOE"),
        ("LT-JDOE-4411", "JDOE"),
    ],
)
def test_glued_and_any_case_forms_are_found(directory: Directory, text: str, secret: str) -> None:
    assert covered(directory, text, secret)


def test_email_is_reported_as_email_and_names_as_person(directory: Directory) -> None:
    entities = {entity for _, _, entity in directory.find("jane.doe@corp.example")}
    assert EMAIL in entities
    assert {entity for _, _, entity in directory.find("Jane Doe")} == {PERSON}


def test_matches_only_at_letter_boundaries(directory: Directory) -> None:
    assert "ann" in {s.casefold() for s in found(directory, "ann_notes.txt")}
    assert found(directory, "annual report") == set()
    assert found(directory, "Leeds office") == set()
    assert "Ann" in found(directory, "2026Ann")


@pytest.mark.parametrize(
    "text",
    [
        "Jürgen Weiß - Teams", "JÜRGEN WEISS - Teams", "jürgen weiß - Teams",
        "Weiß, Jürgen", "weiss_jürgen", "İlker Çelik", "İLKER ÇELİK", "ilker çelik",
        "i̇lker çelik",
    ],
)  # fmt: skip
def test_non_ascii_names_are_found_in_any_case(directory: Directory, text: str) -> None:
    # Python's own upper() and lower() of these names change their length (ß, İ).
    name = text.split(" - ")[0]
    for part in name.replace(",", " ").replace("_", " ").split():
        assert covered(directory, text, part), part


@pytest.mark.parametrize("person", [JANE, JURGEN, ILKER, ANN])
@pytest.mark.parametrize("case", [str.upper, str.lower, str.title, str.swapcase])
def test_every_name_part_is_found_in_every_case(
    directory: Directory, person: Person, case: object
) -> None:
    text = case(f"Meeting with {person.display_name} today")  # type: ignore[operator]
    spans = directory.find(text)
    assert spans, text
    words = text.split()
    assert all(any(s <= text.index(w) < e for s, e, _ in spans) for w in words[2:-1])


def test_spans_are_offsets_into_the_original_text(directory: Directory) -> None:
    text = "Straße — Jürgen Weiß — İLKER"
    for start, end, _ in directory.find(text):
        assert text[start:end].casefold().replace("ß", "ss") in {
            "jürgen", "weiss", "jürgen weiss", "i̇lker", "ilker",
        }  # fmt: skip


def test_fold_case_keep_length_keeps_the_length() -> None:
    for text in ("Weiß", "İLKER", "ﬁle", "ŉ", "plain"):
        assert len(fold_case_keep_length(text)) == len(text)
    assert fold_case_keep_length("JÜRGEN") == "jürgen"


def test_short_name_parts_are_not_matched_alone() -> None:
    directory = Directory([Person("Bo Li", "bo.li@corp.example", "bli")])
    assert found(directory, "Bo and Li") == set()
    assert found(directory, "Li, Bo") == {"Li, Bo"}
    assert found(directory, "boli.pdf") == {"boli"}


def test_name_parts_can_be_turned_off() -> None:
    directory = Directory([JANE], match_name_parts=False)
    assert found(directory, "Jane from accounting") == set()
    assert found(directory, "Jane Doe") == {"Jane Doe"}


def test_empty_directory_finds_nothing() -> None:
    directory = Directory([])
    assert directory.size == 0
    assert directory.find("Jane Doe \x00") == []


def test_from_csv_reads_people(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "\ufeffdisplay_name,email,login,team\nJane Doe,jane.doe@corp.example,jdoe,HR\n"
        "Jürgen Weiß,,jweiss,Ops\n",
        encoding="utf-8",
    )
    directory = Directory.from_csv(path)
    assert directory.size == 2
    assert found(directory, "jdoe and jweiss") == {"jdoe", "jweiss"}


def test_from_csv_without_the_header_names_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,mail\nJane Doe,jane@corp.example\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"people\.csv.*display_name, email, login"):
        Directory.from_csv(path)


def test_from_csv_unreadable_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match=r"missing\.csv"):
        Directory.from_csv(tmp_path / "missing.csv")


def test_generated_directory_finds_every_person(directory: Directory) -> None:
    from tests.transforms.synthetic_people import people_for_tests

    generated = Directory(people_for_tests())
    assert generated.size == len(people_for_tests()) >= 200
    for person in people_for_tests():
        assert generated.find(person.display_name.upper())
        assert generated.find(person.email)
        assert generated.find(person.login)
