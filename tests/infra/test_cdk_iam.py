"""Least privilege in the dev pipeline stack: each function's role allows exactly its access."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.stacks.function_access import FUNCTION_ACCESS  # noqa: E402

Resources = dict[str, Any]
Statement = dict[str, Any]


@pytest.fixture(scope="module")
def template() -> Template:
    app = cdk.App(context={"stages": "dev"})
    stage = build_app(app, nag=False)["dev"]
    return Template.from_stack(stage.pipeline)


def _of_type(template: Template, kind: str) -> Resources:
    return dict(template.find_resources(kind))


def _role_of(template: Template, function: str) -> str:
    for resource in _of_type(template, "AWS::Lambda::Function").values():
        props = resource["Properties"]
        if props.get("ImageConfig", {}).get("Command") == [f"functions.{function}.handler.handler"]:
            role: str = props["Role"]["Fn::GetAtt"][0]
            return role
    raise AssertionError(f"no function {function}")


def _statements(template: Template, role: str) -> list[Statement]:
    found: list[Statement] = []
    for policy in _of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def _actions(statement: Statement) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _resources(statement: Statement) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def _table_ids(template: Template) -> dict[str, str]:
    tables = _of_type(template, "AWS::DynamoDB::Table")
    return {
        t["Properties"]["TableName"].removeprefix("pixellift-dev-").removesuffix("-v2"): k
        for k, t in tables.items()
    }


def _tables_with(template: Template, function: str, action: str) -> set[str]:
    names = {v: k for k, v in _table_ids(template).items()}
    found: set[str] = set()
    for statement in _statements(template, _role_of(template, function)):
        if action in _actions(statement):
            for resource in _resources(statement):
                if isinstance(resource, dict) and "Fn::GetAtt" in resource:
                    found.add(names[resource["Fn::GetAtt"][0]])
    return found


@pytest.mark.parametrize("function", sorted(FUNCTION_ACCESS))
def test_function_reads_and_writes_exactly_its_tables(template: Template, function: str) -> None:
    # GIVEN the declared access of the function
    access = FUNCTION_ACCESS[function]

    # WHEN the tables its role may read and write are collected
    readable = _tables_with(template, function, "dynamodb:GetItem")
    writable = _tables_with(template, function, "dynamodb:PutItem")

    # THEN they are the declared ones, no more
    assert readable == set(access.reads) | set(access.writes)
    assert writable == set(access.writes)


@pytest.mark.parametrize("function", sorted(FUNCTION_ACCESS))
def test_function_policy_has_no_wildcard_or_destructive_action(
    template: Template, function: str
) -> None:
    # GIVEN / WHEN every action the function's role allows
    actions = [a for s in _statements(template, _role_of(template, function)) for a in _actions(s)]

    # THEN none is a wildcard or a delete, and none a scan but the declared key-only one
    may_scan = FUNCTION_ACCESS[function].lists_workspaces
    assert actions
    assert not [a for a in actions if "*" in a or "Delete" in a]
    assert [a for a in actions if a.endswith(":Scan")] == (["dynamodb:Scan"] if may_scan else [])


@pytest.mark.parametrize("function", sorted(FUNCTION_ACCESS))
def test_only_xray_statements_name_every_resource(template: Template, function: str) -> None:
    # GIVEN / WHEN the function's statements whose resource is "*"
    statements = _statements(template, _role_of(template, function))
    unbounded = [sorted(_actions(s)) for s in statements if "*" in _resources(s)]

    # THEN they are X-Ray's (no resource-level permissions), which cdk-nag's acknowledgment covers
    assert unbounded == [["xray:PutTelemetryRecords", "xray:PutTraceSegments"]]


def test_function_roles_carry_no_managed_policies(template: Template) -> None:
    # GIVEN / WHEN the roles of the pipeline functions
    roles = _of_type(template, "AWS::IAM::Role")

    # THEN none has a managed policy (AWSLambdaBasicExecutionRole would write to any log group)
    for function in FUNCTION_ACCESS:
        assert "ManagedPolicyArns" not in roles[_role_of(template, function)]["Properties"]


def test_only_ingest_may_start_pipeline_executions(template: Template) -> None:
    # GIVEN / WHEN the functions whose role allows states:StartExecution
    starters = {
        f
        for f in FUNCTION_ACCESS
        for s in _statements(template, _role_of(template, f))
        if "states:StartExecution" in _actions(s)
    }

    # THEN it is ingest alone, on the photo pipeline only
    assert starters == {"ingest"}
    (statement,) = [
        s
        for s in _statements(template, _role_of(template, "ingest"))
        if "states:StartExecution" in _actions(s)
    ]
    assert json.dumps(statement["Resource"]).endswith(
        ':stateMachine:pixellift-dev-photo-pipeline"]]}'
    )


@pytest.mark.parametrize(
    ("function", "endpoints"),
    [
        ("process", {"pixellift-dev-segmentation", "pixellift-dev-matting"}),
        ("compliance_gate", {"pixellift-dev-ocr"}),
        ("billing", set()),
    ],
)
def test_function_invokes_only_the_endpoints_of_its_models(
    template: Template, function: str, endpoints: set[str]
) -> None:
    # GIVEN / WHEN the endpoint ARNs the function may invoke
    invoked = {
        json.dumps(r).rsplit("endpoint/", 1)[1].split('"')[0]
        for s in _statements(template, _role_of(template, function))
        if "sagemaker:InvokeEndpoint" in _actions(s)
        for r in _resources(s)
    }

    # THEN they are its models' endpoints
    assert invoked == endpoints


def test_state_machine_may_invoke_exactly_its_functions(template: Template) -> None:
    # GIVEN the photo pipeline machine and its substitutions
    machines = _of_type(template, "AWS::StepFunctions::StateMachine")
    (machine,) = [
        m
        for m in machines.values()
        if m["Properties"]["StateMachineName"] == "pixellift-dev-photo-pipeline"
    ]
    substituted = list(machine["Properties"]["DefinitionSubstitutions"].values())
    role = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]

    # WHEN the functions its role may invoke are collected
    invokable = [
        r
        for s in _statements(template, role)
        if "lambda:InvokeFunction" in _actions(s)
        for r in _resources(s)
    ]

    # THEN they are the substituted ARNs, unqualified (no ':*' version wildcard)
    assert sorted(map(json.dumps, invokable)) == sorted(map(json.dumps, substituted))


LOG_DELIVERY = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
}


def test_state_machine_roles_name_every_resource_only_for_traces_and_logs(
    template: Template,
) -> None:
    # GIVEN the roles of both state machines
    machines = _of_type(template, "AWS::StepFunctions::StateMachine").values()
    roles = [m["Properties"]["RoleArn"]["Fn::GetAtt"][0] for m in machines]

    # WHEN the actions of their statements on "*" are collected
    unbounded = {
        action
        for role in roles
        for s in _statements(template, role)
        if "*" in _resources(s)
        for action in _actions(s)
    }

    # THEN they are X-Ray's and CloudWatch Logs delivery's (no resource-level permissions)
    assert len(roles) == 2
    assert {a for a in unbounded if not a.startswith("xray:")} == LOG_DELIVERY
