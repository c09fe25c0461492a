"""TLC's dialect (kafkamc.tlc.dialect): its code table against the real TLC 2.15 logs
of tests/fixtures (-tool and plain runs of the same specs, and TLCServer runs)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kafkamc.tlc.dialect import (
    CODES,
    EC,
    Message,
    MessageReader,
    Severity,
    progress,
    split_messages,
    statistics,
    violated_name,
)

FIXTURES = Path(__file__).parent / "fixtures"
PAIRS = sorted(p.name[:-len(".tool.log")] for p in (FIXTURES / "tlc").glob("*.tool.log"))
TOOL_LOGS = sorted((FIXTURES / "tlc").glob("*.tool.log")) + sorted(
    (FIXTURES / "distributed").glob("*.log"))  # TLCServer runs with -tool
NAMED = [code for code in EC if code != EC.UNKNOWN]


def messages(path: Path) -> list[Message]:
    return split_messages(path.read_text())


def tool_messages() -> list[tuple[Path, Message]]:
    return [(path, msg) for path in TOOL_LOGS for msg in messages(path)]


@pytest.mark.parametrize("code", NAMED, ids=[code.name for code in NAMED])
def test_each_named_code_is_what_tlc_prints_under_that_number(code: EC) -> None:
    # -tool gives the number; the table's severity and plain-mode pattern must fit
    # the message TLC printed under it (a -tool text is the plain text without the
    # "Error: " / "State " prefixes, so trace items are checked on plain logs below).
    severity, pattern = CODES[code]
    found = [msg for _, msg in tool_messages() if msg.code == code]
    assert found, f"no fixture log has message {code.value} ({code.name})"
    assert {msg.severity for msg in found} == {severity}
    if severity != Severity.STATE:
        for msg in found:
            assert pattern.match(msg.text.rstrip().partition("\n")[0]), msg.text


@pytest.mark.parametrize("name", PAIRS)
def test_plain_mode_tells_the_codes_tool_mode_prints(name: str) -> None:
    # The same run with and without -tool: the verdicts, trace intros and trace
    # items that plain mode reads from first lines are the codes -tool printed.
    tool = messages(FIXTURES / "tlc" / f"{name}.tool.log")
    plain = messages(FIXTURES / "tlc" / f"{name}.log")

    def verdict_codes(msgs: list[Message]) -> list[int]:
        return [m.code for m in msgs if m.code in CODES and m.severity != Severity.NONE]

    assert verdict_codes(plain) == verdict_codes(tool)
    # Plain mode prints no SANY start/end messages and no final progress report.
    assert {m.code for m in plain if m.severity == Severity.NONE} - {EC.UNKNOWN} <= \
        {m.code for m in tool}


@pytest.mark.parametrize("path", TOOL_LOGS, ids=[p.name for p in TOOL_LOGS])
def test_reading_line_by_line_gives_the_messages_of_the_whole_log(path: Path) -> None:
    reader = MessageReader()
    live = [m for line in path.read_text().splitlines(keepends=True) for m in reader.feed(line)]
    assert reader.flush() == []
    whole = messages(path)
    assert [(m.code, m.severity, m.text) for m in live if m.code != EC.UNKNOWN] == \
        [(m.code, m.severity, m.text) for m in whole if m.code != EC.UNKNOWN]


def test_a_log_cut_inside_a_message_still_gives_it() -> None:
    text = (FIXTURES / "tlc" / "ok.tool.log").read_text()
    cut = text[:text.index("@!@!@ENDMSG 2200")]
    reader = MessageReader()
    for line in cut.splitlines(keepends=True):
        reader.feed(line)
    (last,) = reader.flush()
    assert last.code == EC.TLC_PROGRESS_STATS
    assert progress(last.text) is not None


def test_numbers_and_names_of_real_messages() -> None:
    msgs = messages(FIXTURES / "tlc" / "both.continue.tool.log")
    violated = [violated_name(m.code, m.text.partition("\n")[0]) for m in msgs
                if m.code == EC.TLC_INVARIANT_VIOLATED_BEHAVIOR]
    assert violated == ["Below2", "Below2", "Below4", "Below4"]
    (report,) = [progress(m.text) for m in msgs if m.code == EC.TLC_PROGRESS_STATS]
    assert report is not None and (report.depth, report.generated, report.distinct,
                                   report.queue) == (6, 7, 6, 0)
    (final,) = [statistics(m.text) for m in msgs if m.code == EC.TLC_STATS]
    assert final is not None and (final.generated, final.distinct, final.queue) == (7, 6, 0)
    assert violated_name(EC.TLC_TEMPORAL_PROPERTY_VIOLATED,
                         "Temporal properties were violated.") is None
