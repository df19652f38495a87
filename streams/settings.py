"""The streaming service's configuration: one settings object, read from ``SANITIZER_*`` env vars.

Every knob of the worker, the topic tool and the opt-out tool lives here, typed and documented,
so a deployment is described by its environment alone (see the README, "Streaming service"). Secrets
(the HMAC key, the SASL password) are ``SecretStr``: their ``repr`` and the startup log show
``**********``. The HMAC key itself is loaded by ``transforms.keyring`` from the same variables;
its fields are declared here so that a misspelt or missing key is caught in one place.
"""

from __future__ import annotations

import difflib
import os
import ssl
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SANITIZER_"
# SANITIZER_* variables read elsewhere, not settings of the service (the checker allows them).
OTHER_VARIABLES = {
    "SANITIZER_KAFKA_CACHE": "cache of the local Kafka broker's jars (localdev.kafka)",
    "SANITIZER_KEYSTROKES_DIR": "the keystrokes-136m data set (privacy evaluation)",
}


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the variable and what to do."""


class Guarantee(StrEnum):
    at_least_once = "at_least_once"
    exactly_once = "exactly_once"


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class ServiceSettings(BaseSettings):
    """Configuration of ``sanitizer worker``, ``sanitizer topics`` and ``sanitizer optout``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # --- Kafka connection
    bootstrap_servers: str = Field("localhost:9092", description="comma-separated host:port list")
    security_protocol: SecurityProtocol = SecurityProtocol.PLAINTEXT
    sasl_mechanism: SaslMechanism = SaslMechanism.PLAIN
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(None, description="CA bundle that signed the brokers' certs")
    ssl_certfile: Path | None = Field(None, description="client certificate (mutual TLS only)")
    ssl_keyfile: Path | None = Field(None, description="client private key (mutual TLS only)")

    # --- topics
    raw_topic: str = "interactions.raw"
    sanitized_topic: str = "interactions.sanitized"
    quarantine_topic: str = "interactions.quarantine"
    optout_topic: str = "interactions.optout"
    partitions: int = Field(8, ge=1, description="raw, sanitized and quarantine partitions")
    replication_factor: int = Field(1, ge=1)
    retention_ms: int = Field(7 * 24 * 3600 * 1000, description="raw and sanitized retention")
    quarantine_retention_ms: int = Field(30 * 24 * 3600 * 1000)

    # --- privacy pipeline (same inputs as batch mode)
    policy_path: str | None = Field(None, description="policy file or builtin:NAME")
    directory_path: Path | None = Field(None, description="employee directory CSV")
    hmac_key: SecretStr | None = Field(None, description="read by transforms.keyring")
    hmac_key_file: Path | None = Field(None, description="read by transforms.keyring")
    hmac_key_id: str | None = Field(None, description="read by transforms.keyring")
    insecure_dev_key: bool = Field(False, description="fixed public key: local experiments only")
    quarantine_include_raw: bool = Field(
        False, description="copy the raw message into quarantine records (holds raw PII)"
    )

    # --- worker
    consumer_group: str = Field("interaction-sanitizer", description="Faust app id = group id")
    processing_guarantee: Guarantee = Field(
        Guarantee.at_least_once,
        description="at_least_once: outputs acknowledged, then offsets committed (a crash redoes "
        "the uncommitted tail); exactly_once: outputs, stage state and offsets in one Kafka "
        "transaction per batch (read the outputs read_committed)",
    )
    metrics_port: int = Field(6066, ge=1, le=65535, description="/metrics and /healthz")
    web_bind: str = "0.0.0.0"
    batch_max_messages: int = Field(1000, ge=1, description="raw messages per processing batch")
    producer_batch_bytes: int = Field(512 * 1024, ge=16 * 1024)
    producer_linger_ms: int = Field(5, ge=0)
    stream_buffer_maxsize: int = Field(
        8192, ge=1, description="fetched raw messages waiting per partition before it is paused"
    )
    stream_buffer_max_bytes: int = Field(
        4 * 1024 * 1024,
        ge=64 * 1024,
        description="fetched raw bytes (message values) waiting per partition before it is "
        "paused: bounds memory while draining a backlog of large messages",
    )
    fetch_bytes_per_partition: int = Field(
        4 * 1024 * 1024,
        ge=1024 * 1024,
        description="per fetch; below ~4 MiB a worker on 50-event batches waits for input",
    )
    fetch_max_wait_ms: int = Field(
        25,
        ge=1,
        le=1500,
        description="how long the broker may hold a fetch for fetch_min_bytes of new data; it "
        "bounds intake stalls (Faust's own 1,500 ms stalled the worker, see streams/agents.py)",
    )
    fetch_min_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="new data the broker gathers before it answers a fetch, for at most "
        "fetch_max_wait_ms: each fetch cycle costs the worker milliseconds of CPU, so fewer, "
        "larger fetches at moderate load (1: answer as soon as anything arrives)",
    )
    batch_linger_ms: int = Field(
        0,
        ge=0,
        le=1000,
        description="how long a partition's batch may wait for more fetched messages after "
        "its first (up to batch_max_messages): fewer, larger batches at light load",
    )
    commit_interval_s: float = Field(1.0, gt=0)
    session_timeout_s: float = Field(
        30.0, ge=6, description="how soon the group gives a dead worker's partitions away"
    )
    data_dir: Path = Field(Path("/tmp/interaction-sanitizer"), description="Faust worker state")
    log_level: str = "info"
    kafka_wait_max_backoff_s: float = Field(
        30.0, ge=1, description="longest pause between tries while a starting worker waits"
    )
    log_repeat_interval_s: float = Field(
        30.0, gt=0, description="a repeated warning or error is logged once per interval"
    )

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> ServiceSettings:
        if self.security_protocol.startswith("SASL_") and not (
            self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                f"{ENV_PREFIX}SECURITY_PROTOCOL={self.security_protocol} needs "
                f"{ENV_PREFIX}SASL_USERNAME and {ENV_PREFIX}SASL_PASSWORD"
            )
        return self

    @property
    def bootstrap_list(self) -> list[str]:
        return [server.strip() for server in self.bootstrap_servers.split(",") if server.strip()]

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context for SSL and SASL_SSL, None for plaintext protocols."""
        if self.security_protocol not in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL):
            return None
        context = ssl.create_default_context(
            purpose=ssl.Purpose.SERVER_AUTH,
            cafile=str(self.ssl_cafile) if self.ssl_cafile else None,
        )
        if self.ssl_certfile:
            context.load_cert_chain(
                str(self.ssl_certfile), str(self.ssl_keyfile) if self.ssl_keyfile else None
            )
        return context

    def kafka_python_config(self) -> dict[str, Any]:
        """Connection options for kafka-python clients (topic and opt-out tools)."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_list,
            "security_protocol": self.security_protocol.value,
        }
        if self.security_protocol.startswith("SASL_"):
            assert self.sasl_password is not None  # checked by the validator
            config |= {
                "sasl_mechanism": self.sasl_mechanism.value,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        context = self.ssl_context()
        if context is not None:
            config["ssl_context"] = context
        return config


def known_variables() -> list[str]:
    fields = [f"{ENV_PREFIX}{name.upper()}" for name in ServiceSettings.model_fields]
    return sorted([*fields, *OTHER_VARIABLES])


def check_environment(env: Mapping[str, str] | None = None) -> None:
    """Refuse a ``SANITIZER_*`` variable that nothing reads: a misspelt one would otherwise be
    ignored silently, and the service would run on a default (say, the wrong brokers)."""
    env = os.environ if env is None else env
    known = known_variables()
    for name in sorted(env):
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in known:
            close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; the README lists the variables"
            raise SettingsError(f"unknown variable {name}{hint}")


def load_settings(**overrides: Any) -> ServiceSettings:
    """Settings from the environment; keyword overrides win (command-line options).

    Raises ``SettingsError`` naming the variable, for an unknown ``SANITIZER_*`` variable or a
    bad value."""
    check_environment()
    try:
        return ServiceSettings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["loc"]:  # a field; model-level checks name their variables themselves
            message = f"{ENV_PREFIX}{'_'.join(map(str, first['loc'])).upper()}: {message}"
        raise SettingsError(message) from None
