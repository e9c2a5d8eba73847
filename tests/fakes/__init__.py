"""In-memory, typed implementations of the core's ports, for tests."""
