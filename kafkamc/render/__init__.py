"""Showing a check: the sequence graph and diagram, the HTML page, the terminal report."""
