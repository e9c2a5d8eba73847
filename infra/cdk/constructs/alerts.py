"""Alerts: an encrypted SNS topic that CloudWatch alarms notify, and helpers to add alarms."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

ALARM_PERIOD = Duration.minutes(5)


class Alerts(Construct):
    """The alarm topic of one stack (optionally mailed to operators) and its alarms.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    email
        Address subscribed to the topic, if any.
    """

    def __init__(self, scope: Construct, construct_id: str, *, email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self, "TopicKey", enable_key_rotation=True, description="PixelLift alarm topic"
        )
        # CloudWatch publishes to the encrypted topic, so it needs the key (an AWS-managed SNS
        # key would not allow that).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(self, "Topic", master_key=self.key, enforce_ssl=True)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms: list[cloudwatch.Alarm] = []

    def alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        """Alarm when ``metric`` reaches ``threshold`` in one five-minute period."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def queue_not_empty(self, construct_id: str, queue: sqs.IQueue, what: str) -> cloudwatch.Alarm:
        """Alarm as soon as a dead-letter queue holds a message."""
        return self.alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(
                period=ALARM_PERIOD, statistic="Maximum"
            ),
            threshold=1,
            description=f"{what}: a failed event is waiting in the dead-letter queue",
        )
