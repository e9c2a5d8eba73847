"""The billing of the local runtime's persisted state, for the ``credits`` commands.

The ledger (in the ledger table) and the audit log live in moto, restored from and journaled to
``PIXELLIFT_STATE_DIR/runtime`` like the local runtime's own state, so ``pixellift run`` and
``pixellift credits`` see one balance. Run one of them at a time: both compact the journal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from moto import mock_aws
from openpyxl import Workbook  # type: ignore[import-untyped]

from pixellift.adapters.aws.audit_local import (
    audit_bucket,
    audit_table,
    create_audit_resources,
    ledger_services,
)
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.billing_moto import serializable_transactions
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.ledger import DynamoLedgerBilling, ledger_billing
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core.billing.usage import HEADER, UsageRow


@contextmanager
def local_billing(settings: Settings) -> Iterator[DynamoLedgerBilling]:
    """The ledger in the local runtime's persisted state, its movements audited."""
    tables = Tables.bound(settings.tables, settings.region)
    with mock_aws(), serializable_transactions():
        tables.create_missing()
        create_audit_resources(settings)
        durable = DurableState(
            settings.state_dir / "runtime",
            tables=[*(m.Meta.table_name for m in tables.all()), audit_table(settings)],
            buckets=[audit_bucket(settings)],
            region=settings.region,
        )
        durable.restore()
        with durable.attached():
            audit = LedgerAuditSink(ledger_services(settings, settings.workspace).store)
            yield ledger_billing(settings, tables, UtcClock(), audit)


def write_xlsx(rows: Iterable[UsageRow], out: Path, title: str) -> None:
    """Write usage rows to an XLSX workbook (one sheet, a header row, exact decimals)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31].replace("..", " to ")
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([getattr(row, name) for name in HEADER])
    book.save(out)
