"""Data files the planner ships: the cost catalogue (catalogue/costs.csv), with sources."""
