"""Event payloads that start work: S3 ``ObjectCreated`` notifications and EventBridge schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field


class _Event(BaseModel):
    # AWS adds fields over time; events are read leniently, our own payloads strictly.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class S3Bucket(_Event):
    """The bucket of an S3 event record."""

    name: str


class S3Object(_Event):
    """The object of an S3 event record; the key arrives URL-encoded."""

    key: str
    size: int = 0
    etag: str = Field("", alias="eTag")
    sequencer: str = ""

    @property
    def decoded_key(self) -> str:
        """The object key as stored (S3 notifications encode it like a form value).

        Examples
        --------
        >>> S3Object(key="ws/amazon/red+mug%281%29.jpg").decoded_key
        'ws/amazon/red mug(1).jpg'
        """
        return unquote_plus(self.key)


class S3Entity(_Event):
    """Bucket and object of an S3 event record."""

    bucket: S3Bucket
    object: S3Object


class S3EventRecord(_Event):
    """One record of an S3 notification."""

    event_source: Literal["aws:s3"] = Field(alias="eventSource")
    event_name: str = Field(alias="eventName")
    event_time: datetime | None = Field(None, alias="eventTime")
    s3: S3Entity


class S3Notification(_Event):
    """An S3 event notification (``ObjectCreated:*``) from the drop bucket."""

    records: Annotated[tuple[S3EventRecord, ...], Field(min_length=1)] = Field(alias="Records")


class ScheduledEvent(_Event):
    """An EventBridge ``Scheduled Event`` (the policy-sync schedule)."""

    id: str
    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    time: datetime
    resources: tuple[str, ...] = ()
