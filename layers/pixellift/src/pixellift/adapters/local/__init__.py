"""Adapters for running on one machine: in-process models, local filesystem."""
