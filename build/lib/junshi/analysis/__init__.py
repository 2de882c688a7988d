"""Why the numbers moved and what to do: exact diagnosis, anomaly alerts and recommendations."""
