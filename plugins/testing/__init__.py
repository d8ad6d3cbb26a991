"""Helpers for tests and benchmarks only (as numpy.testing): nothing in the other packages imports them."""
