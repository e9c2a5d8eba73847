"""AuditPublishing: the tree-head publisher's signing key and its hourly EventBridge schedule.

The key is a Secrets Manager secret. CDK generates it as 32 random letters and digits, which the
publisher reads as a raw Ed25519 seed (about 190 bits of entropy), so heads are signed from the
first run. An operator who keeps the key elsewhere replaces the value with an unencrypted PKCS #8
PEM Ed25519 key *before* the first run: every published head is checked against the one current
key, so a key changed later fails the verification of the heads signed before it.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .alerts import ALARM_PERIOD, Alerts
from .photo_function import POWERTOOLS_NAMESPACE, PhotoFunction

KEY_SECRET_VARIABLE = "PIXELLIFT_AUDIT_KEY_SECRET"
FAILURES_METRIC = "AuditPublishFailures"
"""Workspaces whose log failed verification in a run (emitted by ``functions/audit_publish``)."""
SEED_LENGTH = 32


class AuditPublishing(Construct):
    """The signing key of the audit ledger and the schedule that fires its publisher.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    publisher
        The ``audit_publish`` function; it gets the secret's ARN in its environment (read access
        is granted with the rest of its access, see ``stacks/function_access.py``).
    schedule
        EventBridge schedule expression, e.g. ``rate(1 hour)``.
    description
        What the secret is, for operators (the stage's name in it): CloudFormation names the
        secret, so a stack deployed again after a deletion never collides with the kept one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        publisher: PhotoFunction,
        schedule: str,
        description: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=SEED_LENGTH, exclude_punctuation=True, include_space=False
            ),
            # Losing the key would leave no way to extend the signed history.
            removal_policy=RemovalPolicy.RETAIN,
        )
        publisher.function.add_environment(KEY_SECRET_VARIABLE, self.signing_key.secret_arn)
        CfnOutput(
            self,
            "SigningKeySecretArn",
            value=self.signing_key.secret_arn,
            description="Secret of the audit signing key (replace only before the first run)",
        )
        self.dead_letters = sqs.Queue(
            self,
            "ScheduleDeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="Fires the audit tree-head publisher (signs every grown audit log)",
            schedule=events.Schedule.expression(schedule),
            targets=[
                targets.LambdaFunction(
                    publisher.function,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=2,
                    max_event_age=Duration.hours(1),
                )
            ],
        )

    def add_alarms(self, alerts: Alerts) -> None:
        """Alarm on a failed scheduled event and on any log that no longer verifies."""
        alerts.queue_not_empty(
            "AuditPublishScheduleDeadLetters", self.dead_letters, "audit-publish schedule"
        )
        # A log that no longer verifies gets no new head; the publisher counts it in this metric.
        alerts.alarm(
            "AuditPublishFailures",
            cloudwatch.Metric(
                namespace=POWERTOOLS_NAMESPACE,
                metric_name=FAILURES_METRIC,
                dimensions_map={"service": "audit_publish"},
                period=ALARM_PERIOD,
                statistic="Sum",
            ),
            threshold=1,
            description="audit_publish: a workspace's audit log failed verification",
        )
