"""The stacks of one PixelLift environment: pipeline and model endpoints."""
