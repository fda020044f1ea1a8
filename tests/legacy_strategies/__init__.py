"""The shipped strategies before the level source moved to the context (equivalence test only)."""
