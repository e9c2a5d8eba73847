"""Workspace Walls in IAM: S3 access confined to one workspace's prefixes.

Objects of a workspace live under ``<workspace>/`` in both buckets (and under
``api/<workspace>/`` in the drop bucket for API uploads). A principal that acts for one workspace
(a merchant's upload role, an SFTP user, a session federated with a ``workspace`` session tag)
gets the statements built here: object access only under its prefixes, listing only with a
prefix inside them, and an explicit deny of everything in the buckets when the workspace is not
known. The workspace is either fixed (a role per workspace) or the principal's tag (one role for
all, attribute-based: ``${aws:PrincipalTag/workspace}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import aws_iam as iam
from constructs import Construct

WORKSPACE_TAG: Final = "workspace"
TAGGED_WORKSPACE: Final = "${aws:PrincipalTag/" + WORKSPACE_TAG + "}"
"""IAM policy variable: the calling principal's ``workspace`` tag."""


def _prefixes(workspace: str) -> tuple[str, ...]:
    return (f"{workspace}/", f"api/{workspace}/")


def workspace_wall_statements(
    drop_bucket_arn: str, output_bucket_arn: str, workspace: str = TAGGED_WORKSPACE
) -> list[iam.PolicyStatement]:
    """The statements that keep a principal inside one workspace's S3 prefixes.

    Parameters
    ----------
    drop_bucket_arn, output_bucket_arn
        The buckets (tokens are fine).
    workspace
        A workspace id, or (the default) the principal's ``workspace`` tag.

    Returns
    -------
    list of iam.PolicyStatement
        Upload to the drop prefixes, read from the output prefix, list only within them, and
        deny all bucket access to a principal without a workspace tag.
    """
    if workspace != TAGGED_WORKSPACE and ("/" in workspace or "*" in workspace or not workspace):
        msg = f"workspace {workspace!r}: not a workspace id (no '/', no '*', not empty)"
        raise ValueError(msg)
    drop, output = _prefixes(workspace), (f"{workspace}/",)
    statements = [
        iam.PolicyStatement(
            sid="UploadIntoOwnWorkspace",
            actions=["s3:PutObject", "s3:AbortMultipartUpload"],
            resources=[f"{drop_bucket_arn}/{p}*" for p in drop],
        ),
        iam.PolicyStatement(
            sid="ReadOwnWorkspaceOutputs",
            actions=["s3:GetObject"],
            resources=[f"{output_bucket_arn}/{p}*" for p in output],
        ),
        iam.PolicyStatement(
            sid="ListOnlyOwnWorkspace",
            actions=["s3:ListBucket"],
            resources=[drop_bucket_arn, output_bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in drop]}},
        ),
    ]
    if workspace == TAGGED_WORKSPACE:
        statements.append(
            iam.PolicyStatement(
                sid="DenyWithoutWorkspaceTag",
                effect=iam.Effect.DENY,
                actions=["s3:*"],
                resources=[
                    drop_bucket_arn,
                    f"{drop_bucket_arn}/*",
                    output_bucket_arn,
                    f"{output_bucket_arn}/*",
                ],
                conditions={"Null": {f"aws:PrincipalTag/{WORKSPACE_TAG}": "true"}},
            )
        )
    return statements


def workspace_wall_policy(
    scope: Construct,
    construct_id: str,
    drop_bucket_arn: str,
    output_bucket_arn: str,
    roles: Sequence[iam.IRole] = (),
) -> iam.ManagedPolicy:
    """A managed policy of the tag-based statements, attached to ``roles``."""
    return iam.ManagedPolicy(
        scope,
        construct_id,
        description="PixelLift workspace walls: S3 access only under the principal's workspace",
        statements=workspace_wall_statements(drop_bucket_arn, output_bucket_arn),
        roles=list(roles),
    )
