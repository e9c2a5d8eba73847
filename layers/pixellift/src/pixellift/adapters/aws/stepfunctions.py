"""Step Functions adapter: start named executions of the photo pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixellift.adapters.aws.errors import error_code, translated
from pixellift.core.errors import MissingConfigurationError, PermanentError

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
else:
    SFNClient = object


class StepFunctionsStarter:
    """``ExecutionStarter`` for one state machine.

    Parameters
    ----------
    client
        A boto3 Step Functions client.
    state_machine_arn
        The photo-pipeline state machine; ``None`` fails each start with a clear error.
    """

    def __init__(self, client: SFNClient, state_machine_arn: str | None) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, payload: str) -> str:
        """Start (or find) the execution named ``name``; return its ARN."""
        if self._arn is None:
            msg = "PIXELLIFT_PIPELINE_ARN is not set: no state machine to start"
            raise MissingConfigurationError(msg)
        try:
            with translated(f"execution {name}"):
                return self._client.start_execution(
                    stateMachineArn=self._arn, name=name, input=payload
                )["executionArn"]
        except PermanentError as exc:
            # Step Functions refuses a second start of a name with different input only; an
            # equal input returns the first execution, which is what a retried ingest wants.
            if error_code(exc.__cause__ or exc) == "ExecutionAlreadyExists":
                arn = self._arn.replace(":stateMachine:", ":execution:")
                return f"{arn}:{name}"
            raise
