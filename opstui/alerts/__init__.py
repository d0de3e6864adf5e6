"""Alert rules: a small, safe expression language over the metric store, and the Prometheus state
machine (inactive -> pending -> firing -> resolved) that turns breaches into alert transitions."""
