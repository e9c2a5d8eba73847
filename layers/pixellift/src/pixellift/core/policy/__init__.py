"""Marketplace rules: schema, packs, resolution, measurement, engine, Compliance Gate, reports."""
