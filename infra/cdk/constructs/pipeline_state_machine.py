"""PipelineStateMachine: a Standard state machine built from an ASL file in ``statemachines/``.

The ASL stays the single source (the local runtime executes the very same file); CDK only fills its
``${...FunctionArn}`` placeholders through ``DefinitionSubstitutions``, one per placeholder found in
the file, and lets the machine invoke exactly those functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


def placeholders_in(definition: str) -> frozenset[str]:
    """Names of the ``${Name}`` placeholders in an ASL document.

    Examples
    --------
    >>> sorted(placeholders_in('{"Resource": "${ProcessFunctionArn}", "Next": "$.x"}'))
    ['ProcessFunctionArn']
    """
    return frozenset(_PLACEHOLDER.findall(definition))


class PipelineStateMachine(Construct):
    """A Step Functions state machine from an ASL file, with logging, tracing and invoke rights.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    definition_file
        The ASL (JSONPath) file.
    functions
        Placeholder name -> function, e.g. ``{"ProcessFunctionArn": process}``; must cover every
        placeholder of the file (extra entries are ignored).
    state_machine_name
        Physical name; fixed so that functions can start executions without a reference cycle.
    log_retention, removal_policy
        Retention and removal of the execution log group.
    timeout
        Longest an execution may run.

    Raises
    ------
    ValueError
        If the file is not JSON or uses a placeholder that ``functions`` does not provide.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition_file: Path,
        functions: Mapping[str, lambda_.IFunction],
        state_machine_name: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        definition = definition_file.read_text(encoding="utf-8")
        try:
            json.loads(definition)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{definition_file}: not valid JSON ({exc})") from exc
        self.placeholders = placeholders_in(definition)
        missing = sorted(self.placeholders - set(functions))
        if missing:
            raise ValueError(f"{definition_file.name}: no function for placeholder(s) {missing}")
        used = {name: functions[name] for name in sorted(self.placeholders)}
        self.log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"/aws/vendedlogs/states/{state_machine_name}",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition),
            definition_substitutions={name: fn.function_arn for name, fn in used.items()},
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL),
            timeout=timeout,
        )
        if used:
            # Exactly the functions named in the file, unqualified: no ``:*`` version wildcard.
            self.state_machine.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[fn.function_arn for fn in used.values()],
                )
            )
