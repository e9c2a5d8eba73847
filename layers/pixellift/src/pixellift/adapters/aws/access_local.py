"""The access tables on the local runtime: moto tables that persist under the state folder.

``pixellift access …`` and ``pixellift serve`` share one journal under
``<state dir>/access``: keys issued, roles granted and links made by the CLI are there when the
server starts (a server already running sees them after a restart). Audit events of the local
runtime go to the workspace's audit log, and the share-signing secret is made
once and kept in ``<state dir>/access/share-signing.key`` (readable by its owner only).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from moto import mock_aws
from moto.s3.models import S3Backend

from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.local.durable import DurableState

SIGNING_KEY_FILE: Final = "share-signing.key"


class NestedDurableState(DurableState):
    """A journal of tables only, attached on top of another journal (the runtime's).

    Both journals record each write to their own tables (moto's signatures are read at import,
    so wrapping a wrapped method is safe); objects are not kept here, so S3 is left as is.
    """

    def _wrap_put_object(self) -> Callable[..., Any]:
        return S3Backend.put_object


def access_dir(state_dir: Path) -> Path:
    """Where the access state lives."""
    return state_dir / "access"


def signing_key(state_dir: Path) -> str:
    """The local share-signing secret (hex), made on first use."""
    path = access_dir(state_dir) / SIGNING_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


@contextmanager
def attached_access_tables(
    state_dir: Path, names: AccessTableNames, region: str
) -> Iterator[AccessTables]:
    """Create the access tables in the running moto, restore them, and journal their writes."""
    tables = AccessTables.bound(names, region)
    tables.create_missing()
    root = access_dir(state_dir)
    durable = NestedDurableState(root, tables=names.all(), buckets=(), region=region)
    durable.restore()
    with durable.attached():
        yield tables


@contextmanager
def local_access_tables(
    state_dir: Path, names: AccessTableNames, region: str
) -> Iterator[AccessTables]:
    """The persisted access tables in a moto of their own (the CLI outside ``serve``)."""
    with mock_aws(), attached_access_tables(state_dir, names, region) as tables:
        yield tables
