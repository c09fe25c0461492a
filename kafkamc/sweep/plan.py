"""A sweep file: a config plus a `sweep:` section of settings to vary, read into a plan.

    topic: {replication.factor: 3}
    sweep:
      topic.replication.factor: [1, 2, 3]
      producer.acks: ["1", all]
      faults.power_losses: [0, 1, 2]
      require: [durability]                  # optional: what the recommendation asks for
      against: {faults.power_losses: 2}      # optional: under which faults

Each other key of `sweep:` is a dotted path into the config and its value a list.
The swept keys fall in two kinds: budgets (`faults.*`, `bounds.records`), which only
add behaviours as they grow (kafkamc.sweep.prune) and make the matrix's columns, and
settings (everything else), which make its rows. Every value is validated on its
own, as the config validates it, so a bad one is a ConfigError at its own line. A
combination that the config rejects as a whole (a key its Kafka version lacks) is
kept as a skipped cell with the config's reason; if every combination is rejected,
that reason is the error.
"""
from __future__ import annotations

import copy
import itertools
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kafkamc.config import SECTIONS, ConfigFile, Model, closest, kind, load_value
from kafkamc.errors import ConfigError
from kafkamc.resolved import PROPERTIES, Property, Resolved

Value = Any                      # a setting's value as the file gives it: int, str, bool, None
Loc = tuple[Any, ...]            # a path into the file: ("sweep", "faults.power_losses", 0)
Budget = tuple[int, ...]         # one value per budget axis, in axis order

BUDGET_SECTIONS = ("faults", "bounds")
# Keys of `sweep:` that are not settings.
REQUIRE, AGAINST = "require", "against"
# Config keys that say what to check or expect, not how Kafka is set up.
NOT_SETTINGS = ("name", "description", "check", "expect")
# Short labels for cell names and narrow table headers; other keys use their last part.
SHORT = {
    "kafka_version": "v", "topic.replication.factor": "rf", "topic.min.insync.replicas": "minisr",
    "topic.unclean.leader.election.enable": "unclean", "topic.flush.messages": "flush",
    "producer.acks": "acks", "faults.crashes": "crash", "faults.power_losses": "pl",
    "faults.disk_losses": "dl", "faults.network_partitions": "np", "bounds.records": "rec",
    "faults.lagging_followers": "lag", "producer.retries": "retries",
    "producer.max.in.flight.requests.per.connection": "inflight",
    "producer.enable.idempotence": "idem", "faults.lost_responses": "lost",
    "bounds.in_flight": "inflight-bound", "bounds.retries": "resends",
}
_NEUTRAL: dict[str, Any] = {"topic": {"replication.factor": 1}}   # a valid config of 4.1
_LIST_EXAMPLE = "a non-empty list of distinct values, e.g. [1, 2, 3]"


def setting_keys() -> list[str]:
    """Every key a sweep may vary: kafka_version and each section's keys, dotted."""
    keys = ["kafka_version"]
    for section, cls in SECTIONS.items():
        keys += [f"{section}.{info.alias or name}" for name, info in cls.model_fields.items()]
    return keys


# Not a budget axis although it bounds faults: its values include `any`, which no count
# orders against; as a row axis each value is checked, none inferred.
NOT_BUDGETS = ("faults.lagging_followers",)


def is_budget(key: str) -> bool:
    return key.split(".", 1)[0] in BUDGET_SECTIONS and key not in NOT_BUDGETS


def budget_keys() -> list[str]:
    return [key for key in setting_keys() if is_budget(key)]


def loc_of(key: str) -> Loc:
    """The config path of a dotted key: Kafka's own names hold dots, so split once."""
    return tuple(key.split(".", 1))


@dataclass(frozen=True)
class Axis:
    key: str                       # "topic.replication.factor"
    values: tuple[Value, ...]

    @property
    def label(self) -> str:
        return SHORT.get(self.key) or self.key.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Requirement:
    properties: tuple[Property, ...]
    against: tuple[tuple[str, int], ...]     # budget key -> value; () means every column

    def describe(self) -> str:
        under = ", ".join(f"{key}={value}" for key, value in self.against) or "every budget"
        return f"{' and '.join(self.properties)} under {under}"


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    name: str                      # the config's name: SWEEP.ROW.COLUMN
    directory: str                 # its out dir under the sweep's: ROW.COLUMN
    model: Model | None            # None when the config rejects the combination
    skipped: str | None = None     # ... and why

    def resolved(self) -> Resolved:
        assert self.model is not None, "a skipped cell has no model"
        return replace(self.model.resolve(), name=self.name, config_text=self.config_yaml())

    def config_yaml(self) -> str:
        """The cell as a config file of its own, for `kafkamc check`."""
        assert self.model is not None, "a skipped cell has no model"
        return self.model.model_copy(update={"name": self.name}).to_yaml()


@dataclass(frozen=True)
class SweepPlan:
    name: str
    source: str
    properties: tuple[Property, ...]         # the base config's `check`
    settings: tuple[Axis, ...]               # rows
    budgets: tuple[Axis, ...]                # columns
    rows: tuple[tuple[Value, ...], ...]
    columns: tuple[Budget, ...]
    cells: Mapping[tuple[int, int], Cell]
    requirement: Requirement | None

    def row_settings(self, row: int) -> dict[str, Value]:
        return dict(zip((a.key for a in self.settings), self.rows[row]))

    def column_budget(self, column: int) -> dict[str, int]:
        return dict(zip((a.key for a in self.budgets), self.columns[column]))

    def column_label(self, column: int) -> str:
        return ", ".join(f"{key.split('.', 1)[-1]}={value}"
                         for key, value in self.column_budget(column).items()) or "base"


# More cells than anyone can wait for (at seconds to minutes each): refused outright.
MAX_CELLS = 10_000


def read_sweep(path: str | os.PathLike[str], *, require: Sequence[str] | None = None,
               against: Sequence[str] | None = None) -> SweepPlan:
    """Read and validate a sweep file; `require` and `against` (KEY=VALUE) given on the
    command line replace the file's. Every problem is a ConfigError."""
    file = ConfigFile.read(path)
    base, section = _split(file)
    axes = list(_axes(file, section))
    settings = tuple(a for a in axes if not is_budget(a.key))
    budgets = tuple(a for a in axes if is_budget(a.key))
    # Counted before any cell is built: 2.7 million cells took 10 minutes to plan.
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_CELLS:
        shape = " x ".join(str(len(a.values)) for a in axes)
        raise file.error(f"the sweep has {count:,} cells ({shape}); allowed: at most "
                         f"{MAX_CELLS:,} (split it into several sweeps)", ("sweep",), "key")
    rows = tuple(itertools.product(*(a.values for a in settings)))
    columns = tuple(itertools.product(*(a.values for a in budgets)))
    models = {(r, c): _validated(file, base, settings, budgets, rows[r], columns[c])
              for r in range(len(rows)) for c in range(len(columns))}
    valid = [m for m in models.values() if isinstance(m, Model)]
    if not valid:
        # The whole sweep is rejected: say why.
        raise next(m for m in models.values() if isinstance(m, ConfigError))
    name = valid[0].resolve().name
    properties = tuple(valid[0].properties)
    cells = {(r, c): _cell(name, settings, budgets, rows[r], columns[c], r, c, model)
             for (r, c), model in models.items()}
    requirement = _requirement(file, section, properties, budgets, base, require, against)
    return SweepPlan(name=name, source=file.path, properties=properties, settings=settings,
                     budgets=budgets, rows=rows, columns=columns, cells=cells,
                     requirement=requirement)


# ---------------------------------------------------------------------------------
# The file's two parts.

def _split(file: ConfigFile) -> tuple[dict[str, Any], dict[str, Any]]:
    """The base config and the sweep section."""
    data = file.data
    if not isinstance(data, dict):
        file.model()          # reports what is wrong with the top level
    if "sweep" not in data:
        typo = next((key for key in data if isinstance(key, str) and closest(key, ["sweep"])),
                    None)
        if typo is not None:
            raise file.error("unknown key; did you mean 'sweep'?", (typo,), "key")
        raise file.error("no sweep: section; allowed: a config with a `sweep:` mapping from "
                         "dotted setting keys to lists of values (for one config, use "
                         "`kafkamc check`)", ())
    section = data["sweep"]
    if not isinstance(section, dict) or not section:
        raise file.error(f"it is {kind(section)}; allowed: a mapping from dotted setting keys "
                         f"(e.g. topic.replication.factor) to lists of values", ("sweep",))
    if "expect" in data:
        raise file.error("a sweep expects no verdicts: every combination gets its own; "
                         "allowed: leave expect out", ("expect",), "key")
    return {key: value for key, value in data.items() if key != "sweep"}, section


def _axes(file: ConfigFile, section: dict[Any, Any]) -> Iterator[Axis]:
    keys = setting_keys()
    for key, values in section.items():
        if key in (REQUIRE, AGAINST):
            continue
        _check_key(file, key, keys)
        loc = ("sweep", key)
        if not isinstance(values, list) or not values:
            raise file.error(f"it is {kind(values)}; allowed: {_LIST_EXAMPLE}", loc)
        values = [_as_written(file, key, loc + (i,), v) for i, v in enumerate(values)]
        for index, value in enumerate(values):
            if value in values[:index]:
                raise file.error(f"{value!r} is listed twice; allowed: {_LIST_EXAMPLE}",
                                 loc + (index,))
            _check_value(file, key, value, loc + (index,))
        yield Axis(key, tuple(values))


def _check_key(file: ConfigFile, key: Any, keys: list[str]) -> None:
    loc = ("sweep", key)
    if not isinstance(key, str):
        raise file.error(f"the key {key!r} is not text; allowed: {_allowed_keys()}", loc, "key")
    if key in NOT_SETTINGS:
        raise file.error(f"'{key}' is not a Kafka setting and cannot be swept; allowed: "
                         f"{_allowed_keys()}", loc, "key")
    if key not in keys:
        guess = closest(key, [*keys, REQUIRE, AGAINST])
        hint = f"did you mean '{guess}'?" if guess else f"allowed: {_allowed_keys()}"
        raise file.error(f"unknown setting; {hint}", loc, "key")


def _allowed_keys() -> str:
    return f"kafka_version, a dotted key of {', '.join(SECTIONS)} (e.g. " \
           f"topic.replication.factor), {REQUIRE} or {AGAINST}"


def _as_written(file: ConfigFile, key: str, loc: Loc, value: Value) -> Value:
    # A list of versions reads `3.10` as release 3.10, as the config does.
    return file.as_text(loc, value) if key == "kafka_version" else value


def _check_value(file: ConfigFile, key: str, value: Value, loc: Loc) -> None:
    """Validate one value as the config would, in a neutral config (4.1, where every
    key exists), so that only the value itself can be wrong here."""
    try:
        Model.from_dict(_with(_NEUTRAL, key, value))
    except ConfigError as error:
        raise file.error(error.detail, loc) from None


def _with(data: Mapping[str, Any], key: str, value: Value) -> dict[str, Any]:
    """A copy of config data with one dotted key set."""
    changed = copy.deepcopy(dict(data))
    loc = loc_of(key)
    if len(loc) == 1:
        changed[key] = value
    else:
        section = changed.get(loc[0])
        changed[loc[0]] = {**(section if isinstance(section, dict) else {}), loc[1]: value}
    return changed


# ---------------------------------------------------------------------------------
# Cells.

def _validated(file: ConfigFile, base: dict[str, Any], settings: Sequence[Axis],
               budgets: Sequence[Axis], row: Sequence[Value],
               column: Sequence[int]) -> Model | ConfigError:
    """The cell's model, or the config's reason for rejecting the combination."""
    data = base
    for axis, value in zip((*settings, *budgets), (*row, *column)):
        data = _with(data, axis.key, value)
    try:
        return file.model(data)
    except ConfigError as error:
        return error


def _cell(sweep: str, settings: Sequence[Axis], budgets: Sequence[Axis],
          row_values: Sequence[Value], column_values: Sequence[int], row: int, column: int,
          model: Model | ConfigError) -> Cell:
    directory = f"{_slug(settings, row_values)}.{_slug(budgets, column_values)}"
    if isinstance(model, ConfigError):
        reason = f"{model.key}: {model.detail}" if model.key else model.detail
        return Cell(row, column, f"{sweep}.{directory}", directory, None, reason)
    return Cell(row, column, f"{sweep}.{directory}", directory, model)


def _slug(axes: Sequence[Axis], values: Sequence[Value]) -> str:
    parts = [f"{axis.label}{value_text(value)}" for axis, value in zip(axes, values)]
    return re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(parts)) or "base"


def value_text(value: Value) -> str:
    """A swept value as a person reads it (None is the era's default)."""
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------------
# The requirement: `require` and `against`, from the file or the command line.

def _requirement(file: ConfigFile, section: Mapping[Any, Any], properties: Sequence[Property],
                 budgets: Sequence[Axis], base: Mapping[str, Any],
                 require: Sequence[str] | None,
                 against: Sequence[str] | None) -> Requirement | None:
    wanted = _required(file, section, properties, require)
    pinned = _against(file, section, budgets, base, against)
    if wanted is None:
        if pinned:
            where = "--against" if against else None
            raise _error(file, where, ("sweep", AGAINST),
                         "against needs require; allowed: also give the properties the "
                         "settings must satisfy (require: [durability])")
        return None
    return Requirement(wanted, pinned)


def _required(file: ConfigFile, section: Mapping[Any, Any], properties: Sequence[Property],
              require: Sequence[str] | None) -> tuple[Property, ...] | None:
    flag = "--require" if require is not None else None
    names = require if require is not None else section.get(REQUIRE)
    loc: Loc = ("sweep", REQUIRE)
    if names is None:
        return None
    if not isinstance(names, list) or not names:
        raise _error(file, flag, loc, f"it is {kind(names)}; allowed: a list of properties from "
                     f"{', '.join(properties)}")
    chosen: list[Property] = []
    for index, name in enumerate(names):
        if name not in PROPERTIES:
            guess = closest(str(name), list(PROPERTIES))
            hint = f" (did you mean '{guess}'?)" if guess else ""
            raise _error(file, flag, loc + (index,), f"{name!r} is not a property{hint}; "
                         f"allowed: {', '.join(properties)}")
        if name not in properties:
            raise _error(file, flag, loc + (index,), f"'{name}' is not checked (check: "
                         f"{', '.join(properties)}); allowed: a property in check")
        if name in chosen:
            raise _error(file, flag, loc + (index,), f"'{name}' is listed twice; allowed: "
                         f"each property once")
        chosen.append(name)
    return tuple(p for p in PROPERTIES if p in chosen)


def _against(file: ConfigFile, section: Mapping[Any, Any], budgets: Sequence[Axis],
             base: Mapping[str, Any],
             against: Sequence[str] | None) -> tuple[tuple[str, int], ...]:
    flag = "--against" if against is not None else None
    if against is not None:
        pairs = [_pair(text) for text in against]
    else:
        given = section.get(AGAINST)
        if given is None:
            return ()
        if not isinstance(given, dict) or not given:
            raise file.error(f"it is {kind(given)}; allowed: a mapping from a budget key to one "
                             f"of its values, e.g. {{faults.power_losses: 2}}", ("sweep", AGAINST))
        pairs = list(given.items())
    swept = {axis.key: axis for axis in budgets}
    for index, (key, value) in enumerate(pairs):
        loc: Loc = ("sweep", AGAINST, key)
        if key in (k for k, _ in pairs[:index]):
            raise _error(file, flag, loc, "given twice; allowed: each budget key once", "key")
        if key not in budget_keys():
            guess = closest(str(key), budget_keys())
            hint = f"did you mean '{guess}'?" if guess else "it is not a fault or bound"
            raise _error(file, flag, loc, f"{hint}; allowed: {', '.join(budget_keys())}",
                         "key")
        allowed = swept[key].values if key in swept else (_base_value(base, key),)
        if value not in allowed:
            what = "the swept values" if key in swept else "the config's value (not swept)"
            raise _error(file, flag, loc, f"{value!r} is not among {what}; allowed: "
                         f"{', '.join(map(str, allowed))}")
    return tuple(pairs)


def _pair(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ConfigError(f"'{text}' is not KEY=VALUE; allowed: e.g. faults.power_losses=2",
                          file="--against")
    try:
        parsed = load_value(value, "--against")
    except ConfigError:
        parsed = value
    return key.strip(), parsed


def _base_value(base: Mapping[str, Any], key: str) -> Any:
    section, name = loc_of(key)
    given = (base.get(section) or {}).get(name)
    if given is not None:
        return given
    return SECTIONS[section].model_fields[name].default


def _error(file: ConfigFile, flag: str | None, loc: Loc, message: str,
           at: str = "value") -> ConfigError:
    """A mistake in the file at its line, or in a command-line option."""
    if flag is None:
        return file.error(message, loc, "key" if at == "key" else "value")
    key = ".".join(str(part) for part in loc[2:]) or None
    return ConfigError(message, file=flag, key=key if loc[1] == AGAINST else None)



