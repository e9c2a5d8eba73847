"""Text Guard and SceneSafe Filter: find text, overlays and scene elements a marketplace rejects."""
