"""The merchant API's preset routes and its OpenAPI document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pixellift.core.pipeline.presets import load_preset

from tests.functional.test_api_batches import API_DIR, Api, api, load_api

__all__ = ["api"]

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def brand_preset(version: str = "1.0.0") -> dict[str, Any]:
    """A valid preset named ``brand-main``, built from the shipped Amazon preset."""
    body = load_preset("amazon-main").model_dump(mode="json")
    return body | {"name": "brand-main", "version": version, "description": "Brand main image"}


def test_put_preset_stores_a_version_that_get_returns(api: Api) -> None:
    # GIVEN a valid preset stored as 1.0.0 and then 1.1.0
    api.call("PUT", "/workspaces/acme/presets/brand-main", brand_preset("1.0.0"))
    status, stored = api.call("PUT", "/workspaces/acme/presets/brand-main", brand_preset("1.1.0"))
    # WHEN it is read back
    _, latest = api.call("GET", "/workspaces/acme/presets/brand-main")
    _, first = api.call("GET", "/workspaces/acme/presets/brand-main?version=1.0.0")
    # THEN the highest version comes back by default and an older one on request
    assert status == 201
    assert stored["version"] == "1.1.0"
    assert (latest["version"], latest["preset"]["description"]) == ("1.1.0", "Brand main image")
    assert first["version"] == "1.0.0"


def test_put_preset_names_the_invalid_field(api: Api) -> None:
    # GIVEN a preset whose margin is out of range and whose size is missing
    body = brand_preset()
    body["framing"] = body["framing"] | {"margin": {"min_fraction": 7}}
    del body["size"]
    # WHEN it is stored
    status, answer = api.call("PUT", "/workspaces/acme/presets/brand-main", body)
    # THEN the answer is 400 naming each field
    assert status == 400
    assert "size" in {f["field"] for f in answer["fields"]}
    assert any(f["field"].startswith("framing.margin") for f in answer["fields"])


def test_put_preset_refuses_to_overwrite_a_version(api: Api) -> None:
    # GIVEN a stored 1.0.0
    api.call("PUT", "/workspaces/acme/presets/brand-main", brand_preset())
    # WHEN 1.0.0 is stored again
    status, answer = api.call("PUT", "/workspaces/acme/presets/brand-main", brand_preset())
    # THEN the answer is 409 asking for a new version
    assert status == 409
    assert answer["message"].startswith("version: preset brand-main 1.0.0 exists already")


def test_put_preset_refuses_a_body_naming_another_preset(api: Api) -> None:
    # GIVEN a body named brand-main
    # WHEN it is stored under another name
    status, answer = api.call("PUT", "/workspaces/acme/presets/other", brand_preset())
    # THEN the answer is 400 on the name and nothing is stored
    assert status == 400
    assert answer["error"] == "InvalidPresetError"
    assert api.fakes.presets.rows == {}


def test_get_preset_that_does_not_exist_is_404(api: Api) -> None:
    # GIVEN no presets
    # WHEN one is read
    status, answer = api.call("GET", "/workspaces/acme/presets/brand-main")
    # THEN the answer is 404 naming it
    assert status == 404
    assert answer["message"] == "preset brand-main does not exist in workspace acme"


def test_openapi_document_is_current() -> None:
    # GIVEN the checked-in document
    checked_in = json.loads(OPENAPI.read_text())
    # WHEN the document is generated from the app
    generated = load_api().openapi()
    # THEN they are the same (regenerate: python functions/api/app.py > docs/api/openapi.json)
    assert checked_in == generated


def test_openapi_documents_every_route_with_its_body() -> None:
    # GIVEN the app's routes
    module = load_api()
    routes = {(p, m.lower()) for p, methods in module.app.routes.items() for m in methods}
    # WHEN the document is generated
    paths = module.openapi()["paths"]
    # THEN every route has a summary, and POST /batches and PUT /presets document their bodies
    assert {(p, m) for p, ops in paths.items() for m in ops} == routes
    assert all(paths[p][m]["summary"] for p, m in routes)
    create = paths["/workspaces/{ws}/batches"]["post"]["requestBody"]
    put = paths["/workspaces/{ws}/presets/{name}"]["put"]["requestBody"]
    assert create["content"]["application/json"]["schema"]["$ref"].endswith("/CreateBatch")
    assert put["content"]["application/json"]["schema"]["$ref"].endswith("/Preset")


def test_api_app_does_not_load_the_imaging_stack() -> None:
    # GIVEN a fresh interpreter
    code = (
        f"import sys; sys.path.insert(0, {str(API_DIR)!r}); import app; "
        "print(sorted({'cv2', 'onnxruntime', 'pymatting', 'skimage'} & set(sys.modules)))"
    )
    # WHEN the API app is imported
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # THEN none of OpenCV, onnxruntime, pymatting or scikit-image was imported
    assert result.stdout.strip() == "[]"
