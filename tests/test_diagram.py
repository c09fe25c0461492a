"""Sequence diagrams of counterexamples: the graph, and real SVG and PNG from real dot."""
from __future__ import annotations

import dataclasses
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from conftest import SPEC_BY_NAME, describe, run_kafkamc

from kafkamc.config import Model
from kafkamc.render.diagram import GREY, PALE_GREY, RED, draw
from kafkamc.render.sequence import END, MAX_ROWS, lanes_of, sequence_graph
from kafkamc.trace.narrative import tell
from kafkamc.trace.read_back import log_trace
from kafkamc.trace.steps import Trace, read_trace

SVG = "{http://www.w3.org/2000/svg}"
FIXTURES = Path(__file__).parent / "fixtures" / "tlc"


@pytest.fixture
def jepsen(jepsen_out: Path) -> Path:
    """Jepsen 2013's violations, checked by real TLC and drawn by real dot."""
    return jepsen_out


def _nodes(svg: Path) -> dict[str, ET.Element]:
    root = ET.parse(svg).getroot()          # raises on anything but well-formed XML
    return {group.findtext(f"{SVG}title"): group for group in root.iter(f"{SVG}g")
            if group.get("class") == "node"}


@pytest.mark.tlc
def test_the_svg_has_one_lifeline_per_actor_and_marks_the_violation(jepsen: Path) -> None:
    trace = read_trace(jepsen / "trace-durability.json")
    nodes = _nodes(jepsen / "diagram-durability.svg")
    heads = sorted(title.removeprefix("head-") for title in nodes if title.startswith("head-"))
    assert heads == sorted(["producer", "b1", "b2", "b3", "controller"])
    leader = str(trace.last.state["leader"])
    last_row = len(trace.steps) - 1       # every Jepsen step has an event: no row collapsed
    marked = nodes[f"{leader}-{last_row}"]
    assert RED.lower() in ET.tostring(marked, encoding="unicode").lower()
    assert "no r1" in "".join(marked.itertext())
    unmarked = nodes[f"b3-{last_row}"]
    assert RED.lower() not in ET.tostring(unmarked, encoding="unicode").lower()
    text = "".join(ET.parse(jepsen / "diagram-durability.svg").getroot().itertext())
    assert "is missing from the log of leader" in text and "produce r1" in text


@pytest.mark.tlc
def test_png_and_dot_are_real(jepsen: Path) -> None:
    png = (jepsen / "diagram-durability.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 400, (width, height)
    assert (jepsen / "diagram-durability.dot").read_text().startswith("digraph counterexample")


@pytest.mark.tlc
def test_message_edges_go_from_sender_to_receiver(jepsen: Path) -> None:
    trace = read_trace(jepsen / "trace-durability.json")
    graph = sequence_graph(trace, tell(trace))
    messages = {(u[0], v[0], d["event"]) for u, v, d in graph.edges(data=True)
                if d["kind"] == "message"}
    assert ("producer", "b1", "produce") in messages
    assert ("b1", "producer", "ack") in messages
    assert ("b1", "controller", "isr_shrink") in messages
    # The leader is cut off by a fault: a crash or a partition, whichever of the
    # shortest counterexamples TLC's breadth-first search reaches first. It is a
    # marker on b1's own lifeline, not an arrow across the other lanes.
    markers = {(node[0], m["event"], m["fault"]) for node, data in graph.nodes(data=True)
               for m in data.get("markers", ())}
    assert {("b1", "crash", True), ("b1", "partition", True)} & markers, markers
    assert "faults" not in graph.graph["lanes"]


@pytest.mark.tlc
def test_a_long_trace_is_cut_and_says_so(jepsen: Path, tmp_path: Path) -> None:
    """400 steps that alternate two real states: the diagram keeps MAX_ROWS rows at
    most, names how many it left out, and dot still draws it."""
    trace = read_trace(jepsen / "trace-durability.json")
    first, second = trace.steps[1], trace.steps[2]
    steps = [trace.steps[0]] + [dataclasses.replace(
        second if i % 2 else first, number=i + 2,
        changed=(second if i % 2 else first).changed or first.changed) for i in range(400)]
    long = Trace(trace.property, trace.violated, tuple(steps), config=trace.config)
    story = tell(long)
    graph = sequence_graph(long, story)
    assert len(graph.graph["rows"]) <= MAX_ROWS
    assert graph.graph["omitted"] == 401 - len(graph.graph["rows"])
    svg = draw(long, story, tmp_path / "long", ["svg"])[0]
    text = "".join(ET.parse(svg).getroot().itertext())
    assert f"{graph.graph['omitted']} steps in the middle are not drawn" in text


def test_a_foreign_log_is_drawn_on_one_lane(tmp_path: Path) -> None:
    trace = log_trace(FIXTURES / "lasso.log")
    assert lanes_of(trace) == ["spec"]
    assert sequence_graph(trace, tell(trace)).graph["tail"] == []   # no logs to restate
    svg = draw(trace, tell(trace), tmp_path / "lasso", ["svg"])[0]
    assert "head-spec" in _nodes(svg)


@pytest.mark.tlc
def test_a_partition_cuts_the_lifeline(tmp_path: Path) -> None:
    """acks=1 on 2.1, and the leader cut off from everyone: its acknowledged write is
    lost, and its lifeline is drawn cut (red, dotted) from the step it is cut off, where
    a red marker says from whom."""
    from kafkamc.config import Bounds, Faults, Producer, Topic

    model = Model(name="zombie", kafka_version="2.1",
                  topic=Topic(replication_factor=2, min_insync_replicas=1,
                              unclean_leader_election_enable=False),
                  producer=Producer(acks="1"), faults=Faults(network_partitions=1),
                  bounds=Bounds(records=1), check=["durability"])
    result = model.check(out_dir=tmp_path / "out", diagram_formats=("svg",))
    prop = result.properties["durability"]
    assert prop.verdict == "violated"
    assert [e.kind for step in prop.story.events for e in step].count("partition") == 1
    trace = read_trace(prop.trace_file)
    graph = sequence_graph(trace, tell(trace))
    [(lane, row)] = [node for node, data in graph.nodes(data=True)
                     for m in data.get("markers", ()) if m["event"] == "partition"]
    assert graph.nodes[(lane, row)]["markers"][0]["label"] == "cut off from all"
    nodes = _nodes(prop.diagrams[0])
    assert "cut off from all" in "".join(nodes[f"{lane}-{row}"].itertext())
    rows = list(range(len(graph.graph["rows"]))) + graph.graph["tail"]
    edges = _edges(prop.diagrams[0])
    for index, (upper, lower) in enumerate(zip(rows, rows[1:])):
        markup = edges[f"{lane}-{upper}->{lane}-{lower}"]
        cut = index >= row
        assert (f'stroke="{RED}"' in markup and "stroke-dasharray" in markup) == cut, markup


@pytest.fixture(scope="module")
def two_crashes(tmp_path_factory: pytest.TempPathFactory, session_cache: Path) -> Path:
    """specs/availability-minisr2-two-crashes.yaml, checked by real TLC: two brokers
    crash and stay down, and the last one refuses every acks=all write."""
    work = tmp_path_factory.mktemp("two-crashes")
    proc = run_kafkamc("check", SPEC_BY_NAME["availability-minisr2-two-crashes"], "--out",
                       work / "out", "--workers", "1", cwd=work, cache=session_cache)
    assert proc.returncode == 0, describe(proc)
    return work / "out"


def _edges(svg: Path) -> dict[str, str]:
    """Each edge of the SVG by its title ("b1-2->b1-3"), as its markup."""
    root = ET.parse(svg).getroot()
    return {group.findtext(f"{SVG}title"): ET.tostring(group, encoding="unicode")
            for group in root.iter(f"{SVG}g") if group.get("class") == "edge"}


def _crashed(graph: nx.DiGraph) -> dict[str, int]:
    """Each broker that crashes, and the row of its crash marker."""
    return {node[0]: node[1] for node, data in graph.nodes(data=True)
            for marker in data.get("markers", ()) if marker["event"] == "crash"}


@pytest.mark.tlc
def test_a_down_broker_has_a_pale_dashed_lifeline(two_crashes: Path) -> None:
    """From the row of its crash to the end, a crashed broker's lifeline is pale and
    dashed; before it, and the live brokers' lifelines throughout, are solid grey."""
    trace = read_trace(two_crashes / "trace-availability.json")
    graph = sequence_graph(trace, tell(trace))
    crashed = _crashed(graph)
    assert len(crashed) == 2, crashed
    edges = _edges(two_crashes / "diagram-availability.svg")
    rows = list(range(len(graph.graph["rows"]))) + graph.graph["tail"]
    for lane in ("b1", "b2", "b3"):
        for index, (upper, lower) in enumerate(zip(rows, rows[1:])):
            markup = edges[f"{lane}-{upper}->{lane}-{lower}"]
            down = lane in crashed and index >= crashed[lane]
            assert graph.edges[(lane, upper), (lane, lower)]["down"] == down
            assert ("stroke-dasharray" in markup) == down, (lane, upper, markup)
            assert (f'stroke="{PALE_GREY}"' in markup) == down, (lane, upper, markup)
            assert (f'stroke="{GREY}"' in markup) != down, (lane, upper, markup)


@pytest.mark.tlc
def test_the_end_row_restates_every_log(two_crashes: Path) -> None:
    trace = read_trace(two_crashes / "trace-availability.json")
    graph = sequence_graph(trace, tell(trace))
    assert graph.graph["tail"][-1] == END
    nodes = _nodes(two_crashes / "diagram-availability.svg")
    state = trace.last.state
    for broker, log in state["log"].items():
        end = graph.nodes[(str(broker), END)]
        assert end["state"]["log"] == [(e["id"], e["epoch"]) for e in log]
        assert end["state"]["status"] == state["status"][broker]
        text = " ".join(nodes[f"{broker}-{END}"].itertext())
        assert f"LEO {len(log)}" in text
        assert ("(crashed)" in text) == (state["status"][broker] == "crashed"), text
    leader = str(state["leader"])
    assert f"leader of epoch {state['epoch']}" in " ".join(nodes[f"{leader}-{END}"].itertext())
    assert "acknowledged: nothing" in " ".join(nodes[f"producer-{END}"].itertext())


@pytest.mark.tlc
def test_the_probe_and_its_refusal_are_messages(two_crashes: Path) -> None:
    """The leader alone in its ISR refuses the acks=all write: the diagram draws the
    write and the NotEnoughReplicas answer as arrows, after the last step."""
    trace = read_trace(two_crashes / "trace-availability.json")
    graph = sequence_graph(trace, tell(trace))
    leader = str(trace.last.state["leader"])
    messages = [(u, v, d["label"]) for u, v, d in graph.edges(data=True)
                if d["kind"] == "message" and u[1] in graph.graph["tail"]]
    assert messages == [(("producer", "rest1"), (leader, "rest1"), "acks=all write"),
                        ((leader, "rest2"), ("producer", "rest2"),
                         "NotEnoughReplicas (ISR 1 < min.insync.replicas 2)")]
    edges = _edges(two_crashes / "diagram-availability.svg")
    refusal = edges[f"{leader}-rest2->producer-rest2"]
    assert "NotEnoughReplicas" in refusal and RED.lower() in refusal.lower()
    assert "acks=all write" in edges[f"producer-rest1->{leader}-rest1"]
    # The box at the violating step says what it marks.
    marked = [node for node, data in graph.nodes(data=True) if data.get("violating")]
    nodes = _nodes(two_crashes / "diagram-availability.svg")
    assert marked and all("availability broken here" in " ".join(nodes[f"{n[0]}-{n[1]}"]
                                                                   .itertext()) for n in marked)


@pytest.mark.tlc
def test_a_restart_is_grey_and_ends_the_down_stretch(tmp_path: Path,
                                                      session_cache: Path) -> None:
    """KAFKA-6361 on 1.1: b1 crashes and restarts. Its lifeline is down from the crash
    to the restart and live again after it; the crash marker is red, the restart's
    grey (a restart is no fault)."""
    proc = run_kafkamc("check", SPEC_BY_NAME["kafka-6361-1.1"], "--out", tmp_path / "out",
                       "--workers", "1", "--format", "svg", cwd=tmp_path, cache=session_cache)
    assert proc.returncode == 0, describe(proc)
    trace = read_trace(tmp_path / "out" / "trace-consistency.json")
    graph = sequence_graph(trace, tell(trace))
    marks = {(node[0], m["event"]): node[1] for node, data in graph.nodes(data=True)
             for m in data.get("markers", ())}
    restarted = [lane for lane, event in marks if event == "restart"
                 and (lane, "crash") in marks and marks[(lane, "crash")] < marks[(lane, event)]]
    assert restarted, marks
    lane = restarted[0]
    crash, restart = marks[(lane, "crash")], marks[(lane, "restart")]
    for row in range(crash, restart + 1):
        after = row + 1 if row + 1 < len(graph.graph["rows"]) else graph.graph["tail"][0]
        assert graph.edges[(lane, row), (lane, after)]["down"] == (row < restart), row
    nodes = _nodes(tmp_path / "out" / "diagram-consistency.svg")
    crash_box = ET.tostring(nodes[f"{lane}-{crash}"], encoding="unicode").lower()
    restart_box = ET.tostring(nodes[f"{lane}-{restart}"], encoding="unicode").lower()
    assert RED.lower() in crash_box and "crash" in crash_box
    assert RED.lower() not in restart_box and "restart" in restart_box
