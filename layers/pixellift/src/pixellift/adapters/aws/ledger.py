"""The ``Billing`` port on the DynamoDB ledger: a flat placeholder price per processed item.

Each debit is one conditional put keyed by its idempotency key, so it happens at most once
however often a task is retried or a batch re-run. The real price list replaces
``price_minor`` when billing lands; the pipeline only ever talks to :meth:`debit`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import conditional_put
from pixellift.adapters.aws.errors import translated
from pixellift.core.contracts.records import Charge, ChargeRequest
from pixellift.core.errors import ConcurrentUpdateError
from pixellift.core.ports import WallClock


class DynamoLedgerBilling:
    """Flat-price debits recorded in the ledger table.

    Parameters
    ----------
    tables
        The bound table models.
    price_minor
        Price of one processed item in minor units (cents).
    currency
        ISO 4217 currency of the price.
    clock
        Timestamps the entries.
    """

    def __init__(
        self, tables: Tables, *, price_minor: int, currency: str, clock: WallClock
    ) -> None:
        self._model = tables.ledger
        self._price = price_minor
        self._currency = currency
        self._clock = clock

    @property
    def currency(self) -> str:
        """Currency of every debit."""
        return self._currency

    def debit(self, request: ChargeRequest) -> Charge:
        """Charge the request's key once; a repeated key returns the stored charge."""
        charge = Charge(
            workspace_id=request.workspace_id,
            entry_id=request.idempotency_key,
            batch_id=request.batch_id,
            item_id=request.item_id,
            amount_minor=self._price,
            currency=self._currency,
            description=request.description,
            created_at=self._clock.now(),
        )
        row = self._model(
            charge.workspace_id,
            charge.entry_id,
            batch_id=charge.batch_id,
            item_id=charge.item_id,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            body=charge.model_dump_json(),
        )
        if conditional_put(row, self._model.entry_id.does_not_exist(), "ledger"):
            return charge
        stored = self.get(request.workspace_id, request.idempotency_key)
        if stored is None:
            msg = f"ledger entry {request.idempotency_key} exists but cannot be read yet"
            raise ConcurrentUpdateError(msg)
        return stored.model_copy(update={"created": False})

    def get(self, workspace_id: str, entry_id: str) -> Charge | None:
        """One ledger entry, or ``None``."""
        key = self._model.entry_id
        with translated(f"ledger {workspace_id}"):
            rows = list(self._model.query(workspace_id, key == entry_id, consistent_read=True))
        return Charge.model_validate_json(rows[0].body) if rows else None

    def entries(self, workspace_id: str) -> Iterator[Charge]:
        """Every entry of a workspace, by idempotency key."""
        with translated(f"ledger {workspace_id}"):
            for row in self._model.query(workspace_id, consistent_read=True):
                yield Charge.model_validate_json(row.body)
