"""``AuditStore`` on DynamoDB: append-only blocks of entries, keyed by their first leaf index.

Table layout (partition key ``workspace_id``, sort key ``event_id``, both strings, as CDK creates
the ``audit`` table):

- ``b#<first leaf index, 16 digits>``: a block of consecutive entries, written once with
  ``attribute_not_exists(event_id)``. A block starts where the previous one ended, so the first
  writer to put a block at that index wins and any other writer re-reads and moves on: every
  event gets its index exactly once, and a crash leaves no hole. ``entries`` holds each entry's
  canonical bytes (UTF-8 JSON, which never holds a raw newline, joined by newlines into one
  string: one attribute per block keeps reads cheap), ``leaves`` their leaf hashes (hex,
  concatenated).
- ``head``: the tree state (size, frontier nodes, last leaf hash, root), updated after each
  append only forwards (``size < :new``). It may lag behind the blocks; readers roll it forward,
  so appends stay ``O(log n)`` in hashing and read only the blocks written since.

Writes are single conditional ``PutItem`` calls of up to 100 entries (the batching the target of
1,000 events per second needs, without transactions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from pixellift.adapters.aws.errors import translated
from pixellift.core.audit.log import (
    Block,
    StoredEntry,
    TreeState,
    plan_block,
    roll_forward,
    split_blocks,
)
from pixellift.core.audit.merkle import HASH_SIZE
from pixellift.core.audit.taxonomy import check_event
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import ConcurrentUpdateError, InvalidAuditEventError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HEAD: Final = "head"
BLOCK_PREFIX: Final = "b#"
_LAST_BLOCK: Final = BLOCK_PREFIX + "9" * 16
MAX_ATTEMPTS: Final = 50
"""Lost races in a row before giving up (each lost race means another writer made progress)."""


def block_key(start: int) -> str:
    """Sort key of the block whose first entry has leaf index ``start``.

    Examples
    --------
    >>> block_key(42)
    'b#0000000000000042'
    """
    return f"{BLOCK_PREFIX}{start:016d}"


def _block(item: dict[str, Any]) -> Block:
    start = int(item["start"]["N"])
    datas = [text.encode("utf-8") for text in item["entries"]["S"].split("\n")]
    leaves = bytes.fromhex(item["leaves"]["S"])
    entries = tuple(
        StoredEntry(start + i, data, leaves[i * HASH_SIZE : (i + 1) * HASH_SIZE])
        for i, data in enumerate(datas)
    )
    return Block(start, entries)


class DynamoAuditStore:
    """Append-only audit log of every workspace in one DynamoDB table.

    Parameters
    ----------
    client
        A DynamoDB client.
    table
        The ``audit`` table's name.
    """

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table
        self._known: dict[str, TreeState] = {}

    def _blocks(self, workspace_id: str, first: str, *, consistent: bool = True) -> Iterator[Block]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="workspace_id = :w AND event_id BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":w": {"S": workspace_id},
                ":a": {"S": first},
                ":b": {"S": _LAST_BLOCK},
            },
            ConsistentRead=consistent,
        )
        with translated(f"audit log of {workspace_id}"):
            for page in pages:
                for item in page.get("Items", []):
                    yield _block(item)

    def _cached_state(self, workspace_id: str) -> TreeState:
        with translated(f"audit log of {workspace_id}"):
            item = self._client.get_item(
                TableName=self._table,
                Key={"workspace_id": {"S": workspace_id}, "event_id": {"S": HEAD}},
                ConsistentRead=True,
            ).get("Item")
        if item is None:
            return TreeState.empty()
        nodes = tuple(bytes.fromhex(value["S"]) for value in item["nodes"]["L"])
        return TreeState(int(item["size"]["N"]), nodes, bytes.fromhex(item["last_leaf"]["S"]))

    def _roll(self, workspace_id: str, state: TreeState) -> TreeState:
        return roll_forward(workspace_id, state, self._blocks(workspace_id, block_key(state.size)))

    def state(self, workspace_id: str) -> TreeState:
        """The tree state over every block written so far."""
        return self._roll(workspace_id, self._cached_state(workspace_id))

    def append(self, workspace_id: str, events: Sequence[AuditEvent]) -> TreeState:
        """Append ``events`` in order at the next free indexes; return the state after them."""
        for event in events:
            check_event(event)  # all of them before any is written
            if event.workspace_id != workspace_id:
                msg = f"{event.type}: an event of workspace {event.workspace_id} in {workspace_id}"
                raise InvalidAuditEventError(msg)
        # The last state this writer saw: right unless another writer appended since, in which
        # case the conditional put fails and the state rolls forward from there.
        state = self._known.get(workspace_id) or self.state(workspace_id)
        for group in split_blocks(events):
            state = self._put_block(workspace_id, state, group)
            self._known[workspace_id] = state
        self._save_state(workspace_id, state)
        return state

    def _put_block(
        self, workspace_id: str, state: TreeState, events: Sequence[AuditEvent]
    ) -> TreeState:
        for _ in range(MAX_ATTEMPTS):
            block, after = plan_block(state, events)
            item: dict[str, Any] = {
                "workspace_id": {"S": workspace_id},
                "event_id": {"S": block_key(block.start)},
                "start": {"N": str(block.start)},
                "count": {"N": str(len(block.entries))},
                "entries": {"S": "\n".join(e.data.decode("utf-8") for e in block.entries)},
                "leaves": {"S": b"".join(e.leaf for e in block.entries).hex()},
            }
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(event_id)",
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    with translated(f"audit log of {workspace_id}"):
                        raise
                state = self._roll(workspace_id, state)
                continue
            return after
        msg = f"audit log of {workspace_id}: lost {MAX_ATTEMPTS} appends in a row to other writers"
        raise ConcurrentUpdateError(msg)

    def _save_state(self, workspace_id: str, state: TreeState) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "workspace_id": {"S": workspace_id},
                    "event_id": {"S": HEAD},
                    "size": {"N": str(state.size)},
                    "nodes": {"L": [{"S": node.hex()} for node in state.nodes]},
                    "last_leaf": {"S": state.last_leaf.hex()},
                    "root": {"S": state.root.hex()},
                },
                ConditionExpression="attribute_not_exists(event_id) OR #size < :size",
                ExpressionAttributeNames={"#size": "size"},
                ExpressionAttributeValues={":size": {"N": str(state.size)}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                with translated(f"audit log of {workspace_id}"):
                    raise
            # Another writer already saved a later state: the head only moves forwards.

    def entries(self, workspace_id: str, start: int = 0) -> Iterator[StoredEntry]:
        """Entries from leaf ``start`` on, in index order, as stored."""
        first = block_key(0)
        if start > 0:
            with translated(f"audit log of {workspace_id}"):
                before = self._client.query(
                    TableName=self._table,
                    KeyConditionExpression="workspace_id = :w AND event_id BETWEEN :a AND :b",
                    ExpressionAttributeValues={
                        ":w": {"S": workspace_id},
                        ":a": {"S": block_key(0)},
                        ":b": {"S": block_key(start)},
                    },
                    ScanIndexForward=False,
                    Limit=1,
                    ConsistentRead=True,
                )["Items"]
            first = before[0]["event_id"]["S"] if before else first
        for block in self._blocks(workspace_id, first):
            for entry in block.entries:
                if entry.index >= start:
                    yield entry
