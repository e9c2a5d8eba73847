"""``pixellift credits`` on the local runtime's persisted state, as the pipeline sees it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pixellift.adapters.aws.audit_local import local_ledger
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.cli.credits_command import credits_app
from pixellift.core.audit.encoding import decode_entry
from pixellift.core.pipeline.autofix import FixServices
from typer.testing import CliRunner

from tests.fakes.photos import product_photo
from tests.integration.batches import run

SAMPLES = Path(__file__).parents[2] / "samples"
runner = CliRunner()


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh local state folder the commands (and the runtime) use."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIXELLIFT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PIXELLIFT_WORKSPACE", "acme")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return tmp_path / "state"


def credits(*args: str) -> Any:
    result = runner.invoke(credits_app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args or args[0] == "top-up" else {}


def test_top_ups_persist_and_a_retried_id_pays_once(state: Path) -> None:
    # WHEN 25.00 is topped up twice with the same id, then 5.00 with another, in separate runs
    credits("top-up", "25.00", "--id", "po-1")
    again = runner.invoke(credits_app, ["top-up", "25.00", "--id", "po-1"])
    credits("top-up", "5", "--id", "po-2")

    # THEN the balance, read back from the persisted state, counts each id once
    balance = credits("balance", "--json")
    assert "already recorded" in again.output
    assert isinstance(balance, dict)
    assert (balance["balance"], balance["available"], balance["held"]) == (
        "30.00 USD",
        "30.00 USD",
        "0.00 USD",
    )


def test_bad_amounts_are_refused_with_the_cause(state: Path) -> None:
    result = runner.invoke(credits_app, ["top-up", "1.005"])
    assert result.exit_code == 1 and "more than 2 decimals for USD" in result.output


def test_estimate_prices_the_sample_photos(state: Path) -> None:
    # GIVEN 1.00 available / WHEN the 8 sample photos are estimated for Amazon (text rules: OCR)
    credits("top-up", "1.00", "--id", "t")
    data = credits("estimate", str(SAMPLES), "--marketplace", "amazon", "--json")

    # THEN 8 × 0.05 at least, 8 × (0.05 + 0.008 OCR, rounded per photo to 0.06) at most
    assert isinstance(data, dict)
    assert (data["photos"], data["low"], data["high"]) == (8, "0.40 USD", "0.48 USD")
    assert data["covered"] is True


def test_caps_buckets_and_usage_export(state: Path, tmp_path: Path) -> None:
    # GIVEN a daily cap, and a client bucket funded with two lots
    credits("caps", "set", "--limit", "5", "--period", "daily", "--tz", "Europe/Berlin")
    caps = credits("caps", "show", "--json")
    credits("buckets", "create", "acme-eu", "--client", "ACME-EU", "--preset", "amazon-main")
    credits(
        "buckets", "fund", "acme-eu", "20", "--lot", "L1", "--po", "PO-7", "--expires", "2099-01-31"
    )
    credits("buckets", "fund", "acme-eu", "5", "--lot", "G1", "--granted")
    shown = credits("buckets", "show", "--json")

    # THEN the cap reads back and the bucket holds both lots
    assert isinstance(caps, list) and caps[0]["limit_minor"] == 500
    # AND every ledger movement and cap event is in the workspace's audit log (after the grant
    # that made the first operator of the memberless workspace its owner)
    settings = Settings.from_env({"HOME": str(state.parent), "PIXELLIFT_STATE_DIR": str(state)})
    with local_ledger(settings, "acme") as services:
        logged = [decode_entry(e.data).event["type"] for e in services.store.entries("acme")]
    assert sorted(logged) == [
        "access.role_granted",
        "billing.cap_set",
        "billing.credits_purchased",
        "billing.credits_purchased",
    ]
    assert isinstance(shown, list)
    assert shown[0]["balance"] == "25.00 USD"
    assert {lot["lot"]: lot["po"] for lot in shown[0]["lots"]} == {"L1": "PO-7", "G1": ""}

    # WHEN this month's usage is exported as CSV and XLSX
    month = datetime.now(UTC).strftime("%Y-%m")
    out_csv, out_xlsx = tmp_path / "usage.csv", tmp_path / "usage.xlsx"
    credits("usage", "export", "--period", month, "--out", str(out_csv))
    credits("usage", "export", "--period", month, "--format", "xlsx", "--out", str(out_xlsx))

    # THEN both carry the two fundings with their PO numbers and client codes
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [(r["kind"], r["amount"], r["po_number"], r["client_code"]) for r in rows] == [
        ("fund", "20.00", "PO-7", "ACME-EU"),
        ("fund", "5.00", "", "ACME-EU"),
    ]
    sheet = load_workbook(out_xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["at", "transfer_id", "kind"]
    assert sheet.max_row == 3


@pytest.mark.slow
def test_a_run_debits_the_balance_the_commands_show(state: Path) -> None:
    # GIVEN 1.00 topped up with the command
    credits("top-up", "1.00", "--id", "t-1")

    # WHEN the local runtime processes two photos (and the same batch is sent again)
    settings = Settings.from_env({"HOME": str(state.parent), "PIXELLIFT_STATE_DIR": str(state)})
    fast = FixServices(segmenter=None, clock=SystemClock())
    photos = {"a.jpg": product_photo(shade=40), "b.jpg": product_photo(shade=90)}
    with LocalRuntime(settings, fix=fast) as runtime:
        _, first = run(runtime, photos)
        again, _ = run(runtime, photos)

    # THEN the command shows 1.00 less two items, charged once
    balance = credits("balance", "--json")
    assert first.status == "SUCCEEDED" and again.execution_arn is None
    assert isinstance(balance, dict) and balance["balance"] == "0.90 USD"
    assert balance["open_holds"] == 0
