"""Counterexamples: TLC's states as typed steps, their Kafka events, the story, and
reading them back."""
