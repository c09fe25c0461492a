"""report.html: everything about one check on one self-contained page.

The answer first (kafkamc.render.headline), the verdict table, the config, and
per violation its diagram (inline SVG), its story and a table of steps with what
each changed, every step with an anchor that the story links to; last, TLC's
version and a relative link to every file of the out dir. No script, no
stylesheet or font from the network: the page reads the same offline and without
JavaScript.
"""
from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import quote

from kafkamc.eras import kafka_bool
from kafkamc.render.headline import headline, violation_words
from kafkamc.render.page_style import BASE_STYLE
from kafkamc.resolved import Resolved
from kafkamc.result import UNDECIDED, CheckResult, PropertyResult, said
from kafkamc.tlc.output import format_value

PAGE = "report.html"
STYLE = BASE_STYLE + """
.headline { font-size: 1.15em; padding: 0.5em 0.8em; border-left: 6px solid; }
p.headline.holds { border-color: #2e7d32; } p.headline.violated { border-color: #c62828; }
p.headline.unknown { border-color: #f57f17; }
.holds { color: #2e7d32; font-weight: bold; } .violated { color: #c62828; font-weight: bold; }
.unknown, .not_found { color: #f57f17; font-weight: bold; } .mismatch { background: #ffebee; }
.diagram { overflow-x: auto; border: 1px solid #e0e0e0; padding: 0.5em; }
.diagram svg { max-width: 100%; height: auto; }
tr.violating td { background: #ffebee; } pre { background: #fafafa; padding: 0.8em; }
code, pre, td.state { font-family: Menlo, Consolas, monospace; font-size: 0.85em; }
"""

def write_html(result: CheckResult, model: Resolved) -> Path:
    path = result.out_dir / PAGE
    path.write_text(render_html(result, model))
    return path


def render_html(result: CheckResult, model: Resolved) -> str:
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>kafkamc: {_e(result.name)}</title><style>{STYLE}</style></head><body>",
             f"<h1>kafkamc: {_e(result.name)} (Kafka {_e(result.kafka_version)})</h1>",
             *(["<p class='unknown'>Interrupted: the verdicts are those TLC decided before "
                "it was stopped; the others are unknown.</p>"] if result.interrupted else []),
             _headline(result), _verdicts(result), _assumptions(result), _config(model)]
    for prop in result.properties.values():
        if prop.verdict == "violated":
            parts.append(_violation(prop, result.out_dir))
        elif prop.verdict in UNDECIDED:
            parts.append(f"<h2 id='{prop.name}'>{prop.name}: {said(prop.verdict)}</h2>"
                         f"<p>{_e(prop.message or '')}</p>")
    parts.append(_files(result))
    return "\n".join(parts) + "\n"


def _headline(result: CheckResult) -> str:
    verdicts = {p.verdict for p in result.properties.values()}
    kind = next((v for v in ("violated", *UNDECIDED) if v in verdicts), "holds")
    kind = "unknown" if kind == "not_found" else kind   # both undecided: one colour
    return f"<p class='headline {kind}'>{_e(headline(result))}</p>"


def _config(model: Resolved) -> str:
    """The settings as the model applies them (era defaults filled in), written as
    Kafka writes them: its keys and its values (`true`, `all`)."""
    settings = [("kafka_version", model.kafka_version),
                *([("protocol", model.protocol)] if model.protocol else []),
                ("replication.factor", str(model.replication_factor)),
                ("min.insync.replicas", str(model.min_insync_replicas)),
                ("unclean.leader.election.enable", kafka_bool(model.unclean_leader_election)),
                ("flush.messages", "1 (fsync every append)" if model.flush_every_append
                 else "not set (Kafka's default: no fsync; the OS writes back)"),
                ("auto.leader.rebalance.enable", kafka_bool(model.auto_leader_rebalance)),
                ("acks", model.acks),
                ("bounds: records", str(model.records)),
                *((f"faults: {k}", str(v)) for k, v in vars(model.faults).items() if v)]
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in settings)
    listing = f"<details><summary>config.yaml</summary><pre>{_e(model.config_text)}</pre></details>"
    return f"<h2>Config</h2><p>{_e(model.description)}</p><table>{rows}</table>{listing}"


def _verdicts(result: CheckResult) -> str:
    """The verdict table; expected verdicts only for a config with `expect:`."""
    expecting = result.expects
    rows = []
    for prop in result.properties.values():
        link = f"<a href='#{prop.name}'>{prop.name}</a>" if prop.verdict != "holds" \
            else prop.name
        expectation = (f"<td>{prop.expected or '-'}</td>"
                       f"<td>{'yes' if prop.matches else 'NO'}</td>") if expecting else ""
        mismatch = expecting and not prop.matches
        rows.append(
            f"<tr class='{'mismatch' if mismatch else ''}'><td>{link}</td>"
            f"<td class='{prop.verdict}'>{said(prop.verdict)}</td>{expectation}"
            f"<td>{'-' if prop.distinct_states is None else f'{prop.distinct_states:,}'}</td>"
            f"<td>{len(prop.trace.steps) if prop.trace else '-'}</td>"
            f"<td>{prop.seconds:.1f}</td></tr>")
    heads = ("property", "verdict", *(("expected", "match") if expecting else ()),
             "distinct states", "trace", "seconds")
    return ("<h2>Verdicts</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>"
            + "".join(rows) + "</table>")


def _files(result: CheckResult) -> str:
    """TLC's version, and a link to every file of the check, relative to this page
    (which lies in the out dir): the page works wherever the out dir is moved."""
    out = result.out_dir
    names = sorted({p.name for p in out.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.name != PAGE}
                   | {"result.json"})   # written right after this page
    links = ", ".join(f"<a href='{_href(out / name, out)}'>{_e(name)}</a>" for name in names)
    return (f"<h2>Files</h2><p>TLC {_e(result.tlc_version or 'version unknown')}. Beside "
            f"this page: {links}.</p></body></html>")


def _href(path: Path, out: Path) -> str:
    return _e(quote(os.path.relpath(path, out)))


def _assumptions(result: CheckResult) -> str:
    warnings = "".join(f"<p class='mismatch'>warning: {_e(w)}</p>" for w in result.warnings)
    bounds = f"<p class='bounds'>{_e(result.bounds_line())}</p>" if result.bounds else ""
    return bounds + warnings + _coverage(result)


def _coverage(result: CheckResult) -> str:
    """TLC's action coverage per property: how many states each action generated."""
    measured = {p.name: p.coverage for p in result.properties.values() if p.coverage}
    if not measured:
        return ""
    actions = sorted({action for coverage in measured.values() for action in coverage})
    head = "".join(f"<th>{_e(name)}</th>" for name in measured)
    rows = "".join(f"<tr><td>{_e(action)}</td>" + "".join(
        f"<td>{'-' if action not in c else f'{c[action]:,}'}</td>" for c in measured.values())
        + "</tr>" for action in actions)
    return (f"<details><summary>TLC's action coverage (states each action generated)"
            f"</summary><table><tr><th>action</th>{head}</tr>{rows}</table></details>")


def _violation(prop: PropertyResult, out: Path) -> str:
    assert prop.trace is not None and prop.story is not None, "only violations have one"
    trace, story = prop.trace, prop.story
    anchor = prop.name
    saved = [f for f in (prop.trace_file, *prop.diagrams) if f is not None]
    files = ("<p>Saved as " + ", ".join(f"<a href='{_href(f, out)}'>{_e(f.name)}</a>"
                                         for f in saved) + ".</p>") if saved else ""
    items = []
    for number, text in zip(story.numbers, story.sentences):
        items.append(f"<li value='{number}'><a href='#{anchor}-step-{number}'>"
                     f"{_e(text)}</a></li>")
    ending = "".join(f"<p class='reason'>{_e(line)}</p>" for line in story.ending)
    rows = []
    for step in trace.steps:
        changed = {k: c.after for k, c in step.changed.items()} if step.changed \
            else step.state
        state = "<br>".join(f"{_e(k)} = {_e(format_value(v))}" for k, v in changed.items())
        marked = " class='violating'" if step.number == story.violation.step else ""
        rows.append(f"<tr id='{anchor}-step-{step.number}'{marked}><td>{step.number}</td>"
                    f"<td>{_e(step.title)}</td><td class='state'>{state}</td></tr>")
    return (f"<h2 id='{anchor}'>{_e(story.title)}</h2>"
            f"<p class='needs'>{_e(_upper_first(violation_words(prop)))}.</p>"
            f"<div class='diagram'>{_svg(prop)}</div>{files}"
            f"<h3>What happened</h3><ol class='story'>{''.join(items)}</ol>{ending}"
            f"<h3>Steps and what each changed</h3><table><tr><th>step</th><th>action</th>"
            f"<th>changed (all of the first state)</th></tr>{''.join(rows)}</table>")


def _svg(prop: PropertyResult) -> str:
    """The diagram check drew, or a fresh one when it drew no SVG (--format)."""
    from kafkamc.render.diagram import svg_of  # networkx and graphviz load only to draw
    drawn = next((d for d in prop.diagrams if d.suffix == ".svg"), None)
    assert prop.trace is not None and prop.story is not None
    if drawn is None:
        return svg_of(prop.trace, prop.story)
    svg = drawn.read_text()
    return svg[svg.index("<svg"):]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _e(text: str) -> str:
    return html.escape(text, quote=True)
