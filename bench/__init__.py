"""Load and data-scale benchmarks (see bench/run.py and DESIGN.md §9)."""
