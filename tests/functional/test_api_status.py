"""The merchant API's status routes: a batch, its items and its outputs."""

from __future__ import annotations

from pixellift.core.contracts.records import BatchStatus, ItemStatus

from tests.functional.test_api_batches import Api, api, inline

__all__ = ["api"]


def test_get_batch_of_another_workspace_is_404(api: Api) -> None:
    # GIVEN acme's batch
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    # WHEN rival asks for it by id
    status, answer = api.call("GET", "/workspaces/rival/batches/b-1", key="rival")
    # THEN it does not exist for rival
    assert status == 404
    assert answer["error"] == "BatchNotFoundError"


def test_get_batch_reports_status_and_counts(api: Api) -> None:
    # GIVEN a started batch
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    api.call("POST", "/workspaces/acme/batches/b-1/start")
    # WHEN it is read
    status, batch = api.call("GET", "/workspaces/acme/batches/b-1")
    # THEN its status and size come back
    assert status == 200
    assert (batch["status"], batch["item_count"], batch["marketplace"]) == ("RUNNING", 1, "amazon")


def test_list_items_reports_each_items_status(api: Api) -> None:
    # GIVEN a started batch whose first item failed
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg", "b.jpg"))
    api.call("POST", "/workspaces/acme/batches/b-1/start")
    first = api.fakes.items.rows[("acme", "b-1", "i00000")]
    failed = {"status": ItemStatus.FAILED, "error_kind": "SubjectNotFoundError"}
    api.fakes.items.rows[("acme", "b-1", "i00000")] = first.model_copy(update=failed)
    # WHEN the items are listed
    status, answer = api.call("GET", "/workspaces/acme/batches/b-1/items")
    # THEN each item's status and error come back in order
    assert status == 200
    assert [(i["name"], i["status"], i["error_kind"]) for i in answer["items"]] == [
        ("a.jpg", "FAILED", "SubjectNotFoundError"),
        ("b.jpg", "PENDING", None),
    ]


def test_list_outputs_gives_published_files_manifest_and_report(api: Api) -> None:
    # GIVEN a batch that was published
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    batch = api.fakes.batches.rows[("acme", "b-1")]
    published = {"manifest_key": "acme/b-1/manifest.json", "status": BatchStatus.COMPLETED}
    api.fakes.batches.rows[("acme", "b-1")] = batch.model_copy(update=published)
    for key in ("acme/b-1/a.jpg", "acme/b-1/manifest.json", "acme/b-1/report.csv"):
        api.fakes.outputs.put(key, b"data", content_type="application/octet-stream")
    # WHEN the outputs are listed
    status, answer = api.call("GET", "/workspaces/acme/batches/b-1/outputs")
    # THEN every file and the manifest and report keys come back
    assert status == 200
    assert [f["key"] for f in answer["files"]] == [
        "acme/b-1/a.jpg",
        "acme/b-1/manifest.json",
        "acme/b-1/report.csv",
    ]
    assert (answer["manifest_key"], answer["report_key"]) == (
        "acme/b-1/manifest.json",
        "acme/b-1/report.csv",
    )
