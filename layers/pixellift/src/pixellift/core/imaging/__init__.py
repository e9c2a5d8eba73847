"""Array-in, array-out image operations."""
