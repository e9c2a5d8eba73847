"""Workspace Walls in IAM: the S3 statements confine a principal to its workspace's prefixes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.constructs.workspace_walls import (  # noqa: E402
    TAGGED_WORKSPACE,
    workspace_wall_policy,
    workspace_wall_statements,
)

DROP, OUTPUT = "arn:aws:s3:::drop", "arn:aws:s3:::out"


def _by_sid(statements: list[iam.PolicyStatement]) -> dict[str, dict[str, Any]]:
    stack = cdk.Stack()
    return {s["Sid"]: s for s in (stack.resolve(st.to_statement_json()) for st in statements)}


def test_fixed_workspace_gets_only_its_own_prefixes() -> None:
    # GIVEN the statements for workspace acme
    by_sid = _by_sid(workspace_wall_statements(DROP, OUTPUT, "acme"))
    # THEN uploads, reads and listing are confined to acme's prefixes, and nothing is denied
    assert by_sid["UploadIntoOwnWorkspace"]["Resource"] == [
        "arn:aws:s3:::drop/acme/*",
        "arn:aws:s3:::drop/api/acme/*",
    ]
    assert by_sid["ReadOwnWorkspaceOutputs"]["Resource"] == "arn:aws:s3:::out/acme/*"
    assert by_sid["ListOnlyOwnWorkspace"]["Condition"] == {
        "StringLike": {"s3:prefix": ["acme/*", "api/acme/*"]}
    }
    assert "DenyWithoutWorkspaceTag" not in by_sid
    assert all(
        "*" not in r.split("/")[1] for s in by_sid.values() for r in _resources(s) if "/" in r
    )


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def test_tag_based_statements_use_the_principal_tag_and_deny_untagged_callers() -> None:
    # GIVEN the attribute-based statements
    by_sid = _by_sid(workspace_wall_statements(DROP, OUTPUT))
    # THEN every prefix is the principal's workspace tag, and an untagged caller is denied
    assert by_sid["ReadOwnWorkspaceOutputs"]["Resource"] == f"arn:aws:s3:::out/{TAGGED_WORKSPACE}/*"
    deny = by_sid["DenyWithoutWorkspaceTag"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Null": {"aws:PrincipalTag/workspace": "true"}}
    assert "arn:aws:s3:::out/*" in deny["Resource"]


@pytest.mark.parametrize("workspace", ["", "*", "acme/other"])
def test_a_workspace_that_could_widen_the_prefix_is_refused(workspace: str) -> None:
    with pytest.raises(ValueError, match="not a workspace id"):
        workspace_wall_statements(DROP, OUTPUT, workspace)


def test_managed_policy_attaches_to_roles_in_a_stack() -> None:
    # GIVEN a stack with a merchant upload role and the walls policy on two real buckets
    app = cdk.App()
    stack = cdk.Stack(app, "Walls")
    drop = s3.Bucket(stack, "Drop")
    out = s3.Bucket(stack, "Out")
    role = iam.Role(stack, "Merchant", assumed_by=iam.AccountRootPrincipal())
    workspace_wall_policy(stack, "Walls", drop.bucket_arn, out.bucket_arn, roles=[role])
    # WHEN synthesized
    template = Template.from_stack(stack)
    # THEN one managed policy with the four statements is attached to the role
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    [policy] = policies.values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Sid"] for s in statements] == [
        "UploadIntoOwnWorkspace",
        "ReadOwnWorkspaceOutputs",
        "ListOnlyOwnWorkspace",
        "DenyWithoutWorkspaceTag",
    ]
    cfn_role = role.node.default_child
    assert isinstance(cfn_role, cdk.CfnElement)
    assert policy["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(cfn_role)}]
