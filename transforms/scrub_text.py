"""scrub_text: free text that is kept (window titles, URLs) loses its PII.

Titles go through Presidio (offline) plus the employee directory; each finding becomes a
placeholder such as ``<EMAIL_ADDRESS>``. URLs lose credentials, query strings and fragments, and
ID-like path segments become ``<ID>``; what remains is scrubbed like a title. Results are cached
because titles repeat heavily (one focused window, thousands of events).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from presidio_analyzer import AnalyzerEngine
from pydantic import Field, ValidationInfo, field_validator

from transforms.context import Context
from transforms.recognizers import DEFAULT_ENTITIES, build_analyzer
from transforms.registry import Event, Transform, TransformConfig, register

_FILE_NAME = re.compile(r"^[\w.-]+$")
_ID_SEGMENT = re.compile(
    r"""^(?:
        [0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}   # UUID
      | \d{4,}                                                         # numeric id
      | [0-9a-f]{8,}                                                   # hex digest
      | (?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}  # opaque token
      | .*@.*                                                          # email as a segment
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
ID_PLACEHOLDER = "<ID>"
UNPARSABLE_URL = "<URL>"


class ScrubTextConfig(TransformConfig):
    fields: tuple[str, ...] = Field(
        ("window_title", "app"), description="free-text fields to scrub"
    )
    url_fields: tuple[str, ...] = Field(("url",), description="fields holding URLs")

    @field_validator("fields", "url_fields")
    @classmethod
    def _covers_titles_and_urls(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        needed = "window_title" if info.field_name == "fields" else "url"
        if needed not in value:
            raise ValueError(f"must include {needed}: it would pass through unscrubbed")
        return value

    entities: tuple[str, ...] = Field(DEFAULT_ENTITIES, description="Presidio entities to remove")
    score_threshold: float = Field(0.4, ge=0.0, le=1.0)
    cache_size: int = Field(65536, ge=0, description="distinct texts remembered per field kind")


def merge_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Union of overlapping findings. Presidio's anonymizer resolves overlaps by keeping one
    finding, which can leave a fragment of the other in clear; the union removes both."""
    merged: list[tuple[int, int, str]] = []
    for start, end, entity in sorted(spans):
        if merged and start <= merged[-1][1]:
            last_start, last_end, last_entity = merged[-1]
            if end > last_end:
                merged[-1] = (last_start, end, last_entity)
        else:
            merged.append((start, end, entity))
    return merged


def replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    pieces, position = [], 0
    for start, end, entity in merge_spans(spans):
        pieces += [text[position:start], f"<{entity}>"]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def make_text_scrubber(
    analyzer: AnalyzerEngine, entities: list[str], score_threshold: float
) -> Callable[[str], str]:
    def scrub(text: str) -> str:
        # "_" is a word character, so "invoice_4111…" hides the card from \b-anchored patterns;
        # a space keeps every offset the same.
        analysed = text.replace("_", " ")
        findings = analyzer.analyze(
            analysed, language="en", entities=entities, score_threshold=score_threshold
        )
        spans = [
            (f.start, f.end, f.entity_type)
            for f in findings
            # Presidio calls "main.py" a URL; a bare file name is not one, so it stays.
            if not (f.entity_type == "URL" and _FILE_NAME.match(text[f.start : f.end]))
        ]
        return replace_spans(text, spans)

    return scrub


def scrub_url(url: str, scrub: Callable[[str], str]) -> str:
    """Keep scheme, host and path shape; drop userinfo, query, fragment and ID-like segments."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return UNPARSABLE_URL
    # Decoded first: "jane%40corp.example" and "4111%201111…" hide PII from every recognizer.
    segments = [
        ID_PLACEHOLDER if _ID_SEGMENT.match(segment) else segment
        for segment in (unquote(raw) for raw in parts.path.split("/"))
    ]
    path = scrub("/".join(segments))
    host = scrub(host)
    prefix = f"{parts.scheme}://" if parts.scheme else ""
    return f"{prefix}{host}{port}{path}"


@register("scrub_text", ScrubTextConfig)
def scrub_text(config: ScrubTextConfig, context: Context) -> Transform:
    """Remove PII (Presidio recognizers and the employee directory) from titles and URLs."""
    analyzer = build_analyzer(context.directory)
    entities = list(config.entities)
    scrub_title = make_text_scrubber(analyzer, entities, config.score_threshold)
    # Inside a URL the host and path are what we keep, so the URL entity itself is not removed.
    no_url = [entity for entity in entities if entity != "URL"]
    # Cached apart from whole URLs: URLs that differ only in what scrub_url drops or replaces
    # (query, fragment, ID segments) share their host and path, and each is a Presidio call of
    # about a millisecond. In the simulator's traffic, 159 distinct URLs have 54 distinct parts.
    scrub_url_part = lru_cache(maxsize=config.cache_size)(
        make_text_scrubber(analyzer, no_url, config.score_threshold)
    )
    cached_text = lru_cache(maxsize=config.cache_size)(scrub_title)
    cached_url = lru_cache(maxsize=config.cache_size)(lambda url: scrub_url(url, scrub_url_part))
    fields, url_fields = config.fields, config.url_fields

    def scrub_event(event: Event) -> Event:
        get = event.get
        out = None  # one copy, made when the first field to scrub is found
        for name in fields:
            text = get(name)
            if text is not None:
                if out is None:
                    out = dict(event)
                out[name] = cached_text(text)
        for name in url_fields:
            url = get(name)
            if url is not None:
                if out is None:
                    out = dict(event)
                out[name] = cached_url(url)
        return event if out is None else out

    return scrub_event
