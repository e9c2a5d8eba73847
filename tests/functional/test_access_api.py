"""The merchant API's access: roles per key, workspace walls, key lifecycle and share links."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pixellift.core.access.api_keys import issue_key
from pixellift.core.access.model import Role
from pixellift.core.contracts.records import ItemRecord

from tests.functional.test_api_batches import Api, api, inline

__all__ = ["api"]


def _key(api: Api, ws: str, *roles: Role) -> str:
    services = api.client_services().access.keys
    return issue_key(ws, roles, actor="system:test", services=services).key


@pytest.fixture
def rival_batch(api: Api) -> str:
    """A batch of rival with one inline photo, and a published output."""
    status, created = api.call("POST", "/workspaces/rival/batches", inline("a.jpg"), key="rival")
    assert status == 201
    api.fakes.outputs.put(f"rival/{created['batch_id']}/a.jpg", b"x", content_type="image/jpeg")
    return str(created["batch_id"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/workspaces/rival/batches/{b}", None),
        ("GET", "/workspaces/rival/batches/{b}/items", None),
        ("GET", "/workspaces/rival/batches/{b}/outputs", None),
        ("POST", "/workspaces/rival/batches/{b}/start", None),
        ("POST", "/workspaces/rival/batches", inline("x.jpg")),
        ("GET", "/workspaces/rival/presets/amazon-main", None),
        ("GET", "/workspaces/rival/keys", None),
        ("POST", "/workspaces/rival/keys", {"roles": ["viewer"]}),
        (
            "POST",
            "/workspaces/rival/shares",
            {"kind": "Batch", "id": "{b}", "scopes": ["view"], "expires_in_seconds": 60},
        ),
        ("GET", "/workspaces/rival/batches/{b}/export/amazon", None),
        ("GET", "/workspaces/rival/credits", None),
    ],
    ids=[
        "batch",
        "items",
        "outputs",
        "start",
        "create",
        "preset",
        "list-keys",
        "issue-key",
        "share",
        "export",
        "credits",
    ],
)
def test_a_key_of_acme_reaches_nothing_of_rival(
    api: Api, rival_batch: str, method: str, path: str, body: object
) -> None:
    # GIVEN acme's owner key and a batch of rival
    if isinstance(body, dict) and body.get("id") == "{b}":
        body = body | {"id": rival_batch}
    # WHEN acme's key is used on rival's routes
    status, answer = api.call(method, path.format(b=rival_batch), body, key="acme")
    # THEN each is refused as another workspace's, nothing of rival leaks, and rival's log says so
    assert status == 403, answer
    assert answer["error"] == "Forbidden"
    assert rival_batch not in str(answer.get("items", ""))
    assert [(e.type, e.workspace_id, e.subject.get("home_workspace")) for e in api.audit.events][
        -1
    ] == (
        "access.denied_cross_workspace",
        "rival",
        "acme",
    )


def test_acme_cannot_reach_rivals_batch_through_its_own_workspace_path(
    api: Api, rival_batch: str
) -> None:
    # GIVEN rival's batch id
    # WHEN acme reads or starts it under /workspaces/acme
    read, _ = api.call("GET", f"/workspaces/acme/batches/{rival_batch}")
    start, _ = api.call("POST", f"/workspaces/acme/batches/{rival_batch}/start")
    export, _ = api.call("GET", f"/workspaces/acme/batches/{rival_batch}/export/amazon")
    share, _ = api.call(
        "POST",
        "/workspaces/acme/shares",
        {"kind": "Batch", "id": rival_batch, "scopes": ["view"], "expires_in_seconds": 60},
    )
    # THEN it does not exist there
    assert (read, start, share, export) == (404, 404, 404, 404)


SHARE_B1 = {"kind": "Batch", "id": "b-1", "scopes": ["view"], "expires_in_seconds": 60}


@pytest.mark.parametrize(
    ("role", "call", "allowed"),
    [
        (Role.VIEWER, ("GET", "/workspaces/acme/batches/b-1", None), True),
        (Role.VIEWER, ("POST", "/workspaces/acme/batches", inline("v.jpg")), False),
        (Role.CONTRIBUTOR, ("POST", "/workspaces/acme/batches", inline("c.jpg")), True),
        (Role.CONTRIBUTOR, ("GET", "/workspaces/acme/keys", None), False),
        (Role.FINANCE, ("GET", "/workspaces/acme/batches/b-1", None), False),
        (Role.ADMIN, ("GET", "/workspaces/acme/keys", None), True),
        (Role.PUBLISHER, ("POST", "/workspaces/acme/shares", SHARE_B1), True),
        (Role.REVIEWER, ("POST", "/workspaces/acme/shares", SHARE_B1), False),
    ],
)
def test_each_route_is_decided_by_the_keys_roles(
    api: Api, role: Role, call: tuple[str, str, object], allowed: bool
) -> None:
    # GIVEN acme's batch b-1 and a key of acme holding one role
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    key = _key(api, "acme", role)
    # WHEN the key calls the route
    method, path, body = call
    status, answer = api.call(method, path, body, key=key)
    # THEN the blueprint decides: 2xx when allowed, 403 naming the roles when not
    if allowed:
        assert status in {200, 201}, answer
    else:
        assert status == 403
        assert f"(roles: {role.value})" in answer["message"]


def test_presets_need_create_for_a_new_one_and_edit_for_a_new_version(api: Api) -> None:
    # GIVEN a contributor key and a reviewer key
    from tests.functional.test_api_presets import brand_preset

    contributor, reviewer = _key(api, "acme", Role.CONTRIBUTOR), _key(api, "acme", Role.REVIEWER)
    # WHEN the reviewer, then the contributor, store a preset
    refused, _ = api.call(
        "PUT", "/workspaces/acme/presets/brand-main", brand_preset(), key=reviewer
    )
    created, _ = api.call(
        "PUT", "/workspaces/acme/presets/brand-main", brand_preset(), key=contributor
    )
    read, _ = api.call("GET", "/workspaces/acme/presets/brand-main", key=reviewer)
    # THEN only the contributor may, and the reviewer may read it
    assert (refused, created, read) == (403, 201, 200)


def test_key_lifecycle_over_the_api(api: Api) -> None:
    # GIVEN acme's owner issues an admin key
    status, issued = api.call("POST", "/workspaces/acme/keys", {"roles": ["admin"], "name": "ci"})
    assert status == 201
    admin = issued["api_key"]
    # WHEN the admin lists keys, rotates its own key with no grace period, and uses both keys
    listed_status, listed = api.call("GET", "/workspaces/acme/keys", key=admin)
    rot_status, rotated = api.call(
        "POST", f"/workspaces/acme/keys/{issued['prefix']}/rotate", {"grace_seconds": 0}, key=admin
    )
    old_status, old_answer = api.call("GET", "/workspaces/acme/keys", key=admin)
    new_status, _ = api.call("GET", "/workspaces/acme/keys", key=rotated["api_key"])
    # THEN listing shows no secrets, the old key is refused as rotated and the new one works
    assert (listed_status, rot_status, old_status, new_status) == (200, 201, 401, 200)
    assert all("digest" not in k and "api_key" not in k for k in listed["keys"])
    assert "rotated" in old_answer["message"]
    # WHEN the owner revokes the new key
    revoked, _ = api.call("DELETE", f"/workspaces/acme/keys/{rotated['prefix']}")
    after, _ = api.call("GET", "/workspaces/acme/keys", key=rotated["api_key"])
    # THEN it is refused at once
    assert (revoked, after) == (200, 401)


def test_only_an_owner_issues_an_owner_key(api: Api) -> None:
    # GIVEN an admin key
    admin = _key(api, "acme", Role.ADMIN)
    # WHEN it asks for an owner key, and for a viewer key
    owner_status, answer = api.call(
        "POST", "/workspaces/acme/keys", {"roles": ["owner"]}, key=admin
    )
    viewer_status, _ = api.call("POST", "/workspaces/acme/keys", {"roles": ["viewer"]}, key=admin)
    # THEN only the viewer key is issued
    assert (owner_status, viewer_status) == (403, 201)
    assert "only an owner" in answer["message"]


def test_rival_cannot_revoke_acmes_key(api: Api) -> None:
    # GIVEN acme's key prefix
    prefix = api.keys["acme"].split("_")[2]
    # WHEN rival revokes it under its own workspace
    status, answer = api.call("DELETE", f"/workspaces/rival/keys/{prefix}", key="rival")
    # THEN it does not exist in rival, and acme's key still works
    assert status == 404
    assert answer["error"] == "ApiKeyNotFoundError"
    assert api.call("GET", "/workspaces/acme/keys")[0] == 200


def _share(api: Api, **extra: object) -> dict[str, Any]:
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg", "b.jpg"))
    body = {
        "kind": "Batch",
        "id": "b-1",
        "scopes": ["view", "annotate"],
        "expires_in_seconds": 3600,
    }
    status, created = api.call("POST", "/workspaces/acme/shares", body | extra)
    assert status == 201, created
    assert isinstance(created, dict)
    return created


def test_share_link_opens_without_a_key_and_shows_the_batch(api: Api) -> None:
    # GIVEN a share link to acme's batch
    created = _share(api)
    # WHEN it is opened with no API key
    status, opened = api.call("POST", "/shares/open", {"token": created["token"]}, key=None)
    # THEN it shows its scopes, the batch and its items, and the opening is audited
    assert status == 200
    assert opened["link"]["scopes"] == ["annotate", "view"]
    assert opened["batch"]["batch_id"] == "b-1"
    assert len(opened["items"]) == 0  # the batch is not started: no items yet
    assert api.audit.types()[-1] == "share.opened"


def test_share_link_with_password_expiry_and_revocation(api: Api) -> None:
    # GIVEN a password-protected link
    created = _share(api, password="hunter2")
    token = created["token"]
    # WHEN it is opened without, with a wrong and with the right password
    none, _ = api.call("POST", "/shares/open", {"token": token}, key=None)
    wrong, _ = api.call("POST", "/shares/open", {"token": token, "password": "x"}, key=None)
    right, _ = api.call("POST", "/shares/open", {"token": token, "password": "hunter2"}, key=None)
    assert (none, wrong, right) == (403, 403, 200)
    # WHEN rival tries to revoke it, then acme revokes it
    rival, _ = api.call("DELETE", f"/workspaces/rival/shares/{created['link_id']}", key="rival")
    revoked, _ = api.call("DELETE", f"/workspaces/acme/shares/{created['link_id']}")
    gone, answer = api.call(
        "POST", "/shares/open", {"token": token, "password": "hunter2"}, key=None
    )
    # THEN rival finds nothing, and the revoked link is gone
    assert (rival, revoked, gone) == (404, 200, 410)
    assert "revoked" in answer["message"]


def test_expired_and_tampered_share_tokens_are_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a one-hour link
    created = _share(api)
    token = str(created["token"])
    # WHEN its body is altered, and later when the hour has passed
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    forged, _ = api.call("POST", "/shares/open", {"token": tampered}, key=None)
    later = api.fakes.clock.now() + timedelta(hours=2)
    monkeypatch.setattr(api.fakes.clock, "now", lambda: later)
    expired, answer = api.call("POST", "/shares/open", {"token": token}, key=None)
    # THEN the forgery is refused and the expired link is gone
    assert forged == 403
    assert expired == 410
    assert "expired" in answer["message"]


def test_share_preview_is_a_watermarked_downscaled_copy_of_the_shared_output(api: Api) -> None:
    # GIVEN a share link to acme's batch b-1 whose item has a finished 1600x1200 output
    created = _share(api)
    photo = np.full((1200, 1600, 3), 255, np.uint8)
    photo[300:900, 400:1200] = (30, 60, 150)
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG", quality=95)
    api.fakes.outputs.put("objects/c-1.jpg", buf.getvalue(), content_type="image/jpeg")
    api.fakes.items.create(
        ItemRecord(
            workspace_id="acme",
            batch_id="b-1",
            item_id="i00000",
            name="a.jpg",
            stem="a",
            source_key="k",
            output_key="objects/c-1.jpg",
        )  # fmt: skip
    )
    # WHEN the link's holder asks for the item's preview (no API key), and for an unknown item
    status, preview = api.call(
        "POST", "/shares/preview", {"token": created["token"], "item_id": "i00000"}, key=None
    )
    missing, _ = api.call(
        "POST", "/shares/preview", {"token": created["token"], "item_id": "i00009"}, key=None
    )
    # THEN it is a 1024-px JPEG whose white backdrop now carries the mark, and the use is audited
    assert (status, missing) == (200, 404)
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(preview["data"]))).convert("L"))
    assert shown.shape == (768, 1024)
    backdrop = shown[:150]  # white in the output
    assert (backdrop < 200).mean() > 0.01
    assert api.audit.types()[-1] == "share.opened"
