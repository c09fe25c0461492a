"""The sweep's page: the matrix coloured by verdict, and the recommendation, self-contained.

No script, no stylesheet or font from the network. Every property of every cell
is a coloured link with a tooltip (`title`) to the report.html of the check that
decided it: the cell's own, or for an inferred verdict the cell it was inferred
from. Links are relative to the page, so the page and the sweep's out dir move
together.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from kafkamc.assumptions import bounds_sentence
from kafkamc.diff import Difference, differences
from kafkamc.render.page_style import BASE_STYLE
from kafkamc.resolved import Property
from kafkamc.sweep.plan import SweepPlan, value_text
from kafkamc.sweep.recommend import Answer, Candidate, Recommendation
from kafkamc.sweep.report import (
    INITIAL,
    ORDER,
    SYMBOL,
    answer_text,
    circumstance_label,
    contradiction_lines,
    cost_label,
    counts,
    mode_line,
    not_candidates,
    property_initials,
    violation_where,
)
from kafkamc.sweep.run import CellVerdict, SweepResult

# Checked verdicts in full colour, inferred ones pale and dashed, so the five kinds
# stay apart even in print.
STYLE = BASE_STYLE + """
a.v, span.v { display: inline-block; min-width: 2.6em; margin: 0.1em; padding: 0.35em 0.4em;
      text-align: center; text-decoration: none; color: #212121; font-weight: bold;
      border: 2px solid transparent; }
.holds { background: #a5d6a7; } .violated { background: #ef9a9a; }
.unknown, .not_found { background: #ffe082; } .skipped { background: #e0e0e0; color: #616161; }
.inferred.holds { background: #e8f5e9; border: 2px dashed #66bb6a; }
.inferred.violated { background: #ffebee; border: 2px dashed #e57373; }
td.skipped { font-style: italic; }
.legend span { display: inline-block; padding: 0.2em 0.6em; margin-right: 0.4em; }
.ruled-out { border-left: 4px solid #ef9a9a; padding-left: 1em; margin: 1em 0; }
.answer { font-size: 1.1em; font-weight: bold; }
.warning { color: #c62828; font-weight: bold; }
"""

def write_sweep_html(result: SweepResult, recommendation: Recommendation | None,
                     path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_sweep_html(result, recommendation, path.parent))
    return path


def render_sweep_html(result: SweepResult, recommendation: Recommendation | None,
                      page_dir: Path) -> str:
    plan = result.plan
    parts = [
        ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>kafkamc sweep: {_e(plan.name)}</title><style>{STYLE}</style></head><body>"),
        f"<h1>kafkamc sweep: {_e(plan.name)}</h1>",
        (f"<p>From {_e(plan.source)}. Rows are settings, columns faults and bounds; each cell "
        f"shows every checked property. {_e(counts(result))}</p>"),
        ("<p>A verdict holds only within its cell's bounds and assumptions (brokers, "
         "records, faults, followers falling behind, Kafka rules): each tooltip says them.</p>"),
        f"<p>{_e(mode_line(result))}</p>",
        *(f"<p class='warning'>{_e(line)}</p>" for line in contradiction_lines(result)),
        _legend(plan),
        _matrix(result, page_dir),
        _row_changes(result),
    ]
    if recommendation is not None:
        parts.append(_recommendation(result, recommendation, page_dir))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _legend(plan: SweepPlan) -> str:
    kinds = [("holds", "holds (checked)"), ("violated", "violated (checked)"),
             ("inferred holds", "holds (inferred)"), ("inferred violated", "violated (inferred)"),
             ("unknown", "unknown: TLC could not decide"),
             ("not_found", "not found: no violation in random simulation; not a proof"),
             ("skipped", "skipped: Kafka rejects it")]
    return ("<p class='legend'>" + "".join(f"<span class='{cls}'>{_e(text)}</span>"
                                            for cls, text in kinds)
            + f"<br>{_e(property_initials(plan))}</p>")


def _matrix(result: SweepResult, page_dir: Path) -> str:
    plan = result.plan
    head = "".join(f"<th>{_e(axis.key)}</th>" for axis in plan.settings)
    head += "".join(f"<th>{_e(plan.column_label(c))}</th>" for c in range(len(plan.columns)))
    rows = []
    for row in range(len(plan.rows)):
        cells = "".join(f"<td>{_e(value_text(v))}</td>" for v in plan.rows[row])
        cells += "".join(_cell(result, row, column, page_dir)
                         for column in range(len(plan.columns)))
        rows.append(f"<tr id='row-{row}'>{cells}</tr>")
    return f"<h2>Matrix</h2><table><tr>{head}</tr>{''.join(rows)}</table>"


def _row_changes(result: SweepResult) -> str:
    """What changed between rows: for each pair of adjacent rows whose verdicts differ
    somewhere, the settings between them, the era rules and defaults those bring
    (kafkamc.diff), and the verdicts that flip, column by column."""
    plan = result.plan
    items, quiet = [], 0
    for row in range(len(plan.rows) - 1):
        flips = []
        for column in range(len(plan.columns)):
            for prop in plan.properties:
                pair = (_verdict(result, row, column, prop),
                        _verdict(result, row + 1, column, prop))
                if set(pair) == {"holds", "violated"}:
                    flips.append(f"{prop} under {plan.column_label(column)}: "
                                 f"{pair[0]} → {pair[1]}")
        if not flips:
            quiet += 1
            continue
        swept = [f"{axis.key} {value_text(x)} → {value_text(y)}"
                 for axis, x, y in zip(plan.settings, plan.rows[row], plan.rows[row + 1])
                 if x != y]
        brought = [f"{d.key} {d.shown(d.a)} → {d.shown(d.b)} ({d.source})"
                   for d in _brought(plan, row)]
        items.append(f"<tr><td><a href='#row-{row}'>row {row + 1}</a> → "
                     f"<a href='#row-{row + 1}'>row {row + 2}</a></td>"
                     f"<td>{_e('; '.join(swept))}</td><td>{_e('; '.join(brought) or '-')}</td>"
                     f"<td>{'<br>'.join(_e(f) for f in flips)}</td></tr>")
    if not items:
        return ("<h2 id='changes'>What changed between rows</h2><p>No verdict changes "
                "between adjacent rows.</p>")
    others = f" ({quiet} other adjacent pairs change none)" if quiet else ""
    return ("<h2 id='changes'>What changed between rows</h2><p>Adjacent rows whose verdicts "
            f"differ{others}; a verdict is compared in the same column, checked or "
            "inferred.</p><table><tr><th>rows</th><th>swept "
            "settings</th><th>rules and defaults they bring</th><th>verdicts that change"
            "</th></tr>" + "".join(items) + "</table>")


def _verdict(result: SweepResult, row: int, column: int, prop: Property) -> str | None:
    found = result.verdicts.get((row, column, prop))
    return found.verdict if found else None


def _brought(plan: SweepPlan, row: int) -> tuple[Difference, ...]:
    """The era rules and defaults (not swept themselves) that differ between a row
    and the next, read off the first column where both have a config."""
    swept = {axis.key for axis in plan.settings}
    for column in range(len(plan.columns)):
        a, b = plan.cells[row, column].model, plan.cells[row + 1, column].model
        if a is not None and b is not None:
            return tuple(d for d in differences(a, b) if d.key not in swept)
    return ()


def _cell(result: SweepResult, row: int, column: int, page_dir: Path) -> str:
    cell = result.plan.cells[row, column]
    if cell.skipped is not None:
        return f"<td class='skipped' title='{_e('skipped: ' + cell.skipped)}'>skipped</td>"
    bounds = bounds_sentence(cell.resolved())
    links = "".join(_verdict_link(result, result.verdicts[row, column, prop], page_dir, bounds)
                    for prop in result.plan.properties)
    return f"<td id='cell-{_e(cell.directory)}'>{links}</td>"


def _verdict_link(result: SweepResult, verdict: CellVerdict, page_dir: Path,
                  bounds: str) -> str:
    classes = f"v {verdict.verdict}" + (" inferred" if verdict.how == "inferred" else "")
    text = f"{INITIAL[verdict.prop]}&nbsp;{SYMBOL[verdict.verdict]}"
    title = _e(f"{_tooltip(result, verdict)}; for {bounds}")
    if verdict.run is None or verdict.run.result is None:
        # The check failed before writing a report: nothing to link to.
        return f"<span class='{classes}' title='{title}'>{text}</span>"
    return (f"<a class='{classes}' href='{_e(_report_link(verdict, page_dir))}' "
            f"title='{title}'>{text}</a>")


def _report_link(verdict: CellVerdict, page_dir: Path) -> str:
    """The report of the check that decided the verdict; a violation's own section."""
    assert verdict.run is not None, "only skipped verdicts have no run"
    link = os.path.relpath(verdict.run.report, page_dir)
    evidence = verdict.evidence
    return f"{link}#{verdict.prop}" if evidence and evidence.verdict != "holds" else link


def _tooltip(result: SweepResult, verdict: CellVerdict) -> str:
    plan = result.plan
    text = f"{verdict.prop}: {verdict.verdict} under {plan.column_label(verdict.column)}"
    if verdict.how == "inferred" and verdict.run is not None:
        source = plan.column_label(verdict.run.cell.column)
        found = "it holds under the larger" if verdict.verdict == "holds" \
            else "it is violated under the smaller"
        text += f", inferred: {found} budget {source}"
    else:
        text += ", checked by TLC"
    evidence = verdict.evidence
    if evidence is not None and evidence.story is not None:
        text += f"; {evidence.story.title}"
    if verdict.reason:
        text += f"; {verdict.reason}"
    return text


def _recommendation(result: SweepResult, recommendation: Recommendation,
                    page_dir: Path) -> str:
    plan = result.plan
    summary = "".join(f"<li><a href='#answer-{index}'>{_e(circumstance_label(answer))}</a>: "
                      f"{_e(answer_text(plan, answer))}</li>"
                      for index, answer in enumerate(recommendation.answers))
    parts = [(f"<h2 id='recommendation'>Cheapest settings for "
             f"{_e(recommendation.requirement.describe())}</h2>"),
             f"<ul class='answer'>{summary}</ul>",
             (f"<p>{_e(ORDER[0].upper() + ORDER[1:])}. Each cheaper setting is listed with the "
             f"counterexample that rules it out.</p>")]
    for index, answer in enumerate(recommendation.answers):
        parts.append(_answer(result, answer, index, page_dir))
    return "\n".join(parts)


def _answer(result: SweepResult, answer: Answer, index: int, page_dir: Path) -> str:
    plan = result.plan
    parts = [f"<h3 id='answer-{index}'>{_e(circumstance_label(answer))}</h3>"]
    for candidate in answer.weaker:
        parts.append(_ruled_out(result, candidate, page_dir))
    parts += [f"<p>Undecided (TLC could not decide): {_e(cost_label(plan, c.row))}</p>"
              for c in answer.undecided]
    parts += [f"<p>Not candidates: {_e('; '.join(rows))}: {_e(note)}</p>"
              for note, rows in not_candidates(plan, answer).items()]
    parts.append(f"<p class='answer'>{_e(answer_text(plan, answer))}</p>")
    return "\n".join(parts)


def _ruled_out(result: SweepResult, candidate: Candidate, page_dir: Path) -> str:
    plan = result.plan
    parts = [(f"<div class='ruled-out'><p>Ruled out: <b>{_e(cost_label(plan, candidate.row))}"
             "</b></p>")]
    for verdict in candidate.because:
        evidence = verdict.evidence
        parts.append(f"<p>{_e(violation_where(result, verdict))} "
                     f"<a href='{_e(_report_link(verdict, page_dir))}'>diagram and steps</a>"
                     f"{_svg_link(verdict, page_dir)}</p>")
        if evidence is not None and evidence.story is not None:
            story = evidence.story
            items = "".join(f"<li>{_e(text)}</li>" for text in story.sentences)
            ending = "".join(f"<p class='reason'>{_e(line)}</p>" for line in story.ending)
            parts.append(f"<p>{_e(story.title)}</p><ol class='story'>{items}</ol>{ending}")
    parts.append("</div>")
    return "\n".join(parts)


def _svg_link(verdict: CellVerdict, page_dir: Path) -> str:
    evidence = verdict.evidence
    svg = next((d for d in evidence.diagrams if d.suffix == ".svg"), None) if evidence else None
    if svg is None:
        return ""
    return f" (<a href='{_e(os.path.relpath(svg, page_dir))}'>diagram alone</a>)"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
