"""Use cases that orchestrate imaging operations through ports."""
