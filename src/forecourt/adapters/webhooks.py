"""Outbound webhook calls: one HTTP POST with the caller's headers, the outcome as a value.

Built on urllib.request from the standard library, so the runtime needs no HTTP client package
for one POST. Redirects are not followed: a partner's endpoint answers where it was registered.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

RESPONSE_EXCERPT = 500


@dataclass(frozen=True)
class WebhookResponse:
    """What came back: an HTTP status (None when no response arrived) and an error to keep."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender(Protocol):
    """Anything that POSTs a body to a URL and reports the outcome without raising."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> WebhookResponse: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None  # a 3xx then surfaces as an HTTPError: a failed delivery


@dataclass(frozen=True)
class HttpWebhookSender:
    """POSTs with urllib, a timeout, and no redirects."""

    timeout_s: float = 10.0

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> WebhookResponse:
        """POST `body` to `url`; any answer but 2xx, or no answer in time, is a failure."""
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout_s) as response:
                return WebhookResponse(status=int(response.status))
        except urllib.error.HTTPError as exc:
            return WebhookResponse(status=exc.code, error=f"HTTP {exc.code}: {_excerpt(exc)}")
        except (OSError, ValueError) as exc:  # refused, reset, timed out, unresolvable
            return WebhookResponse(status=None, error=f"{type(exc).__name__}: {exc}")


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
    except OSError:
        return exc.reason if isinstance(exc.reason, str) else ""
