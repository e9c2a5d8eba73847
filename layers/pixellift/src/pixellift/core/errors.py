"""Error taxonomy of the photo pipeline.

The class names are part of the state-machine contract: Step Functions matches Lambda errors by
exception class name, so ``Retry`` lists transient classes and ``Catch`` lists permanent ones.
Never classify an error by its message text.
"""

from __future__ import annotations

from typing import ClassVar


class PhotoPipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    retryable: ClassVar[bool] = False


class PermanentError(PhotoPipelineError):
    """Retrying cannot help: the input or the configuration is wrong."""


class TransientError(PhotoPipelineError):
    """A retry with backoff may succeed (a model endpoint, a throttled service)."""

    retryable = True


class ImageDecodeError(PermanentError):
    """An input file could not be decoded into an image.

    Parameters
    ----------
    name
        The file (or object key) the seller gave us.
    cause
        A short human-readable reason.
    """

    def __init__(self, name: str, cause: str) -> None:
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause


class EmptyImageError(ImageDecodeError):
    """The file holds no bytes."""


class CorruptImageError(ImageDecodeError):
    """The file claims an image format but its data is damaged or truncated."""


class UnsupportedImageFormatError(ImageDecodeError):
    """The file is not an image in a format we read."""


class DecompressionBombError(ImageDecodeError):
    """The image declares more pixels than the configured limit."""


class InvalidImageArrayError(PermanentError):
    """An image or mask array has the wrong shape or dtype for the operation."""


class ImageEncodeError(PermanentError):
    """The output could not be encoded within the preset's constraints."""


class FileSizeLimitError(ImageEncodeError):
    """No encoding setting brings the image under the preset's maximum file size."""


class InvalidPresetError(PermanentError):
    """A preset file or value is malformed."""


class PresetNotFoundError(PermanentError):
    """No preset has the requested name."""


class InvalidRulePackError(PermanentError):
    """A rule pack, or a layer resolved over it, is malformed or breaks a rule's limits."""


class RulePackNotFoundError(PermanentError):
    """No rule pack (or pack version) has the requested name."""


class ModelNotFoundError(PermanentError):
    """A model file is missing from the model cache."""


class ModelChecksumError(PermanentError):
    """A model file does not match its pinned checksum."""


class InvalidModelError(PermanentError):
    """A model file cannot be loaded or does not fit its declared input specification."""


class SubjectNotFoundError(PermanentError):
    """Segmentation found no product in the photo."""


class InvalidEventError(PermanentError):
    """An event or task payload does not match its contract."""


class UnknownWorkspaceError(PermanentError):
    """The request names a workspace that does not exist."""


class EmptyBatchError(PermanentError):
    """A batch request found no photos to process."""


class BatchTooLargeError(PermanentError):
    """A batch request holds more photos than one batch may."""


class RecordNotFoundError(PermanentError):
    """A stored record the step needs does not exist."""


class BatchNotFoundError(RecordNotFoundError):
    """No batch has the given id."""


class ItemNotFoundError(RecordNotFoundError):
    """No item has the given batch and item id."""


class ObjectNotFoundError(PermanentError):
    """No stored object has the given key."""


class IllegalTransitionError(PermanentError):
    """A step was asked to move a record to a state its current state does not allow."""


class MissingConfigurationError(PermanentError):
    """A setting the adapter needs is not configured."""


class StoreRequestError(PermanentError):
    """A storage or AWS service refused a request for a reason retrying cannot cure."""


class ConcurrentUpdateError(TransientError):
    """A conditional write lost a race with another writer; re-reading and retrying cures it."""


class StoreUnavailableError(TransientError):
    """A storage or AWS service call failed in a way a retry may cure (throttling, 5xx)."""


class ModelEndpointRequestError(PermanentError):
    """A model endpoint rejected a request for a reason retrying cannot cure."""


class ModelEndpointUnavailableError(TransientError):
    """A model endpoint did not answer in time or refused the request."""


# --- Text Guard ---------------------------------------------------------------------------------


# --- Exports ------------------------------------------------------------------------------------


# --- Billing ------------------------------------------------------------------------------------


# --- Governance ---------------------------------------------------------------------------------
