"""Pure domain core: imaging, rules and pipeline use cases. No AWS SDK, no environment access."""
