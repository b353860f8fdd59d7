from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.tokens import token_issue


def api_for(user, *, token: str | None = None) -> APIClient:
    """A client that calls the API as ``user`` with a real token (None: anonymous)."""
    client = APIClient()
    if user is not None:
        key = token or token_issue(user=user, name="tests")[1]
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api():
    return api_for
