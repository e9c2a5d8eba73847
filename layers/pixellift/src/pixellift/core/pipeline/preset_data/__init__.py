"""Built-in preset files (YAML)."""
