"""Generation and demand from local weather: pure functions returning time series in kW."""
