"""A docker compose file whose services run Kafka images configured by environment
variables, as each image's entrypoint turns them into server.properties:

- bitnami/kafka (libkafka.sh, kafka_configure_from_environment_variables): every
  `KAFKA_CFG_*` variable; the rest lowercased, `_` -> `.`. Its other `KAFKA_*`
  variables configure the image, not Kafka.
- confluentinc/cp-kafka, cp-server, confluent-local (Confluent's "Docker Image
  Configuration Reference") and apache/kafka (docker/examples/README.md in Kafka's
  repository): every `KAFKA_*` variable but the image's own (heap, JVM and log4j
  options); lowercased, `___` -> `-`, `__` -> `_`, `_` -> `.`. Confluent's older pages
  give `__` and `___` the other way round; the current ones and Apache's agree.

Each service is one broker (or controller). The first broker service is imported;
another broker that disagrees on a setting import reads is a warning, since the
partitions it leads follow its own settings. The image tag is the release.
"""
from __future__ import annotations

import re

import yaml

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.catalogue import BROKER_READ, BROKER_TO_TOPIC
from kafkamc.kafka_import.cluster import Cluster
from kafkamc.kafka_import.documents import Document, child, items, line_of, sequence, text
from kafkamc.kafka_import.properties import by_key
from kafkamc.kafka_import.release import KAFKA_IMAGES, image_name, release_of_image
from kafkamc.kafka_import.settings import ImportWarning, Layer, Setting

_BITNAMI_PREFIX = "KAFKA_CFG_"
_PREFIX = "KAFKA_"
# The image's own variables, which its entrypoint does not write to server.properties.
_IMAGE_OWN = re.compile(r"KAFKA_(?:\w*_OPTS|OPTS|LOG4J_\w+|TOOLS_LOG4J_\w+|VERSION|HOME"
                        r"|JMX_\w+|DEBUG|HEAP_\w+)")
_INTERPOLATED = re.compile(r"\$\{?[A-Za-z_]")
_COMPARED = (*BROKER_TO_TOPIC, *BROKER_READ)


def read_compose(compose: Document, warnings: list[ImportWarning]) -> Cluster:
    file = compose.file
    kafka = [(name, key, node) for name, key, node in items(child(compose.node, "services"))
             if image_name(text(child(node, "image")) or "")[0] in KAFKA_IMAGES]
    if not kafka:
        found = ", ".join(f"{name} ({text(child(node, 'image')) or 'no image'})"
                          for name, _, node in items(child(compose.node, "services")))
        raise ConfigError(f"no service runs a Kafka image kafkamc knows (found: "
                          f"{found or 'no services'}); allowed: services with the image "
                          f"{', '.join(KAFKA_IMAGES)}", file=file, line=compose.line)
    brokers = []
    for name, key, node in kafka:
        settings = by_key(_environment(node, file, name), f"service {name}", warnings)
        roles = settings.get("process.roles")
        if roles is None or "broker" in roles.text:
            brokers.append((name, key, node, settings))
    if not brokers:
        raise ConfigError("every Kafka service is a controller (process.roles=controller); "
                          "allowed: a compose file with a broker service", file=file,
                          line=compose.line)
    name, key, node, settings = brokers[0]
    image = child(node, "image")
    assert image is not None
    cluster = Cluster(kind=f"docker compose service {name}", settings=settings,
                      release=release_of_image(text(image) or "", file, line_of(image),
                                               f"service {name} image"))
    cluster.brokers = Setting("brokers", str(len(brokers)), file, compose.line,
                              Layer.STATIC_BROKER, written=f"{len(brokers)} broker services")
    for other, _, other_node, other_settings in brokers[1:]:
        warnings += _differences(name, settings, other, other_settings)
        other_image = text(child(other_node, "image")) or ""
        if image_name(other_image) != image_name(text(image) or ""):
            warnings.append(ImportWarning(
                f"service {other} runs {other_image}, service {name} {text(image)}: a cluster "
                f"mid-upgrade; kafkamc models {name}'s", file=file, line=line_of(other_node)))
    if child(node, "env_file") is not None:
        warnings.append(ImportWarning(f"ignored: service {name}'s env_file is not read; "
                                      f"settings given there are missing from the model",
                                      file=file, line=line_of(key), key="env_file"))
    return cluster


def _environment(service: yaml.Node, file: str, name: str) -> list[Setting]:
    """The service's Kafka settings from its `environment` (a mapping or a list of
    `NAME=value`), in file order."""
    image = image_name(text(child(service, "image")) or "")[0]
    environment = child(service, "environment")
    pairs: list[tuple[str, str, int]] = []
    if isinstance(environment, yaml.SequenceNode):
        for entry in sequence(environment):
            variable, _, value = (text(entry) or "").partition("=")
            pairs.append((variable, value, line_of(entry)))
    else:
        pairs = [(variable, text(value) or "", line_of(key))
                 for variable, key, value in items(environment)]
    settings = []
    for variable, value, line in pairs:
        kafka_key = _kafka_key(variable, bitnami=image == "bitnami/kafka")
        if kafka_key is None:
            continue
        setting = Setting(kafka_key, value, file, line, Layer.STATIC_BROKER,
                          written=f"{variable} ({kafka_key})")
        if kafka_key in _COMPARED and _INTERPOLATED.search(value):
            raise setting.error(f"{value!r} is filled in by docker compose from the shell or "
                                f"an .env file, which kafkamc does not read; allowed: the "
                                f"value itself in service {name}'s environment")
        settings.append(setting)
    return settings


def _kafka_key(variable: str, *, bitnami: bool) -> str | None:
    if bitnami:
        if not variable.startswith(_BITNAMI_PREFIX):
            return None
        return variable[len(_BITNAMI_PREFIX):].lower().replace("_", ".")
    if not variable.startswith(_PREFIX) or _IMAGE_OWN.fullmatch(variable):
        return None
    # `___` -> `-`, then `__` -> `_`, then `_` -> `.`, in that order.
    dashed = variable[len(_PREFIX):].lower().replace("___", "-")
    return "_".join(part.replace("_", ".") for part in dashed.split("__"))


def _differences(name: str, settings: dict[str, Setting], other: str,
                 other_settings: dict[str, Setting]) -> list[ImportWarning]:
    warnings = []
    for key in _COMPARED:
        mine, theirs = settings.get(key), other_settings.get(key)
        if (mine.text if mine else None) == (theirs.text if theirs else None):
            continue
        shown = theirs if theirs is not None else mine
        assert shown is not None
        mine_text = f"{mine.text!r} (line {mine.line})" if mine else "nothing"
        theirs_text = repr(theirs.text) if theirs else "nothing"
        warnings.append(ImportWarning(
            f"service {other} sets {theirs_text}, service {name} {mine_text}; kafkamc models "
            f"{name}'s, and partitions that {other} leads follow its own",
            file=shown.file, line=theirs.line if theirs else None, key=key))
    return warnings
