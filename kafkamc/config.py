"""The kafkamc config: pydantic models that are both the YAML schema and the Python DSL.

    Model(name="x", kafka_version="3.6",
          topic=Topic(replication_factor=3, min_insync_replicas=2),
          producer=Producer(acks="all"), faults=Faults(crashes=1))

The models mirror the YAML file one to one: Python field names are snake_case and
the dotted Kafka names are their aliases (`replication.factor`). A YAML file must use
the file's names; Python code may use either. Every problem, in a file or in DSL use,
is a `ConfigError` whose text is one line `FILE:LINE: KEY: what is wrong; what is
allowed`. `Model.resolve()` fills in the defaults of the chosen Kafka era.

A setting left out (None) means "the era's default", so a model keeps saying what the
user wrote and `to_yaml` does not freeze defaults that depend on `kafka_version`.
"""
from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from kafkamc.eras import (
    ACCEPTED,
    ELR_AVAILABLE,
    KEY_INTRODUCED,
    MAX_IN_FLIGHT_DEFAULT,
    RETRIES_FOREVER,
    Era,
    at_least,
    era_for,
    idempotent_in_flight,
    parse_version,
)
from kafkamc.errors import ConfigError, KafkamcError, ManyErrors
from kafkamc.protocol import ACCEPTED as PROTOCOL_ACCEPTED
from kafkamc.protocol import IBP_KEY, MV_KEY, elr_possible, parse_protocol, problem, protocol_rules
from kafkamc.resolved import (
    DEFAULT_CHECK,
    PRODUCER_PROPERTIES,
    PROPERTIES,
    Acks,
    FaultBudget,
    ProducerModel,
    Property,
    Resolved,
    Truncation,
    Verdict,
)

Loc = tuple[Any, ...]           # a path into the config: ("topic", "replication.factor")
At = Literal["key", "value"]    # which line of a setting an error points at

DEFAULT_VERSION = "4.1"
# The model's defaults for bounds.in_flight and bounds.retries: two requests in flight
# already reorder, and two resends already duplicate and reorder (issue 20).
IN_FLIGHT_BOUND = 2
RETRY_BOUND = 2
NAME_CHARS = "[A-Za-z0-9._-]"
NAME_MAX_BYTES = 100
NAME_ALLOWED = (f"letters, digits, '.', '_' and '-' ({NAME_CHARS}), at most {NAME_MAX_BYTES} "
                f"bytes, not '.' or '..', e.g. jepsen-2013")
FREE_TEXT = "printable text (tabs and line breaks allowed)"
_PROPERTY_LIST = ", ".join(PROPERTIES)


def _custom(message: str) -> PydanticCustomError:
    # The message goes through the context so that braces in it are not a template.
    return PydanticCustomError("kafkamc", "{message}", {"message": message})


# ---------------------------------------------------------------------------------
# Field types. Strict types: YAML `"3"` is not an int, `true` is not an int, and
# `"false"` is not a boolean.

def _valid_version(text: str) -> str:
    try:
        parse_version(text)
    except ConfigError as error:
        raise _custom(error.detail) from None
    return text


def _normalise_acks(value: Any) -> Any:
    # Kafka accepts acks 0, 1, all and -1 (the same as all); YAML gives 0, 1 and -1 as
    # ints. `type(...) is int` keeps booleans out (True == 1 in Python): they fail
    # the Literal check and are reported as they were written.
    if type(value) is int and value in (0, 1, -1):
        return "all" if value == -1 else str(value)
    return "all" if value == "-1" else value


def _only_flush_every_append(value: int | None) -> int | None:
    if value is not None and value != 1:
        raise _custom(f"{value} is not supported: kafkamc models only an fsync on every "
                      f"append or Kafka's default (no fsync); allowed: 1, or leave the key out")
    return value


def _plain_file_name(name: str) -> str:
    # The name is the default out dir's last part and the file names' stem: "." or ".."
    # would point the out dir at its parent, and a long one fails with ENAMETOOLONG.
    if name in (".", ".."):
        raise _custom(f"'{name}' is not a file name; allowed: {NAME_ALLOWED}")
    if len(name.encode()) > NAME_MAX_BYTES:
        raise _custom(f"the name is {len(name.encode())} bytes long; allowed: "
                      f"{NAME_ALLOWED}")
    return name


def _plain_text(text: str) -> str:
    # Free text goes into report.html and the TLC module's comments: no control
    # characters (tabs and line breaks are fine) and no lone surrogates, which no
    # file can hold in UTF-8.
    for char in text:
        if not char.isprintable() and char not in "\n\t":   # lone surrogates included
            raise _custom(f"holds the character {ascii(char)}; allowed: {FREE_TEXT}")
    return text


Name = Annotated[StrictStr, StringConstraints(pattern=rf"^{NAME_CHARS}+$"),
                 AfterValidator(_plain_file_name)]
FreeText = Annotated[StrictStr, AfterValidator(_plain_text)]
KafkaVersion = Annotated[StrictStr, AfterValidator(_valid_version)]


def _valid_protocol(text: str) -> str:
    try:
        parse_protocol(text, "")
    except ConfigError as error:
        raise _custom(error.detail) from None
    return text


ProtocolVersion = Annotated[StrictStr | None, AfterValidator(
    lambda text: text if text is None else _valid_protocol(text))]
AcksSetting = Annotated[Acks, BeforeValidator(_normalise_acks)]
FaultCount = Annotated[StrictInt, Field(ge=0, le=3, description="an integer from 0 to 3")]
LAG_ALLOWED = "an integer from 0 to 3, or any (absent: any, Kafka's followers may fall behind " \
              "any number of times)"


def _lag_budget(value: Any) -> Any:
    # `type(...) is int` keeps booleans out (True == 1 in Python).
    if value == "any" or (type(value) is int and 0 <= value <= 3):
        return value
    shown = f"'{value}'" if isinstance(value, str) else repr(value)
    raise _custom(f"{shown} is not a number of lags; allowed: {LAG_ALLOWED}")


# faults.lagging_followers: how often a live, connected follower may fall behind for
# replica.lag.time.max.ms and be dropped from the ISR; "any" is unbounded.
LagBudget = Annotated[StrictInt | Literal["any"], BeforeValidator(_lag_budget),
                      Field(description=LAG_ALLOWED)]
Switch = Annotated[StrictBool | None,
                   Field(description="true or false (absent: the era's default)")]


# ---------------------------------------------------------------------------------
# The models.

if TYPE_CHECKING:   # pydantic's metaclass, named for mypy; at run time it is type(BaseModel)
    from pydantic._internal._model_construction import ModelMetaclass as _ModelMetaclass
else:
    _ModelMetaclass = type(BaseModel)


class _RaisesConfigError(_ModelMetaclass):
    """Turns the ValidationError of a DSL call like `Topic(replication_factor=9)` into a
    ConfigError. A metaclass, not an `__init__` override: pydantic would call such an
    `__init__` for nested sections too and lose the file's context."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as error:
            raise _config_error(error, _Locator(),
                                prefix=getattr(cls, "section_key", ())) from None


class _Section(BaseModel, metaclass=_RaisesConfigError):
    """Shared config of every section."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    section_key: ClassVar[Loc] = ()   # where this section sits in the file


class Topic(_Section):
    section_key = ("topic",)

    replication_factor: StrictInt = Field(
        alias="replication.factor", ge=1, le=5, description="an integer from 1 to 5")
    min_insync_replicas: StrictInt | None = Field(
        None, alias="min.insync.replicas", ge=1,
        description="an integer >= 1 (it may exceed replication.factor; absent: 1)")
    unclean_leader_election_enable: StrictBool | None = Field(
        None, alias="unclean.leader.election.enable",
        description="true or false (absent: the era's default)")
    flush_messages: Annotated[StrictInt | None, AfterValidator(_only_flush_every_append)] = Field(
        None, alias="flush.messages",
        description="1 (fsync every append) or the key absent (no fsync, Kafka's default)")
    # A broker setting in Kafka; kafkamc models one partition, so it sits with the topic.
    auto_leader_rebalance_enable: StrictBool | None = Field(
        None, alias="auto.leader.rebalance.enable",
        description="true or false (absent: true, Kafka's default in every era)")


class Producer(_Section):
    section_key = ("producer",)

    acks: AcksSetting | None = Field(
        None, description="0, 1, all or -1 (absent: the era's default)")
    retries: StrictInt | None = Field(
        None, ge=0, le=RETRIES_FOREVER,
        description=f"an integer from 0 to {RETRIES_FOREVER} (absent: the era's default)")
    max_in_flight_requests_per_connection: StrictInt | None = Field(
        None, alias="max.in.flight.requests.per.connection", ge=1,
        description=f"an integer >= 1 (absent: {MAX_IN_FLIGHT_DEFAULT})")
    enable_idempotence: StrictBool | None = Field(
        None, alias="enable.idempotence",
        description="true or false (absent: the era's default)")


class Semantics(_Section):
    section_key = ("semantics",)

    truncation: Truncation | None = Field(
        None, description="high_watermark, kip101, kip279 or kip320 (absent: the era's default)")
    rejoin_after_epoch_start: Switch = None
    strict_min_isr: Switch = None
    eligible_leader_replicas: Switch = None
    bounce_detection: Switch = None
    fenced_isr_exclusion: Switch = None
    epoch_cache_on_election: Switch = None
    caught_up_kept_in_isr: Switch = None
    truncate_on_missed_epoch: Switch = None


class Faults(_Section):
    section_key = ("faults",)

    crashes: FaultCount = 0
    power_losses: FaultCount = 0
    disk_losses: FaultCount = 0
    network_partitions: FaultCount = 0
    clean_restarts: FaultCount = 0
    lagging_followers: LagBudget = "any"
    # A produce request that times out (request.timeout.ms) whatever became of it; the
    # producer closes the connection, failing every request in flight on it.
    lost_responses: FaultCount = 0


class Bounds(_Section):
    section_key = ("bounds",)

    records: StrictInt = Field(2, ge=1, le=4, description="an integer from 1 to 4")
    in_flight: StrictInt | None = Field(
        None, ge=1, le=5,
        description=f"an integer from 1 to 5 (absent: {IN_FLIGHT_BOUND})")
    retries: StrictInt | None = Field(
        None, ge=0, le=3,
        description=f"an integer from 0 to 3 (absent: {RETRY_BOUND})")


class Model(_Section):
    """A whole config file. Equality compares the settings, not where they came from."""

    name: Name | None = Field(None, description=NAME_ALLOWED)
    description: FreeText | None = Field(None, description=FREE_TEXT)
    kafka_version: KafkaVersion = Field(DEFAULT_VERSION, description=ACCEPTED)
    # The protocol the cluster speaks decides some rules (kafkamc.protocol).
    inter_broker_protocol_version: ProtocolVersion = Field(
        None, alias=IBP_KEY,
        description=f"{PROTOCOL_ACCEPTED}, up to kafka_version, before 3.3 (absent: "
                    f"kafka_version's own)")
    metadata_version: ProtocolVersion = Field(
        None, alias=MV_KEY,
        description=f"{PROTOCOL_ACCEPTED}, from 3.3 up to kafka_version (absent: "
                    f"kafka_version's own)")
    topic: Topic
    producer: Producer = Field(default_factory=Producer)
    semantics: Semantics = Field(default_factory=Semantics)
    faults: Faults = Field(default_factory=Faults)
    bounds: Bounds = Field(default_factory=Bounds)
    # Not called `check`: that name is the method that runs the checker.
    properties: tuple[Property, ...] = Field(
        DEFAULT_CHECK, alias="check",
        description=f"a list of distinct properties from: {_PROPERTY_LIST}")
    expect: dict[Property, Verdict] = Field(
        default_factory=dict, description="a mapping from a property in check to holds or violated")

    _source: str | None = None   # the file it was read from, for names and messages
    _text: str | None = None     # ... and that file's text, when it is this config alone

    @field_validator("topic", "producer", "semantics", "faults", "bounds", mode="before")
    @classmethod
    def _empty_section_is_default(cls, value: Any) -> Any:
        # `faults:` with every entry commented out reads as null: treat it as empty.
        return {} if value is None else value

    @model_validator(mode="after")
    def _check_across_sections(self, info: ValidationInfo) -> Model:
        # Raised directly, not as a ValueError: pydantic would lose the key's location.
        locator = (info.context or {}).get("locator") or _Locator()
        problems = [locator.error(message, loc, at) for loc, message, at in _problems(self)]
        if problems:
            raise _together(problems)
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]   # `expect` is a dict

    # -- loading --------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> Model:
        """Read and validate a config file; every problem is a ConfigError."""
        return ConfigFile.read(path).model()

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Model:
        """Validate settings already in memory (file names or Python field names)."""
        return cls._validate(data, _Locator(source), by_name=True)

    @classmethod
    def _validate(cls, data: Any, locator: _Locator, *, by_name: bool) -> Model:
        _check_top_level(data, locator)
        try:
            model = cls.model_validate(data, by_name=by_name, context={"locator": locator})
        except ValidationError as error:
            raise _config_error(error, locator) from None
        model._source = locator.file
        return model

    # -- using ----------------------------------------------------------------

    def resolve(self) -> Resolved:
        """The model with every default of its Kafka era filled in."""
        era, applied = era_for(self.kafka_version), _applied(self)
        topic, semantics = self.topic, self.semantics
        return Resolved(
            name=self.name or _default_name(self._source),
            description=self.description or "",
            kafka_version=self.kafka_version,
            replication_factor=topic.replication_factor,
            min_insync_replicas=_pick(topic.min_insync_replicas, era.min_insync_replicas),
            unclean_leader_election=_pick(topic.unclean_leader_election_enable,
                                          era.unclean_leader_election),
            flush_every_append=topic.flush_messages == 1,
            auto_leader_rebalance=_pick(topic.auto_leader_rebalance_enable,
                                        era.auto_leader_rebalance),
            acks=applied.acks,
            rules=replace(protocol_rules(era.rules, self.inter_broker_protocol_version,
                                         self.metadata_version),
                          **{switch: value for switch, value
                             in semantics.model_dump().items() if value is not None}),
            protocol=self._protocol(),
            faults=self._fault_budget(),
            records=self.bounds.records,
            producer=self._producer_model(era, applied),
            check=tuple(self.properties),
            expect=dict(self.expect),
            source=self._source,
            config_text=self.to_yaml() if self._text is None else self._text,
        )

    def _fault_budget(self) -> FaultBudget:
        counts = self.faults.model_dump()
        lags = counts.pop("lagging_followers")
        counts.pop("lost_responses")    # the producer's, not the cluster's (_producer_model)
        return FaultBudget(**counts, lagging_followers=None if lags == "any" else lags)

    def _producer_model(self, era: Era, applied: _Applied) -> ProducerModel:
        producer = self.producer
        asked = (any(p in PRODUCER_PROPERTIES for p in self.properties)
                 or self.faults.lost_responses > 0
                 or any(value is not None for value in (
                     producer.retries, producer.max_in_flight_requests_per_connection,
                     producer.enable_idempotence, self.bounds.in_flight, self.bounds.retries)))
        return ProducerModel(
            retries=applied.retries, max_in_flight=applied.in_flight,
            idempotence=_idempotence(self, applied),
            lost_responses=self.faults.lost_responses,
            in_flight_bound=_pick(self.bounds.in_flight, IN_FLIGHT_BOUND),
            retry_bound=_pick(self.bounds.retries, RETRY_BOUND),
            unknown_accepted=era.unknown_producer_accepted,
            modelled=asked)

    def _protocol(self) -> str | None:
        """The protocol version as the generated spec names it, None for the binary's."""
        if self.inter_broker_protocol_version is not None:
            return f"{IBP_KEY} {self.inter_broker_protocol_version}"
        if self.metadata_version is not None:
            return f"{MV_KEY} {self.metadata_version}"
        return None

    def to_yaml(self) -> str:
        """The config as YAML that `from_yaml` reads back to an equal model."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        # Sections that only hold era defaults say nothing: leave them out.
        data = {key: value for key, value in data.items() if value != {}}
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)

    def check(self, **kwargs: Any) -> Any:
        """Compile and model-check this config (see kafkamc.check.check_model)."""
        from kafkamc.check import check_model  # lazy: the DSL must not need the checker
        return check_model(self.resolve(), **kwargs)


SECTIONS: dict[str, type[_Section]] = {
    "topic": Topic, "producer": Producer, "semantics": Semantics, "faults": Faults,
    "bounds": Bounds,
}


def _idempotence(model: Model, applied: _Applied) -> bool:
    """enable.idempotence as the producer applies it. Set explicitly, it is the value
    (a conflict is a ConfigError, see _idempotence_problems). Left unset, it is the
    era's default, but from 3.0.1, 3.1.1 and 3.2 a producer with conflicting settings
    turns it off instead of failing (ProducerConfig.postProcessAndValidateIdempotenceConfigs,
    KAFKA-13673); 4.0 fails on too many requests in flight instead (KAFKA-17927)."""
    if model.producer.enable_idempotence is not None:
        return model.producer.enable_idempotence
    if not era_for(model.kafka_version).enable_idempotence:
        return False
    return (applied.acks == "all" and applied.retries > 0
            and applied.in_flight <= MAX_IN_FLIGHT_DEFAULT)


@dataclass(frozen=True)
class _Applied:
    """acks, retries and max.in.flight.requests.per.connection as the producer applies them."""
    acks: Acks
    retries: int
    in_flight: int


def _applied(model: Model) -> _Applied:
    """The producer's settings, each the config's value or else its default. Before 3.0
    a producer with enable.idempotence set true overrides the defaults of the settings
    left unset: acks all, retries 2147483647, and in 0.11 one request in flight
    (KafkaProducer.configureAcks, configureRetries, configureInflightRequests; from
    3.0 these are the defaults anyway, KIP-679)."""
    producer, era = model.producer, era_for(model.kafka_version)
    acks, retries, in_flight = era.acks, era.retries, MAX_IN_FLIGHT_DEFAULT
    if producer.enable_idempotence is True and not at_least(model.kafka_version, "3.0"):
        acks, retries = "all", RETRIES_FOREVER
        in_flight = idempotent_in_flight(model.kafka_version)[0]
    return _Applied(acks=_pick(producer.acks, acks), retries=_pick(producer.retries, retries),
                    in_flight=_pick(producer.max_in_flight_requests_per_connection, in_flight))


def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


def _default_name(source: str | None) -> str:
    if source is None:
        return "model"
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(source).stem)[:NAME_MAX_BYTES]
    return stem if stem.strip(".") else "model"


# ---------------------------------------------------------------------------------
# Rules that span sections (the era's keys, check and expect).

def _problems(model: Model) -> Iterator[tuple[Loc, str, At]]:
    yield from _era_problems(model)
    yield from _idempotence_problems(model)
    yield from _check_problems(model)
    yield from _expect_problems(model)


# What the era did before the key existed, said with the error.
_BEFORE_KEY = {
    "topic.min.insync.replicas": "before it, acks=all waits only for the current ISR",
    "topic.unclean.leader.election.enable": "before it, unclean leader election is always on",
    "producer.retries": "before it, kafkamc models the old Scala producer, which resends nothing",
    "producer.max.in.flight.requests.per.connection":
        "before it, kafkamc models the old Scala producer, one request at a time",
    "producer.enable.idempotence": "before it, brokers do not check producer sequence numbers",
}


def _idempotence_problems(model: Model) -> Iterator[tuple[Loc, str, At]]:
    """Settings Kafka's producer refuses with a ConfigException when idempotence is on
    (KafkaProducer before 3.0, ProducerConfig.postProcessAndValidateIdempotenceConfigs
    from 3.0): acks other than all, no retries, too many requests in flight."""
    producer, version, era = model.producer, model.kafka_version, era_for(model.kafka_version)
    if not era.has_key("producer.enable.idempotence"):
        return
    explicit = producer.enable_idempotence is True
    applied = _applied(model)
    acks, retries, in_flight = applied.acks, applied.retries, applied.in_flight
    most, source = idempotent_in_flight(version)
    key = ("producer", "enable.idempotence")
    if explicit and acks != "all":
        yield key, (f"true needs acks all, but acks is {acks} (Kafka's producer refuses it "
                    f"with a ConfigException); allowed: false, or acks all"), "value"
    if explicit and retries == 0:
        yield key, ("true needs retries > 0, but retries is 0 (Kafka's producer refuses it "
                    "with a ConfigException); allowed: false, or retries 1 or more"), "value"
    defaulted = producer.enable_idempotence is None and era.enable_idempotence
    if in_flight > most and (explicit or (defaulted and at_least(version, "4.0"))):
        yield (("producer", "max.in.flight.requests.per.connection"),
               f"{in_flight} is more than Kafka {version}'s idempotent producer accepts "
               f"({most}, {source}; it refuses more with a ConfigException); allowed: at most "
               f"{most}, or enable.idempotence false", "value")


def _era_problems(model: Model) -> Iterator[tuple[Loc, str, At]]:
    era = era_for(model.kafka_version)
    version = model.kafka_version
    for key, (first, source) in KEY_INTRODUCED.items():
        section, name = key.split(".", 1)
        if _setting(model, section, name) is not None and not era.has_key(key):
            yield ((section, name),
                   f"Kafka {version} has no such key: it was introduced in {first} ({source}), "
                   f"{_BEFORE_KEY[key]}; "
                   f"allowed: leave it out, or kafka_version {first} or later", "key")
    clash = problem(version, model.inter_broker_protocol_version, model.metadata_version)
    if clash is not None:
        yield (clash[0],), clash[1], "value"
    elif model.semantics.eligible_leader_replicas and not elr_possible(model.metadata_version):
        yield (("semantics", "eligible_leader_replicas"),
               f"true needs {MV_KEY} 4.0-IV1 or later (eligible.leader.replicas.version "
               f"depends on it), but {MV_KEY} is {model.metadata_version}; allowed: false or "
               f"absent, or a newer {MV_KEY}", "value")
    if model.semantics.eligible_leader_replicas and not era.eligible_leader_replicas_available:
        first, source = ELR_AVAILABLE
        yield (("semantics", "eligible_leader_replicas"),
               f"true needs Kafka {first} or later ({source}), but kafka_version is {version}; "
               f"allowed: false or absent", "value")


def _check_problems(model: Model) -> Iterator[tuple[Loc, str, At]]:
    if not model.properties:
        yield ("check",), f"the list is empty; allowed: one or more of {_PROPERTY_LIST}", "value"
    seen: set[str] = set()
    for index, prop in enumerate(model.properties):
        if prop in seen:
            yield (("check", index),
                   f"'{prop}' is listed twice; allowed: each of {_PROPERTY_LIST} at most once",
                   "value")
        seen.add(prop)


def _expect_problems(model: Model) -> Iterator[tuple[Loc, str, At]]:
    for prop in model.expect:
        if prop not in model.properties:
            yield (("expect", prop),
                   f"'{prop}' is not in check ({', '.join(model.properties)}); "
                   f"allowed: a property listed in check", "key")


def _setting(model: Model, section: str, alias: str) -> Any:
    part = getattr(model, section)
    name = _name_for(type(part), alias)
    assert name is not None, f"{section} has no key {alias}"
    return getattr(part, name)


def _name_for(cls: type[BaseModel], key: Any) -> str | None:
    """The Python field name of a file key or field name, None if the model has no such field."""
    for name, info in cls.model_fields.items():
        if key in (name, info.alias):
            return name
    return None


def _file_keys(cls: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in cls.model_fields.items()]


# ---------------------------------------------------------------------------------
# Reading YAML with the line of every key and value.

@dataclass(frozen=True)
class _Pos:
    key_line: int
    value_line: int
    raw: str | None     # a scalar value's text as written in the file
    plain: bool         # written without quotes (so YAML may have read it as a number)


@dataclass(frozen=True)
class _Locator:
    """Where a config came from, to put the file and line into a ConfigError."""

    file: str | None = None
    positions: Mapping[Loc, _Pos] = field(default_factory=dict)

    def error(self, message: str, loc: Loc, at: At = "value") -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line(loc, at),
                           key=_dotted(loc) or None)

    def line(self, loc: Loc, at: At = "value") -> int | None:
        pos = self.positions.get(loc)
        if pos is not None:
            return pos.key_line if at == "key" else pos.value_line
        # A missing key, or one inside merged YAML: point at the nearest enclosing key.
        while loc:
            loc = loc[:-1]
            if loc in self.positions:
                return self.positions[loc].key_line
        return None

    def raw(self, loc: Loc) -> str | None:
        pos = self.positions.get(loc)
        return pos.raw if pos is not None else None


# Bounds on what a config file may make the loader build. A config has a few dozen
# nodes a few levels deep; aliases may share nodes, but "billion laughs" (nine levels
# of nine aliases, 1 KB) expands to 10^9 nodes, and 1,000 nested lists exhaust
# Python's recursion limit.
MAX_BYTES = 1_000_000
MAX_DEPTH = 50
MAX_NODES = 10_000


class _PositionLoader(yaml.SafeLoader):
    """A SafeLoader that records each key's and value's line, rejects duplicate keys
    (plain PyYAML keeps the last of two equal keys without a word), and refuses
    documents nested or expanded past MAX_DEPTH and MAX_NODES."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep; allowed: a config "
                    "(a mapping of sections of settings)", self.peek_event().start_mark)
            node = super().compose_node(parent, index)
            assert node is not None, "compose_node is called only where a node follows"
            return node
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # `!!int abc`, `!!bool maybe` or 5,000 digits: Python's conversions raise
        # ValueError, KeyError (a bool's table) or OverflowError, which PyYAML lets
        # through without a line.
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, OverflowError) as error:
            value = str(node.value)
            shown = value if len(value) <= 40 else f"{value[:40]}... ({len(value)} characters)"
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown!r} as {node.tag.rsplit(':', 1)[-1]} "
                f"({' '.join(str(error).split())[:80]})", node.start_mark) from None

    def load_with_positions(self, file: str) -> tuple[Any, dict[Loc, _Pos]]:
        node = self.get_single_node()
        if node is None:      # an empty file: point at its first line
            return None, {(): _Pos(1, 1, None, False)}
        _expanded_size(node, {}, set())
        positions: dict[Loc, _Pos] = {(): _Pos(_line(node), _line(node), None, False)}
        self._index(node, (), positions, file, frozenset())
        return self.construct_document(node), positions

    def _index(self, node: yaml.Node, path: Loc, positions: dict[Loc, _Pos], file: str,
               open_nodes: frozenset[int]) -> None:
        if id(node) in open_nodes:     # a recursive alias: its positions are known already
            return
        open_nodes = open_nodes | {id(node)}
        for key, key_node, value_node in self._children(node, path, file):
            child = path + (key,)
            positions[child] = _Pos(_line(key_node), _line(value_node), *_scalar_text(value_node))
            self._index(value_node, child, positions, file, open_nodes)

    def _children(self, node: yaml.Node, path: Loc,
                  file: str) -> Iterator[tuple[Any, yaml.Node, yaml.Node]]:
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                yield index, item, item
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue      # `<<: *base` may override keys; not a duplicate
                key = self.construct_object(key_node, deep=True)
                if not _hashable(key):
                    continue      # construct_document reports it
                if key in first_line:
                    raise ConfigError(f"duplicate key (first given on line {first_line[key]}); "
                                      f"allowed: each key once", file=file,
                                      line=_line(key_node), key=_dotted(path + (key,)))
                first_line[key] = _line(key_node)
                yield key, key_node, value_node


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many nodes `node` stands for once every alias is expanded (aliases share
    nodes, so each is counted once, in `sizes`); a ComposerError past MAX_NODES or
    for an alias inside itself."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        raise yaml.composer.ComposerError(None, None, "an alias refers to a node that holds "
                                          "it; allowed: aliases of finished nodes",
                                          node.start_mark)
    open_nodes.add(id(node))
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    size = 1 + sum(_expanded_size(child, sizes, open_nodes) for child in children)
    if size > MAX_NODES:
        raise yaml.composer.ComposerError(None, None, f"aliases expand this to more than "
                                          f"{MAX_NODES} values; allowed: a config of a few "
                                          "dozen settings", node.start_mark)
    open_nodes.discard(id(node))
    sizes[id(node)] = size
    return size


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar_text(node: yaml.Node) -> tuple[str | None, bool]:
    if isinstance(node, yaml.ScalarNode):
        return node.value, node.style is None
    return None, False


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _read(file: str) -> str:
    try:
        with open(file, "rb") as source:
            data = source.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file; allowed: the path of a YAML config file",
                          file=file) from None
    except IsADirectoryError:
        raise ConfigError("cannot read the config: it is a directory; allowed: the path of a "
                          "YAML config file", file=file) from None
    except OSError as error:
        raise ConfigError(f"cannot read the config: {error.strerror or error}",
                          file=file) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"the file is larger than {MAX_BYTES:,} bytes; allowed: a config "
                          "file of a few dozen lines", file=file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError(f"cannot read the config: byte 0x{data[error.start]:02x} is not "
                          f"UTF-8; allowed: UTF-8 text", file=file, line=line) from None


def _load_yaml(text: str, file: str) -> tuple[Any, dict[Loc, _Pos]]:
    loader = None
    try:
        loader = _PositionLoader(text)     # its reader refuses control characters at once
        return loader.load_with_positions(file)
    except yaml.YAMLError as error:
        raise _yaml_error(error, text, file) from None
    except OverflowError:       # the scanner's chr() of an escape like "\UFFFFFFFF"
        line = loader.line + 1 if loader is not None else None
        raise ConfigError("YAML syntax error: an escape names no Unicode character; allowed: "
                          "\\x, \\u or \\U escapes up to \\U0010FFFF", file=file,
                          line=line) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_value(text: str, what: str) -> Any:
    """One YAML value given outside a file (a command-line option), under the bounds
    a config file has; a ConfigError naming `what` if it is not YAML."""
    data, _ = _load_yaml(text, what)
    return data


def _yaml_error(error: yaml.YAMLError, text: str, file: str) -> ConfigError:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        problem = error.problem or "invalid YAML"
        context = f" ({error.context}" if error.context else ""
        if context and error.context_mark is not None:
            context += f" that starts on line {error.context_mark.line + 1}"
        context += ")" if context else ""
        constructing = isinstance(error, yaml.constructor.ConstructorError)
        what = "YAML error" if constructing else "YAML syntax error"
        return ConfigError(f"{what}: {problem}{context}", file=file,
                           line=error.problem_mark.line + 1)
    position = getattr(error, "position", None)    # a ReaderError: a bad character
    line = text[:position].count("\n") + 1 if isinstance(position, int) else None
    return ConfigError(f"YAML syntax error: {' '.join(str(error).split())}", file=file, line=line)


# Free-text settings take the text as written: unquoted `kafka_version: 3.10` is the
# float 3.1 to YAML, but the user meant release "3.10".
_TEXT_KEYS: tuple[Loc, ...] = (("name",), ("description",), ("kafka_version",), (IBP_KEY,),
                                (MV_KEY,))


def _text_as_written(data: Any, positions: Mapping[Loc, _Pos]) -> Any:
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for loc in _TEXT_KEYS:
        if loc[0] in data:
            data[loc[0]] = _written_text(data[loc[0]], positions.get(loc))
    return data


def _written_text(value: Any, pos: _Pos | None) -> Any:
    """A free-text setting as written: an unquoted `3.10` is the number 3.1 to YAML,
    but the user meant release "3.10"."""
    written_as_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if pos is not None and pos.plain and pos.raw is not None and written_as_number:
        return pos.raw
    return value


@dataclass(frozen=True)
class ConfigFile:
    """A config file as read, before validation: its data and the line of every key
    and value. A file that holds a config and more (a sweep's file) is read with it,
    so its other sections are reported the way config mistakes are."""

    path: str
    data: Any
    locator: _Locator
    text: str

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> ConfigFile:
        file = str(path)
        text = _read(file)
        data, positions = _load_yaml(text, file)
        return cls(file, _text_as_written(data, positions), _Locator(file, positions), text)

    def model(self, data: Any = None) -> Model:
        """Validate `data` (default: the file's data), reporting this file's lines."""
        model = Model._validate(self.data if data is None else data, self.locator,
                                by_name=False)
        # The file is this config's own text only when nothing else was taken from it.
        model._text = self.text if data is None else None
        return model

    def error(self, message: str, loc: Loc, at: At = "value") -> ConfigError:
        return self.locator.error(message, loc, at)

    def as_text(self, loc: Loc, value: Any) -> Any:
        """The value at `loc` as a free-text setting reads it (_written_text)."""
        return _written_text(value, self.locator.positions.get(loc))


def _check_top_level(data: Any, locator: _Locator) -> None:
    what = f"a mapping of settings ({', '.join(_file_keys(Model))}) with at least " \
           f"topic: replication.factor"
    if data is None or data == {}:
        raise ConfigError(f"the config is empty; allowed: {what}", file=locator.file,
                          line=locator.line(()))
    if not isinstance(data, Mapping):
        raise ConfigError(f"the top level is {kind(data)}; allowed: {what}",
                          file=locator.file, line=locator.line(()))


# ---------------------------------------------------------------------------------
# ValidationError -> one clean ConfigError.

_EXPECTED = {
    "int": "an integer", "bool": "a boolean", "string": "a string", "dict": "a mapping",
    "model": "a mapping", "tuple": "a list", "list": "a list", "float": "a number",
}
_RANGE = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _config_error(error: ValidationError, locator: _Locator, prefix: Loc = ()) -> ConfigError:
    """The ConfigError for the mistake that comes first in the file (or in pydantic's
    order), holding every mistake of the file, one per key, in its `errors`."""
    by_key: dict[Loc, tuple[Loc, ErrorDetails, At]] = {}
    for item in error.errors():
        found = _canonical(prefix + tuple(item["loc"]), item)
        by_key.setdefault(found[0], found)      # one mistake per key, pydantic's first
    details = list(by_key.values())
    # A missing key points at its section's line, before everything else in it, yet an
    # unknown key there is the likelier culprit (a misspelling of the missing one): it
    # stands for the missing key, which is not reported beside it.
    unknown_in = {d[0][:-1] for d in details if d[1]["type"] == "extra_forbidden"}
    details = [d for d in details if d[1]["type"] != "missing" or d[0][:-1] not in unknown_in]
    details.sort(key=lambda d: (d[1]["type"] == "missing", locator.line(d[0], d[2]) or 0))
    return _together([locator.error(_message(item, loc, at, locator), loc, at)
                      for loc, item, at in details])


def _together(errors: list[ConfigError]) -> ConfigError:
    """The first of a file's mistakes, holding them all (ConfigError.errors)."""
    errors[0].errors = errors
    return errors[0]


def _canonical(loc: Loc, item: ErrorDetails) -> tuple[Loc, ErrorDetails, At]:
    """File names for Python field names in `loc`, and whether the error is about a key."""
    at: At = "key" if item["type"] in ("extra_forbidden", "invalid_key") else "value"
    if loc and loc[-1] == "[key]":             # an invalid key of the `expect` mapping
        loc, at = loc[:-1], "key"
    if item["type"] == "invalid_key":          # `1: x`: a key that is not text
        loc = loc[:-1] + (str(loc[-1]),)
    names: list[Any] = list(loc)
    # An unknown key stays as written: `properties:` in a file must not become `check`.
    known = names[:-1] if at == "key" and item["type"] != "missing" else names
    model: type[BaseModel] | None = Model
    for index, part in enumerate(known):
        name = _name_for(model, part) if model is not None else None
        if model is None or name is None:
            break
        names[index] = model.model_fields[name].alias or name
        model = SECTIONS.get(names[index]) if index == 0 else None
    return tuple(names), item, at


def _message(item: ErrorDetails, loc: Loc, at: At, locator: _Locator) -> str:
    kind = item["type"]
    if kind == "kafkamc":
        return item["msg"]
    if kind in ("extra_forbidden", "invalid_key"):
        return _unknown_key(loc)
    allowed = _allowed(loc, at)
    if kind == "missing":
        return f"required key missing; allowed: {allowed}"
    got = _got(item["input"], locator.raw(loc))
    if kind in _RANGE:
        return f"{got} is out of range; allowed: {allowed}"
    if kind == "literal_error":
        guess = closest(str(item["input"]), _choices(loc, at))
        hint = f" (did you mean '{guess}'?)" if guess else ""
        return f"{got} is not a valid value{hint}; allowed: {allowed}"
    if kind == "string_pattern_mismatch":
        return f"{got} has characters outside {NAME_CHARS}; allowed: {allowed}"
    expected = _EXPECTED.get(kind.split("_")[0])
    if expected is not None:
        return f"{got} is not {expected}{_quoted_hint(item['input'])}; allowed: {allowed}"
    return f"{item['msg']}; allowed: {allowed}"


def _got(value: Any, raw: str | None) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, (list, tuple, Mapping, BaseModel)):
        return kind(value)
    # A scalar as the file wrote it (`yes`, `3.10`); in the DSL, as Python writes it.
    shown = f"'{value}'" if isinstance(value, str) else raw if raw is not None else repr(value)
    if len(shown) > 60:         # a 5,000-digit number or a paragraph: its start says enough
        shown = f"{shown[:40]}... ({len(shown)} characters)"
    return f"{shown} ({kind(value)})"


def kind(value: Any) -> str:
    """What a value from a file is, in words: "an integer", "an empty list"..."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list" if value else "an empty list"
    if isinstance(value, Mapping):
        return "a mapping" if value else "an empty mapping"
    return f"a {type(value).__name__}"


def _quoted_hint(value: Any) -> str:
    # `"false"` or `"3"` in quotes is a string to YAML.
    if not isinstance(value, str):
        return ""
    looks_typed = value.lower() in ("true", "false") or value.lstrip("-").isdigit()
    return " (write it without quotes)" if looks_typed else ""


def _allowed(loc: Loc, at: At) -> str:
    """What a setting accepts, from the field's description."""
    if loc[:1] == ("expect",) and len(loc) == 2:
        return (f"a property in check, one of {_PROPERTY_LIST}" if at == "key"
                else "holds or violated")
    if loc[:1] == ("check",) and len(loc) == 2:
        return f"one of {_PROPERTY_LIST}"
    info = _field_info(loc)
    if info is None:
        return "see the config reference"
    if len(loc) == 1 and loc[0] in SECTIONS:
        return f"a mapping with keys {', '.join(_file_keys(SECTIONS[loc[0]]))}"
    return info.description or "see the config reference"


def _field_info(loc: Loc) -> Any:
    model: type[BaseModel] = SECTIONS[loc[0]] if len(loc) >= 2 and loc[0] in SECTIONS else Model
    key = loc[1] if model is not Model else loc[0] if loc else None
    name = _name_for(model, key)
    return model.model_fields[name] if name is not None else None


def _choices(loc: Loc, at: At) -> list[str]:
    if loc[:1] in (("check",), ("expect",)) and len(loc) == 2:
        return list(PROPERTIES) if loc[0] == "check" or at == "key" else list(get_args(Verdict))
    if loc == ("producer", "acks"):
        return [*get_args(Acks), "-1"]
    if loc == ("semantics", "truncation"):
        return list(get_args(Truncation))
    return []


def _unknown_key(loc: Loc) -> str:
    parent, key = loc[:-1], str(loc[-1])
    if loc == ("sweep",):      # a sweep's file given to check, compile or regress
        return ("a sweep's section: this file is a sweep, run by `kafkamc sweep FILE`; "
                "allowed here: a config without `sweep:`")
    section = SECTIONS.get(parent[0]) if parent else None
    here = _file_keys(section or Model)
    guess = closest(key, here)
    if guess is not None:
        return f"unknown key; did you mean '{guess}'?"
    elsewhere = _key_elsewhere(key, parent)
    if elsewhere is not None:
        return f"unknown key here; did you mean '{elsewhere}'?"
    return f"unknown key; allowed: {', '.join(here)}"


def _key_elsewhere(key: str, parent: Loc) -> str | None:
    """The full path of a key that belongs in another section (`acks` at the top level)."""
    for section, cls in SECTIONS.items():
        guess = closest(key, _file_keys(cls)) if (section,) != parent else None
        if guess is not None:
            return f"{section}.{guess}"
    guess = closest(key, _file_keys(Model)) if parent else None
    return guess


def closest(word: str, choices: list[str]) -> str | None:
    """The choice that `word` most likely misspells: `_`, `-` and `.` count the same
    (config files and sweep files alike)."""
    normal = {_normal(choice): choice for choice in choices}
    if _normal(word) in normal:
        return normal[_normal(word)]
    found = difflib.get_close_matches(_normal(word), list(normal), n=1, cutoff=0.75)
    return normal[found[0]] if found else None


def _normal(word: str) -> str:
    return re.sub(r"[\s_.-]+", ".", word.strip().lower())


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_configs(files: list[Path]) -> list[Resolved]:
    """Every config file, validated before anything runs and resolved: bad ones, and
    two configs with one name (they would share an out dir), are errors, every one
    of them named (ManyErrors, exit 2)."""
    models: list[Resolved] = []
    errors: list[KafkamcError] = []
    seen: dict[str, Path] = {}
    for file in files:
        try:
            model = Model.from_yaml(file).resolve()
        except ConfigError as error:
            errors.extend(error.errors)
            continue
        if model.name in seen:
            errors.append(ConfigError(f"the name '{model.name}' is also used by "
                                      f"{seen[model.name]}; give each config a unique `name:`",
                                      file=str(file), key="name"))
        seen[model.name] = file
        models.append(model)
    if errors:
        raise ManyErrors(errors)
    return models
