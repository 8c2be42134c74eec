"""Evaluation: metrics with the DESIGN.md keys, benchmarks (quality, speed, memory) and HTML reports.

Does not live here: training code or anything that fits parameters; evaluation only reads bundles and data.
"""
