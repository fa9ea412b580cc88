"""The dealer network's reference data file: read and checked, cities not yet looked up."""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from importlib import resources
from typing import Any

from pydantic import ValidationError

from forecourt.dealer import holiday_trading
from forecourt.dealer.models import BRAND
from forecourt.dealer.policies import OpeningHours, check_opening_hours
from forecourt.dealer.schemas import DealerData, MarketRoutingData
from forecourt.kernel.errors import DomainError, InvalidInput


def read_data_file() -> str:
    """The text of the packaged `data/dealers.toml`."""
    return (resources.files("forecourt.dealer") / "data" / "dealers.toml").read_text("utf-8")


def load_dealers(text: str, markets: Collection[str]) -> list[tuple[DealerData, OpeningHours]]:
    """Each dealer of the file with its opening hours, in one of `markets`, its subdivision and
    holiday names checked against its country; InvalidInput names the dealer and field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"dealers file is not valid TOML: {exc}", field="file") from exc
    profiles: dict[str, Any] = raw.get("hours", {})
    dealers = [_dealer(entry, profiles, markets) for entry in raw.get("dealer", [])]
    codes = [data.code for data, _ in dealers]
    duplicate = next((code for code in codes if codes.count(code) > 1), None)
    if duplicate:
        raise InvalidInput(f"dealer {duplicate} is listed twice", dealer=duplicate, field="code")
    return dealers


def load_market_routing(text: str, markets: set[str]) -> dict[str, MarketRoutingData]:
    """The routing settings the file gives per market (`[routing.CN]`), holiday names checked
    against the market's country and its subdivisions; InvalidInput names the market and
    field."""
    raw: dict[str, Any] = tomllib.loads(text).get("routing", {})
    return {code: _market_routing(code, entry, markets) for code, entry in raw.items()}


def _market_routing(code: str, entry: Any, markets: set[str]) -> MarketRoutingData:
    if code not in markets:
        raise InvalidInput(f"routing: no market {code}", market=code, field="market")
    try:
        data = MarketRoutingData.model_validate(entry)
        trading = holiday_trading.checked(
            code, data.open_on_holidays, subdivisions=holiday_trading.subdivision_codes(code)
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "routing"
        message = f"routing.{code}: {field}: {error['msg']}"
        raise InvalidInput(message, market=code, field=field) from exc
    except InvalidInput as exc:
        raise InvalidInput(f"routing.{code}: {exc.message}", market=code, **exc.details) from exc
    return data.model_copy(update={"open_on_holidays": trading})


def _dealer(
    entry: dict[str, Any], profiles: dict[str, Any], markets: Collection[str]
) -> tuple[DealerData, OpeningHours]:
    code = str(entry.get("code", "?"))
    try:
        data = DealerData.model_validate(entry)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "dealer"
        raise _invalid(code, field, error["msg"]) from exc
    if data.market not in markets:
        raise _invalid(code, "market", f"no market {data.market}")
    if data.hours not in profiles:
        raise _invalid(code, "hours", f"no opening-hours profile {data.hours!r}")
    try:
        hours = check_opening_hours(profiles[data.hours])
    except DomainError as exc:
        raise _invalid(code, "hours", exc.message) from exc
    update = {"brands": _brands(data), **_holidays(data)}
    return data.model_copy(update=update), hours


def _holidays(data: DealerData) -> dict[str, Any]:
    """The dealer's subdivision and the holidays it trades on, checked against its country."""
    try:
        subdivision = holiday_trading.checked_subdivision(data.market, data.subdivision)
        trading = holiday_trading.checked(
            data.market, data.open_on_holidays, subdivisions=[subdivision]
        )
    except InvalidInput as exc:
        message = f"dealer {data.code}: {exc.message}"
        raise InvalidInput(message, dealer=data.code, **exc.details) from exc
    return {"subdivision": subdivision, "open_on_holidays": trading}


def _brands(data: DealerData) -> list[str]:
    """Own and franchise dealers carry the brand alone; a multibrand dealer lists its brands."""
    if data.kind != "multibrand":
        if data.brands not in ([], [BRAND]):
            raise _invalid(data.code, "brands", f"a {data.kind} dealer carries only {BRAND}")
        return [BRAND]
    if len(data.brands) < 2:
        raise _invalid(data.code, "brands", "a multibrand dealer lists at least two brands")
    return data.brands


def _invalid(code: str, field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"dealer {code}: {field}: {reason}", dealer=code, field=field)
