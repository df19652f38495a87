"""The Presidio analyzer, offline, with the recognizers this project adds.

Presidio runs with its ``no_op`` NLP engine: no spaCy model is loaded or downloaded, so only
pattern and rule recognizers run (no statistical PERSON detection; names come from the
directory). Presidio's own recognizers validate checksums and TLDs, which real secrets in test
corpora often fail (``123-45-6789``, ``jane@corp.example``); the fallbacks below match the
shape alone, because for privacy a false positive costs far less than a miss.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from transforms.directory import Directory

logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

# Entities reported by default. DATE_TIME is left out: dates in titles are rarely personal and
# training wants them; PERSON needs an NER model we deliberately do not load.
DEFAULT_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS",
    "URL", "CRYPTO", "MAC_ADDRESS", "US_BANK_NUMBER", "US_ITIN", "US_PASSPORT",
    "US_DRIVER_LICENSE", "MEDICAL_LICENSE", "UK_NHS", "UUID", "PERSON",
)  # fmt: skip

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class LongNumberRecognizer(PatternRecognizer):
    """Digit runs of 9 to 19 digits (phones, cards, account numbers), checksum or not.

    Matched from every digit, overlapping, not only left to right: a left-to-right scan of
    "2026 4111-1111-1111-1111" takes "2026 4111-1111-1111" and leaves the card's last group in
    clear. The scrubber replaces the union of all findings.
    """

    def __init__(self, entity: str, pattern: str) -> None:
        name = f"Fallback{entity.title().replace('_', '')}Recognizer"
        super().__init__(
            supported_entity=entity,
            name=name,
            patterns=[Pattern(f"fallback_{entity.lower()}", pattern, 0.6)],
        )
        self._entity = entity
        self._regex = re.compile(pattern)
        self._metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: str(self.id),
        }

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = sum(c.isdigit() for c in pattern_text)
        return 9 <= digits <= 19 and not _ISO_DATE.match(pattern_text)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for start, char in enumerate(text):
            if not (char.isdecimal() or char in "+("):
                continue
            match = self._regex.match(text, start)
            if match is not None and self.validate_result(match.group()):
                results.append(
                    RecognizerResult(
                        self._entity,
                        start,
                        match.end(),
                        EntityRecognizer.MAX_SCORE,
                        recognition_metadata=dict(self._metadata),
                    )
                )
        return results


def fallback_recognizers() -> list[EntityRecognizer]:
    return [
        PatternRecognizer(
            supported_entity="EMAIL_ADDRESS",
            name="FallbackEmailRecognizer",
            patterns=[Pattern("any_email", r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+", 0.9)],
        ),
        PatternRecognizer(
            supported_entity="US_SSN",
            name="FallbackSsnRecognizer",
            patterns=[Pattern("ssn_shape", r"(?<!\d)\d{3}[- .]\d{2}[- .]\d{4}(?!\d)", 0.7)],
        ),
        PatternRecognizer(
            # Raw session and event ids are UUIDs of any version; Presidio's own recognizer
            # rejects non-RFC variants, which collectors do send.
            supported_entity="UUID",
            name="FallbackUuidRecognizer",
            patterns=[
                Pattern(
                    "uuid_shape",
                    r"(?<![0-9a-f])[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}(?![0-9a-f])",
                    0.7,
                )
            ],
        ),
        LongNumberRecognizer("CREDIT_CARD", r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)"),
        LongNumberRecognizer("PHONE_NUMBER", r"(?<![\d+])\+?\(?\d[\d ().-]{7,20}\d(?!\d)"),
        PatternRecognizer(
            supported_entity="IBAN_CODE",
            name="FallbackIbanRecognizer",
            patterns=[
                Pattern(
                    "iban_shape",
                    r"(?<![0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}"
                    r"(?: ?[A-Za-z0-9]{1,4})?(?![A-Za-z0-9])",
                    0.6,
                )
            ],
            global_regex_flags=re.DOTALL,  # IBANs are upper case; case-blind would hit words
        ),
    ]


class DirectoryRecognizer(EntityRecognizer):
    """Presidio recognizer over the employee directory (names, emails, logins)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        super().__init__(supported_entities=["PERSON", "EMAIL_ADDRESS"], name="DirectoryRecognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult(entity, start, end, 1.0)
            for start, end, entity in self.directory.find(text)
            if entity in entities
        ]


# What every match of phonenumbers' matcher contains (its pattern requires ``\d`` blocks).
_DIGIT = re.compile(r"\d")


class DigitGatedPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, skipped on text without a digit: a third of a title's
    analysis went to phonenumbers scanning digitless titles for eight regions. Every match of
    its pattern holds a ``\\d`` block, so the findings are the same."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if _DIGIT.search(text) is None:
            return []
        # Presidio's own annotation leaves out the None it accepts (and defaults to).
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
        return results


class OfflineAnalyzerEngine(AnalyzerEngine):
    """Presidio's engine without the context step when it cannot change a score.

    Context words raise a finding's score only when they are found near it, in the NLP
    engine's tokens or in the caller's ``context``. The no_op engine yields no tokens and we
    pass no context, so the step (a deep copy of every finding, a sixth of a title's analysis)
    returns the findings as they were. It still runs if either is present, or if a recognizer
    brings its own context logic."""

    def __init__(self, *, registry: RecognizerRegistry, **options: Any) -> None:
        super().__init__(registry=registry, **options)
        # Checked once, not per call; a recognizer added later (or ad hoc) is not in the set,
        # so the step runs for it.
        self._plain = frozenset(filter(_no_own_context_logic, registry.recognizers))

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if context or nlp_artifacts.tokens or not self._plain.issuperset(recognizers):
            results: list[RecognizerResult] = super()._enhance_using_context(
                text, raw_results, nlp_artifacts, recognizers, context
            )
            return results
        return raw_results


def _no_own_context_logic(recognizer: EntityRecognizer) -> bool:
    # An empty context word matches the empty surroundings the enhancer sees without tokens.
    return type(recognizer).enhance_using_context is EntityRecognizer.enhance_using_context and (
        "" not in (recognizer.context or ())
    )


def _digit_gated(recognizer: EntityRecognizer) -> EntityRecognizer:
    if type(recognizer) is not PhoneRecognizer:
        return recognizer
    assert isinstance(recognizer, PhoneRecognizer)
    name: str = recognizer.name  # type: ignore[has-type]
    return DigitGatedPhoneRecognizer(
        context=recognizer.context,
        supported_language=recognizer.supported_language,
        supported_entity=recognizer.supported_entities[0],
        supported_regions=recognizer.supported_regions,
        leniency=recognizer.leniency,
        name=name,
    )


@cache
def _nlp_engine():  # type: ignore[no-untyped-def]
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "no_op",
            "models": [{"lang_code": "en", "model_name": "none"}],
        }
    )
    return provider.create_engine()


def build_analyzer(directory: Directory | None = None) -> AnalyzerEngine:
    """Presidio's predefined recognizers, our fallbacks and, if given, the directory."""
    nlp_engine = _nlp_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    registry.recognizers = [_digit_gated(recognizer) for recognizer in registry.recognizers]
    for recognizer in fallback_recognizers():
        registry.add_recognizer(recognizer)
    if directory is not None:
        registry.add_recognizer(DirectoryRecognizer(directory))
    return OfflineAnalyzerEngine(
        nlp_engine=nlp_engine, registry=registry, supported_languages=["en"]
    )
