"""Caches for moto's Step Functions interpreter, so orchestration stays cheap next to the work.

The interpreter parses the whole definition for every execution, every JSONPath expression each
time a state is evaluated, and creates a new boto3 client for every Lambda task. All three are
pure functions of their arguments here: parsed programs and paths are immutable (evaluation
state lives in each execution's environment, which is why the iterations of one Map can share a
program already), and clients are thread-safe and carry no per-call state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

_PATHS = 4096


@contextmanager
def interpreter_caches() -> Iterator[None]:
    """Cache programs, JSONPath parsing and the Lambda client while the block runs."""
    parse = getattr(json_path, "parse")  # noqa: B009 - moto re-exports it implicitly
    client_for = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009
    cached_client = lru_cache(maxsize=16)(client_for)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if state_credentials is None:
            return cached_client(region, service)
        return client_for(region, service, state_credentials)

    entrypoint = ExecutionWorker._get_evaluation_entrypoint  # noqa: SLF001
    program = lru_cache(maxsize=16)(
        lambda definition: AmazonStateLanguageParser.parse(definition)[0]
    )

    def cached_entrypoint(worker: ExecutionWorker) -> Any:
        details = worker._evaluation_details  # noqa: SLF001
        return program(details.state_machine_details.definition)

    setattr(json_path, "parse", lru_cache(maxsize=_PATHS)(parse))  # noqa: B010
    setattr(lambda_eval_utils, "boto_client_for", boto_client_for)  # noqa: B010
    setattr(ExecutionWorker, "_get_evaluation_entrypoint", cached_entrypoint)  # noqa: B010
    try:
        yield
    finally:
        setattr(json_path, "parse", parse)  # noqa: B010
        setattr(lambda_eval_utils, "boto_client_for", client_for)  # noqa: B010
        setattr(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint)  # noqa: B010
