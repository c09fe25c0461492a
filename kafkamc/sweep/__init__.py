"""Sweeps: a config times settings and fault budgets, pruned, checked, recommended and reported."""
