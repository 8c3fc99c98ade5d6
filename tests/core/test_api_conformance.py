"""The OpenAPI description tells a schema-driven client the truth: schemathesis generates
requests from it (valid and invalid) against the portal served by gunicorn, and every answer is
documented — no server error, no undocumented status code or content type, every body matching
its schema."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.services import api_token_create
from tests.factories import UserFactory
from tests.workers import WebServer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,"
CHECKS += "response_schema_conformance"


def test_every_generated_request_gets_a_documented_answer(world, tmp_path):
    world.stock(world.laptop, 5)
    world.order((world.laptop, 2))  # a few real documents for the reads to return
    admin = UserFactory(username="schemathesis", is_staff=True, is_superuser=True)
    _, key = api_token_create(user=admin, name="conformance run")
    web = WebServer()
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                *("run", f"{web.url}/api/v1/openapi.json"),
                *("-H", f"Authorization: Bearer {key}"),
                *("--checks", CHECKS),
                *("--phases", "examples,coverage,fuzzing"),
                *("--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")),
                *("--seed", os.environ.get("SCHEMATHESIS_SEED", "20261202")),
                *("--request-timeout", "20", "--no-color"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
    finally:
        log = web.log()
        web.stop()

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout  # it did generate and send requests
    assert "Internal Server Error" not in log
