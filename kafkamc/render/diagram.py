"""Draw a sequence graph (kafkamc.render.sequence) with graphviz: .dot, .svg and .png.

Lanes run top to bottom, one row per step, numbered on the left. A broker's node
shows its log when it changed (offsets as cells, committed ones below the HW in
green); the controller's shows the leader, epoch, ISR and ELR. A fault is a red
marker on the broker it hits and a restart a grey one; a down broker's lifeline
is pale and dashed until it comes back. The violating step's nodes are red and
say which property breaks there, the reason is the diagram's caption, and the
end row restates every log.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz
import networkx as nx

from kafkamc.errors import CheckerError
from kafkamc.render.formats import FORMATS
from kafkamc.render.sequence import END, sequence_graph
from kafkamc.trace.events import record_name
from kafkamc.trace.narrative import Story
from kafkamc.trace.steps import Trace

# A failed write (its retry, a refusal) dashed in orange and red: the rest are solid.
EDGE_COLOR = {"produce": "#1f5fbf", "ack": "#1f5fbf", "probe_ack": "#1f5fbf",
              "probe_retry": "#e65100", "refusal": "#c62828", "fetch": "#2e7d32",
              "learn": "#7b1fa2", "register": "#7b1fa2", "isr_shrink": "#7b1fa2",
              "isr_expand": "#7b1fa2", "shutdown_request": "#7b1fa2",
              "duplicate": "#1f5fbf", "refused": "#c62828", "request_failed": "#e65100",
              "lost_response": "#e65100"}
# Dashed: what failed or never arrived. A lost answer has no arrowhead: it ends in a
# cross short of the producer's lifeline.
DASHED = {"refusal", "probe_retry", "refused", "request_failed", "lost_response"}
RED, PALE_RED, GREEN, GREY = "#c62828", "#ffebee", "#c8e6c9", "#9e9e9e"
PALE_GREY, NEUTRAL = "#d0d0d0", "#616161"     # a down broker's lifeline; a recovery


def to_dot(graph: nx.DiGraph) -> graphviz.Digraph:
    lanes: list[str] = graph.graph["lanes"]
    rows: list[int] = graph.graph["rows"]
    dot = graphviz.Digraph("counterexample", graph_attr={
        "rankdir": "TB", "newrank": "true", "nodesep": "0.3", "ranksep": "0.22",
        "fontname": "Helvetica", "labelloc": "t", "label": _caption(graph),
        "bgcolor": "white"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    _ordered_row(dot, "step-head", [("head", lane) for lane in lanes], "step",
                 {("head", lane): _head_attrs(lane) for lane in lanes})
    for index, step in enumerate(rows):
        nodes = [(lane, index) for lane in lanes]
        _ordered_row(dot, f"step-{index}", nodes, _row_label(str(step), graph, index),
                     {node: _node_attrs(graph, node) for node in nodes})
    for key in graph.graph["tail"]:
        nodes = [(lane, key) for lane in lanes]
        label = {END: END, "rest1": "at rest"}.get(key, "")
        _ordered_row(dot, f"step-{key}", nodes, _row_label(label, graph, key),
                     {node: _node_attrs(graph, node) for node in nodes})
    for source, target, data in graph.edges(data=True):
        if data["kind"] == "lifeline" and data["down"]:
            # Said in words on the first segment only; the rest are just pale.
            first = not any(graph.edges[e].get("down") for e in graph.in_edges(source))
            # Beside the top of the segment, just under the fault's marker: at its
            # middle the word sat on the messages crossing the lane.
            dot.edge(_id(source), _id(target), style="dashed", color=PALE_GREY,
                     arrowhead="none", weight="100", labelfontcolor=GREY, labelfontsize="8",
                     labelangle="-60", labeldistance="1.6", taillabel="down" if first else "")
        elif data["kind"] == "lifeline" and data["cut"] != "none":
            # Red and dotted; the marker where it starts says from whom it is cut (a
            # label here sat on the messages that cross the lane).
            dot.edge(_id(source), _id(target), style="dotted", color=RED, penwidth="2.5",
                     arrowhead="none", weight="100")
        elif data["kind"] == "lifeline":
            dot.edge(_id(source), _id(target), color=GREY, arrowhead="none", weight="100")
        else:
            color = EDGE_COLOR.get(data["event"], "black")
            # On a white ground, so that neither the arrow's own bend nor a lifeline
            # it crosses strikes through the words.
            label = (f"<<TABLE BORDER='0' CELLPADDING='1' BGCOLOR='white'><TR><TD>"
                     f"{html.escape(data['label'])}</TD></TR></TABLE>>")
            lost = {"arrowhead": "none", "headlabel": "✗", "headclip": "true",
                    "labeldistance": "2.5"} if data["event"] == "lost_response" else {}
            dot.edge(_id(source), _id(target), label=label, color=color,
                     fontcolor=color, constraint="false",
                     style="dashed" if data["event"] in DASHED else "solid", **lost)
    return dot


def draw(trace: Trace, story: Story, stem: Path,
         formats: Iterable[str] = FORMATS) -> tuple[Path, ...]:
    """A counterexample's sequence diagram as `stem`.FORMAT for each format."""
    return write_diagram(sequence_graph(trace, story), stem, formats)


def svg_of(trace: Trace, story: Story) -> str:
    """The diagram as an <svg> element, to inline in a page."""
    svg = _run_dot(to_dot(sequence_graph(trace, story)), "svg").decode()
    return svg[svg.index("<svg"):]


def write_diagram(graph: nx.DiGraph, stem: Path,
                  formats: Iterable[str] = FORMATS) -> tuple[Path, ...]:
    """Write `stem`.FORMAT for each format; returns the files written."""
    dot = to_dot(graph)
    written = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        if fmt == "dot":
            path.write_text(dot.source)
        else:
            path.write_bytes(_run_dot(dot, fmt))
        written.append(path)
    return tuple(written)


def _run_dot(dot: graphviz.Digraph, fmt: str) -> bytes:
    # quiet: dot's layout warnings ("Unable to reclaim box space in spline routing")
    # would reach the user's terminal; a failure still raises with dot's stderr.
    try:
        return dot.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        raise CheckerError("graphviz's `dot` is not installed: install Debian's graphviz "
                           "package, or ask for --format dot only") from None
    except graphviz.CalledProcessError as error:
        raise CheckerError(f"graphviz's dot failed drawing the diagram: "
                           f"{error.stderr.decode(errors='replace').strip()}") from None


def _row_label(step: str, graph: nx.DiGraph, index: int | str) -> str:
    """The step number, and what happened to the whole cluster at that step."""
    notes = "".join(f"<BR/><FONT POINT-SIZE='8'>{html.escape(note)}</FONT>"
                    for note in graph.graph["row_notes"].get(index, ()))
    return f"<{html.escape(step)}{notes}>"


def _ordered_row(dot: graphviz.Digraph, step_id: str, nodes: list[Any], step_label: str,
                 attrs: dict[Any, dict[str, str]]) -> None:
    """One row: the step number, then each lane's node, kept in lane order."""
    with dot.subgraph() as row:
        row.attr(rank="same")
        row.node(step_id, label=step_label, shape="plaintext", fontcolor="#555555",
                 fontsize="11")
        previous = step_id
        for node in nodes:
            row.node(_id(node), **attrs[node])
            row.edge(previous, _id(node), style="invis")
            previous = _id(node)


def _head_attrs(lane: str) -> dict[str, str]:
    return {"label": lane, "shape": "box", "style": "filled,rounded",
            "fillcolor": "#eeeeee", "fontsize": "12", "fontname": "Helvetica-Bold"}


def _node_attrs(graph: nx.DiGraph, node: Any) -> dict[str, str]:
    data = graph.nodes[node]
    if not (data["notes"] or data["markers"] or data["state"] or data["violating"]):
        # A lifeline with nothing to say: a dot, bigger where a message starts or ends.
        if data["kind"] == "event":
            return {"label": "", "shape": "point", "width": "0.09", "color": "#424242"}
        return {"label": "", "shape": "point", "width": "0.04",
                "color": PALE_GREY if data["down"] else GREY}
    return {"label": f"<{_table(graph, data)}>", "shape": "plaintext", "margin": "0"}


def _table(graph: nx.DiGraph, data: dict[str, Any]) -> str:
    border = RED if data["violating"] else "#bdbdbd"
    background = PALE_RED if data["violating"] else "white"
    rows = []
    if data["violating"]:
        rows.append(f"<TR><TD><FONT COLOR='{RED}'><B>{html.escape(str(graph.graph['property']))}"
                    " broken here</B></FONT></TD></TR>")
    for marker in data["markers"]:
        # Faults white on red; a recovery (restart, a partition healing) in grey.
        fill, ink = (RED, "white") if marker["fault"] else ("#eeeeee", NEUTRAL)
        rows.append(f"<TR><TD BGCOLOR='{fill}'><FONT COLOR='{ink}'><B>"
                    f"{html.escape(marker['label'])}</B></FONT></TD></TR>")
    rows += [f"<TR><TD ALIGN='LEFT'>{html.escape(note)}</TD></TR>" for note in data["notes"]]
    state = data["state"]
    if state and "log" in state:
        missing = graph.graph["missing"] if data["violating"] else None
        rows.append(f"<TR><TD>{_log_cells(state, missing)}</TD></TR>")
    elif state:
        elr = f" ELR {{{', '.join(state['elr'])}}}" if state["elr"] else ""
        rows.append(f"<TR><TD><FONT POINT-SIZE='9'>epoch {state['epoch']}: leader "
                    f"{html.escape(state['leader'])}<BR/>ISR {{{', '.join(state['isr'])}}}"
                    f"{elr}</FONT></TD></TR>")
    if data["kind"] == "end" and data["down"]:
        border, background = PALE_GREY, "#f5f5f5"
    return (f"<TABLE BORDER='1' CELLBORDER='0' CELLSPACING='0' CELLPADDING='3' "
            f"COLOR='{border}' BGCOLOR='{background}'>{''.join(rows)}</TABLE>")


def _log_cells(state: dict[str, Any], missing: int | None) -> str:
    """A broker's log as a row of cells: offset, record and epoch; green below the HW;
    then, in red, the record the violation says it lacks."""
    cells = []
    for offset, (record, epoch) in enumerate(state["log"]):
        fill = GREEN if offset < state["hw"] else "white"
        name = f"r{record}" if record else "probe"
        cells.append(f"<TD BGCOLOR='{fill}' BORDER='1' COLOR='#9e9e9e'><FONT POINT-SIZE='8'>"
                     f"{offset}</FONT><BR/>{name}<BR/><FONT POINT-SIZE='8'>e{epoch}</FONT></TD>")
    if missing is not None:
        cells.append(f"<TD BORDER='1' COLOR='{RED}'><FONT COLOR='{RED}'>no {record_name(missing)}"
                     "</FONT></TD>")
    if not cells:
        cells.append("<TD><FONT POINT-SIZE='8' COLOR='#757575'>empty log</FONT></TD>")
    status = "" if state["status"] == "up" else f" ({state['status']})"
    return (f"<TABLE BORDER='0' CELLSPACING='1'><TR>{''.join(cells)}</TR>"
            f"<TR><TD COLSPAN='{len(cells)}'><FONT POINT-SIZE='8'>HW {state['hw']} · "
            f"LEO {len(state['log'])}"
            f"{html.escape(status)}</FONT></TD></TR></TABLE>")


def _caption(graph: nx.DiGraph) -> str:
    omitted = graph.graph["omitted"]
    note = (f"<BR/><FONT COLOR='#757575'>{omitted} steps in the middle are not drawn; "
            "trace.json has them all</FONT>") if omitted else ""
    return (f"<<B>{html.escape(graph.graph['title'])}</B><BR/><FONT COLOR='{RED}'>step "
            f"{graph.graph['violation_step']}: {_wrap(graph.graph['reason'])}"
            f"</FONT>{note}>")


def _wrap(text: str, width: int = 110) -> str:
    """A long reason as escaped lines joined by <BR/>: graphviz does not wrap labels."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<BR/>".join(html.escape(line) for line in lines)


def _id(node: Any) -> str:
    return f"{node[0]}-{node[1]}"
