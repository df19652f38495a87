"""pseudonymize_ids: replace every identifier by a keyed HMAC-SHA256 pseudonym (128 bits).

The same identifier and key give the same pseudonym in any process on any machine, so per-user
order and joins survive; without the key nobody can go back, and a dictionary of logins is
useless. The key id (and rotation epoch) is recorded in the output so consumers know which
pseudonyms are comparable.

User, device and session ids repeat for thousands of events, so their pseudonyms are remembered
in a bounded least-recently-used cache per field (process memory only, like the raw event being
sanitized); event ids never repeat and are computed every time rather than flushing the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial

from pydantic import Field, field_validator

from transforms.context import Context
from transforms.keyring import Rotation, epoch_label
from transforms.registry import Event, Transform, TransformConfig, register

IDENTIFIER_FIELDS = ("user_id", "device_id", "session_id", "event_id")
# Fields whose values are unique per event: a cache of them would only ever miss.
UNIQUE_FIELDS = frozenset({"event_id"})
CACHED_PSEUDONYMS = 32_768  # per repeating field


class PseudonymizeIdsConfig(TransformConfig):
    fields: tuple[str, ...] = Field(
        IDENTIFIER_FIELDS, description="event fields holding raw identifiers"
    )
    rotation: Rotation = Field(
        Rotation.none, description="derive a new key per UTC epoch of the event's timestamp"
    )

    @field_validator("fields")
    @classmethod
    def _covers_every_identifier(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        missing = [name for name in IDENTIFIER_FIELDS if name not in value]
        if missing:
            raise ValueError(f"must include {', '.join(missing)}: raw identifiers would leak")
        return value


class MissingKeyError(RuntimeError):
    pass


@register("pseudonymize_ids", PseudonymizeIdsConfig)
def pseudonymize_ids(config: PseudonymizeIdsConfig, context: Context) -> Transform:
    """Replace user, device, session and event ids with keyed pseudonyms."""
    keyring = context.keyring
    if keyring is None:
        raise MissingKeyError("pseudonymize_ids needs an HMAC key and none was given")
    uncached = keyring.pseudonym_uncached
    rotation = config.rotation

    def for_field(name: str) -> Callable[..., str]:
        # (value[, epoch]) -> pseudonym; without rotation, the kind's prefix hashed once.
        one = keyring.pseudonymizer(name) if rotation is Rotation.none else partial(uncached, name)
        return one if name in UNIQUE_FIELDS else lru_cache(maxsize=CACHED_PSEUDONYMS)(one)

    fields = tuple((name, for_field(name)) for name in config.fields)

    if rotation is Rotation.none:
        key_id = keyring.output_key_id("")

        def pseudonymize(event: Event) -> Event:
            out = dict(event)
            get = out.get  # (a field listed twice is pseudonymized twice, as it always was)
            for name, pseudonym in fields:
                value = get(name)
                if value is not None:
                    out[name] = pseudonym(value)  # one argument: the cache's cheapest key
            out["key_id"] = key_id
            return out

        return pseudonymize

    def pseudonymize_in_epoch(event: Event) -> Event:
        epoch = epoch_label(event["ts"], rotation)
        out = dict(event)
        get = out.get
        for name, pseudonym in fields:
            value = get(name)
            if value is not None:
                out[name] = pseudonym(value, epoch)
        out["key_id"] = keyring.output_key_id(epoch)
        return out

    return pseudonymize_in_epoch
