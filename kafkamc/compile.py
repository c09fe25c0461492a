"""Compile a resolved model into a TLA+ module and the TLC configs of its runs.

The runs are exactly those `kafkamc check` makes (`runs_for`): the safety
properties share one run, availability has its own. `kafkamc compile` writes the
same files, so compiling and then checking overwrites nothing with other text.

The templates live in `templates/`: a base module (`kafka.tla.j2`), one fragment
per era-dependent rule variant (`rules/<rule>/<variant>.tla.j2`) and one per fault
kind (`faults/<kind>.tla.j2`). The output depends on nothing but the model, so the
same model always compiles to byte-identical files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from itertools import combinations
from pathlib import Path

import jinja2

from kafkamc.resolved import PRODUCER_PROPERTIES, PROPERTIES, Property, Resolved

# Fault budget field -> (template fragment, the Next disjunct that injects it).
FAULTS: dict[str, tuple[str, str]] = {
    "crashes": ("crash", "Crash(b)"),
    "power_losses": ("power_loss", "PowerLoss(b)"),
    "disk_losses": ("disk_loss", "DiskLoss(b)"),
    "network_partitions": ("network_partition", "Cut(b) \\/ Heal(b)"),
    "clean_restarts": ("clean_restart", "ControlledShutdown(b) \\/ StartAfterShutdown(b)"),
}

INVARIANTS: dict[Property, str] = {
    "durability": "Durability",
    "consistency": "Consistency",
    "read_stability": "ReadStability",
    "availability": "AvailabilityWhenQuiet",
    "no_duplicates": "NoDuplicates",
    "order": "Order",
}
SAFETY: tuple[Property, ...] = ("durability", "consistency", "read_stability", *PRODUCER_PROPERTIES)
# The invariants of a run that checks safety properties together (render_cfg): one
# per set of properties, false in a state whose broken, not yet reported properties
# are exactly the set (the template's "One run, several properties"); the cfg lists
# NoteBroken, which evaluates each property once for all of them, first.
REPORTED: dict[str, tuple[Property, ...]] = {
    "Once_" + "_".join(INVARIANTS[p] for p in props): props
    for size in range(len(SAFETY), 0, -1) for props in combinations(SAFETY, size)}
# TLC's name for what a counterexample violates -> the properties it breaks: each
# invariant, its Once_ forms, and Availability as a temporal property.
BROKEN_BY: dict[str, tuple[Property, ...]] = {
    **{invariant: (prop,) for prop, invariant in INVARIANTS.items()},
    "Availability": ("availability",), **REPORTED}


@dataclass(frozen=True)
class RunPlan:
    """One TLC run of a check: the properties it decides and its config."""
    label: str                        # names its files: MODULE.LABEL.cfg, tlc-LABEL.log
    properties: tuple[Property, ...]
    cfg: str                          # the TLC config's text
    together: bool                    # safety properties in one -continue run (Once_ forms)


@dataclass(frozen=True)
class CompiledSpec:
    module: str                      # TLA+ module name, also the file stem
    tla: str                         # the protocol module's text: Kafka's rules and properties
    mc: str                          # MC_<module>: the checking machinery that extends it
    runs: tuple[RunPlan, ...]        # the TLC runs that check the chosen properties
    brokers: list[str]               # the model values that stand for the brokers


    @property
    def mc_module(self) -> str:
        return f"MC_{self.module}"

    @property
    def text(self) -> str:
        """Both modules: all that, with a cfg, decides a run's outcome."""
        return self.tla + self.mc


@dataclass(frozen=True)
class SpecFiles:
    tla: Path                        # the protocol module
    mc: Path                         # the module TLC checks, with the cfgs
    cfgs: dict[str, Path]            # run label -> its TLC config


def templates_dir() -> Path:
    """The templates: packaged inside kafkamc when installed, at the repo root in a checkout."""
    packaged = Path(str(resources.files("kafkamc"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def module_name(name: str) -> str:
    """A TLA+ module name for a config name: letters, digits and underscores,
    starting with a letter."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"M_{cleaned}"


def compile_model(model: Resolved, properties: list[Property] | None = None) -> CompiledSpec:
    """The module and the runs that check `properties` (default: the model's `check`)."""
    env = _environment()
    wanted = [p for p in PROPERTIES if p in (properties or model.check)]
    if any(p in PRODUCER_PROPERTIES for p in wanted) and not model.producer.modelled:
        # Asked for on the command line (--property): asking is what brings the model in.
        model = replace(model, producer=replace(model.producer, modelled=True))
    module = module_name(model.name)
    brokers = broker_names(model.replication_factor)
    fault_fragments = [FAULTS[k][0] for k in FAULTS if getattr(model.faults, k) > 0]
    tla = env.get_template("kafka.tla.j2").render(
        module=module,
        source=Path(model.source).name if model.source else "the Python DSL",
        kafka_version=model.kafka_version,
        protocol=model.protocol,
        replication_factor=model.replication_factor,
        min_isr=model.min_insync_replicas,
        acks=model.acks,
        unclean=model.unclean_leader_election,
        fsync=model.flush_every_append,
        auto_rebalance=model.auto_leader_rebalance,
        records=model.records,
        faults=model.faults,
        rules=model.rules,
        fault_fragments=fault_fragments,
        fault_actions={FAULTS[k][0]: FAULTS[k][1] for k in FAULTS},
        producer=model.producer,
    )
    # The producer's properties exist only in a module with the producer model, so
    # only such a module has their Once_ forms (an old config's MC module is unchanged).
    safety = set(SAFETY if model.producer.modelled else SAFETY[:3])
    mc = env.get_template("mc.tla.j2").render(
        module=module, brokers=brokers, invariants=INVARIANTS,
        reported_sets=[(name, props) for name, props in REPORTED.items() if set(props) <= safety],
        registers={p: n for n, p in enumerate(sorted(safety, key=SAFETY.index), start=1)})
    return CompiledSpec(module=module, tla=tla, mc=mc, runs=runs_for(module, brokers, wanted),
                        brokers=brokers)


def runs_for(module: str, brokers: list[str], properties: list[Property]) -> tuple[RunPlan, ...]:
    """The safety properties share one run that reports each once (-continue);
    availability has a next-state relation of its own, hence its own run."""
    runs = []
    if safety := tuple(p for p in properties if p != "availability"):
        label = safety[0] if len(safety) == 1 else "safety"
        runs.append(RunPlan(label, safety, render_cfg(module, brokers, list(safety),
                                                      together=True), together=True))
    if "availability" in properties:
        runs.append(RunPlan("availability", ("availability",),
                            render_cfg(module, brokers, ["availability"]), together=False))
    return tuple(runs)


def render_cfg(module: str, brokers: list[str], properties: list[Property], *,
               temporal: bool = False, together: bool = False) -> str:
    """A TLC config checking `properties`: the safety properties may share one run;
    availability runs alone, as its invariant form, or with `temporal` as TLC's
    liveness check of the temporal formula (slower; the two agree). With `together`
    the safety properties are checked in their Once_ forms, for a run with TLC's
    -continue that reports each one's first violation and stops once all are (the
    template's "One run, several properties")."""
    if "availability" in properties and len(properties) > 1:
        raise ValueError("availability is checked in a run of its own")
    if together and "availability" in properties:
        raise ValueError("availability is not checked together with other properties")
    if together:
        invariants = [name for name, props in REPORTED.items() if set(props) <= set(properties)]
    else:
        invariants = [INVARIANTS[p] for p in properties]
    return _environment().get_template("kafka.cfg.j2").render(
        module=module,
        properties=list(properties),
        brokers=brokers,
        invariants=(["NoteBroken", *invariants, "StopWhenAllReported"] if together
                    else invariants),
        temporal=temporal,
        together=together,
    )


def render_shortening(module: str, brokers: list[str], prop: Property,
                      depth: int) -> tuple[str, str, str]:
    """The module and TLC config of a breadth-first search for a shortest violation
    of `prop` within `depth` states (templates/shorten.tla.j2): (its name, its
    text, its config's text)."""
    name = f"MC_{module}_shorten_{prop}"
    tla = _environment().get_template("shorten.tla.j2").render(
        name=name, module=module, depth=depth)
    cfg = (render_cfg(module, brokers, [prop])
           + f"\\* With {name}.tla: no state beyond depth {depth}.\nCONSTRAINT WithinDepth\n")
    return name, tla, cfg


def broker_names(replication_factor: int) -> list[str]:
    return [f"b{i}" for i in range(1, replication_factor + 1)]


def write_spec(spec: CompiledSpec, out_dir: Path) -> SpecFiles:
    """Write the module and its runs' configs into out_dir (kafkamc's own output directory)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tla = out_dir / f"{spec.module}.tla"
    tla.write_text(spec.tla)
    mc = out_dir / f"{spec.mc_module}.tla"
    mc.write_text(spec.mc)
    cfgs: dict[str, Path] = {}
    for run in spec.runs:
        cfgs[run.label] = out_dir / f"{spec.module}.{run.label}.cfg"
        cfgs[run.label].write_text(run.cfg)
    return SpecFiles(tla=tla, mc=mc, cfgs=cfgs)


def _inert(value: object) -> object:
    """Every value the templates print, made unable to change the module's structure:
    user text (the config's file name) lands in comments, where a line break would
    start a new module line and `*)` would close a block comment. Non-ASCII and
    control characters become Python escapes, so the output is plain ASCII whatever
    the input. (User text never reaches a string literal: the values there are
    validated choices such as acks.)"""
    if not isinstance(value, str):
        return value
    text = "".join(char if " " <= char <= "~" else ascii(char)[1:-1] for char in value)
    return text.replace("(*", "( *").replace("*)", "* )")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # One per process: jinja compiles each template once and recompiles it only if
    # its file changes, which halves a regress run that the cache answers.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_inert,
    )
    env.filters["tla"] = lambda value: "TRUE" if value else "FALSE"
    return env
