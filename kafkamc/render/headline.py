"""The answer first: one sentence that says what a check found, for the top of the
terminal report and of report.html.

"Durability is violated: an acknowledged write can be lost after 1 power loss when
both followers fall behind (12 steps)." A violation is told by the first violated
property in kafkamc's order (durability first: losing acknowledged data is the
worst news); what it needs is counted from its counterexample's fault events
and lags (kafkamc.trace.needs, the story's Needs line), not from the config's
budgets, since a counterexample may use fewer faults than allowed. Other violated
or undecided properties follow in a clause. When everything holds: "All four
properties hold within these bounds."
"""
from __future__ import annotations

from kafkamc.result import CheckResult, PropertyResult
from kafkamc.trace.needs import and_list

# What a violation of each property means to a Kafka user.
CONSEQUENCE = {
    "durability": "an acknowledged write can be lost",
    "consistency": "in-sync replicas can disagree about a committed record",
    "read_stability": "a record consumers could read can disappear",
    "availability": "the partition can stay unable to acknowledge a new acks=all write",
    "no_duplicates": "a record the producer resent can be committed twice",
    "order": "acknowledged records can be committed out of the order they were sent",
}
COUNTS = {2: "both", 3: "all three"}


def headline(result: CheckResult) -> str:
    """One sentence, ending with a full stop, that answers the check."""
    props = list(result.properties.values())
    violated = [p for p in props if p.verdict == "violated"]
    unknown = [p for p in props if p.verdict == "unknown"]
    not_found = [p for p in props if p.verdict == "not_found"]
    holding = [p for p in props if p.verdict == "holds"]
    # What is left open: never said to hold (not_found is no proof).
    open_ = ([f"no violation of {_names(not_found)} was found by random simulation, "
              "which is not a proof"] if not_found else []) \
        + ([f"{_names(unknown)} could not be decided"] if unknown else [])
    if violated:
        first, others = violated[0], violated[1:]
        text = f"{_title(first)} is violated: {violation_words(first)}"
        if others:
            text += f"; {_names(others)} {_are(others)} violated too"
    elif holding:
        text = _hold(holding, len(props))
    else:
        said = "; ".join(open_)
        return f"{said[0].upper()}{said[1:]} (see below)."
    if open_:
        text += f"; {'; '.join(open_)} (see below)"
    return text + "."


def violation_words(prop: PropertyResult) -> str:
    """What the violation means and what it needs: "an acknowledged write can be lost
    after 1 power loss when both followers fall behind (12 steps)"."""
    assert prop.trace is not None and prop.story is not None, "a violation has its trace"
    need = prop.story.needs
    rf = prop.trace.config.get("replication_factor")
    faults = need.fault_words() if need else ""
    lag = need.lag_words(rf - 1 if isinstance(rf, int) else None) if need else ""
    clauses = ([f"after {faults}"] if faults else []) + ([f"when {lag}"] if lag else [])
    if not clauses:
        clauses = ["without any fault"]
    steps = len(prop.trace.steps)
    return f"{CONSEQUENCE[prop.name]} {' '.join(clauses)} ({steps} step{'s' * (steps != 1)})"


def _hold(holding: list[PropertyResult], checked: int) -> str:
    if len(holding) == 1:
        return f"{_title(holding[0])} holds within these bounds"
    if len(holding) < checked:
        return f"{_names(holding).capitalize()} hold within these bounds"
    if checked == 4:
        return "All four properties hold within these bounds"
    return f"{COUNTS[checked].capitalize()} checked properties ({_names(holding)}) " \
           "hold within these bounds"


def _title(prop: PropertyResult) -> str:
    return _word(prop).capitalize()


def _word(prop: PropertyResult) -> str:
    return prop.name.replace("_", " ")


def _names(props: list[PropertyResult]) -> str:
    return and_list([_word(p) for p in props])


def _are(props: list[PropertyResult]) -> str:
    return "is" if len(props) == 1 else "are"
