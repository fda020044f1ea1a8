"""Self-contained HTML reports of runs and sweeps."""
