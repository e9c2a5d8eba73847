"""The API's bulk-sheet export of a published batch: gate-passed images only, by SKU and role."""

from __future__ import annotations

from pixellift.core.access.api_keys import issue_key
from pixellift.core.access.model import Role
from pixellift.core.exports.bulk_csv import read_csv

from tests.functional.test_api_batches import Api, api, inline

__all__ = ["api"]


def _published(api: Api) -> str:
    """A batch of acme, published with two images of one SKU and one blocked image."""
    status, created = api.call("POST", "/workspaces/acme/batches", inline("MUG-1_main.jpg"))
    assert status == 201
    batch_id = str(created["batch_id"])
    batch = api.fakes.batches.get("acme", batch_id)
    assert batch is not None
    api.fakes.batches.replace(batch.model_copy(update={"manifest_key": "manifest.json"}))
    for name in ("MUG-1_main.jpg", "MUG-1_2.jpg", "blocked/TEE-2_main.jpg"):
        api.fakes.outputs.put(f"acme/{batch_id}/{name}", b"x", content_type="image/jpeg")
    steps = f"acme/{batch_id}/steps/MUG-1_main.steps.json"
    api.fakes.outputs.put(steps, b"{}", content_type="application/json")
    return batch_id


def test_export_fills_amazons_template_with_the_gate_passed_images(api: Api) -> None:
    # GIVEN a published batch
    batch_id = _published(api)

    # WHEN its Amazon sheet is asked for with a public base URL
    status, sheet = api.call(
        "GET", f"/workspaces/acme/batches/{batch_id}/export/amazon?base_url=https://cdn.example.com"
    )

    # THEN one row lists the SKU's main and other image by URL; the blocked image is absent
    assert status == 200, sheet
    (row,) = read_csv(sheet["csv"])
    base = f"https://cdn.example.com/acme/{batch_id}"
    assert row["main_image_url"] == f"{base}/MUG-1_main.jpg"
    assert row["other_image_url1"] == f"{base}/MUG-1_2.jpg"
    assert "TEE-2" not in sheet["csv"]
    assert sheet["ok"] is True


def test_export_refuses_an_unpublished_batch_an_unknown_template_and_a_viewer(api: Api) -> None:
    # GIVEN a batch not yet published, a published one and a viewer's key
    status, created = api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    assert status == 201
    published = _published(api)
    services = api.client_services().access.keys
    viewer = issue_key("acme", [Role.VIEWER], actor="system:test", services=services).key

    # WHEN each is exported
    early, _ = api.call("GET", f"/workspaces/acme/batches/{created['batch_id']}/export/amazon")
    unknown, why = api.call("GET", f"/workspaces/acme/batches/{published}/export/etsy")
    denied, _ = api.call("GET", f"/workspaces/acme/batches/{published}/export/amazon", key=viewer)

    # THEN not yet (409), a bad request naming the templates (400), and forbidden (403)
    assert (early, unknown, denied) == (409, 400, 403)
    assert "amazon, shopify, ebay, walmart, google" in why["message"]
