"""Benchmarks: each script prints figures and ratios; none of them is a test."""
