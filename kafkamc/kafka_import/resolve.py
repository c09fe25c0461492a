"""`kafkamc import`: a kafkamc config from Kafka's own files.

Reads a broker's `server.properties`, optionally what a topic overrides (the output of
`kafka-configs.sh --describe --entity-type topics`, of `kafka-topics.sh --describe`, or a
plain topic .properties file) and a producer's .properties, and resolves each setting
kafkamc models the way Kafka does:

    the topic's override  >  a dynamic broker config  >  server.properties  >  Kafka's default

A setting that no file gives stays unset in the model, so the default of the chosen
Kafka release applies (`kafkamc eras`). Every setting that is not mapped is reported as
a warning; a value Kafka would refuse, or kafkamc cannot model, is a ConfigError that
names the file, line and key.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafkamc.config import NAME_CHARS, Model
from kafkamc.eras import ELR_AVAILABLE, KEY_INTRODUCED, at_least, era_for, parse_version
from kafkamc.errors import ConfigError, one_line
from kafkamc.kafka_import.catalogue import (
    BROKER_TO_TOPIC,
    TOPIC_TO_BROKER,
    ignored_producer,
    ignored_server,
    ignored_topic,
)
from kafkamc.kafka_import.cluster import Cluster
from kafkamc.kafka_import.describe import TopicConfigs, chosen_topic
from kafkamc.kafka_import.detect import read_cluster, read_topics
from kafkamc.kafka_import.features import read_features
from kafkamc.kafka_import.properties import read_producer_settings
from kafkamc.kafka_import.release import unknown_release
from kafkamc.kafka_import.settings import (
    INT_BITS,
    LAST_LINE,
    LONG_BITS,
    LONG_MAX,
    ImportWarning,
    Setting,
    java_boolean,
    java_integer,
    origin_of,
)
from kafkamc.protocol import ELR_FEATURE, IBP_KEY, KRAFT_FROM, MV_KEY, parse_protocol

# The starting fault budget and bounds: Kafka's files say nothing about either.
# lagging_followers is written out so that the config says what import assumed.
DEFAULT_FAULTS: dict[str, int | str] = {"crashes": 1, "lagging_followers": "any"}
DEFAULT_BOUNDS: dict[str, int] = {"records": 2}

@dataclass(frozen=True)
class Imported:
    """The model read from Kafka's files, what it ignored, and where each value came from."""

    model: Model
    warnings: tuple[ImportWarning, ...]
    origins: Mapping[str, str]      # YAML key -> where its value came from
    files: tuple[str, ...]          # "role: path" of every file read

    def to_yaml(self) -> str:
        """The model's YAML (Model.to_yaml) with comments: where each value came from,
        which defaults apply, and that faults and bounds are to be edited."""
        lines = [_annotated(line, self.origins) for line in self.model.to_yaml().splitlines()]
        body = "\n".join(_with_faults_comment(lines)) + "\n"
        return "\n".join(_header(self)) + "\n" + body

# ---------------------------------------------------------------------------------
# The entry point.

def import_files(server: str | Path, topic_file: str | Path | None = None,
                 producer: str | Path | None = None, *, topic: str | None = None,
                 kafka_version: str | None = None, replication_factor: int | None = None,
                 features: str | Path | None = None) -> Imported:
    """Read Kafka's files into a kafkamc Model. `topic` picks one topic of a describe
    output that names several; `kafka_version` and `replication_factor` say what the
    files cannot (and win over what they say); `features` is `kafka-features.sh
    describe` output (a KRaft cluster's metadata.version and ELR level). Every
    problem is a ConfigError."""
    warnings: list[ImportWarning] = []
    server_file = str(server)
    topic_path = str(topic_file) if topic_file is not None else None
    producer_file = str(producer) if producer is not None else None
    cluster = read_cluster(server_file, warnings)
    server_settings = cluster.settings
    chosen = _chosen(cluster, topic_path, topic)
    producer_settings = read_producer_settings(producer_file, warnings) if producer_file else {}
    features_file = str(features) if features is not None else None
    # The features file says what the cluster runs; the cluster file what was asked for.
    finalized = {**cluster.features,
                 **(read_features(features_file) if features_file is not None else {})}

    named = cluster.release or (chosen.release if chosen is not None else None)
    version, version_origin = _kafka_version(server_file, server_settings, kafka_version,
                                             named, warnings)
    origins: dict[str, str] = {"kafka_version": version_origin}
    protocol = _older_protocol(server_settings, version, origins)
    blame: dict[str, Setting | str] = {}   # kafkamc key -> what to blame for a bad value
    name = chosen.name if chosen is not None else topic
    data: dict[str, Any] = {
        "kafka_version": version,
        **protocol,
        "topic": _topic_section(cluster, chosen, replication_factor, version,
                                origins, blame, warnings),
        "producer": _producer_section(producer_settings, producer_file, version, origins,
                                      blame, warnings),
        "semantics": _semantics(server_settings, version, origins, warnings),
        "faults": dict(DEFAULT_FAULTS),
        "bounds": dict(DEFAULT_BOUNDS),
        "description": _description(name),
    }
    if name is not None and re.fullmatch(f"{NAME_CHARS}+", name):
        data["name"] = name
    if finalized:
        _apply_features(finalized, version, data, origins, blame, warnings)
    model = _validated(data, blame)

    warnings += cluster.notes
    warnings += ignored_server(server_settings, server_file, cluster.kind)
    if chosen is not None:
        warnings += ignored_topic(chosen)
    if producer_file is not None:
        warnings += ignored_producer(producer_settings, producer_file)
    warnings += _notes(server_settings, version, elr_known=ELR_FEATURE in finalized)
    files = [f"{cluster.kind}: {server_file}"]
    if topic_path is not None:
        files.append(f"topic: {topic_path}" + (f" (topic {name})" if name else ""))
    if producer_file is not None:
        files.append(f"producer: {producer_file}")
    if features_file is not None:
        files.append(f"features: {features_file}")
    return Imported(model=model, warnings=_in_file_order(
        warnings, [server_file, topic_path, producer_file, features_file]),
        origins=origins, files=tuple(files))


def _chosen(cluster: Cluster, topic_path: str | None, topic: str | None) -> TopicConfigs | None:
    """The topic file's topic, else a KafkaTopic that came with the cluster's resources."""
    if topic_path is not None:
        return chosen_topic(read_topics(topic_path), topic_path, topic)
    if cluster.topics:
        first = next(iter(cluster.topics.values()))
        return chosen_topic(dict(cluster.topics), first.file, topic)
    return None


def _apply_features(finalized: Mapping[str, Setting], version: str, data: dict[str, Any],
                    origins: dict[str, str], blame: dict[str, Setting | str],
                    warnings: list[ImportWarning]) -> None:
    """A KRaft cluster's finalized levels: metadata.version decides KIP-966's
    availability and default (kafkamc.protocol), eligible.leader.replicas.version
    whether ELR is on (EligibleLeaderReplicasVersion: level 1 is ELRV_1)."""
    if not at_least(version, KRAFT_FROM):
        first = next(iter(finalized.values()))
        raise ConfigError(f"Kafka {version} runs in ZooKeeper mode here (kafkamc models KRaft "
                          f"from {KRAFT_FROM}), which has no {MV_KEY}; allowed: the features "
                          "of a KRaft cluster, or no --features", file=first.file)
    for name, setting in finalized.items():
        described = (origin_of(setting) if setting.written
                     else f"{setting.where} {name} (kafka-features.sh describe)")
        if name == MV_KEY:
            data[MV_KEY] = setting.text
            origins[MV_KEY] = described
            blame[MV_KEY] = setting
        elif name == ELR_FEATURE:
            level = java_integer(setting, bits=INT_BITS, minimum=0, allowed="0 or 1")
            data["semantics"]["eligible_leader_replicas"] = level >= 1
            origins["eligible_leader_replicas"] = described
            blame["semantics.eligible_leader_replicas"] = setting
        else:
            warnings.append(setting.warning("ignored: kafkamc does not model this feature"))


def _in_file_order(warnings: list[ImportWarning],
                   files: list[str | None]) -> tuple[ImportWarning, ...]:
    """Per file in the order read, by line; a file's summary after its lines, and the
    notes about the import as a whole last."""
    def key(warning: ImportWarning) -> tuple[int, int]:
        rank = files.index(warning.file) if warning.file in files else len(files)
        return rank, warning.line or LAST_LINE
    return tuple(sorted(warnings, key=key))


def write_new(path: str | Path, text: str, *, force: bool) -> None:
    """Write `text` to `path`; an existing file is kept unless `force`."""
    target = Path(path)
    try:
        with target.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise ConfigError("the file exists and import never overwrites it; allowed: another "
                          "--out path, or --force to overwrite it", file=str(path),
                          key="--out") from None
    except OSError as error:
        raise ConfigError(f"cannot write it: {error.strerror or error}", file=str(path),
                          key="--out") from None

# ---------------------------------------------------------------------------------
# The Kafka release.

_IBP = re.compile(r"(?P<release>\d+\.\d+(?:\.\d+)?)(?:\.\d+)?(?:-IV\d+)?")


def _kafka_version(file: str, server: Mapping[str, Setting], option: str | None,
                   named: Setting | None, warnings: list[ImportWarning]) -> tuple[str, str]:
    """The release whose rules apply, and where it came from: --kafka-version, else the
    release the files name (a comment, an image tag, Strimzi's spec.kafka.version, the
    describe output), else inter.broker.protocol.version (ZooKeeper mode only: a KRaft
    node ignores it), which a newer broker may speak too, so that is a warning."""
    roles = server.get("process.roles")
    kraft = roles is not None and _roles(roles) != ()
    ibp = server.get("inter.broker.protocol.version")
    ibp_release = _ibp_release(ibp) if ibp is not None else None
    if kraft and ibp is not None:
        warnings.append(ibp.warning("ignored: a KRaft node takes its protocol from the "
                                    "metadata.version chosen at format time, not from this key"))
    if option is not None or named is not None:
        version, origin = ((_option_version(option), "--kafka-version") if option is not None
                           else _named_version(named))
        if option is not None and named is not None and named.text != version:
            warnings.append(named.warning(f"the brokers run {named.text} here; kafkamc uses "
                                          f"--kafka-version {version}"))
        if ibp is not None and ibp_release is not None and not kraft:
            _compare_ibp(ibp, ibp_release, version, warnings)
    elif kraft:
        assert roles is not None
        raise unknown_release(roles.file, "this is a KRaft node, whose configuration does not "
                                          "name its release (the metadata.version is chosen "
                                          "when the storage is formatted)", roles.line)
    elif ibp is not None and ibp_release is not None:
        version, origin = ibp_release, origin_of(ibp)
        warnings.append(ibp.warning(
            f"kafkamc takes the brokers to run Kafka {version}, the release of this protocol; "
            f"brokers of a later release may speak it too (mid-upgrade, or pinned on "
            f"purpose) and then follow their own release's rules: pass --kafka-version if "
            f"they run a later one"))
    else:
        raise unknown_release(file, "nothing in the files names it (no "
                                    "inter.broker.protocol.version, which defaults to the "
                                    "broker's own release, no release in a comment such as "
                                    "'# Kafka 3.6.1', no image tag or spec.kafka.version)")
    _check_mode(file, roles, kraft, version)
    return version, origin


def _named_version(named: Setting | None) -> tuple[str, str]:
    assert named is not None
    try:
        parse_version(named.text)
    except ConfigError as error:
        raise named.error(error.detail) from None
    return named.text, origin_of(named)


def _roles(setting: Setting) -> tuple[str, ...]:
    # A LIST: comma-separated, each trimmed; Kafka accepts only these two, each once.
    text = setting.text
    roles = tuple(part.strip() for part in text.split(",")) if text else ()
    if any(role not in ("broker", "controller") for role in roles) or \
            len(set(roles)) != len(roles):
        raise setting.error(f"{text!r} is not a list of distinct roles (Kafka refuses to "
                            f"start); allowed: broker, controller, or broker,controller")
    return roles


def _ibp_release(setting: Setting) -> str:
    match = _IBP.fullmatch(setting.text)
    if match is None:
        raise setting.error(f"{setting.text!r} is not a protocol version (Kafka refuses to "
                            f"start); allowed: a release such as 2.8, 3.6 or 3.6-IV2")
    release = match["release"]
    # From 1.0 on a protocol version is MAJOR.MINOR; a third number is the bug-fix release,
    # which does not change the protocol (0.10.2 is the 0.x way to write a minor release).
    if not release.startswith("0.") and release.count(".") == 2:
        release = release.rsplit(".", 1)[0]
    try:
        parse_version(release)
    except ConfigError as error:
        raise setting.error(error.detail) from None
    return release


def _option_version(option: str) -> str:
    option = option.strip()
    try:
        parse_version(option)
    except ConfigError as error:
        raise ConfigError(error.detail, key="--kafka-version") from None
    return option


def _compare_ibp(ibp: Setting, release: str, version: str,
                 warnings: list[ImportWarning]) -> None:
    if not at_least(version, release):
        raise ibp.error(f"protocol {release} is newer than the brokers' release {version}, and a "
                        f"broker cannot speak a newer protocol than its own (Kafka refuses to "
                        f"start); allowed: a protocol of {version} or older")
    if not at_least(release, version) and at_least(version, KRAFT_FROM):
        warnings.append(ibp.warning(
            f"brokers on {version} that still speak protocol {release} are mid-upgrade; "
            f"kafkamc models {version} in KRaft mode and uses its rules"))
    elif not at_least(release, version):
        warnings.append(ibp.warning(
            f"brokers on {version} that still speak protocol {release} are mid-upgrade; "
            f"kafkamc applies the rules of protocol {release} ({IBP_KEY} in the config)"))


def _older_protocol(server: Mapping[str, Setting], version: str,
                    origins: dict[str, str]) -> dict[str, str]:
    """`inter.broker.protocol.version` for the config when the brokers speak an older
    protocol than their release (ZooKeeper mode, which kafkamc models before 3.3)."""
    ibp = server.get(IBP_KEY)
    roles = server.get("process.roles")
    if ibp is None or (roles is not None and _roles(roles) != ()) or \
            at_least(version, KRAFT_FROM):
        return {}
    release = _ibp_release(ibp)
    if at_least(release, version):
        return {}
    origins[IBP_KEY] = origin_of(ibp)
    return {IBP_KEY: ibp.text if _is_protocol(ibp.text) else release}


def _is_protocol(text: str) -> bool:
    try:
        parse_protocol(text, IBP_KEY)
    except ConfigError:
        return False
    return True


def _check_mode(file: str, roles: Setting | None, kraft: bool, version: str) -> None:
    if kraft and not at_least(version, "3.3"):
        assert roles is not None
        raise roles.error(f"a KRaft node on {version}: KRaft before 3.3 was early access, and "
                          f"kafkamc models ZooKeeper mode before 3.3; allowed: --kafka-version "
                          f"3.3 or later for a KRaft node")
    if not kraft and at_least(version, "4.0"):
        raise ConfigError(f"not set, so this is a ZooKeeper-mode broker, but Kafka {version} runs "
                          f"only in KRaft mode (ZooKeeper was removed in 4.0); allowed: "
                          f"process.roles=broker (or broker,controller), or a release before "
                          f"4.0", file=file, key="process.roles")

# ---------------------------------------------------------------------------------
# The topic section.

def _topic_section(cluster: Cluster, topic: TopicConfigs | None,
                   rf_option: int | None, version: str, origins: dict[str, str],
                   blame: dict[str, Setting | str],
                   warnings: list[ImportWarning]) -> dict[str, Any]:
    section: dict[str, Any] = {}
    server = cluster.settings
    rf, rf_source = _replication_factor(cluster, topic, rf_option, warnings)
    _check_brokers(cluster, rf, rf_source)
    section["replication.factor"] = rf
    origins["replication.factor"] = origin_of(rf_source)
    blame["topic.replication.factor"] = rf_source
    if topic is not None:
        warnings += _static_mismatches(topic, server)
    era = era_for(version)
    for topic_key in BROKER_TO_TOPIC.values():
        setting = _resolved(topic_key, topic, server, warnings)
        if setting is None:
            _not_computed(cluster, TOPIC_TO_BROKER[topic_key], f"topic {topic_key}")
            continue
        if not era.has_key(f"topic.{topic_key}"):
            first, source = KEY_INTRODUCED[f"topic.{topic_key}"]
            warnings.append(setting.warning(
                f"ignored: Kafka {version} has no such key (it came in {first}, {source}), "
                f"and Kafka ignores a key it does not know"))
            continue
        value = _topic_value(topic_key, setting, warnings)
        if value is not None:
            section[topic_key] = value
            origins[topic_key] = origin_of(setting)
            blame[f"topic.{topic_key}"] = setting
    # A broker setting with no topic synonym; kafkamc keeps it with its one partition.
    rebalance = server.get("auto.leader.rebalance.enable")
    if rebalance is not None:
        section["auto.leader.rebalance.enable"] = java_boolean(rebalance)
        origins["auto.leader.rebalance.enable"] = origin_of(rebalance)
        blame["topic.auto.leader.rebalance.enable"] = rebalance
    return section


def _check_brokers(cluster: Cluster, rf: int, source: Setting | str) -> None:
    """Kafka refuses to create a topic with more replicas than brokers: an
    InvalidReplicationFactorException (StripedReplicaPlacer.place in KRaft,
    AdminUtils.assignReplicasToBrokers in ZooKeeper mode)."""
    brokers = cluster.brokers
    if brokers is None or rf <= int(brokers.text):
        return
    message = (f"{rf} replicas, but the cluster has {brokers.text} brokers "
               f"({origin_of(brokers)}), and Kafka refuses to create a topic with more replicas "
               f"than brokers; allowed: {brokers.text} replicas or fewer")
    if isinstance(source, Setting):
        raise source.error(message)
    raise ConfigError(message, key=source if source.startswith("--") else None)


def _not_computed(cluster: Cluster, broker_key: str, what: str) -> None:
    """No file gives the value, and Kafka's default is not what the cluster runs with."""
    if broker_key in cluster.computed:
        raise ConfigError(f"{cluster.computed[broker_key]}; allowed: set {broker_key} there, "
                          f"or give the {what} (a topic file, or the config after import)",
                          key=broker_key)


def _replication_factor(cluster: Cluster, topic: TopicConfigs | None,
                        option: int | None,
                        warnings: list[ImportWarning]) -> tuple[int, Setting | str]:
    server = cluster.settings
    described = topic.replication_factor if topic is not None else None
    if option is not None:
        if described is not None and described.text != str(option):
            warnings.append(described.warning(
                f"the topic has {described.text} replicas; kafkamc uses --replication-factor "
                f"{option}"))
        return option, "--replication-factor"
    if described is not None:
        return java_integer(described, bits=INT_BITS, minimum=1,
                        allowed="the replica count kafka-topics.sh printed"), described
    default = server.get("default.replication.factor")
    if default is not None:
        warnings.append(default.warning(
            "the topic's replication factor is taken from this broker default (what Kafka "
            "gives a topic created without one); pass --replication-factor, or a "
            "kafka-topics.sh --describe output, if the topic has another"))
        return java_integer(default, bits=INT_BITS, minimum=1,
                        allowed="an integer >= 1 (Kafka cannot create a topic with fewer "
                                "replicas)"), default
    _not_computed(cluster, "default.replication.factor", "--replication-factor")
    warnings.append(ImportWarning(
        "nothing gives the topic's replication factor, so kafkamc uses Kafka's "
        "default.replication.factor, 1; pass --replication-factor, or a kafka-topics.sh "
        "--describe output"))
    return 1, "Kafka's default.replication.factor"


def _resolved(topic_key: str, topic: TopicConfigs | None, server: Mapping[str, Setting],
              warnings: list[ImportWarning]) -> Setting | None:
    """The value Kafka uses for the topic: the highest layer wins; within a layer, the
    one given last."""
    candidates = list(topic.settings.get(topic_key, [])) if topic is not None else []
    if TOPIC_TO_BROKER[topic_key] in server:
        candidates.append(server[TOPIC_TO_BROKER[topic_key]])
    if not candidates:
        return None
    top = max(candidate.layer for candidate in candidates)
    same_layer = [candidate for candidate in candidates if candidate.layer == top]
    winner = same_layer[-1]
    for other in same_layer[:-1]:
        if other.text != winner.text:
            warnings.append(winner.warning(
                f"{winner.text!r} here, {other.text!r} at {other.where}; kafkamc uses this "
                f"one, the later"))
    return winner


def _topic_value(topic_key: str, setting: Setting, warnings: list[ImportWarning]) -> Any:
    if topic_key == "min.insync.replicas":
        return java_integer(setting, bits=INT_BITS, minimum=1, allowed="an integer >= 1")
    if topic_key == "unclean.leader.election.enable":
        return java_boolean(setting)
    return _flush(setting, warnings)


def _flush(setting: Setting, warnings: list[ImportWarning]) -> int | None:
    every = java_integer(setting, bits=LONG_BITS, minimum=1, allowed="an integer >= 1")
    if every == 1:
        return 1
    if every != LONG_MAX:
        warnings.append(setting.warning(
            f"an fsync every {every} messages is modelled as no fsync per append (Kafka's "
            f"default): kafkamc knows only 1 or none, and none allows every loss that "
            f"{every} allows and more, so a verdict of holds stays true but a violation "
            f"after a power loss may not happen with {every}"))
    return None


def _static_mismatches(topic: TopicConfigs, server: Mapping[str, Setting]) -> list[ImportWarning]:
    """The describe output shows the answering broker's server.properties; a difference
    means the file given is not the one that broker runs with."""
    found = []
    for topic_key, shown in topic.cluster_static.items():
        broker_key = TOPIC_TO_BROKER.get(topic_key)
        if broker_key is None:
            continue
        given = server.get(broker_key)
        if given is None or given.text != shown.text:
            in_file = f"{given.text!r} ({given.where})" if given else "nothing"
            found.append(shown.warning(
                f"the broker that answered runs with {shown.text!r} in its server.properties, "
                f"but the server.properties given has {in_file}; kafkamc uses the one given"))
    return found

# ---------------------------------------------------------------------------------
# The producer and the rules.

def _producer_section(producer: Mapping[str, Setting], file: str | None, version: str,
                      origins: dict[str, str], blame: dict[str, Setting | str],
                      warnings: list[ImportWarning]) -> dict[str, Any]:
    section: dict[str, Any] = {}
    acks = _acks(producer, file, version, warnings)
    if acks is not None:
        section["acks"], setting = acks
        origins["acks"] = origin_of(setting)
        blame["producer.acks"] = setting
    # The producer model's keys (issue 20), read as the Java client reads them.
    for key, read in _PRODUCER_KEYS.items():
        given = producer.get(key)
        if given is not None:
            section[key] = read(given)
            origins[key] = origin_of(given)
            blame[f"producer.{key}"] = given
    return section


_PRODUCER_KEYS: dict[str, Callable[[Setting], Any]] = {
    "retries": lambda s: java_integer(s, bits=INT_BITS, minimum=0, allowed="an integer >= 0"),
    "max.in.flight.requests.per.connection":
        lambda s: java_integer(s, bits=INT_BITS, minimum=1, allowed="an integer >= 1"),
    "enable.idempotence": java_boolean,
}


def _acks(producer: Mapping[str, Setting], file: str | None, version: str,
          warnings: list[ImportWarning]) -> tuple[str, Setting] | None:
    setting = producer.get("acks")
    if setting is None:
        default = era_for(version).acks
        where = "the producer config does not set acks" if file else "no producer config given"
        warnings.append(ImportWarning(
            f"{where}, so kafkamc uses the default of Kafka {version}, acks={default}; the "
            f"default is the producer client's (0 for the old Scala producer, 1 before 3.0, "
            f"all from 3.0, KIP-679), so set acks if your client's differs",
            file=file, key="acks" if file else None))
        _check_idempotence(producer, None)
        return None
    # ProducerConfig: ValidString.in("all", "-1", "0", "1"), case-sensitive.
    text = setting.text
    if text not in ("all", "-1", "0", "1"):
        raise setting.error(f"{text!r} is not a valid acks (Kafka refuses it); allowed: all, "
                            f"-1, 0 or 1")
    acks = "all" if text == "-1" else text
    _check_idempotence(producer, acks)
    return acks, setting


def _check_idempotence(producer: Mapping[str, Setting], acks: str | None) -> None:
    """The producer configs the Java client refuses (ProducerConfig's ConfigExceptions)."""
    idempotence = producer.get("enable.idempotence")
    explicit = idempotence is not None and java_boolean(idempotence)
    transactional = producer.get("transactional.id")
    if transactional is not None and transactional.text:
        if idempotence is not None and not explicit:
            raise idempotence.error("false together with transactional.id (the producer "
                                    "refuses: a transactional producer is idempotent); "
                                    "allowed: true, or no transactional.id")
        if acks not in (None, "all"):
            raise producer["acks"].error(f"{acks} together with transactional.id (the producer "
                                         f"refuses it); allowed: all or -1")
    if not explicit:
        return      # when idempotence is only the default, the client turns it off instead
    assert idempotence is not None
    if acks not in (None, "all"):
        raise producer["acks"].error(f"{acks} with enable.idempotence=true (line "
                                     f"{idempotence.line}; the producer refuses it); allowed: "
                                     f"all or -1, or enable.idempotence=false")
    retries = producer.get("retries")
    if retries is not None and java_integer(retries, bits=INT_BITS, minimum=0,
                                        allowed="an integer >= 0") == 0:
        raise retries.error("0 with enable.idempotence=true (the producer refuses it); "
                            "allowed: an integer >= 1, or enable.idempotence=false")
    in_flight = producer.get("max.in.flight.requests.per.connection")
    if in_flight is not None and java_integer(in_flight, bits=INT_BITS, minimum=1,
                                          allowed="an integer >= 1") > 5:
        raise in_flight.error(f"{in_flight.text} with enable.idempotence=true (the producer "
                              f"refuses more than 5); allowed: 1 to 5, or "
                              f"enable.idempotence=false")


def _semantics(server: Mapping[str, Setting], version: str, origins: dict[str, str],
               warnings: list[ImportWarning]) -> dict[str, Any]:
    semantics: dict[str, Any] = {}
    roles = server.get("process.roles")
    zookeeper = roles is None or not roles.text
    if zookeeper and at_least(version, "3.3"):
        # kafkamc's eras assume KRaft from 3.3; KIP-841 is a rule of the KRaft controller.
        semantics["fenced_isr_exclusion"] = False
        origins["fenced_isr_exclusion"] = ("no process.roles: a ZooKeeper-mode cluster, and "
                                           "KIP-841 is KRaft's")
    elr = server.get("eligible.leader.replicas.enable")
    if elr is not None:
        first, source = ELR_AVAILABLE
        if at_least(version, first):
            warnings.append(elr.warning(
                f"ignored: removed in {first}, where ELR ({source}) is the cluster feature "
                f"eligible.leader.replicas.version, not a server.properties key"))
        else:
            warnings.append(elr.warning(
                f"ignored: an unreleased preview before {first}; kafkamc models ELR "
                f"({source}) from {first} on"))
    return semantics


def _notes(server: Mapping[str, Setting], version: str, *,
           elr_known: bool) -> list[ImportWarning]:
    """What the files cannot say, and what a reader should know about them."""
    notes = []
    era = era_for(version)
    if era.eligible_leader_replicas_available and not elr_known:
        notes.append(_elr_note(version, era.rules.eligible_leader_replicas))
    roles = server.get("process.roles")
    if roles is not None and _roles(roles) == ("controller",):
        notes.append(_controller_only(roles))
    return notes


def _controller_only(roles: Setting) -> ImportWarning:
    # A controller applies some topic defaults (default.replication.factor when it creates
    # a topic), but the partition leaders, on the brokers, apply min.insync.replicas and
    # the flush policy from their own server.properties.
    return roles.warning("this is a controller, not a broker: the brokers' own "
                         "server.properties decide min.insync.replicas and fsync for the "
                         "partitions they lead; import a broker's file if they differ")


def _elr_note(version: str, default_on: bool) -> ImportWarning:
    state = "on" if default_on else "off"
    return ImportWarning(
        f"eligible leader replicas (KIP-966) are a cluster feature "
        f"(eligible.leader.replicas.version, set with kafka-features.sh or at format time), "
        f"not in these files: kafkamc assumes Kafka {version}'s default, {state} (off in 4.0, "
        f"on for clusters created on 4.1 or later); if yours differs, set "
        f"semantics.eligible_leader_replicas in the config")


def _description(topic: str | None) -> str:
    which = f"topic {topic}" if topic else "a topic"
    return f"The settings of {which}, imported from Kafka's config files by kafkamc import."


def _validated(data: dict[str, Any], blame: Mapping[str, Setting | str]) -> Model:
    """The Model; a value kafkamc cannot take is blamed on the Kafka file and line it
    came from."""
    try:
        return Model.from_dict(data)
    except ConfigError as error:
        source = blame.get(error.key or "")
        if source is None:
            raise
        message = f"kafkamc cannot model this value: {error.detail}"
        if isinstance(source, str):
            raise ConfigError(message, key=source) from None
        raise source.error(message) from None

# ---------------------------------------------------------------------------------
# The written config's comments.

def _header(imported: Imported) -> list[str]:
    resolved = imported.model.resolve()
    unset = _defaults_applied(imported.model, resolved)
    lines = ["# Written by `kafkamc import` from Kafka's own files:"]
    # File names are the user's: a line break in one would end the comment.
    lines += [f"#   {one_line(entry)}" for entry in imported.files]
    lines += ["# Each setting says where its value came from: a topic's override beats a",
              "# dynamic broker config, which beats server.properties, which beats Kafka's",
              "# default."]
    if unset:
        lines.append(f"# Not set in these files, so Kafka {resolved.kafka_version}'s defaults "
                     f"apply (`kafkamc eras`):")
        lines.append(f"#   {', '.join(unset)}.")
    lines.append("# Every setting that import ignored was reported as a warning.")
    return lines


def _defaults_applied(model: Model, resolved: Any) -> list[str]:
    unset = []
    if model.topic.min_insync_replicas is None:
        unset.append(f"min.insync.replicas {resolved.min_insync_replicas}")
    if model.topic.unclean_leader_election_enable is None:
        unset.append("unclean.leader.election.enable "
                     f"{str(resolved.unclean_leader_election).lower()}")
    if model.topic.flush_messages is None:
        unset.append("flush.messages never (no fsync per append)")
    if model.producer.acks is None:
        unset.append(f"acks {resolved.acks}")
    return unset


def _annotated(line: str, origins: Mapping[str, str]) -> str:
    match = re.match(r"\s*([A-Za-z_.]+):\s", line)
    if match is None or match[1] not in origins:
        return line
    return f"{line}  # {one_line(origins[match[1]])}"


def _with_faults_comment(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line == "faults:":
            out += ["# Faults and bounds are not in Kafka's files: these are starting values.",
                    "# Edit them to the failures the topic must survive (each fault 0..3) and",
                    "# the writes to explore (records 1..4); larger values take longer.",
                    "# lagging_followers: any assumes a follower may fall behind for",
                    "# replica.lag.time.max.ms and leave the ISR any number of times; 0 asks",
                    "# whether the topic survives these faults with followers keeping up."]
        out.append(line)
    return out
