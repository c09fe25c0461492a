"""`kafkamc diff`: what changes between two configs, or one config on another release.

Both sides are checked as `kafkamc check` checks them (the run cache answers what
it has). Then, per property whose verdict differs, the question is which of the
ways the two models differ makes the difference: the era rules (`kafkamc eras`, a
`semantics:` switch each) and the settings (the configs' keys, era defaults
filled in). When there is one, it is the answer; when there are several, each is
tried alone: the side with the newer Kafka release (B on a tie) is checked again
with only that rule or setting set back to the other side's value, and it makes
the difference if the verdict then flips to the other side's. Going back on the
newer side keeps every try a config Kafka can run (ELR can be switched off on 4.1,
not on on 3.6). The counterexample shown is always the real side's, never a try's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kafkamc.check import check_model
from kafkamc.config import IBP_KEY, MV_KEY, Model
from kafkamc.eras import DEFAULT_SOURCES, RULE_NAMES, at_least, kafka_bool, parse_version
from kafkamc.errors import ConfigError
from kafkamc.resolved import PROPERTIES, Property, Resolved
from kafkamc.result import CheckResult, PropertyResult
from kafkamc.tlc.cache import RunCache

Side = Literal["a", "b"]
Checker = Callable[[Resolved, Path, list[Property]], CheckResult]   # model, out dir, props

# The settings of a resolved model and the config key that sets each.
SETTING_KEYS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("replication_factor", ("topic", "replication.factor")),
    ("min_insync_replicas", ("topic", "min.insync.replicas")),
    ("unclean_leader_election", ("topic", "unclean.leader.election.enable")),
    ("flush_every_append", ("topic", "flush.messages")),
    ("auto_leader_rebalance", ("topic", "auto.leader.rebalance.enable")),
    ("acks", ("producer", "acks")),
    ("records", ("bounds", "records")),
)
# The producer model's settings (issue 20), on Resolved.producer: compared only when
# one side has the model, since they change nothing without it.
PRODUCER_SETTING_KEYS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("retries", ("producer", "retries")),
    ("max_in_flight", ("producer", "max.in.flight.requests.per.connection")),
    ("idempotence", ("producer", "enable.idempotence")),
    ("lost_responses", ("faults", "lost_responses")),
)


@dataclass(frozen=True)
class Difference:
    """One way the two models differ: a rule or a setting, with both values."""
    key: str             # the config key that sets it: semantics.eligible_leader_replicas
    a: Any               # the value on each side, as the model applies it
    b: Any
    about: str           # what it is, for a reader
    source: str          # where it comes from: a KIP or JIRA, the config, an era default

    def shown(self, value: Any) -> str:
        """A value as Kafka writes it: true, all, 2; flush.messages 1 or not set."""
        if self.key == "topic.flush.messages":
            return "1" if value else "not set"
        return kafka_bool(value) if isinstance(value, bool) else str(value)

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "a": self.shown(self.a), "b": self.shown(self.b),
                "about": self.about, "source": self.source}


@dataclass(frozen=True)
class Attempt:
    """The newer side checked again with one difference set back."""
    difference: Difference
    verdict: str | None       # the property's verdict then; None: the try was refused
    note: str = ""            # why it was refused, or where its out dir is


@dataclass(frozen=True)
class PropertyDiff:
    name: Property
    a: PropertyResult
    b: PropertyResult
    decisive: tuple[Difference, ...]   # what makes the difference (alone)
    attempts: tuple[Attempt, ...]      # the tries, when there was more than one candidate

    @property
    def differs(self) -> bool:
        return self.a.verdict != self.b.verdict

    @property
    def broken(self) -> Side | None:
        """The side on which the property is violated, if only one."""
        if self.differs and "violated" in (self.a.verdict, self.b.verdict):
            return "a" if self.a.verdict == "violated" else "b"
        return None

    def to_json(self) -> dict[str, object]:
        return {"a": self.a.verdict, "b": self.b.verdict, "differs": self.differs,
                "broken_on": self.broken,
                "decisive": [d.key for d in self.decisive],
                "tried": [{"key": t.difference.key, "verdict": t.verdict, "note": t.note}
                          for t in self.attempts]}


@dataclass(frozen=True)
class DiffResult:
    a: CheckResult
    b: CheckResult
    differences: tuple[Difference, ...]
    properties: tuple[PropertyDiff, ...]
    newer: Side                        # the side the tries were made on

    @property
    def changed(self) -> tuple[PropertyDiff, ...]:
        return tuple(p for p in self.properties if p.differs)

    @property
    def failed(self) -> bool:
        return self.a.failed or self.b.failed

    def to_json(self) -> dict[str, object]:
        return {"a": self.a.to_json(), "b": self.b.to_json(),
                "differences": [d.to_json() for d in self.differences],
                "properties": {p.name: p.to_json() for p in self.properties}}


def against_version(model: Model, version: str) -> Model:
    """`model` on Kafka `version`: the same settings, the protocol the release speaks
    by default (an inter.broker.protocol.version or metadata.version pinned for the
    old release is dropped), no `expect:` (it was about the old release)."""
    try:
        parse_version(version)
    except ConfigError as error:
        raise ConfigError(error.detail, file="command line", key="--against-version") from None
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.update(kafka_version=version, expect={})
    data.pop(IBP_KEY, None)
    data.pop(MV_KEY, None)
    data["name"] = f"{_name(model)}-on-{version}"
    try:
        return Model.from_dict(data, source=model._source)
    except ConfigError as error:
        raise ConfigError(f"with --against-version {version}: {error.detail}",
                          file=error.file, line=error.line, key=error.key) from None


def differences(a: Model, b: Model) -> tuple[Difference, ...]:
    """Every rule and setting in which the two resolved models differ, rules first."""
    ra, rb = a.resolve(), b.resolve()
    found: list[Difference] = []
    for rule, (words, source) in RULE_NAMES.items():
        va, vb = getattr(ra.rules, rule), getattr(rb.rules, rule)
        if va != vb:
            found.append(Difference(f"semantics.{rule}", va, vb, words, source))
    producer = ra.producer.modelled or rb.producer.modelled
    settings = [(ra, rb, attribute, where) for attribute, where in SETTING_KEYS] + \
        [(ra.producer, rb.producer, attribute, where)
         for attribute, where in (PRODUCER_SETTING_KEYS if producer else ())]
    for sa, sb, attribute, (section, key) in settings:
        va, vb = getattr(sa, attribute), getattr(sb, attribute)
        if va != vb:
            dotted = f"{section}.{key}"
            defaulted = _explicit(a, section, key) is None or _explicit(b, section, key) is None
            source = f"the era's default: {DEFAULT_SOURCES[dotted]}" \
                if defaulted and dotted in DEFAULT_SOURCES else "the configs"
            found.append(Difference(dotted, va, vb, key, source))
    for fault, count in vars(ra.faults).items():
        if count != getattr(rb.faults, fault):
            found.append(Difference(f"faults.{fault}", count, getattr(rb.faults, fault),
                                    f"{fault.replace('_', ' ')} allowed", "the fault budget"))
    return tuple(found)


def diff(a: Model, b: Model, out: Path, *, properties: list[Property] | None = None,
         workers: int | None = None, timeout: float | None = None,
         cache: RunCache | None = None,
         announce: Callable[[str], None] = lambda _: None) -> DiffResult:
    """Check both sides into OUT/a and OUT/b, and find what makes each verdict differ,
    trying candidates alone on the newer side (in OUT/tried/KEY)."""
    wanted = properties or [p for p in PROPERTIES
                            if p in a.properties and p in b.properties]
    if not wanted:
        raise ConfigError("the two configs check no property in common; allowed: configs "
                          "whose `check:` lists share a property, or --property NAME",
                          file="command line", key="diff")

    def run(model: Resolved, where: Path, props: list[Property]) -> CheckResult:
        announce(f"checking {model.name} (Kafka {model.kafka_version}): {', '.join(props)}")
        return check_model(model, out_dir=where, properties=props, workers=workers,
                           timeout=timeout, cache=cache)

    ra, rb = a.resolve(), b.resolve()
    results = {"a": run(ra, out / "a", wanted), "b": run(rb, out / "b", wanted)}
    found = differences(a, b)
    newer: Side = "a" if _newer(a.kafka_version, b.kafka_version) else "b"
    # The verdicts that differ, both decided: only those can be explained.
    changed = [p for p in wanted
               if {results["a"].properties[p].verdict, results["b"].properties[p].verdict}
               == {"holds", "violated"}]
    attempts: dict[str, tuple[Attempt, ...]] = {}
    if len(found) > 1 and changed:
        attempts = _try_each(found, a if newer == "a" else b, newer, changed, out, run)
    per_property = []
    for prop in wanted:
        pa, pb = results["a"].properties[prop], results["b"].properties[prop]
        tried = attempts.get(prop, ())
        other = (pb if newer == "a" else pa).verdict
        decisive = () if prop not in changed else tuple(found) if len(found) == 1 else \
            tuple(t.difference for t in tried if t.verdict == other)
        per_property.append(PropertyDiff(prop, pa, pb, decisive, tried))
    return DiffResult(results["a"], results["b"], found, tuple(per_property), newer)


def _try_each(found: tuple[Difference, ...], newer_model: Model, newer: Side,
              changed: list[Property], out: Path,
              run: Checker) -> dict[str, tuple[Attempt, ...]]:
    """Check the newer side once per difference, with only that one set back."""
    per_property: dict[str, list[Attempt]] = {p: [] for p in changed}
    for difference in found:
        back = difference.b if newer == "a" else difference.a
        try:
            model = _with(newer_model, difference, back).resolve()
        except ConfigError as error:
            for prop in changed:
                per_property[prop].append(Attempt(difference, None, error.detail))
            continue
        where = out / "tried" / f"{difference.key}={difference.shown(back)}"
        result = run(model, where, changed)
        for prop in changed:
            per_property[prop].append(Attempt(difference, result.properties[prop].verdict,
                                              str(where)))
    return {p: tuple(tries) for p, tries in per_property.items()}


def _with(model: Model, difference: Difference, value: Any) -> Model:
    """`model` with the key of `difference` set to `value`, validated as a config."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    section, _, key = difference.key.partition(".")
    settings = dict(data.get(section, {}))
    if difference.key == "topic.flush.messages" and not value:
        settings.pop(key, None)
    else:
        settings[key] = 1 if difference.key == "topic.flush.messages" else value
    data[section] = settings
    data.update(expect={}, name=f"{_name(model)}.{key}-{difference.shown(value)}")
    return Model.from_dict(data, source=model._source)


def _explicit(model: Model, section: str, key: str) -> Any:
    return getattr(model, section).model_dump(by_alias=True).get(key)


def _name(model: Model) -> str:
    return model.resolve().name


def _newer(a: str, b: str) -> bool:
    """Whether release `a` is newer than `b`."""
    return at_least(a, b) and not at_least(b, a)
