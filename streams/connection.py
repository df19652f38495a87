"""Reaching the brokers from the command-line tools (``topics``, ``optout``, ``audit --topic``,
``simulate --bootstrap``): short timeouts, and one error that says where and what to set.

kafka-python's defaults wait 30 s to bootstrap and then raise from deep inside the client; a
user who mistyped a host name should learn that in seconds, in one line that names the servers
and the setting they came from. The streaming worker (aiokafka, via Faust) is not concerned: it
waits for its brokers on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kafka.errors import (
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    MetadataEmptyBrokerList,
    NodeNotReadyError,
)

from streams.settings import ENV_PREFIX, ServiceSettings

CONNECT_TIMEOUT_MS = 5_000  # to reach a broker and read the cluster's metadata
REQUEST_TIMEOUT_MS = 10_000  # any one request after that
BOOTSTRAP_SETTING = f"{ENV_PREFIX}BOOTSTRAP_SERVERS"


class BrokerError(RuntimeError):
    """Kafka could not be reached, or refused a request; the message is one line."""


def tool_client_config(settings: ServiceSettings, *, producer: bool = False) -> dict[str, Any]:
    """kafka-python options for a short-lived tool: the service's connection settings (TLS,
    SASL) with a bootstrap timeout of seconds, not kafka-python's 30 s. A producer keeps the
    default request timeouts: once connected, a loaded broker may take its time to acknowledge."""
    config = settings.kafka_python_config() | {
        "bootstrap_timeout_ms": CONNECT_TIMEOUT_MS,
        "reconnect_backoff_max_ms": 1_000,
    }
    if not producer:
        config["request_timeout_ms"] = REQUEST_TIMEOUT_MS
    return config


@contextmanager
def reporting_broker_errors(
    settings: ServiceSettings, setting: str = BOOTSTRAP_SETTING
) -> Iterator[None]:
    """Turn kafka-python's errors into one ``BrokerError`` naming the servers and ``setting``
    (the variable or option they came from)."""
    servers = settings.bootstrap_servers
    try:
        _raise_if_refused(settings, setting)
        yield
    except BrokerError:
        raise
    except (
        KafkaConnectionError,
        KafkaTimeoutError,
        MetadataEmptyBrokerList,
        NodeNotReadyError,
    ) as error:
        raise BrokerError(
            f"cannot reach Kafka at {servers} (from {setting}) within "
            f"{CONNECT_TIMEOUT_MS // 1000} s: is the broker running and the address right? "
            f"({type(error).__name__})"
        ) from None
    except KafkaError as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BrokerError(f"Kafka at {servers} (from {setting}): {detail}") from None


def _raise_if_refused(settings: ServiceSettings, setting: str) -> None:
    """With TLS or SASL, one probe first: kafka-python only times out on a wrong password or an
    untrusted certificate, where the probe names the refusal (streams.broker_wait)."""
    if settings.security_protocol.value == "PLAINTEXT":
        return
    from streams.broker_wait import BrokerRefusedError, raise_if_refused

    try:
        raise_if_refused(settings)
    except BrokerRefusedError as error:
        raise BrokerError(f"Kafka refused the connection: {error} (from {setting})") from None
