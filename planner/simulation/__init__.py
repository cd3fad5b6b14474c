"""The orchestrator: a project to a ScenarioResult."""
