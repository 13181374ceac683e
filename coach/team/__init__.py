"""The team's side: the practice store, reviews, cadence per prospect, progress
over time, and bundles to share sessions."""
