"""State machines from the ASL files, the policy-sync schedule, the SES identity and the alarms."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_lambda as lambda_  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.config import default_stages  # noqa: E402
from infra.cdk.constructs.photo_function import log_retention  # noqa: E402
from infra.cdk.constructs.pipeline_state_machine import PipelineStateMachine  # noqa: E402

DEV = default_stages()["dev"]
MACHINES = {
    "pixellift-dev-photo-pipeline": REPO_ROOT / "statemachines" / "photo_pipeline.asl.json",
    "pixellift-dev-policy-sync": REPO_ROOT / "statemachines" / "policy_sync.asl.json",
}
Resources = dict[str, Any]


@pytest.fixture(scope="module")
def template() -> Template:
    app = cdk.App(context={"stages": "dev"})
    stage = build_app(app, nag=False)["dev"]
    return Template.from_stack(stage.pipeline)


def _of_type(template: Template, kind: str) -> Resources:
    return dict(template.find_resources(kind))


def _machine(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    machines = _of_type(template, "AWS::StepFunctions::StateMachine")
    (found,) = [(k, v) for k, v in machines.items() if v["Properties"]["StateMachineName"] == name]
    return found


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_state_machine_placeholders_equal_its_substitutions(template: Template, name: str) -> None:
    # GIVEN the ${...} placeholders written in the ASL file
    placeholders = set(re.findall(r"\$\{(\w+)\}", MACHINES[name].read_text(encoding="utf-8")))

    # WHEN the machine's DefinitionSubstitutions are read from the template
    _, machine = _machine(template, name)
    substitutions = machine["Properties"]["DefinitionSubstitutions"]

    # THEN the two sets are equal, and each names a function's Arn
    assert placeholders
    assert set(substitutions) == placeholders
    assert all(value["Fn::GetAtt"][1] == "Arn" for value in substitutions.values())


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_state_machine_runs_the_asl_file_unchanged(template: Template, name: str) -> None:
    # GIVEN / WHEN the definition in the template
    _, machine = _machine(template, name)

    # THEN it is the file's text, so the local runtime and AWS execute the same document
    assert machine["Properties"]["DefinitionString"] == MACHINES[name].read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_state_machine_logs_everything_and_traces(template: Template, name: str) -> None:
    # GIVEN / WHEN the machine's logging and tracing settings
    _, machine = _machine(template, name)
    props = machine["Properties"]

    # THEN it is Standard, logs at level ALL and is traced
    assert props["StateMachineType"] == "STANDARD"
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["TracingConfiguration"] == {"Enabled": True}


def test_schedule_fires_the_policy_sync_state_machine(template: Template) -> None:
    # GIVEN the policy-sync machine's logical id
    machine_id, _ = _machine(template, "pixellift-dev-policy-sync")

    # WHEN the EventBridge rule is read
    rules = _of_type(template, "AWS::Events::Rule").values()
    (rule,) = [r for r in rules if r["Properties"]["Targets"][0]["Arn"] == {"Ref": machine_id}]
    (target,) = rule["Properties"]["Targets"]

    # THEN it fires that machine on the configured schedule, with retries and a dead-letter queue
    assert rule["Properties"]["ScheduleExpression"] == DEV.policy_sync_schedule
    assert target["Arn"] == {"Ref": machine_id}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 3
    assert "DeadLetterConfig" in target


def test_ses_identity_verifies_the_sender_domain(template: Template) -> None:
    # GIVEN / WHEN the SES identity
    (identity,) = _of_type(template, "AWS::SES::EmailIdentity").values()

    # THEN it is the configured identity, a domain
    assert identity["Properties"]["EmailIdentity"] == DEV.sender_identity


def _alarms_on(template: Template, metric: str) -> list[dict[str, Any]]:
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    return [a["Properties"] for a in alarms if a["Properties"]["MetricName"] == metric]


def test_failed_executions_raise_an_alarm_per_machine(template: Template) -> None:
    # GIVEN the two machines
    ids = {_machine(template, name)[0] for name in MACHINES}

    # WHEN the alarms on ExecutionsFailed are read
    alarms = _alarms_on(template, "ExecutionsFailed")

    # THEN each machine has one, firing on the first failure
    watched = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms}
    assert watched == ids
    assert {a["Threshold"] for a in alarms} == {1}


def test_every_queue_has_a_depth_alarm(template: Template) -> None:
    # GIVEN every SQS queue of the stack (function and schedule dead-letter queues)
    queues = set(_of_type(template, "AWS::SQS::Queue"))

    # WHEN the alarms on visible messages are read
    alarms = _alarms_on(template, "ApproximateNumberOfMessagesVisible")

    # THEN every queue is watched, from its first message
    watched = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms}
    assert watched == queues
    assert {a["Threshold"] for a in alarms} == {1}


def test_every_function_has_an_error_alarm(template: Template) -> None:
    # GIVEN the pipeline functions (those built from the image)
    functions = {
        key
        for key, f in _of_type(template, "AWS::Lambda::Function").items()
        if f["Properties"].get("PackageType") == "Image"
    }

    # WHEN the alarms on Errors are read
    watched = {a["Dimensions"][0]["Value"]["Ref"] for a in _alarms_on(template, "Errors")}

    # THEN every function is watched
    assert watched == functions


def test_every_alarm_notifies_the_encrypted_alert_topic(template: Template) -> None:
    # GIVEN the alert topic
    ((topic_id, topic),) = _of_type(template, "AWS::SNS::Topic").items()

    # WHEN / THEN the topic is KMS-encrypted and every alarm notifies it
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


def test_state_machine_rejects_a_placeholder_without_a_function(tmp_path: Path) -> None:
    # GIVEN an ASL file using a placeholder no function provides
    asl = tmp_path / "machine.asl.json"
    asl.write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Task", "Resource": "${MissingFunctionArn}", "End": True}},
            }
        )
    )
    stack = cdk.Stack(cdk.App(), "Test")
    known = lambda_.Function.from_function_arn(
        stack, "Known", "arn:aws:lambda:us-east-1:123456789012:function:known"
    )

    # WHEN / THEN building the machine fails and names the placeholder
    with pytest.raises(
        ValueError, match=r"no function for placeholder\(s\) \['MissingFunctionArn'\]"
    ):
        PipelineStateMachine(
            stack,
            "Machine",
            definition_file=asl,
            functions={"KnownFunctionArn": known},
            state_machine_name="test",
            log_retention=log_retention(1),
            removal_policy=cdk.RemovalPolicy.DESTROY,
            timeout=cdk.Duration.minutes(5),
        )
