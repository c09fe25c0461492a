"""Regression runs over many configs, and their JUnit XML."""
