"""Wait for Kafka before the worker starts: backoff, one line per try, ``/healthz`` 503 meanwhile.

A worker started before its broker (systemd at boot, a VM, compose without ``depends_on``) used
to log a traceback and exit after a few seconds. Now it tries the bootstrap servers with the
handshake the worker itself will do (TLS and SASL included), backing off 1 s, 2 s, 4 s, ... up to
``SANITIZER_KAFKA_WAIT_MAX_BACKOFF_S``, and logs one line per try naming the servers. Meanwhile a
minimal web server on the metrics port answers ``/healthz`` (and ``/metrics``) with 503 and what
it waits for, so an orchestrator sees a live but unready process; it closes before Faust's own
web server takes the port.

A broker that answers but refuses us (a wrong password, a certificate we do not trust) is not an
outage: waiting would hide a configuration error, so that fails at once, in one line.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import orjson
from aiohttp import web
from aiokafka import errors
from aiokafka.conn import create_conn
from aiokafka.protocol.metadata import MetadataRequest

from streams.settings import ServiceSettings

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
PROBE_TIMEOUT_S = 10.0
# Errors of a broker that answered and refused: configuration, not an outage.
REFUSALS = (
    errors.SaslAuthenticationFailed,
    errors.AuthenticationFailedError,
    errors.AuthenticationMethodNotSupported,
    errors.UnsupportedSaslMechanismError,
    errors.IllegalSaslStateError,
    errors.ClusterAuthorizationFailedError,
)


class BrokerUnreachableError(Exception):
    """No bootstrap server answered: wait and try again."""


class BrokerRefusedError(Exception):
    """A bootstrap server answered and refused the connection: a configuration error."""


def describe(error: BaseException) -> str:
    """One line, no traceback: the error's class and message (never a credential)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the broker's TLS certificate is not trusted ({error.verify_message})"
    text = str(error).strip() or type(error).__name__
    return text if type(error).__name__ in text else f"{type(error).__name__}: {text}"


async def probe(settings: ServiceSettings) -> None:
    """Connect to each bootstrap server in turn, as the worker would, and ask for metadata.

    Returns on the first that answers; raises ``BrokerRefusedError`` on a TLS or SASL refusal and
    ``BrokerUnreachableError`` when none answered."""
    last: BaseException | None = None
    password = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    for server in settings.bootstrap_list:
        host, _, port = server.rpartition(":")
        try:
            conn = await create_conn(
                host or "localhost",
                int(port),
                client_id="sanitizer-broker-wait",
                request_timeout_ms=int(PROBE_TIMEOUT_S * 1000),
                ssl_context=settings.ssl_context(),
                security_protocol=settings.security_protocol.value,
                sasl_mechanism=settings.sasl_mechanism.value,
                sasl_plain_username=settings.sasl_username,
                sasl_plain_password=password,
            )
        except REFUSALS as error:
            raise BrokerRefusedError(f"{server}: {describe(error)}") from None
        except ssl.SSLCertVerificationError as error:
            raise BrokerRefusedError(f"{server}: {describe(error)}") from None
        except ssl.SSLError as error:
            if isinstance(error, ssl.SSLEOFError | ssl.SSLZeroReturnError):
                last = error  # closed mid-handshake: a broker going down or coming up
                continue
            raise BrokerRefusedError(
                f"{server}: TLS handshake failed ({describe(error)})"
            ) from None
        except (TimeoutError, OSError, errors.KafkaError) as error:
            last = error
            continue
        try:
            await conn.send(MetadataRequest([]))
            return
        except (TimeoutError, errors.KafkaError) as error:
            last = error
        finally:
            conn.close()
    raise BrokerUnreachableError(describe(last) if last else "no bootstrap server configured")


class WaitingPages:
    """``/healthz`` and ``/metrics`` while the worker waits: 503, and what it waits for."""

    def __init__(self, servers: str) -> None:
        self.report: dict[str, Any] = {
            "healthy": False,
            "waiting_for_kafka": servers,
            "tries": 0,
            "last_error": None,
        }

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(
            body=orjson.dumps(self.report), status=503, content_type="application/json"
        )

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(text="# waiting for Kafka\n", status=503)

    async def start(self, bind: str, port: int) -> web.AppRunner | None:
        app = web.Application()
        app.add_routes([web.get("/healthz", self.healthz), web.get("/metrics", self.metrics)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, bind, port).start()
        except OSError as error:  # Faust will fail on the same port, with its own message
            log.warning("cannot serve /healthz on %s:%d while waiting: %s", bind, port, error)
            await runner.cleanup()
            return None
        return runner


async def wait_until_reachable(settings: ServiceSettings) -> int:
    """Probe with capped exponential backoff until a bootstrap server answers; returns the
    number of tries. Raises ``BrokerRefusedError`` at once on a refusal."""
    pages = WaitingPages(settings.bootstrap_servers)
    runner: web.AppRunner | None = None
    delay, tries = FIRST_BACKOFF_S, 0
    try:
        while True:
            tries += 1
            try:
                await asyncio.wait_for(probe(settings), PROBE_TIMEOUT_S * 2)
            except (TimeoutError, BrokerUnreachableError) as error:
                reason = str(error) or "timed out"
                pages.report |= {"tries": tries, "last_error": reason}
                log.warning(
                    "waiting for Kafka at %s (try %d: %s); next try in %.0f s",
                    settings.bootstrap_servers,
                    tries,
                    reason,
                    delay,
                )
                if runner is None:  # only once it is clear that this will take a while
                    runner = await pages.start(settings.web_bind, settings.metrics_port)
                await asyncio.sleep(delay)
                delay = min(delay * 2, settings.kafka_wait_max_backoff_s)
                continue
            if tries > 1:
                log.info("Kafka at %s answers after %d tries", settings.bootstrap_servers, tries)
            return tries
    finally:
        if runner is not None:
            await runner.cleanup()  # frees the port for Faust's web server


def wait_for_kafka(settings: ServiceSettings) -> int:
    """``wait_until_reachable`` on an event loop of its own, closed afterwards (Faust makes its
    own). Raises ``BrokerRefusedError``."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(wait_until_reachable(settings))
    finally:
        loop.close()


def raise_if_refused(settings: ServiceSettings) -> None:
    """For the command-line tools (kafka-python), before they connect: one probe that turns a
    refusal (wrong password, untrusted certificate) into ``BrokerRefusedError`` naming the
    cause, where kafka-python only times out bootstrapping. An unreachable broker is left to the
    tool's own error."""
    if settings.security_protocol.value == "PLAINTEXT":
        return  # nothing to refuse
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(probe(settings))
    except BrokerUnreachableError:
        pass
    finally:
        loop.close()
