"""The local runtime: the whole serverless chain on one machine, on moto.

moto serves IAM, S3, DynamoDB, Lambda, Step Functions (with execution switched on) and
EventBridge (the policy-sync schedule is stored there and fired from the runtime's clock) in this
process. The state machines are the ASL files of ``statemachines/`` with the same
``${...FunctionArn}`` substitutions CDK makes; a Lambda invoke runs the handler of
``functions/<name>/handler.py`` in-process (moto's own runner needs Docker). The tables and the
output bucket persist under ``PIXELLIFT_STATE_DIR``, so a run that was killed resumes.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final

import boto3
from moto import mock_aws
from moto.server import ThreadedMotoServer

from pixellift.adapters.aws.audit_local import audit_bucket, audit_table, create_audit_resources
from pixellift.adapters.aws.audit_publishing import local_publisher_services
from pixellift.adapters.aws.billing_moto import serializable_transactions
from pixellift.adapters.aws.legacy_tables import LegacyTables
from pixellift.adapters.bootstrap import build_pipeline_deps, build_policy_deps, build_tables
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.local.environment import lambda_environment
from pixellift.adapters.local.lambda_invoker import (
    Handler,
    HandlerRegistry,
    in_process_lambda,
    load_module,
)
from pixellift.adapters.local.moto_speedups import interpreter_caches
from pixellift.adapters.local.process_workers import WorkerPool
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core import errors
from pixellift.core.contracts.tasks import IngestRequest, IngestResponse
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.ports import WallClock

FUNCTIONS: Final = (
    "ingest",
    "resolve_rules",
    "process",
    "compliance_gate",
    "billing",
    "publish",
    "policy_sync",
    "audit_publish",
)
STATE_MACHINES: Final = {
    "photo_pipeline": "pixellift-photo-pipeline",
    "policy_sync": "pixellift-policy-sync",
}
POLICY_SYNC_EVERY: Final = timedelta(days=1)
AUDIT_PUBLISH_EVERY: Final = timedelta(hours=1)
SCHEDULE_RULE: Final = "pixellift-policy-sync"
DRAIN_SECONDS: Final = 120.0
"""How long closing the runtime waits for Lambda tasks in flight (one photo's processing)."""
_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}],
}


def placeholder(function: str) -> str:
    """The ASL placeholder CDK substitutes with a function's ARN.

    Examples
    --------
    >>> placeholder("compliance_gate")
    'ComplianceGateFunctionArn'
    """
    return "".join(part.capitalize() for part in function.split("_")) + "FunctionArn"


def repository_root() -> Path:
    """The checkout this package is installed from (editable installs)."""
    return Path(__file__).resolve().parents[6]


@dataclass(frozen=True)
class ExecutionState:
    """Status of an execution, with its output or error when finished."""

    status: str
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None


def _environment(path: Path, name: str, deps: object) -> Handler:
    """A new execution environment: a fresh copy of the handler module, bound to ``deps``."""
    module = load_module(path, f"pixellift_function_{name}")
    handler: Handler = partial(module.handler, deps=deps)
    return handler


class LocalRuntime:
    """Start with ``with LocalRuntime(settings) as runtime:``; everything stops on exit.

    Parameters
    ----------
    settings
        Configuration; ``state_dir`` holds the persisted state and the Lambda log.
    fix
        Auto-Fix services for the process step (tests and benchmarks inject fakes here);
        by default the configured segmentation model, loaded on first use.
    persist
        Keep state across runs under ``state_dir`` (off for throw-away runs).
    keep_uploads
        Keep the drop bucket's objects too (the local API server, whose photos arrive only
        through it); ``pixellift run`` copies its photos from the folder again instead.
    clock
        The runtime's own clock, which fires the policy-sync schedule.
    worker_processes
        Run the ``process`` function in this many worker processes (separate execution
        environments, as concurrent Lambda invocations have) instead of in this process's
        threads; 0 keeps it in-process. Workers load the configured model themselves, so
        ``fix`` cannot be combined with them.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        fix: FixServices | None = None,
        persist: bool = True,
        keep_uploads: bool = False,
        clock: WallClock | None = None,
        worker_processes: int = 0,
    ) -> None:
        if worker_processes and fix is not None:
            msg = "worker processes build their own Auto-Fix services: pass fix or workers"
            raise ValueError(msg)
        self.settings = settings
        self._fix = fix
        self._persist = persist
        self._keep_uploads = keep_uploads
        self._worker_processes = worker_processes
        self._clock = clock or UtcClock()
        self._stack = ExitStack()
        self.state_dir = settings.state_dir / "runtime"
        self.function_arns: dict[str, str] = {}
        self.lambdas = HandlerRegistry()
        self.state_machine_arns: dict[str, str] = {}
        self.worker_pools: dict[str, WorkerPool] = {}

    def __enter__(self) -> LocalRuntime:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        # Nothing may outlive the mock: an invocation still running after it stops would talk to
        # whatever AWS endpoint the environment names. Stop the executions, let tasks finish.
        try:
            for arn in self.state_machine_arns.values():
                running = self._sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")
                for execution in running["executions"]:
                    self.stop(execution["executionArn"])
            self.lambdas.drain(DRAIN_SECONDS)
        finally:
            self._stack.close()

    def _start(self) -> None:
        s = self.settings
        self._stack.enter_context(lambda_environment(self.state_dir / "logs" / "lambda.log"))
        self._stack.enter_context(
            mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        )
        self._stack.enter_context(serializable_transactions())
        registry = self.lambdas
        self._stack.enter_context(in_process_lambda(registry))
        self._stack.enter_context(interpreter_caches())
        self._iam = boto3.client("iam", region_name=s.region)
        self._lambda = boto3.client("lambda", region_name=s.region)
        self._sfn = boto3.client("stepfunctions", region_name=s.region)
        role = self._iam.create_role(
            RoleName="pixellift-local", AssumeRolePolicyDocument=json.dumps(_ROLE_POLICY)
        )["Role"]["Arn"]
        s3 = boto3.client("s3", region_name=s.region)
        for bucket in (s.drop_bucket, s.output_bucket):
            s3.create_bucket(Bucket=bucket)
        build_tables(s).create_missing()
        create_audit_resources(s)
        if self._persist:
            durable = DurableState(
                self.state_dir,
                tables=[*(m.Meta.table_name for m in build_tables(s).all()), audit_table(s)],
                buckets=[
                    s.output_bucket,
                    audit_bucket(s),
                    *([s.drop_bucket] if self._keep_uploads else []),
                ],
                region=s.region,
                legacy=LegacyTables.of(s.tables.batches, s.tables.items, s.tables.outputs),
            )
            durable.restore()
            self._stack.enter_context(durable.attached())
        functions_dir = s.functions_dir or repository_root() / "functions"
        for name in FUNCTIONS:
            self.function_arns[name] = self._create_function(name, functions_dir, role)
        machines_dir = s.statemachines_dir or repository_root() / "statemachines"
        for file_stem, machine in STATE_MACHINES.items():
            definition = (machines_dir / f"{file_stem}.asl.json").read_text(encoding="utf-8")
            for function, arn in self.function_arns.items():
                definition = definition.replace("${" + placeholder(function) + "}", arn)
            self.state_machine_arns[file_stem] = self._sfn.create_state_machine(
                name=machine, definition=definition, roleArn=role
            )["stateMachineArn"]
        self.schedule_arn = self._schedule(role)
        self.settings = replace(s, pipeline_arn=self.state_machine_arns["photo_pipeline"])
        self.deps = build_pipeline_deps(self.settings, self._fix)
        self.policy_deps = build_policy_deps(self.settings)
        own_deps = {"policy_sync": self.policy_deps, "audit_publish": local_publisher_services(s)}
        for name in FUNCTIONS:
            deps = own_deps.get(name, self.deps)
            factory = partial(_environment, functions_dir / name / "handler.py", name, deps)
            registry.register(f"pixellift-{name}", factory)
        if self._worker_processes:
            pool = WorkerPool(
                functions_dir / "process" / "handler.py",
                "process",
                self.settings,
                aws_url=self.serve_aws(),
                workers=self._worker_processes,
                log_path=self.state_dir / "logs" / "lambda.log",
            )
            self._stack.callback(pool.close)
            self.worker_pools["process"] = pool
            registry.register("pixellift-process", lambda: pool.handler)

    def _schedule(self, role: str) -> str:
        events = boto3.client("events", region_name=self.settings.region)
        rule: str = events.put_rule(
            Name=SCHEDULE_RULE, ScheduleExpression="rate(1 day)", State="ENABLED"
        )["RuleArn"]
        target = {
            "Id": "policy-sync",
            "Arn": self.state_machine_arns["policy_sync"],
            "RoleArn": role,
        }
        events.put_targets(Rule=SCHEDULE_RULE, Targets=[target])
        return rule

    def _create_function(self, name: str, functions_dir: Path, role: str) -> str:
        path = functions_dir / name / "handler.py"
        if not path.is_file():
            msg = f"{path}: handler not found; set PIXELLIFT_FUNCTIONS_DIR to the functions folder"
            raise errors.PermanentError(msg)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.write(path, "handler.py")
        return self._lambda.create_function(
            FunctionName=f"pixellift-{name}",
            Runtime="python3.11",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
            Timeout=900,
            MemorySize=3008,
        )["FunctionArn"]

    def serve_aws(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the runtime's AWS APIs over HTTP too; return the endpoint URL.

        Another process (``AWS_ENDPOINT_URL=<url> chalice local`` in ``functions/api``) then
        works on the same tables, buckets and state machines, and pre-signed URLs made against
        the endpoint accept uploads (send a ``Content-Type`` such as ``image/jpeg``: a form type
        makes the server read the body as a form). Stops with the runtime.
        """
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        server.start()
        self._stack.callback(server.stop)
        bound_host, bound_port = server.get_host_and_port()
        return f"http://{bound_host}:{bound_port}"

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke a function as API Gateway or S3 would; a handler error is raised again here."""
        response = self._lambda.invoke(
            FunctionName=f"pixellift-{function}", Payload=json.dumps(event).encode()
        )
        payload: dict[str, Any] = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            found = getattr(errors, str(payload.get("errorType")), None)
            retryable = isinstance(found, type) and issubclass(found, errors.TransientError)
            kind = errors.TransientError if retryable else errors.PermanentError
            raise kind(str(payload.get("errorMessage")))
        return payload

    def ingest(self, request: IngestRequest) -> IngestResponse:
        """Run the ingest function on an API-style request."""
        return IngestResponse.model_validate(self.invoke("ingest", request.model_dump(mode="json")))

    def execution(self, arn: str) -> ExecutionState:
        """Where an execution is."""
        described = self._sfn.describe_execution(executionArn=arn)
        output = described.get("output")
        return ExecutionState(
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def states_entered(self, arn: str) -> list[str]:
        """Names of the states an execution entered, in order (from its event history)."""
        pages = self._sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        return [
            event["stateEnteredEventDetails"]["name"]
            for page in pages
            for event in page["events"]
            if "stateEnteredEventDetails" in event
        ]

    def stop(self, arn: str) -> None:
        """Stop an execution (the item being processed finishes its current task first)."""
        self._sfn.stop_execution(executionArn=arn, error="Interrupted", cause="stopped locally")

    def fire_due_schedules(self) -> str | None:
        """Run what the schedules hold due: tree-head publishing hourly, policy sync daily.

        moto stores the EventBridge rule but never fires it; this is its clock. Tree heads are
        published by invoking the ``audit_publish`` function (as its schedule does on AWS) before
        this returns. Returns the policy sync execution's ARN, or ``None`` when no sync was due.
        """
        marker = self.state_dir / "schedules.json"
        now = self._clock.now()
        last: dict[str, str] = json.loads(marker.read_text()) if marker.exists() else {}

        def due(schedule: str, every: timedelta) -> bool:
            previous = last.get(schedule)
            return previous is None or now - datetime.fromisoformat(previous) >= every

        name = f"local-{now:%Y%m%dT%H%M%S}"
        event = {
            "id": name,
            "source": "aws.events",
            "detail-type": "Scheduled Event",
            "time": now.isoformat(),
        }
        fired: dict[str, str] = {}
        if due("audit_publish", AUDIT_PUBLISH_EVERY):
            self.invoke("audit_publish", event)
            fired["audit_publish"] = now.isoformat()
        arn: str | None = None
        if due("policy_sync", POLICY_SYNC_EVERY):
            arn = self._sfn.start_execution(
                stateMachineArn=self.state_machine_arns["policy_sync"],
                name=name,
                input=json.dumps(event | {"resources": [self.schedule_arn]}),
            )["executionArn"]
            fired["policy_sync"] = now.isoformat()
        if fired:
            marker.write_text(json.dumps(last | fired))
        return arn
