"""observability: alert rules over the mesh's metrics (later: traces, metrics and alerts)."""
