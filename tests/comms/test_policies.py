"""The pure rules: which consent a message needs, and which language it is written in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forecourt.comms.policies import consent_verdict, template_language
from forecourt.customer.schemas import ConsentRecord

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LANGUAGES = {"en", "de", "zh-CN"}


def _c(purpose: str, granted: bool, channel: str = "any", minutes: int = 0) -> ConsentRecord:
    at = T0 + timedelta(minutes=minutes)
    return ConsentRecord(channel=channel, purpose=purpose, granted=granted, source="t", at=at)  # type: ignore[arg-type]


def test_marketing_takes_the_newest_consent_on_the_channel_or_any() -> None:
    assert not consent_verdict("marketing", "email", []).allowed
    assert consent_verdict("marketing", "email", [_c("marketing", True)]).allowed
    assert not consent_verdict("marketing", "email", [_c("marketing", True, "sms")]).allowed
    withdrawn = [_c("marketing", True, "email"), _c("marketing", False, "any", minutes=1)]
    assert not consent_verdict("marketing", "email", withdrawn).allowed
    renewed = [*withdrawn, _c("marketing", True, "email", minutes=2)]
    assert consent_verdict("marketing", "email", renewed).allowed


def test_service_messages_go_unless_refused_and_ignore_marketing() -> None:
    assert consent_verdict("service", "email", []).allowed
    assert consent_verdict("service", "email", [_c("marketing", False)]).allowed
    assert not consent_verdict("service", "email", [_c("service", False, "email")]).allowed
    assert consent_verdict("service", "email", [_c("service", False, "sms")]).allowed


@pytest.mark.parametrize(
    ("market_languages", "expected"),
    [
        (["zh-CN"], "zh-CN"),
        (["de-DE"], "de"),
        (["de-AT"], "de"),
        (["sk-SK", "hu-SK"], "en"),
        (["nl-BE", "fr-BE", "de-BE"], "en"),  # the default language decides, not a later one
        ([], "en"),
    ],
)
def test_the_language_is_the_markets_default_or_english(
    market_languages: list[str], expected: str
) -> None:
    assert template_language(market_languages, LANGUAGES) == expected
