"""cdk-nag acknowledgments: every accepted AwsSolutions finding of the app, each with its reason.

cdk-nag 3 matches one finding per acknowledgment (``AwsSolutions-IAM5[Resource::...]``), so a new
wildcard anywhere still fails synthesis until someone writes down why it is acceptable here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

from .stacks.function_access import AUDIT_HEADS_PREFIX, FUNCTION_ACCESS

if TYPE_CHECKING:
    from .stacks.endpoints_stack import EndpointsStack
    from .stacks.pipeline_stack import PipelineStack

XRAY = (
    "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions; "
    "tracing is on for every function."
)
STATE_MACHINE = (
    "X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) have no "
    "resource-level permissions; both are required for traced, fully logged executions."
)
OBJECTS = (
    "Object keys are made per workspace and batch at run time, so the resource is this one "
    "bucket's objects; the actions are object-level Get/Put only, never bucket administration."
)
SAGEMAKER_ACCOUNT_WIDE = (
    "ecr:GetAuthorizationToken has no resource-level permissions, and cloudwatch:PutMetricData "
    "is restricted by a cloudwatch:namespace condition instead of a resource."
)
ARTEFACTS = "The prefix holds only this model's artefacts (model.tar.gz); nothing else is readable."
ENDPOINT_LOGS = "The endpoint's own log group; the trailing wildcard covers its log streams."
NOTIFICATIONS = (
    "CDK's own singleton function that writes the drop bucket's notification configuration "
    "during deployment; aws-cdk-lib manages its role and runtime."
)
SCHEDULE_DLQ = (
    "This queue is the dead-letter queue of the policy-sync schedule target; a dead-letter queue "
    "needs none of its own."
)
AUDIT_HEADS = (
    "Tree heads are keyed per workspace and tree size at run time, so the resource is the audit "
    "bucket's tree-head prefix; Object Lock keeps every version, so a put can never erase one."
)
AUDIT_KEY_ROTATION = (
    "Every published tree head is checked against the one current signing key, so an automatic "
    "rotation would fail the verification of every head signed before it."
)
AUDIT_SCHEDULE_DLQ = (
    "This queue is the dead-letter queue of the audit-publish schedule target; a dead-letter "
    "queue needs none of its own."
)
WORKSPACE_PREFIXES = (
    "Workspace Walls: the wildcard is the objects under the caller's own workspace prefix, "
    "named by its session tag; every other key in the buckets is denied explicitly."
)
API_LOGS = (
    "Chalice names the API's functions at packaging time, so its log groups are matched by the "
    "/aws/lambda/ prefix of this account and region."
)


def arn_of(resource: IConstruct) -> str:
    """How cdk-nag prints the ``Arn`` attribute of ``resource`` inside a finding id."""
    element = resource.node.default_child
    if not isinstance(element, CfnElement):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource")
    return f"<{Stack.of(element).get_logical_id(element)}.Arn>"


def acknowledge(scope: IConstruct, findings: dict[str, str]) -> None:
    """Acknowledge AwsSolutions findings (id suffix -> reason) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=f"AwsSolutions-{rule}", reason=why) for rule, why in findings.items())
    )


def acknowledge_pipeline_findings(stack: PipelineStack) -> None:
    """Acknowledge the pipeline stack's accepted findings."""
    storage = stack.storage
    for name, fn in stack.functions.items():
        access = FUNCTION_ACCESS[name]
        findings = {"IAM5[Resource::*]": XRAY}
        for bucket, mode in (
            (storage.drop_bucket, access.drop),
            (storage.output_bucket, access.output),
        ):
            if mode:
                findings[f"IAM5[Resource::{arn_of(bucket)}/*]"] = OBJECTS
        if access.audit_heads:
            heads = f"{arn_of(storage.audit_bucket)}/{AUDIT_HEADS_PREFIX}/*"
            findings[f"IAM5[Resource::{heads}]"] = AUDIT_HEADS
        acknowledge(fn, findings)
    for machine in (stack.pipeline, stack.policy_sync):
        acknowledge(machine, {"IAM5[Resource::*]": STATE_MACHINE})
    acknowledge(stack.schedule_dead_letters, {"SQS3": SCHEDULE_DLQ})
    acknowledge(stack.audit.signing_key, {"SMG4": AUDIT_KEY_ROTATION})
    acknowledge(stack.audit.dead_letters, {"SQS3": AUDIT_SCHEDULE_DLQ})
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            acknowledge(
                child,
                {
                    "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole]": NOTIFICATIONS
                },
            )
    tagged = "<aws:PrincipalTag/workspace>"
    acknowledge(
        stack.workspace_walls,
        {
            f"IAM5[Resource::{arn_of(storage.drop_bucket)}/{tagged}/*]": WORKSPACE_PREFIXES,
            f"IAM5[Resource::{arn_of(storage.drop_bucket)}/api/{tagged}/*]": WORKSPACE_PREFIXES,
            f"IAM5[Resource::{arn_of(storage.output_bucket)}/{tagged}/*]": WORKSPACE_PREFIXES,
        },
    )
    if stack.api is not None:
        acknowledge(
            stack.api,
            {
                "IAM5[Resource::*]": XRAY,
                "IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                "log-group:/aws/lambda/*]": API_LOGS,
                f"IAM5[Resource::{arn_of(storage.drop_bucket)}/*]": OBJECTS,
                f"IAM5[Resource::{arn_of(storage.output_bucket)}/*]": OBJECTS,
            },
        )


def acknowledge_endpoint_findings(stack: EndpointsStack) -> None:
    """Acknowledge the endpoints stack's accepted findings."""
    for name, endpoint in stack.endpoints.items():
        acknowledge(
            endpoint,
            {
                "IAM5[Resource::*]": SAGEMAKER_ACCOUNT_WIDE,
                f"IAM5[Resource::{arn_of(stack.artefacts)}/models/{name}/*]": ARTEFACTS,
                "IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                f"log-group:/aws/sagemaker/Endpoints/{endpoint.endpoint_name}:*]": ENDPOINT_LOGS,
            },
        )
