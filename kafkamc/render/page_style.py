"""The stylesheet every kafkamc page starts from: the check's report and the sweep's
page look alike, and each adds only its own classes. Inline, never fetched."""
from __future__ import annotations

BASE_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #212121; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #bdbdbd; padding: 0.3em 0.5em; text-align: left;
         vertical-align: top; font-size: 0.9em; }
th { background: #eeeeee; }
ol.story li { margin: 0.2em 0; } .reason { color: #c62828; font-weight: bold; }
"""
