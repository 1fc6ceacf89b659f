"""Benchmarks: the figures the README quotes (`python -m benchmarks`)."""
