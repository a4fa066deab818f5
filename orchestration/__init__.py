"""claimgrid: the Dagster code location (see orchestration/definitions.py)."""
