"""Error taxonomy of the photo pipeline.

The class names are part of the state-machine contract: Step Functions matches Lambda errors by
exception class name, so ``Retry`` lists transient classes and ``Catch`` lists permanent ones.
Never classify an error by its message text.
"""

from __future__ import annotations

from typing import Any, ClassVar


def _rebuilt(cls: type[PhotoPipelineError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class PhotoPipelineError(Exception):
    """Base of every error the pipeline raises on purpose.

    Errors survive pickling whatever their constructor's parameters (a worker process hands its
    handler's error back to the runtime), with their message and attributes.
    """

    retryable: ClassVar[bool] = False

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


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


class GuardInputError(PermanentError):
    """A photo or product alpha handed to the Text Guard has the wrong shape or type."""


class GuardProfileError(PermanentError):
    """A Text Guard policy profile is malformed, or a marketplace, role or preset is unknown."""


# --- Exports ------------------------------------------------------------------------------------


class InvalidManifestError(PermanentError):
    """A QuickSet manifest cannot be read (not JSON, wrong version, missing fields)."""


class InvalidNameTemplateError(PermanentError):
    """A file-name or folder template uses an unknown token or renders an empty name."""


class InvalidExportNameError(PermanentError):
    """A file name breaks a marketplace's naming convention (the message says what is wrong)."""


class UnknownChannelError(PermanentError):
    """A QuickSet names a sales channel PixelLift has no preset and rule pack for."""


class InvalidMappingProfileError(PermanentError):
    """An AutoMap profile is malformed, of an unknown version, or has a broken pattern."""


class InvalidVariantWeightsError(PermanentError):
    """A/B traffic weights do not total 100; ``suggestion`` holds a normalised split if one is near.

    Parameters
    ----------
    message
        What is wrong with the weights.
    suggestion
        The one-step normalisation offered for a near miss, or ``None``.
    """

    def __init__(self, message: str, suggestion: tuple[int, ...] | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


class InvalidVariantSpecError(PermanentError):
    """An A/B variant request cannot be met within the channel's rules."""


class BulkTemplateError(PermanentError):
    """A marketplace bulk template, URL base or listing cannot be built as asked."""


class XmpMetadataError(PermanentError):
    """Compliance metadata cannot be embedded in, or read from, an image file."""


class ExportDestinationError(PermanentError):
    """The export destination (folder, ZIP or bucket prefix) refused or cannot take the files."""


# --- Billing ------------------------------------------------------------------------------------
class InvalidAmountError(PermanentError):
    """An amount that is not a whole number of minor units, negative, or in an unknown currency."""


class CurrencyMismatchError(PermanentError):
    """Two currencies met in one sum, transfer or account."""


class AccountNotFoundError(PermanentError):
    """A ledger account that was never opened."""


class InsufficientCreditsError(PermanentError):
    """A debit or hold larger than the account's balance plus its allowance."""


class HoldNotPendingError(PermanentError):
    """A post or void of a hold that does not exist or was resolved already."""


class IdempotencyConflictError(PermanentError):
    """A transfer id used again for a different transfer."""


class InvalidPriceTableError(PermanentError):
    """A price table that does not validate, or an operation or plan it does not price."""


class InvalidCapError(PermanentError):
    """A spend cap that does not validate (thresholds, limit, time zone)."""


class CapReachedError(PermanentError):
    """A hard spend cap refuses a new batch or charge; the message names the cap."""


class InvalidBucketError(PermanentError):
    """A client bucket or funding lot that does not exist or does not validate."""


class LedgerContentionError(TransientError):
    """A ledger write kept losing races with other writers; retry later."""


# --- Governance ---------------------------------------------------------------------------------


class InvalidInvitationError(PermanentError):
    """An invitation is malformed (invitee, role, lifetime), or a token is malformed or unknown."""


class InvitationExpiredError(InvalidInvitationError):
    """An invitation token was presented after its expiry time."""


class InvitationRevokedError(InvalidInvitationError):
    """An invitation token was presented after the invitation was revoked."""


class InvitationUsedError(InvalidInvitationError):
    """An invitation token was presented again after it had been accepted (single use)."""


class InvitationWorkspaceError(InvalidInvitationError):
    """An invitation token of one workspace was presented for another."""


class InvitationRecipientError(InvalidInvitationError):
    """An invitation addressed to one user was presented by another."""


class InvitationNotFoundError(RecordNotFoundError):
    """No invitation of the workspace has the given id."""


class UnknownSigningKeyError(PermanentError):
    """A signed tree head names a key id that the workspace's keyring does not hold."""


class RetiredSigningKeyError(PermanentError):
    """A signed tree head was signed by a key outside its validity period (after retirement)."""


class AccessDeniedError(PermanentError):
    """The role blueprints do not allow the principal this action on this resource."""


class CrossWorkspaceAccessError(AccessDeniedError):
    """A principal reached for a resource of a workspace it holds no role in (a wall)."""


class InvalidAccessRequestError(PermanentError):
    """An access request is malformed: an action on a kind of resource it does not apply to."""


class InvalidBlueprintError(PermanentError):
    """A role blueprint version is missing, does not parse or does not validate."""


class InvalidApiKeyError(PermanentError):
    """A presented API key is malformed, unknown, revoked or past its rotation grace period."""


class ApiKeyNotFoundError(RecordNotFoundError):
    """No API key of the workspace has the given prefix."""


class InvalidShareLinkError(PermanentError):
    """A share token is malformed or its signature does not match (tampered or foreign)."""


class ShareLinkExpiredError(InvalidShareLinkError):
    """A share link is past its expiry time."""


class ShareLinkRevokedError(InvalidShareLinkError):
    """A share link was revoked."""


class SharePasswordError(InvalidShareLinkError):
    """A share link needs a password and none, or a wrong one, was given."""


class ShareLinkNotFoundError(RecordNotFoundError):
    """No share link of the workspace has the given id."""


class InvalidAuditEventError(PermanentError):
    """An audit event breaks the event taxonomy or cannot be encoded canonically."""


class UnknownAuditEventTypeError(InvalidAuditEventError):
    """An audit event's type is not in its taxonomy version."""


class AuditLogBrokenError(PermanentError):
    """A workspace's audit log fails verification.

    Parameters
    ----------
    workspace
        The workspace whose log was verified.
    index
        Leaf index of the first broken entry (the tree size when only the tail is missing).
    cause
        What was found wrong there.
    """

    def __init__(self, workspace: str, index: int, cause: str) -> None:
        super().__init__(f"{workspace}: entry {index}: {cause}")
        self.workspace = workspace
        self.index = index
        self.cause = cause


class InvalidProofError(PermanentError):
    """An inclusion or consistency proof does not verify against its tree head."""


class InvalidTreeHeadSignatureError(PermanentError):
    """A signed tree head's signature does not verify with the workspace's public key."""
