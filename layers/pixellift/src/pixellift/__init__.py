"""PixelLift."""
