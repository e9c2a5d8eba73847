"""Impure edge: implementations of the core's ports, settings and the composition root."""
