"""Benchmarks, run by ``make bench`` (``python -m bench.run_all``).

``bench/README.md`` explains each suite, the rembg 2.0.86 baseline it is measured against, and
records the latest figures.
"""
