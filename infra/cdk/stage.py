"""PixelLiftStage: one environment (endpoints and pipeline stacks) of the app."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Environment, Stage
from constructs import Construct

from .config import StageConfig
from .stacks.endpoints_stack import EndpointsStack
from .stacks.pipeline_stack import PipelineStack


class PixelLiftStage(Stage):
    """The ``Endpoints`` and ``Pipeline`` stacks of one environment.

    Parameters
    ----------
    scope
        The app.
    config
        The environment's settings; its name is the stage id (``dev`` deploys ``dev/Pipeline``).
    repo_root
        Repository root holding ``functions/``, ``layers/`` and ``statemachines/``.
    api_source_dir
        The Chalice project of the API, or ``None`` to deploy without the API.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        config: StageConfig,
        repo_root: Path,
        api_source_dir: Path | None = None,
    ) -> None:
        env = Environment(account=config.account, region=config.region)
        super().__init__(scope, config.name, env=env)
        self.config = config
        self.endpoints = EndpointsStack(
            self,
            "Endpoints",
            config=config,
            stack_name=f"PixelLift-{config.name}-Endpoints",
            description=f"PixelLift {config.name}: SageMaker endpoints for segmentation, "
            "matting and OCR",
        )
        self.pipeline = PipelineStack(
            self,
            "Pipeline",
            config=config,
            repo_root=repo_root,
            endpoint_names=self.endpoints.endpoint_names,
            api_source_dir=api_source_dir,
            stack_name=f"PixelLift-{config.name}-Pipeline",
            description=f"PixelLift {config.name}: photo pipeline (S3, Lambda, Step Functions, "
            "DynamoDB)",
        )
        # The pipeline invokes the endpoints by name; deploy them first.
        self.pipeline.add_stack_dependency(self.endpoints)
