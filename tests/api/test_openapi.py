"""The OpenAPI schema: current in docs/openapi.yaml, served, and readable offline."""

from __future__ import annotations

import asyncio
import importlib.util
import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from workbench.paths import PROJECT_ROOT

COMMITTED = PROJECT_ROOT / "docs" / "openapi.yaml"
# Waits until Swagger UI has drawn one block per operation, or 20 s pass.
PROBE = """new Promise(resolve => {
  const started = Date.now();
  (function check() {
    const blocks = document.querySelectorAll('.swagger-ui .opblock').length;
    if (blocks >= %d || Date.now() - started > 20000) {
      resolve({blocks, title: (document.querySelector('.swagger-ui .title') || {}).textContent});
    } else { setTimeout(check, 100); }
  })();
})"""


def generate() -> str:
    out = io.StringIO()
    # --fail-on-warn: a warning (an unresolved type, an unknown authenticator) is a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return out.getvalue()


def operations(schema: dict) -> int:
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in schema["paths"].values() for m in item if m in methods)


def test_committed_schema_is_current_and_generates_without_warnings():
    fresh = generate()
    assert COMMITTED.exists(), "docs/openapi.yaml is missing: run `make openapi`"
    assert COMMITTED.read_text() == fresh, "docs/openapi.yaml is stale: run `make openapi`"


def test_every_endpoint_is_documented_with_its_parameters_and_bearer_auth():
    schema = yaml.safe_load(COMMITTED.read_text())
    paths = set(schema["paths"])
    assert {
        "/api/jobs/",
        "/api/jobs/{job_id}/",
        "/api/jobs/{job_id}/applications/",
        "/api/applications/",
        "/api/users/",
        "/api/users/{user_id}/",
        "/api/users/{user_id}/reviews/",
        "/api/reviews/",
        "/api/saved-jobs/",
        "/api/payments/",
        "/api/wallet/",
        "/api/token/",
    } <= paths
    jobs = schema["paths"]["/api/jobs/"]
    assert {p["name"] for p in jobs["get"]["parameters"]} == {
        "page",
        "page_size",
        "status",
        "industry",
    }
    assert jobs["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/JobInputRequest"
    )
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_schema_is_served(client, db):
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Marketplace API"


def _check_html():
    spec = importlib.util.spec_from_file_location(
        "check_html", PROJECT_ROOT / "bench" / "check_html.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _render(check_html, browser: str, url: str, expected: int) -> dict:
    async with check_html.devtools(browser, block=False) as tools:
        await tools.call("Page.navigate", url=url)
        await tools.wait_for("Page.loadEventFired", timeout=60)
        probe = await tools.call(
            "Runtime.evaluate",
            expression=PROBE % expected,
            awaitPromise=True,
            returnByValue=True,
            timeout=40,
        )
        requests = [
            e["params"]["request"]["url"]
            for e in tools.events
            if e.get("method") == "Network.requestWillBeSent"
        ]
        errors = [e for e in tools.events if e.get("method") == "Runtime.exceptionThrown"]
        return {"value": probe["result"].get("value") or {}, "requests": requests, "errors": errors}


def test_swagger_ui_renders_offline_in_headless_chromium(live_server):
    check_html = _check_html()
    browser = check_html.find_browser()
    if browser is None:
        pytest.skip("chromium not found (Debian: apt-get install chromium; .ci/run installs it)")
    expected = operations(yaml.safe_load(COMMITTED.read_text()))
    found = asyncio.run(_render(check_html, browser, f"{live_server.url}/api/docs/", expected))
    assert found["value"]["blocks"] == expected, found["value"]
    assert "Marketplace API" in found["value"]["title"]
    assert [u for u in found["requests"] if check_html.external(u)] == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in u for u in found["requests"])
    assert found["errors"] == []
