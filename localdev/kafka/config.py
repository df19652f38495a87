"""The broker's configuration files, as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SaslSslListener:
    """A second listener, SASL_SSL with SCRAM-SHA-512, beside the PLAINTEXT one (which stays for
    the broker itself and for readiness checks).

    ``keystore_pem``: one PEM file holding the broker's unencrypted PKCS#8 private key and its
    certificate chain (``ssl.keystore.type=PEM``). ``users``: SCRAM credentials written at format
    time (``kafka-storage format --add-scram``). With ``authorizer`` the broker runs KRaft's
    ``StandardAuthorizer``: only ``super_users`` (plus the PLAINTEXT listener's ``ANONYMOUS``,
    i.e. the broker itself) may do anything without an ACL.
    """

    port: int
    keystore_pem: Path
    users: dict[str, str] = field(default_factory=dict)
    authorizer: bool = False
    super_users: tuple[str, ...] = ()

    def properties(self) -> dict[str, str]:
        jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        props = {
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": jaas,
            "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
            "listener.name.sasl_ssl.ssl.keystore.location": str(self.keystore_pem),
        }
        if self.authorizer:
            supers = ["User:ANONYMOUS", *(f"User:{name}" for name in self.super_users)]
            props |= {
                "authorizer.class.name": (
                    "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
                ),
                "super.users": ";".join(supers),
            }
        return props

    def scram_arguments(self) -> list[str]:
        """``kafka-storage format`` arguments that create the SCRAM users."""
        arguments = []
        for name, password in self.users.items():
            arguments += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        return arguments


def server_properties(
    data_dir: Path,
    port: int | None,
    controller_port: int | None,
    extra: dict[str, str],
    sasl_ssl: SaslSslListener | None = None,
) -> str:
    """server.properties of a combined broker+controller on loopback, sized for tests."""
    listeners = f"PLAINTEXT://127.0.0.1:{port}"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if sasl_ssl is not None:
        listeners += f",SASL_SSL://127.0.0.1:{sasl_ssl.port}"
        protocols += ",SASL_SSL:SASL_SSL"
    props: dict[str, str] = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"{listeners},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": listeners,
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": protocols,
        "log.dirs": str(data_dir / "kraft-logs"),
        "num.partitions": "1",
        "auto.create.topics.enable": "true",
        "delete.topic.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.segment.bytes": str(16 * 1024 * 1024),
        "log.retention.hours": "24",
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        "metadata.log.segment.bytes": str(8 * 1024 * 1024),
    }
    if sasl_ssl is not None:
        props.update(sasl_ssl.properties())
    props.update(extra)
    return "".join(f"{k}={v}\n" for k, v in props.items())


def log4j_properties(data_dir: Path) -> str:
    """WARN and above to server.log in the data directory, plus one readiness line."""
    return (
        "log4j.rootLogger=WARN, file\n"
        "log4j.appender.file=org.apache.log4j.FileAppender\n"
        f"log4j.appender.file.File={data_dir / 'server.log'}\n"
        "log4j.appender.file.Append=true\n"
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        # One INFO line marking readiness helps when reading the log.
        "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
    )
