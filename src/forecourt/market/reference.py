"""The market reference data file: read, checked against GeoNames' country facts, ready to store."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from forecourt.kernel.errors import InvalidInput
from forecourt.market.cities import countries
from forecourt.market.schemas import MarketData


def read_data_file() -> str:
    """The text of the packaged `data/markets.toml`."""
    return (resources.files("forecourt.market") / "data" / "markets.toml").read_text("utf-8")


def load_markets(text: str) -> list[MarketData]:
    """Every market of the file, checked; a bad entry raises InvalidInput naming market and field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"markets file is not valid TOML: {exc}", field="file") from exc
    profiles: dict[str, dict[str, Any]] = raw.get("consent_profile", {})
    markets = [_market(entry, profiles) for entry in raw.get("market", [])]
    seen: set[str] = set()
    for market in markets:
        if market.code in seen:
            raise InvalidInput(
                f"market {market.code} is listed twice", market=market.code, field="code"
            )
        seen.add(market.code)
    return markets


def _market(entry: dict[str, Any], profiles: dict[str, dict[str, Any]]) -> MarketData:
    code = str(entry.get("code", "?"))
    fields = dict(entry)
    fields["consent_rules"] = _consent_rules(code, fields.pop("consent", {}), profiles)
    try:
        market = MarketData.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "market"
        raise InvalidInput(
            f"market {code}: {field}: {error['msg']}", market=code, field=field
        ) from exc
    _check_against_country(market)
    return market


def _consent_rules(
    code: str, consent: dict[str, Any], profiles: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The named profile's rules with the market's own overrides on top."""
    overrides = dict(consent)
    profile = overrides.pop("profile", None)
    if profile not in profiles:
        raise InvalidInput(
            f"market {code}: unknown consent profile {profile!r}", market=code, field="consent"
        )
    return {"profile": profile, **profiles[profile], **overrides}


def _check_against_country(market: MarketData) -> None:
    country = countries().get(market.code)
    if country is None:
        _reject(market, "code", "is not an ISO 3166-1 country code")
        return
    if market.currency != country["currencycode"]:
        _reject(market, "currency", f"{market.currency} is not the currency of {country['name']}")
    spoken = {tag.split("-")[0] for tag in str(country["languages"]).split(",")}
    if market.languages[0].split("-")[0] not in spoken:
        _reject(market, "languages", f"{market.languages[0]} is not spoken in {country['name']}")
    try:
        ZoneInfo(market.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _reject(market, "timezone", f"{market.timezone!r} is not an IANA time zone")


def _reject(market: MarketData, field: str, reason: str) -> None:
    raise InvalidInput(f"market {market.code}: {field} {reason}", market=market.code, field=field)
