"""Scenario sweeps: many variants of a plan run on this machine or a Dask cluster (``planner sweep``)."""
