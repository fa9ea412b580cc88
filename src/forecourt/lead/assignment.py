"""Use cases of lead assignment: score a lead, route it to a dealer and a salesperson, re-route it.

Every routing, at capture or later, runs inside the caller's transaction and stores a
`RoutingDecision` with its reasons. Capacity and the round-robin turn come from one upsert of the
dealer's day counter (`dealer.service.take_lead_slot`), the only row two captures for the same
dealer share; the network itself is the in-memory snapshot of `lead.network`.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from forecourt.dealer import service as dealers
from forecourt.kernel.errors import NotFound
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import lifecycle, repository, response, routing, scoring
from forecourt.lead import network as networks
from forecourt.lead.events import LeadAssigned
from forecourt.lead.models import Lead, LeadScoreModel, RoutingDecision
from forecourt.lead.network import DealerEntry
from forecourt.lead.routing import Candidate, Plan, RouteRequest

log = logging.getLogger(__name__)

ASSIGNED, UNASSIGNED = "assigned", "unassigned"
SERVICING_DEALER = "servicing_dealer_code"
"""A lead attribute naming the dealer that last serviced the person's car (in-car requests
carry it)."""
MAX_PLANS = 3
PENDING_BATCH = 200


@dataclass(frozen=True)
class Assignment:
    """Where a lead went: dealer, salesperson, by which rule, on which attempt, and why."""

    lead_id: uuid.UUID
    dealer_id: uuid.UUID
    dealer_code: str
    staff_id: uuid.UUID | None
    rule: str
    attempt: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Routing:
    """One routing in progress: the lead, the snapshot, the moment, and the reasons so far."""

    lead: Lead
    network: networks.Network
    now: datetime
    trigger: str
    trigger_reason: str | None
    reasons: list[str] = field(default_factory=list)
    tried: list[dict[str, object]] = field(default_factory=list)


def assign_new(uow: UnitOfWork, *, lead: Lead) -> Assignment | None:
    """Score a lead just stored and route it from where the person is, in the caller's
    transaction. None when no dealer may take it (status "unassigned")."""
    with uow:
        history = _history(uow, lead)
        _score(uow, lead, history)
        assigned = _route(uow, lead, "capture", None, _relationships(lead, history))
        uow.commit()  # inside capture this only flushes: capture commits the whole
        return assigned


def reroute(uow: UnitOfWork, *, lead_id: uuid.UUID, reason: str) -> Assignment | None:
    """Give a lead to the next eligible dealer, never one already tried, within the market's
    limit of attempts; None when no dealer is left or the limit is reached (the caller escalates)."""
    with uow:
        lead = repository.get_for_update(uow.session, lead_id)
        if lead is None:
            raise NotFound("no such lead", field="lead_id")
        history = _history(uow, lead)
        moved = _route(uow, lead, "reroute", reason[:200], _relationships(lead, history))
        uow.commit()  # joins the caller's transaction when there is one
        return moved


def assign_manually(
    uow: UnitOfWork, *, lead: Lead, dealer: DealerEntry, reason: str
) -> Assignment | None:
    """Give a lead to a dealer a person chose, in the caller's transaction: stored as a routing
    decision with rule "manual" and their reason, announced and clocked as routing does. Counted
    against the dealer's day like any lead; None (nothing changed) when it is full today."""
    work = _Routing(lead, networks.current(uow), uow.clock.now(), "manual", reason[:200])
    turn = _slot(uow, work, dealer, routing.local_day(dealer, work.now))
    if turn is None:
        return None
    chosen = Candidate(dealer, "manual", None, routing.is_open(dealer, work.now))
    work.tried.append(chosen.as_dict() | {"full": False})
    work.reasons.append(f"{uow.actor.email} chose {dealer.code}: {reason}")
    return _assigned(uow, work, chosen, turn)


def route_pending(uow: UnitOfWork, *, limit: int = 10_000) -> int:
    """Score and route leads stored without routing (status "new", e.g. bulk imports), in
    batches of one transaction each; several routers may run at once. Returns how many."""
    done = 0
    while done < limit:
        with uow:
            batch = repository.pending(uow.session, min(PENDING_BATCH, limit - done))
            for lead in batch:
                _route_one(uow, lead)
            uow.commit()
        done += len(batch)
        if len(batch) < PENDING_BATCH:
            break
    return done


def _route_one(uow: UnitOfWork, lead: Lead) -> None:
    try:
        with uow.savepoint():
            assign_new(uow, lead=lead)
    except Exception:  # one broken lead must not stop the batch, nor come back forever
        log.exception("routing lead %s failed", lead.id)
        lead.status = UNASSIGNED
        lead.issues = [*lead.issues, "routing.failed"]


# -- history and score -------------------------------------------------------------------------


def _history(uow: UnitOfWork, lead: Lead) -> list[tuple[uuid.UUID | None, str]]:
    if lead.resolution != "linked":
        return []  # a new customer has no other lead: spare the query
    return repository.customer_history(uow.session, lead.customer_id, lead.id)


def _relationships(
    lead: Lead, history: list[tuple[uuid.UUID | None, str]]
) -> list[tuple[uuid.UUID | str, str]]:
    found: list[tuple[uuid.UUID | str, str]] = []
    found += [(d, "the customer's own dealer") for d, s in history if d and s == "won"][:1]
    if code := lead.attributes.get(SERVICING_DEALER):
        found.append((str(code).upper(), "the dealer that last serviced their car"))
    found += [
        (d, "the dealer already working an open lead of theirs")
        for d, s in history
        if d and s in repository.OPEN_STATUSES
    ][:1]
    return found


def _score(uow: UnitOfWork, lead: Lead, history: list[tuple[uuid.UUID | None, str]]) -> None:
    statuses = {status for _, status in history}
    facts = scoring.LeadFacts(
        channel=lead.channel,
        model_interest=lead.model_interest,
        attributes=lead.attributes,
        received_at=lead.received_at,
        campaign_credited=lead.campaign_id is not None,
        utm_given=bool(lead.utm),
        history="owner" if "won" in statuses else "returning" if history else "first",
    )
    result = scoring.score(scoring.levels(facts), _rates(uow))
    lead.score, lead.score_reasons = result.points, result.reasons
    lead.priority = scoring.priority(lead.channel, result.probability)


RATES_CACHE_SECONDS = 30.0
"""How long a process scores with the rates it read before looking for newer ones (as the
identity model does): the latest model is not looked up again for every lead."""
_rates_cache: tuple[float, scoring.Rates | None] | None = None


def _rates(uow: UnitOfWork) -> scoring.Rates | None:
    global _rates_cache  # noqa: PLW0603 - one set of rates per process, shared by every request
    if _rates_cache and time.monotonic() - _rates_cache[0] < RATES_CACHE_SECONDS:
        return _rates_cache[1]
    model_id = repository.latest_score_model_id(uow.session)
    model = repository.score_model(uow.session, model_id) if model_id else None
    _rates_cache = (time.monotonic(), model.rates if model else None)
    return _rates_cache[1]


def forget_rates() -> None:
    """Drop the cached rates: the next lead reads the newest (after training, in tests)."""
    global _rates_cache  # noqa: PLW0603
    _rates_cache = None


def train_score(uow: UnitOfWork) -> dict[str, object]:
    """Learn the lead score's win rates from won and lost leads and store them as the new
    version; with fewer than `scoring.MIN_OUTCOMES` closed leads the priors are stored as is."""
    with uow:
        outcomes = (
            ({r["factor"]: r["level"] for r in reasons}, won)
            for reasons, won in repository.closed_levels(uow.session)
        )
        rates, seen = scoring.learn(outcomes)
        model = LeadScoreModel(trained_at=uow.clock.now(), outcomes=seen, rates=rates)
        uow.session.add(model)
        uow.commit()
        forget_rates()
        learned = seen >= scoring.MIN_OUTCOMES
        return {"id": str(model.id), "outcomes": seen, "learned": learned}


# -- routing -----------------------------------------------------------------------------------


def _route(
    uow: UnitOfWork,
    lead: Lead,
    trigger: str,
    reason: str | None,
    related: list[tuple[uuid.UUID | str, str]],
) -> Assignment | None:
    work = _Routing(lead, networks.current(uow), uow.clock.now(), trigger, reason)
    policy = work.network.policy(lead.market_code)
    if lead.routing_attempts >= policy.max_attempts:
        work.reasons.append(f"offered to {lead.routing_attempts} dealers: the market's limit")
        _decide(uow, work, None, "exhausted")
        return None
    exclude = repository.tried_dealers(uow.session, lead.id) if lead.routing_attempts else set()
    taken = _take(uow, work, _request(work, related, exclude))
    if taken is None:
        _unassigned(uow, work)
        return None
    return _assigned(uow, work, *taken)


def _request(
    work: _Routing, related: list[tuple[uuid.UUID | str, str]], exclude: set[uuid.UUID]
) -> RouteRequest:
    lead, by_code = work.lead, work.network.by_code
    relationships = []
    for key, relation in related:
        entry = by_code.get(key) if isinstance(key, str) else work.network.by_id.get(key)
        if entry is None:
            work.reasons.append(f"{relation} ({key}) is not in the network")
        else:
            relationships.append((entry.id, relation))
    return RouteRequest(
        market_code=lead.market_code,
        latitude=lead.latitude,
        longitude=lead.longitude,
        requested_code=lead.requested_dealer_code,
        relationships=relationships,
        exclude=frozenset(exclude | ({lead.dealer_id} if lead.dealer_id else set())),
        full=work.network.full_now(work.now),
    )


def _take(uow: UnitOfWork, work: _Routing, request: RouteRequest) -> tuple[Candidate, int] | None:
    """The first candidate with room today, and its count of leads today (the staff's turn)."""
    for _ in range(MAX_PLANS):
        plan = routing.plan(work.network, request, work.now)
        _note(work, plan)
        for candidate in plan.candidates:
            dealer = candidate.dealer
            day = routing.local_day(dealer, work.now)
            known_full = (dealer.id, day) in work.network.full_days
            turn = None if known_full else _slot(uow, work, dealer, day)
            work.tried.append(candidate.as_dict() | {"full": turn is None})
            if turn is not None:
                return candidate, turn
            work.reasons.append(f"{dealer.code} has taken its {dealer.capacity} leads today")
        if not plan.candidates:
            return None
        full = {c.dealer.id for c in plan.candidates}
        request = replace(request, exclude=request.exclude | full)
    return None


def _slot(uow: UnitOfWork, work: _Routing, dealer: DealerEntry, day: date) -> int | None:
    """Count the lead against the dealer's day; remember a full dealer for the rest of it."""
    turn = dealers.take_lead_slot(uow, dealer_id=dealer.id, day=day, capacity=dealer.capacity)
    if turn is None:
        # Remembered once committed: the slots that filled the dealer may be this transaction's
        # own (captures written together), and free again if it is undone.
        uow.after_commit(functools.partial(work.network.full_days.add, (dealer.id, day)))
    return turn


def _note(work: _Routing, plan: Plan) -> None:
    work.reasons.extend(r for r in plan.reasons if r not in work.reasons)


def _assigned(uow: UnitOfWork, work: _Routing, chosen: Candidate, turn: int) -> Assignment:
    lead, dealer = work.lead, chosen.dealer
    policy = work.network.policy(lead.market_code)
    open_leads = None
    if policy.staff_assignment == "least_busy":
        open_leads = repository.open_by_staff(uow.session, dealer.id)
    staff, why = routing.choose_staff(
        dealer, work.now, turn=turn, method=policy.staff_assignment, open_leads=open_leads
    )
    work.reasons += [f"chose {chosen.describe()} by rule {chosen.rule}", why]
    old_status = lead.status
    lead.dealer_id, lead.assigned_staff_id = dealer.id, staff.id if staff else None
    lead.assigned_at = work.now
    lead.routing_attempts += 1
    _decide(uow, work, chosen, ASSIGNED, staff.id if staff else None)
    _announce(uow, work, chosen, old_status)
    response.start_clock(uow, lead=lead, assigned_at=work.now)
    return Assignment(
        lead_id=lead.id,
        dealer_id=dealer.id,
        dealer_code=dealer.code,
        staff_id=lead.assigned_staff_id,
        rule=chosen.rule,
        attempt=lead.routing_attempts,
        reasons=list(work.reasons),
    )


def _unassigned(uow: UnitOfWork, work: _Routing) -> None:
    lead = work.lead
    work.reasons.append("no eligible dealer with room today")
    _decide(uow, work, None, UNASSIGNED if work.trigger == "capture" else "none_left")
    if work.trigger == "capture":
        lifecycle.change_status(uow, lead, UNASSIGNED, reason=work.reasons[-1])


def _decide(
    uow: UnitOfWork,
    work: _Routing,
    chosen: Candidate | None,
    outcome: str,
    staff_id: uuid.UUID | None = None,
) -> None:
    uow.insert_values(
        RoutingDecision,
        lead_id=work.lead.id,
        attempt=work.lead.routing_attempts,
        trigger=work.trigger,
        trigger_reason=work.trigger_reason,
        outcome=outcome,
        rule=chosen.rule if chosen else None,
        dealer_id=chosen.dealer.id if chosen else None,
        dealer_code=chosen.dealer.code if chosen else None,
        staff_id=staff_id,
        distance_km=_rounded(chosen.distance_km) if chosen else None,
        reasons=list(work.reasons),
        candidates=work.tried,
        network_stamp=work.network.stamp,
        decided_at=work.now,
    )


def _rounded(km: float | None) -> float | None:
    return None if km is None else round(km, 1)


def _announce(uow: UnitOfWork, work: _Routing, chosen: Candidate, old_status: str) -> None:
    lead = work.lead
    uow.emit(
        LeadAssigned(
            lead_id=lead.id,
            customer_id=lead.customer_id,
            dealer_id=chosen.dealer.id,
            dealer_code=chosen.dealer.code,
            staff_id=lead.assigned_staff_id,
            market_code=lead.market_code,
            channel=lead.channel,
            priority=lead.priority,
            reason=work.trigger_reason or chosen.rule,
            attempt=lead.routing_attempts,
        )
    )
    if old_status != ASSIGNED:  # a move between dealers is announced by lead.assigned alone
        lifecycle.change_status(uow, lead, ASSIGNED, reason=work.trigger_reason or chosen.rule)
