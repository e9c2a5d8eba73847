"""Merchant API use cases for access and presets: per-workspace API keys, preset versions.

Keys are stored as SHA-256 digests only; a presented key is hashed and compared in constant time,
so neither the store nor the comparison reveals a key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Protocol

from pixellift.core.contracts.records import PresetVersion
from pixellift.core.errors import (
    IllegalTransitionError,
    InvalidPresetError,
    MissingConfigurationError,
    PresetNotFoundError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.ports import PresetRepository, WallClock, WorkspaceRepository


class ApiKeyStore(Protocol):
    """The SHA-256 digests (hex) of the API keys that open each workspace."""

    def digests(self, workspace_id: str) -> tuple[str, ...]:
        """Every key digest of the workspace (empty for none)."""
        ...


class DigestKeyStore:
    """``ApiKeyStore`` over a mapping of workspace ids to key digests.

    Examples
    --------
    >>> store = DigestKeyStore.from_json('{"acme": ["ab12"]}')
    >>> store.digests("acme"), store.digests("other")
    (('ab12',), ())
    """

    def __init__(self, digests: Mapping[str, tuple[str, ...]]) -> None:
        self._digests = dict(digests)

    @classmethod
    def from_json(cls, text: str) -> DigestKeyStore:
        """Parse ``{"workspace": ["<sha256 hex>", ...]}`` (empty text: no keys).

        Raises
        ------
        MissingConfigurationError
            The text is not such an object.
        """
        try:
            data = json.loads(text or "{}")
            if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
                raise TypeError("not an object of lists")
            return cls({str(ws): tuple(str(d) for d in digests) for ws, digests in data.items()})
        except (ValueError, TypeError) as exc:
            msg = f"API keys: expected a JSON object of digest lists ({exc})"
            raise MissingConfigurationError(msg) from exc

    def digests(self, workspace_id: str) -> tuple[str, ...]:
        """The workspace's key digests."""
        return self._digests.get(workspace_id, ())


def key_digest(api_key: str) -> str:
    """The stored form of an API key.

    Examples
    --------
    >>> key_digest("secret")[:16]
    '2bb80d537b1da3e3'
    """
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_opens(store: ApiKeyStore, workspace_id: str, api_key: str | None) -> bool:
    """Whether ``api_key`` is one of the workspace's keys (every digest is compared).

    Examples
    --------
    >>> class Store:
    ...     def digests(self, workspace_id: str) -> tuple[str, ...]:
    ...         return (key_digest("k1"),) if workspace_id == "acme" else ()
    >>> key_opens(Store(), "acme", "k1"), key_opens(Store(), "acme", "k2")
    (True, False)
    >>> key_opens(Store(), "other", "k1"), key_opens(Store(), "acme", None)
    (False, False)
    """
    presented = key_digest(api_key or "").encode()
    matched = False
    for digest in store.digests(workspace_id):
        matched |= hmac.compare_digest(presented, digest.lower().encode())
    return matched and bool(api_key)


def _preset_view(version: PresetVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.version,
        "created_at": version.created_at.isoformat(),
        "preset": version.body,
    }


def get_preset(
    workspace_id: str, name: str, presets: PresetRepository, version: str | None = None
) -> dict[str, Any]:
    """The workspace preset's highest version (or ``version``).

    Raises
    ------
    PresetNotFoundError
        The workspace has no such preset (or version).
    """
    found = presets.get(workspace_id, name, version)
    if found is None:
        msg = f"preset {name} does not exist in workspace {workspace_id}"
        raise PresetNotFoundError(msg)
    return _preset_view(found)


def put_preset(
    workspace_id: str,
    name: str,
    body: dict[str, Any],
    *,
    presets: PresetRepository,
    workspaces: WorkspaceRepository,
    clock: WallClock,
) -> dict[str, Any]:
    """Validate ``body`` as a :class:`Preset` named ``name`` and store it as a new version.

    Raises
    ------
    InvalidPresetError
        The body is not a valid preset, or names another preset.
    IllegalTransitionError
        That version exists already: versions are never overwritten.
    UnknownWorkspaceError
        No such workspace.
    """
    if workspaces.get(workspace_id) is None:
        msg = f"workspace {workspace_id} does not exist"
        raise UnknownWorkspaceError(msg)
    preset = Preset.model_validate(body)
    if preset.name != name:
        msg = f"name: the body names preset {preset.name!r}, the path {name!r}"
        raise InvalidPresetError(msg)
    version = PresetVersion(
        workspace_id=workspace_id,
        name=name,
        version=preset.version,
        body=preset.model_dump(mode="json"),
        created_at=clock.now(),
    )
    if not presets.add(version):
        msg = f"version: preset {name} {preset.version} exists already; raise the version"
        raise IllegalTransitionError(msg)
    return _preset_view(version)
