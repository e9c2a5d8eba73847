"""Reusable constructs of the PixelLift CDK app."""
