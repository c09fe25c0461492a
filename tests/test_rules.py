"""Every era rule is wired and matters: for each `semantics:` switch, two models
that differ only in that switch get different verdicts from real TLC.

Each pair is the smallest config found where the rule decides the outcome, and
each expectation is the Kafka history the rule comes from. The one exception,
fenced_isr_exclusion (KIP-841), cannot flip a verdict of these properties; its
test says why and shows the switch wired another way. Rules that no switch
controls (they hold in every era) are shown by taking their line out of the
generated module: the verdict flips.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kafkamc.compile import compile_model, write_spec
from kafkamc.config import Bounds, Faults, Model, Producer, Semantics, Topic
from kafkamc.resolved import Property
from kafkamc.tlc.output import parse_tlc_output
from kafkamc.tlc.run import run_tlc

SPECS = Path(__file__).resolve().parent.parent / "specs"

pytestmark = pytest.mark.tlc

# rule id -> (base model settings, property, {switch value: verdict})
PAIRS: dict[str, tuple[dict, Property, str, dict[object, str]]] = {
    # KIP-101 scenario 1: HW truncation loses a committed record; epoch lookup keeps it.
    "truncation: high_watermark -> kip101": (
        dict(version="0.10.2", rf=2, min_isr=1, unclean=False, faults=Faults(crashes=2)),
        "durability", "truncation", {"high_watermark": "violated", "kip101": "holds"}),
    # KAFKA-6361: 0.11's answer for an unknown epoch keeps a diverged record; KIP-279 does not.
    # Failures only, as in the JIRA (a preferred-replica election opens another path on
    # 2.0.1: see specs/kafka-6361-2.0.1.yaml).
    "truncation: kip101 -> kip279": (
        dict(version="2.0.1", rf=2, min_isr=1, unclean=True, faults=Faults(crashes=2),
             rebalance=False),
        "consistency", "truncation", {"kip101": "violated", "kip279": "holds"}),
    # KAFKA-7415: a new leader without a record of its own epoch answers "undefined"
    # and the follower keeps, above its HW fallback, a record the leader overwrites.
    "epoch_cache_on_election": (
        dict(version="2.0.0", rf=2, min_isr=1, unclean=True, faults=Faults(crashes=1)),
        "consistency", "epoch_cache_on_election", {False: "violated", True: "holds"}),
    # KAFKA-7152: before 2.1 the leader may drop caught-up followers that stall, and
    # then lose the only record in a power loss as the last replica standing.
    "caught_up_kept_in_isr": (
        dict(version="2.0.1", rf=3, min_isr=2, unclean=False, records=1,
             faults=Faults(power_losses=1)),
        "durability", "caught_up_kept_in_isr", {False: "violated", True: "holds"}),
    # KAFKA-7164: a follower that missed the offline epoch of its leader, which lost its
    # unflushed tail in a power loss and leads again, skips truncation (same leader) and
    # rejoins the ISR with a record the leader overwrote. On 2.1's fencing: before KIP-320
    # the skip flips no verdict (docs/fidelity-notes.md §5), so the base is 2.1.
    "truncate_on_missed_epoch": (
        dict(version="2.1", rf=2, min_isr=1, unclean=False, faults=Faults(power_losses=1)),
        "consistency", "truncate_on_missed_epoch", {False: "violated", True: "holds"}),
    # KIP-320: a follower on a stale epoch replicates from a leader of a later epoch.
    # On 2.1, whose followers truncate after a missed epoch (KAFKA-7164): before 2.1 a
    # follower that skips a same-leader notice keeps diverging records even with
    # KIP-320's fencing, a pair of rules no release had.
    "truncation: kip279 -> kip320": (
        dict(version="2.1", rf=3, min_isr=1, unclean=False, faults=Faults(crashes=2)),
        "consistency", "truncation", {"kip279": "violated", "kip320": "holds"}),
    # KAFKA-7128: a stale leader HW lets a follower without committed data rejoin the ISR.
    # The HW is stale only after a leadership change without a failure (here a clean
    # restart, then the preferred replica's return); one record keeps KIP-320's races out.
    "rejoin_after_epoch_start": (
        dict(version="2.0.1", rf=3, min_isr=1, unclean=False, records=1,
             faults=Faults(crashes=1, clean_restarts=1)),
        "durability", "rejoin_after_epoch_start", {False: "violated", True: "holds"}),
    # KAFKA-15583: with ELR, a HW advanced below min ISR exposes records the ELR lacks.
    "strict_min_isr": (
        dict(version="4.1", rf=3, min_isr=2, unclean=False, faults=Faults(power_losses=1)),
        "read_stability", "strict_min_isr", {False: "violated", True: "holds"}),
    # KIP-966: the last replica standing leads with what it kept; ELR elects a complete one.
    "eligible_leader_replicas": (
        dict(version="4.1", rf=3, min_isr=2, unclean=False, faults=Faults(power_losses=1)),
        "durability", "eligible_leader_replicas", {False: "violated", True: "holds"}),
    # KIP-966: a fenced follower in the ELR keeps the last known leader, back empty
    # from a power loss, from being elected (canElectLastKnownLeader); without ELR
    # the last ISR member leads with its empty log.
    "eligible_leader_replicas: fenced ELR member": (
        dict(version="4.1", rf=2, min_isr=2, unclean=False, records=1,
             faults=Faults(power_losses=1, network_partitions=1)),
        "durability", "eligible_leader_replicas", {False: "violated", True: "holds"}),
    # KIP-380: a bounced leader that the controller missed never leads again.
    "bounce_detection": (
        dict(version="4.1", rf=3, min_isr=2, unclean=False, faults=Faults(crashes=1)),
        "availability", "bounce_detection", {False: "violated", True: "holds"}),
}


def _model(base: dict, switch: str, value: object, prop: Property) -> Model:
    return Model(
        name=f"rule-{switch}-{value}",
        kafka_version=base["version"],
        topic=Topic(replication_factor=base["rf"], min_insync_replicas=base["min_isr"],
                    unclean_leader_election_enable=base["unclean"],
                    auto_leader_rebalance_enable=base.get("rebalance")),
        producer=Producer(acks="all"),
        semantics=Semantics(**{switch: value}),
        faults=base["faults"],
        bounds=Bounds(records=base.get("records", 2)),
        check=[prop],
    )


@pytest.mark.parametrize("pair", sorted(PAIRS), ids=sorted(PAIRS))
def test_rule_switch_changes_the_verdict(pair: str, tmp_path: Path) -> None:
    base, prop, switch, expected = PAIRS[pair]
    verdicts = {}
    for value in expected:
        result = _model(base, switch, value, prop).check(out_dir=tmp_path / str(value))
        verdicts[value] = result.properties[prop].verdict
    assert verdicts == expected


def test_fenced_isr_exclusion_is_wired_but_flips_no_verdict(tmp_path: Path) -> None:
    """KIP-841 (and KIP-903, which this model subsumes: ISR changes are atomic) keeps a
    fenced follower out of the ISR. It flips no verdict here, and cannot: a fenced
    broker may not be elected, so its ISR membership neither loses an acknowledged
    write nor exposes an unreplicated one, and the faults that make it matter for
    availability (a follower cut off from the controller) always have a twin that
    cuts off the leader, which is unavailable either way. The kafkamc reference says
    as much ("Neither KIP stops a lossy last ISR member from leading"). So the test
    shows that the switch is wired and removes behaviours: the same verdicts, fewer
    reachable states (a fenced follower never rejoins)."""
    results = {}
    for value in (False, True):
        model = Model(
            name=f"rule-fenced-{value}", kafka_version="3.6",
            topic=Topic(replication_factor=2, min_insync_replicas=2,
                        unclean_leader_election_enable=False),
            producer=Producer(acks="all"),
            semantics=Semantics(fenced_isr_exclusion=value),
            faults=Faults(network_partitions=1), bounds=Bounds(records=1),
            check=["durability", "availability"])
        results[value] = model.check(out_dir=tmp_path / str(value)).properties
    assert {p: r.verdict for p, r in results[False].items()} == \
        {p: r.verdict for p, r in results[True].items()} == \
        {"durability": "holds", "availability": "violated"}
    assert results[True]["durability"].distinct_states < \
        results[False]["durability"].distinct_states


def _availability_without(model: Model, rule: str, tmp_path: Path) -> str:
    """TLC's availability verdict on the compiled module with the TLA+ line `rule`
    taken out: a rule that no `semantics:` switch controls, ablated."""
    spec = compile_model(model.resolve())
    assert spec.tla.count(rule) == 1, rule
    ablated = replace(spec, tla=spec.tla.replace(rule, ""))
    files = write_spec(ablated, tmp_path)
    status = _tlc_status(files.mc, files.cfgs["availability"], tmp_path)
    return {"ok": "holds", "invariant": "violated"}[status]


def _tlc_status(mc: Path, cfg: Path, tmp_path: Path) -> str:
    """TLC's outcome ("ok", "invariant", ...) for one module and config, one worker."""
    run = run_tlc(mc, cfg, metadir=tmp_path / "meta", log=tmp_path / "tlc.log",
                  workers=1, timeout=None)
    return parse_tlc_output(run.output).status


def test_a_write_stuck_at_a_zombie_times_out_and_is_retried(tmp_path: Path) -> None:
    """Kafka's producer times out a request that a zombie leader (cut off from the
    controller, superseded by a new leader) keeps waiting on (request.timeout.ms,
    NetworkClient.handleTimedOutRequests), refreshes its metadata and retries at
    the leader the controller names. Without that timeout the probe would wait at
    the zombie for ever: a false availability violation."""
    model = Model.from_yaml(SPECS / "availability-zombie-leader-4.1.yaml")
    with_timeout = model.check(out_dir=tmp_path / "with").properties["availability"].verdict
    without = _availability_without(model, "\\/ leader # probe.leader", tmp_path / "without")
    assert (with_timeout, without) == ("holds", "violated")


def _reachable(model: Model, name: str, definition: str, tmp_path: Path) -> bool:
    """Whether TLC reaches a state where `definition` (a state predicate, added to the
    compiled module as `name`) holds, exploring what the safety run explores."""
    spec = compile_model(model.resolve())
    end = "\n" + "=" * 77
    assert spec.tla.count(end) == 1
    added = f"\n{name} == {definition}\nNot{name} == ~{name}\n"
    files = write_spec(replace(spec, tla=spec.tla.replace(end, added + end)), tmp_path)
    (safety,) = (cfg.read_text() for label, cfg in files.cfgs.items() if label != "availability")
    invariants = safety[safety.index("INVARIANTS"):safety.index("VIEW")]
    cfg = tmp_path / "reach.cfg"
    cfg.write_text(safety.replace(invariants, f"INVARIANTS\n    Not{name}\n"))
    return {"ok": False, "invariant": True}[_tlc_status(files.mc, cfg, tmp_path)]


def test_kip360_changes_which_record_is_written_not_the_verdicts(tmp_path: Path) -> None:
    """KIP-360 (2.4, KAFKA-7190): a leader without the producer's state appends any
    sequence. A new leader that lacks r1 then appends r2, sent while r1's request
    waited at the crashed leader, and refuses r1's resends as out of order
    (KAFKA-15591); before, it refused r2 (UNKNOWN_PRODUCER_ID) and took r1 first. r1
    is never acknowledged, so no verdict of durability, no_duplicates or order can
    tell (specs/producer-unknown-producer-id-2.5.yaml says why); the test shows the
    rule wired: only from 2.4 does a log hold r2 without r1 before it."""
    verdicts, reached = {}, {}
    for version in ("2.3", "2.5"):
        model = Model.from_yaml(SPECS / f"producer-unknown-producer-id-{version}.yaml")
        result = model.check(out_dir=tmp_path / version)
        verdicts[version] = {p: r.verdict for p, r in result.properties.items()}
        reached[version] = _reachable(model, "LaterRecordFirst",
                                      "\\E b \\in Brokers : HasAt(b, 0, 2)",
                                      tmp_path / f"probe-{version}")
    assert verdicts["2.3"] == verdicts["2.5"] == \
        {"durability": "holds", "no_duplicates": "holds", "order": "holds"}
    assert reached == {"2.3": False, "2.5": True}


def test_a_timeout_fails_every_request_of_its_connection(tmp_path: Path) -> None:
    """NetworkClient.handleTimedOutRequests closes the connection of a request that
    timed out, failing every request in flight on it. Two brokers, min ISR 1 and no
    crash leave a timeout the only way a request fails, so two records waiting for
    their resends after one lost response show the rule."""
    model = Model.from_dict({**_PRODUCER_BASE, "name": "timeout-closes-connection",
                             "producer": {"acks": "all", "enable.idempotence": False},
                             "faults": {"lost_responses": 1}, "check": ["no_duplicates"]})
    assert _reachable(model, "BothWaitForResend",
                      '\\A i \\in Ids : requests[i].stage = "retry"', tmp_path)


# Rules that are no `semantics:` switch, each flipped by the setting that brings it in.
# name -> (model settings, property, {setting value: verdict})
SETTINGS: dict[str, tuple[dict, Property, dict[object, str]]] = {
    # The old KAFKA-7128 counterexample, a new leader alone in its ISR keeping a stale HW,
    # is impossible (Partition.makeLeader -> maybeIncrementLeaderHW): without leadership
    # changes free of failure the config holds. The preferred replica's return keeps the
    # old leader in the ISR, so the new leader's HW stays stale and the loss is back.
    "auto.leader.rebalance.enable": (
        dict(version="2.0.0", faults=Faults(crashes=2)),
        "durability", {False: "holds", True: "violated"}),
    # A controlled shutdown hands leadership to an ISR member that may lack an acks=1
    # record; the old leader then truncates it. No failure needed.
    "faults.clean_restarts": (
        dict(version="3.6", acks="1", min_isr=2, faults=Faults()),
        "durability", {0: "holds", 3: "violated"}),
    # KIP-320 fences stale fetches only once inter.broker.protocol.version is 2.1-IV2.
    "inter.broker.protocol.version": (
        dict(version="2.1", faults=Faults(crashes=2)),
        "durability", {"2.0": "violated", "2.1": "holds"}),
}


def _setting_model(name: str, base: dict, value: object, prop: Property) -> Model:
    faults = base["faults"]
    if name == "faults.clean_restarts":
        faults = Faults(clean_restarts=value)
    return Model(
        name=f"setting-{name.replace('.', '-')}-{value}",
        kafka_version=base["version"],
        inter_broker_protocol_version=value if name == "inter.broker.protocol.version" else None,
        topic=Topic(replication_factor=3, min_insync_replicas=base.get("min_isr", 1),
                    unclean_leader_election_enable=False,
                    auto_leader_rebalance_enable=(value if name == "auto.leader.rebalance.enable"
                                                  else None)),
        producer=Producer(acks=base.get("acks", "all")),
        faults=faults,
        bounds=Bounds(records=2),
        check=[prop],
    )


@pytest.mark.parametrize("name", sorted(SETTINGS), ids=sorted(SETTINGS))
def test_setting_that_brings_a_rule_in_changes_the_verdict(name: str, tmp_path: Path) -> None:
    base, prop, expected = SETTINGS[name]
    verdicts = {}
    for value in expected:
        result = _setting_model(name, base, value, prop).check(out_dir=tmp_path / str(value))
        verdicts[value] = result.properties[prop].verdict
    assert verdicts == expected


# The producer's rules (issue 20): a config as its file would say it, a key to vary
# ("section.key", or kafka_version), the property, and {value: verdict}. Two brokers
# and min.insync.replicas 1 keep the runs small; each pair is a Kafka fact.
_PRODUCER_BASE = {"kafka_version": "2.8",
                  "topic": {"replication.factor": 2, "min.insync.replicas": 1},
                  "producer": {"acks": "all"}, "bounds": {"records": 2}}
PRODUCER_PAIRS: dict[str, tuple[dict, str, Property, dict[object, str]]] = {
    # KIP-98: the leader drops a resend it already has (DUPLICATE_SEQUENCE).
    "enable.idempotence: duplicates": (
        {"faults": {"lost_responses": 1}}, "producer.enable.idempotence", "no_duplicates",
        {False: "violated", True: "holds"}),
    # KAFKA-5494 (1.0): the leader refuses a sequence that skips one, so a record resent
    # after a leader change cannot land behind the next one.
    "enable.idempotence: order": (
        {"faults": {"crashes": 1}}, "producer.enable.idempotence", "order",
        {False: "violated", True: "holds"}),
    # Only a resend duplicates: with retries 0 the producer gives up instead.
    "retries": (
        {"faults": {"lost_responses": 1}}, "producer.retries", "no_duplicates",
        {0: "holds", 1: "violated"}),
    # ProducerConfig: with more than one request in flight a failed one's resend may
    # land behind the next.
    "max.in.flight.requests.per.connection": (
        {"faults": {"crashes": 1}}, "producer.max.in.flight.requests.per.connection", "order",
        {1: "holds", 2: "violated"}),
    # The classic duplicate needs the answer to an append to be lost.
    "faults.lost_responses": (
        {}, "faults.lost_responses", "no_duplicates", {0: "holds", 1: "violated"}),
    # KAFKA-13598: 3.0.0 left idempotence off unless set; 3.0.1 applied KIP-679's default.
    "kafka_version: the 3.0 idempotence default": (
        {"faults": {"lost_responses": 1}, "producer": {}}, "kafka_version", "no_duplicates",
        {"3.0.0": "violated", "3.0.1": "holds"}),
}


def _producer_model(changes: dict, key: str, value: object, prop: Property) -> Model:
    data = {**_PRODUCER_BASE, **changes, "check": [prop],
            "name": f"producer-{key.replace('.', '-')}-{value}"}
    if key == "kafka_version":
        data["kafka_version"] = value
    else:
        section, name = key.split(".", 1)
        data[section] = {**data.get(section, {}), name: value}
    return Model.from_dict(data)


@pytest.mark.parametrize("pair", sorted(PRODUCER_PAIRS), ids=sorted(PRODUCER_PAIRS))
def test_producer_rule_changes_the_verdict(pair: str, tmp_path: Path) -> None:
    changes, key, prop, expected = PRODUCER_PAIRS[pair]
    verdicts = {}
    for value in expected:
        model = _producer_model(changes, key, value, prop)
        verdicts[value] = model.check(out_dir=tmp_path / str(value)).properties[prop].verdict
    assert verdicts == expected
