"""Speed-to-lead and escalations for the people who run the network: HQ everywhere, a market
manager in their markets. Read from the response clocks, one per assignment of a lead."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Literal

from forecourt.dealer import service as dealers
from forecourt.kernel.errors import Forbidden, InvalidInput
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import workspace_repository as repository
from forecourt.lead.workspace_repository import ClockFact
from forecourt.lead.workspace_schemas import AttentionItem, SpeedRow, SpeedToLead

GroupBy = Literal["dealer", "channel", "market"]
DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)
_KEYS: dict[str, Callable[[ClockFact], object]] = {
    "dealer": lambda row: row.dealer_id,
    "channel": lambda row: row.channel,
    "market": lambda row: row.market_code,
}


def speed_to_lead(
    uow: UnitOfWork,
    *,
    group_by: GroupBy = "dealer",
    market_code: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SpeedToLead:
    """First-response times and targets met per dealer, channel or market over a period
    (the last 30 days unless told), within the caller's markets."""
    if group_by not in _KEYS:
        raise InvalidInput("group_by must be dealer, channel or market", field="group_by")
    markets = _markets_in_scope(uow.actor, market_code)
    start, end = _period(uow, since, until)
    with uow:
        rows = repository.clock_rows(uow.session, since=start, until=end, markets=markets)
    labels = _dealer_codes(uow) if group_by == "dealer" else {}
    grouped: dict[str, list[ClockFact]] = defaultdict(list)
    for row in rows:
        grouped[str(_KEYS[group_by](row))].append(row)
    return SpeedToLead(
        group_by=group_by,
        since=start,
        until=end,
        rows=[_figures(key, labels.get(key, key), group) for key, group in sorted(grouped.items())],
    )


def needing_attention(
    uow: UnitOfWork, *, market_code: str | None = None, limit: int = 100
) -> list[AttentionItem]:
    """Escalated leads and leads no dealer could take, in the caller's markets, oldest first."""
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500", field="limit")
    markets = _markets_in_scope(uow.actor, market_code)
    with uow:
        leads = repository.needing_attention(uow.session, markets, limit)
        return [AttentionItem.model_validate(lead) for lead in leads]


def _markets_in_scope(actor: Principal, market_code: str | None) -> Collection[str] | None:
    """The markets to read (None: all); Forbidden for dealer staff and the call centre."""
    code = market_code.upper() if market_code else None
    if actor.is_hq:
        return [code] if code else None
    if actor.role is not Role.MARKET_MANAGER:
        raise Forbidden("for HQ and market managers", field="role")
    if code is None:
        return sorted(actor.market_codes)
    if code not in actor.market_codes:
        raise Forbidden(f"market {code} is outside your markets", field="market_code")
    return [code]


def _period(
    uow: UnitOfWork, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    end = until or uow.clock.now()
    start = since or end - DEFAULT_PERIOD
    for field, value in (("since", start), ("until", end)):
        if value.tzinfo is None:
            raise InvalidInput(f"{field} needs a time zone", field=field)
    if not start < end or end - start > MAX_PERIOD:
        raise InvalidInput("since must be before until, at most 366 days apart", field="since")
    return start, end


def _dealer_codes(uow: UnitOfWork) -> dict[str, str]:
    return {str(d.id): d.code for d in dealers.list_dealers(uow)}


def _figures(key: str, label: str, rows: Sequence[ClockFact]) -> SpeedRow:
    answered = [(row.responded_at, row) for row in rows if row.responded_at is not None]
    seconds = sorted(float(row.response_seconds or 0) for _at, row in answered)
    business = [float(row.business_seconds or 0) for _at, row in answered]
    return SpeedRow(
        key=key,
        label=label,
        clocks=len(rows),
        responded=len(answered),
        within_target=sum(1 for at, row in answered if at <= row.due_at),
        breached=sum(1 for row in rows if row.state == "breached"),
        open=sum(1 for row in rows if row.state == "open"),
        median_response_s=statistics.median(seconds) if seconds else None,
        p90_response_s=_quantile(seconds, 0.9),
        median_business_s=statistics.median(business) if business else None,
    )


def _quantile(ordered: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation (as numpy's default), None for no data."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
