"""The bounds and assumptions every verdict carries, and the warnings a config earns.

A model checker's "holds" is true only inside its bounds: so many brokers, records
and faults, and one era's rules. `bounds_sentence` says them in one line, and every
place that shows a verdict (the terminal, result.json, report.html, the sweep page)
shows that line. `config_warnings` names configs whose "holds" says little.
"""
from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from kafkamc.compile import FAULTS
from kafkamc.eras import era_for
from kafkamc.resolved import Property, Resolved

if TYPE_CHECKING:
    from kafkamc.result import CheckResult

# faults: key -> (one, many), as a sentence names them.
FAULT_NAMES: dict[str, tuple[str, str]] = {
    "crashes": ("crash", "crashes"),
    "power_losses": ("power loss", "power losses"),
    "disk_losses": ("disk loss", "disk losses"),
    "network_partitions": ("network partition", "network partitions"),
    "clean_restarts": ("clean restart", "clean restarts"),
    "lost_responses": ("lost response", "lost responses"),   # the producer's (issue 20)
}


def bounds_sentence(model: Resolved) -> str:
    """E.g. "3 brokers, ≤ 2 records, ≤ 1 crash, followers may fall behind any number
    of times, Kafka 3.6 rules"."""
    parts = [f"{model.replication_factor} broker{'s' if model.replication_factor > 1 else ''}",
             f"≤ {model.records} record{'s' if model.records > 1 else ''}"]
    budgets = {**model.faults.injected(), "lost_responses": model.producer.lost_responses}
    faults = [f"≤ {count} {FAULT_NAMES[key][0 if count == 1 else 1]}"
              for key, count in budgets.items() if count]
    parts += faults or ["no faults"]
    parts.append(lag_words(model.faults.lagging_followers))
    if model.producer.modelled:
        parts.append(producer_words(model))
    parts.append(rules_words(model))
    return ", ".join(parts)


def producer_words(model: Resolved) -> str:
    """The producer model's settings and bounds, e.g. "idempotence off, ≤ 2 requests in
    flight (of max.in.flight.requests.per.connection 5), ≤ 2 resends (of retries
    2147483647)"."""
    producer = model.producer
    return (f"idempotence {'on' if producer.idempotence else 'off'}, "
            f"≤ {producer.in_flight} request{'s' if producer.in_flight > 1 else ''} in flight "
            f"(of max.in.flight.requests.per.connection {producer.max_in_flight}), "
            f"≤ {producer.resends} resend{'' if producer.resends == 1 else 's'} "
            f"(of retries {producer.retries})")


def lag_words(lags: int | None) -> str:
    """faults.lagging_followers in words."""
    if lags is None:
        return "followers may fall behind any number of times"
    if lags == 0:
        return "followers keep up (none falls behind)"
    return f"followers fall behind ≤ {lags} time{'s' if lags > 1 else ''}"


def rules_words(model: Resolved) -> str:
    """The era's rules, and any rule that differs from them (a protocol version or a
    `semantics:` override)."""
    era = era_for(model.kafka_version).rules
    changed = [f"{f.name} {_value(getattr(model.rules, f.name))}" for f in fields(era)
               if getattr(model.rules, f.name) != getattr(era, f.name)]
    words = f"Kafka {model.kafka_version} rules"
    if model.protocol:
        words += f" at {model.protocol}"
    return f"{words} except {', '.join(changed)}" if changed else words


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def config_warnings(model: Resolved) -> tuple[str, ...]:
    """Configs whose "holds" says little: no fault at all, or a single record."""
    where = model.source or model.name
    warnings = []
    if not any(model.faults.injected().values()) and not model.producer.lost_responses:
        warnings.append(f"{where}: faults: none are injected, so a verdict says nothing about "
                        "crashes, power or disk losses or partitions; add one, e.g. "
                        "faults: {crashes: 1}")
    if model.records == 1:
        warnings.append(f"{where}: bounds.records: 1 hides many losses, which need a second "
                        "record written after a leader change; use records: 2 or more")
    return tuple(warnings)


def relevant_actions(model: Resolved, prop: Property) -> tuple[str, ...]:
    """The actions without which a "holds" of `prop` says little: each fault the config
    injects, a lag when followers may fall behind, the producer's writes for the
    safety properties, and the settle step and the client's write for availability."""
    faults = tuple(FAULTS[key][1].split("(")[0] for key, count in model.faults.injected().items()
                   if count)
    lags = ("ShrinkIsr",) if model.faults.lagging_followers != 0 else ()
    own = ("Settle", "ProbeAppend") if prop == "availability" else ("Produce",)
    lost = ("LoseResponse",) if model.producer.lost_responses and prop != "availability" else ()
    return (*own, *faults, *lost, *lags)


def vacuity_warnings(model: Resolved, result: CheckResult) -> tuple[str, ...]:
    """A "holds" whose run never fired an action that matters to it: TLC's action
    coverage says the checked behaviours never had that fault, write or lag."""
    warnings = []
    for prop in result.properties.values():
        if prop.verdict != "holds" or prop.coverage is None:
            continue
        idle = [action for action in relevant_actions(model, prop.name)
                if prop.coverage.get(action, 0) == 0]
        if idle:
            warnings.append(f"{model.name}: {prop.name} holds, but {', '.join(idle)} never "
                            f"fired (TLC's action coverage): the verdict may be vacuous")
    return tuple(warnings)
