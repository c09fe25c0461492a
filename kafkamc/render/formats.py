"""The file formats a counterexample's diagram is drawn in.

Apart from kafkamc.render.diagram so that naming them loads neither networkx nor
graphviz: a command that draws nothing (`--version`, `compile`, a check where
every property holds) starts without them.
"""
from __future__ import annotations

FORMATS = ("dot", "svg", "png")
