"""The PixelLift CDK app: serverless backbone and model endpoints, one Stage per environment.

Run it from the repository root with ``python -m infra.cdk.app`` (or ``cdk synth`` in this folder).
The folder is a package so that ``infra.cdk.constructs`` never shadows the ``constructs`` library.
"""
