"""The offline Presidio analyzer and the shape-only fallbacks for what Presidio rejects."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)

from localdev.simulate import limit_events
from localdev.synthetic.sessions import generate
from transforms.directory import Directory, Person
from transforms.recognizers import (
    _DIGIT,
    DEFAULT_ENTITIES,
    DigitGatedPhoneRecognizer,
    DirectoryRecognizer,
    LongNumberRecognizer,
    OfflineAnalyzerEngine,
    build_analyzer,
    fallback_recognizers,
)


@pytest.fixture(scope="module")
def analyzer() -> AnalyzerEngine:
    directory = Directory([Person("Jane Doe", "jane.doe@corp.example", "jdoe")])
    return build_analyzer(directory)


def entities_found(analyzer: AnalyzerEngine, text: str) -> dict[str, str]:
    """``{matched text: entity}`` above the default score threshold."""
    results = analyzer.analyze(
        text, language="en", entities=list(DEFAULT_ENTITIES), score_threshold=0.4
    )
    return {text[r.start : r.end]: r.entity_type for r in results}


def presidio_alone_finds(recognizer: EntityRecognizer, text: str) -> bool:
    return bool(recognizer.analyze(text, recognizer.supported_entities, None))


def test_presidio_rejects_the_textbook_ssn_and_the_fallback_catches_it(
    analyzer: AnalyzerEngine,
) -> None:
    text = "SSN 123-45-6789 on file"
    assert not presidio_alone_finds(UsSsnRecognizer(), text)  # the weakness this guards
    found = entities_found(analyzer, text)
    assert any("123-45-6789" in span for span in found)


def test_presidio_rejects_non_public_tld_emails_and_the_fallback_catches_them(
    analyzer: AnalyzerEngine,
) -> None:
    text = "RE: offer - mei.novak2@corp.example - Message"
    assert not presidio_alone_finds(EmailRecognizer(), text)
    assert entities_found(analyzer, text).get("mei.novak2@corp.example") == "EMAIL_ADDRESS"


def test_presidio_misses_cards_glued_by_underscore() -> None:
    # scrub_text works around this by analysing "_" as a space; see test_scrub_text.
    assert not presidio_alone_finds(CreditCardRecognizer(), "invoice_4111-1111-1111-1111.pdf")
    assert presidio_alone_finds(CreditCardRecognizer(), "invoice 4111-1111-1111-1111.pdf")


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("4111 1111 1111 1112", "CREDIT_CARD"),  # fails Luhn: still a card-shaped number
        ("+1 (415) 555-0123", "PHONE_NUMBER"),
        ("DE89 3704 0044 0532 0130 00", "IBAN_CODE"),
        ("de89370400440532013000", "IBAN_CODE"),
        ("JANE.DOE@CORP.EXAMPLE", "EMAIL_ADDRESS"),
        ("x.y+tag@internal-host.lan", "EMAIL_ADDRESS"),
        ("078-05-1120", "US_SSN"),
    ],
)
def test_fallbacks_match_by_shape_alone(analyzer: AnalyzerEngine, text: str, entity: str) -> None:
    found = entities_found(analyzer, f"see {text} now")
    assert text in found, found


@pytest.mark.parametrize("text", ["2026-05-14 10:00", "v1.2.3", "Q3 2026", "1234", "12345678"])
def test_dates_versions_and_short_numbers_are_not_long_numbers(text: str) -> None:
    recognizer = LongNumberRecognizer("PHONE_NUMBER", r"\d[\d -]*\d")
    assert not recognizer.validate_result(text)


@pytest.mark.parametrize("text", ["123456789", "4111-1111-1111-1111", "+44 20 7946 0958"])
def test_nine_to_nineteen_digits_are_long_numbers(text: str) -> None:
    assert LongNumberRecognizer("PHONE_NUMBER", r"\d+").validate_result(text)


def test_twenty_digits_are_not_a_long_number() -> None:
    assert not LongNumberRecognizer("CREDIT_CARD", r"\d+").validate_result("1" * 20)


def test_fallbacks_report_only_default_entities() -> None:
    for recognizer in fallback_recognizers():
        assert set(recognizer.supported_entities) <= set(DEFAULT_ENTITIES)


def test_directory_recognizer_reports_people_and_emails() -> None:
    recognizer = DirectoryRecognizer(
        Directory([Person("Jane Doe", "jane.doe@corp.example", "jdoe")])
    )
    results = recognizer.analyze("DOE, JANE <jane.doe@corp.example>", ["PERSON", "EMAIL_ADDRESS"])
    assert {r.entity_type for r in results} == {"PERSON", "EMAIL_ADDRESS"}
    assert recognizer.analyze("Jane Doe", ["EMAIL_ADDRESS"]) == []


def test_analyzer_runs_without_a_directory_and_without_an_nlp_model() -> None:
    analyzer = build_analyzer()
    found = entities_found(analyzer, "Jane Doe <jane@corp.example>")
    assert found == {"jane@corp.example": "EMAIL_ADDRESS"}  # no NER: names need the directory


def test_analyzer_finds_directory_names_in_any_case(analyzer: AnalyzerEngine) -> None:
    found = entities_found(analyzer, "1:1 with JANE DOE and jdoe")
    assert found.get("JANE DOE") == "PERSON"
    assert found.get("jdoe") == "PERSON"


# --- the engine's shortcuts change no finding -------------------------------------------------


def stock_analyzer(directory: Directory) -> AnalyzerEngine:
    """What build_analyzer built before its shortcuts: Presidio's engine and phone recognizer."""
    registry = RecognizerRegistry(supported_languages=["en"])
    nlp_engine = build_analyzer().nlp_engine
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    for recognizer in [*fallback_recognizers(), DirectoryRecognizer(directory)]:
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])


def findings(analyzer: AnalyzerEngine, text: str, **options: Any) -> list[tuple[Any, ...]]:
    results = analyzer.analyze(
        text, language="en", entities=list(DEFAULT_ENTITIES), score_threshold=0.4, **options
    )
    return sorted((r.start, r.end, r.entity_type, r.score) for r in results)


@pytest.fixture(scope="module")
def both() -> tuple[AnalyzerEngine, AnalyzerEngine]:
    directory = Directory([Person("Jane Doe", "jane.doe@corp.example", "jdoe")])
    return stock_analyzer(directory), build_analyzer(directory)


def test_the_phone_recognizer_is_the_digit_gated_one(analyzer: AnalyzerEngine) -> None:
    phones = [r for r in analyzer.registry.recognizers if isinstance(r, PhoneRecognizer)]
    assert [type(r) for r in phones] == [DigitGatedPhoneRecognizer]
    assert isinstance(analyzer, OfflineAnalyzerEngine)


@pytest.mark.parametrize(
    "text",
    [
        "Call me at 212-555-0199 today",
        "call 089 1234",  # too few digits for the fallback: Presidio's phone recognizer alone
        "tel ٠٣٠ ١٢٣٤٥",  # the same in Arabic-Indic digits, which are \d too
        "+352 2345",
        "mobile ５５５１２３４５６７",  # full-width digits
        "Inbox (3) - jane.doe@corp.example",
        "no digits in this title at all",
        "",
    ],
)
def test_written_out_texts_give_the_stock_findings(
    both: tuple[AnalyzerEngine, AnalyzerEngine], text: str
) -> None:
    stock, ours = both
    assert findings(ours, text) == findings(stock, text)


@pytest.mark.parametrize("text", ["call 089 1234", "tel ٠٣٠ ١٢٣٤٥", "+352 2345"])
def test_the_phone_gate_keeps_what_only_presidio_finds(analyzer: AnalyzerEngine, text: str) -> None:
    assert "PHONE_NUMBER" in set(entities_found(analyzer, text).values())


def test_context_words_still_raise_scores_when_given(
    both: tuple[AnalyzerEngine, AnalyzerEngine],
) -> None:
    stock, ours = both
    # An 8-digit run scores 0.05 as a US bank number: below the threshold unless a context
    # word raises it.
    text = "ref 12345678"
    with_context = findings(ours, text, context=["account"])
    assert with_context == findings(stock, text, context=["account"])
    assert with_context != findings(ours, text)  # the context step ran and raised a score


_TITLE_CHARS = st.sampled_from(
    list("abcXYZ @._-+()/:#") + list("0123456789") + ["٣", "５", "\n", "é"]
)


@given(text=st.text(_TITLE_CHARS, max_size=40))
@settings(max_examples=300, deadline=None)
def test_arbitrary_texts_give_the_stock_findings(
    both: tuple[AnalyzerEngine, AnalyzerEngine], text: str
) -> None:
    stock, ours = both
    assert findings(ours, text) == findings(stock, text)


def test_simulator_titles_and_urls_give_the_stock_findings(
    both: tuple[AnalyzerEngine, AnalyzerEngine],
) -> None:
    stock, ours = both
    _, stream = generate(11, users=20)
    texts = {
        value
        for message in limit_events(stream, 30_000)
        for event in message.events
        if isinstance(event, dict)
        for value in (event.get("window_title"), event.get("url"))
        if isinstance(value, str)
    }
    assert len(texts) > 100
    assert any(_DIGIT.search(t) is None for t in texts)  # the gate is exercised
    differing = [t for t in sorted(texts) if findings(ours, t) != findings(stock, t)]
    assert differing == []
