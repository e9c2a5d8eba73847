"""Invitation tokens: ``pli_<workspace>_<invitation id>_<secret>``, stored as SHA-256 digests.

The workspace and the 16-hex-digit id find the stored invitation (so the lookup is scoped to the
token's own workspace); the digest of the whole token, which holds 256 random bits, is compared
in constant time. The token itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from pixellift.core.access.invitation_records import InvitationRecord, InvitationRepository
from pixellift.core.errors import InvalidInvitationError

TOKEN_PATTERN: Final = re.compile(
    r"^pli_([A-Za-z0-9.:@-]{1,200})_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$"
)


def token_digest(token: str) -> str:
    """The stored digest of a token.

    Examples
    --------
    >>> len(token_digest("pli_acme_0123456789abcdef_" + "a" * 43))
    64
    """
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str]:
    """The workspace and the invitation id of a well-formed token.

    Raises
    ------
    InvalidInvitationError
        The text is not an invitation token.

    Examples
    --------
    >>> parse_token("pli_acme_0123456789abcdef_" + "x" * 43)
    ('acme', '0123456789abcdef')
    >>> parse_token("plk_acme_0123456789ab_" + "x" * 43)
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidInvitationError: invitation token: not a PixelLift invitation ...
    """
    match = TOKEN_PATTERN.match(token.strip())
    if match is None:
        msg = "invitation token: not a PixelLift invitation (pli_<workspace>_<id>_<secret>)"
        raise InvalidInvitationError(msg)
    return match.group(1), match.group(2)


def find_by_token(token: str, invitations: InvitationRepository) -> InvitationRecord:
    """The stored invitation a token belongs to.

    Raises
    ------
    InvalidInvitationError
        Malformed, or no invitation of the token's workspace has this token.
    """
    workspace_id, invitation_id = parse_token(token)
    record = invitations.get(workspace_id, invitation_id)
    presented = token_digest(token.strip()).encode()
    stored = record.digest.encode() if record is not None else b"0" * 64
    if not hmac.compare_digest(presented, stored) or record is None:
        msg = f"invitation token: unknown invitation in workspace {workspace_id}"
        raise InvalidInvitationError(msg)
    return record
