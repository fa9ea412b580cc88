"""The webhook signature, as a partner's receiver checks it."""

from __future__ import annotations

import hashlib
import hmac

from forecourt.partner import signing

SECRET = "whsec_test_secret_0123456789"
BODY = b'{"id":"1","type":"lead.assigned"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature_header(SECRET, 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_a_genuine_fresh_request_verifies() -> None:
    header = signing.signature_header(SECRET, 1700000000, BODY)
    assert signing.verify(SECRET, header, BODY, now=1700000000 + 299)


def test_tampering_a_wrong_secret_or_a_stale_timestamp_fails() -> None:
    header = signing.signature_header(SECRET, 1700000000, BODY)
    assert not signing.verify(SECRET, header, BODY + b" ", now=1700000000)
    assert not signing.verify("whsec_another_secret_000", header, BODY, now=1700000000)
    assert not signing.verify(SECRET, header, BODY, now=1700000000 + 301)  # a replay, too late
    forged = header.replace("t=1700000000", "t=1700000100")  # a fresher stamp breaks the MAC
    assert not signing.verify(SECRET, forged, BODY, now=1700000100)
    assert not signing.verify(SECRET, "v1=abc", BODY, now=1700000000)
    assert not signing.verify(SECRET, "", BODY, now=1700000000)
