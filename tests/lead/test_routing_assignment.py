"""Assignment at capture, re-routes, pending leads and the stored decisions, on the seeded network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import MakeCaller

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerUpdate, RoutingPolicyData
from forecourt.entrypoints.app import create_app
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import SYSTEM, Role
from forecourt.kernel.records import OutboxMessage
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import assignment, explain, scoring
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import CaptureIntake, Waiting
from forecourt.lead.models import Lead, LeadScoreModel

TUESDAY_11_BERLIN = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def clocked(database_url: str, session_factory: sessionmaker[Session]) -> Container:
    """The container on a Tuesday morning in Europe, when dealers are open."""
    return bootstrap(
        Settings(database_url=database_url, secret_key="test-secret"),
        session_factory=session_factory,
        clock=FixedClock(TUESDAY_11_BERLIN),
    )


def incoming(n: int, **fields: Any) -> IncomingLead:
    values: dict[str, Any] = {
        "channel": "web",
        "source_id": f"r-{n}",
        "first_name": "Emma",
        "last_name": f"Schulz{n}",
        "email": f"emma.{n}@example.com",
        "city": "München",
        "country": "DE",
    }
    return IncomingLead(**(values | fields))


def capture(container: Container, n: int, **fields: Any) -> Lead:
    captured = leads.capture_lead(container.uow(), data=incoming(n, **fields))
    with container.uow() as uow:
        lead = uow.session.get(Lead, captured.lead.id)
        assert lead is not None
        uow.session.expunge(lead)  # keep its loaded state after the read-only work ends
        return lead


def code_of(container: Container, lead: Lead) -> str:
    assert lead.dealer_id is not None
    return dealers.get_dealer(container.uow(), dealer_id=lead.dealer_id).code


def dealer_id(container: Container, code: str) -> Any:
    return dealers.get_dealer_by_code(container.uow(), code=code).id


def outbox(connection: Connection, name: str) -> list[dict[str, Any]]:
    rows = connection.execute(select(OutboxMessage.payload).where(OutboxMessage.name == name))
    return [payload for (payload,) in rows]


def test_a_lead_in_munich_goes_to_the_munich_dealer_with_reasons(
    clocked: Container, connection: Connection
) -> None:
    lead = capture(clocked, 1)
    assert lead.status == "assigned"
    assert code_of(clocked, lead) == "DE-MUC-01"
    assert lead.assigned_staff_id is not None
    assert lead.assigned_at == TUESDAY_11_BERLIN
    assert lead.score is not None
    assert lead.priority in {"high", "normal", "low"}
    routing = explain.routing_of(clocked.uow(), lead_id=lead.id)
    decision = routing.decisions[0]
    assert (decision.outcome, decision.rule, decision.dealer_code) == (
        "assigned",
        "nearest",
        "DE-MUC-01",
    )
    assert "market DE, data region eu" in decision.reasons
    assert any("within 25 km" in reason for reason in decision.reasons)
    assert decision.distance_km is not None
    assert decision.distance_km < 25
    assigned = [p for p in outbox(connection, "lead.assigned") if p["lead_id"] == str(lead.id)]
    assert assigned[0]["dealer_code"] == "DE-MUC-01"
    assert assigned[0]["attempt"] == 1
    changed = [p for p in outbox(connection, "lead.status_changed") if p["lead_id"] == str(lead.id)]
    assert (changed[0]["old_status"], changed[0]["new_status"]) == ("new", "assigned")


def test_live_broadcast_leads_are_high_priority(clocked: Container) -> None:
    lead = capture(clocked, 2, channel="live_broadcast", city="上海", country="CN")
    assert lead.priority == "high"
    assert code_of(clocked, lead).startswith("CN-SHA-")


def test_a_requested_dealer_wins_when_eligible(clocked: Container) -> None:
    lead = capture(clocked, 3, dealer_code="DE-HAM-01")
    assert code_of(clocked, lead) == "DE-HAM-01"
    decision = explain.routing_of(clocked.uow(), lead_id=lead.id).decisions[0]
    assert decision.rule == "requested"


def test_a_lead_from_slovakia_stays_in_its_market(clocked: Container) -> None:
    lead = capture(clocked, 4, city="Bratislava", country="SK")
    assert code_of(clocked, lead) == "SK-BTS-01"


def test_a_lead_from_outside_every_market_is_unassigned_with_the_reason(
    clocked: Container,
) -> None:
    lead = capture(clocked, 5, city="Chicago", country="US")
    assert lead.status == "unassigned"
    assert lead.dealer_id is None
    decision = explain.routing_of(clocked.uow(), lead_id=lead.id).decisions[0]
    assert decision.outcome == "unassigned"
    assert decision.reasons[0] == "market US is not one we serve"


def test_a_full_dealer_passes_the_lead_to_the_next_one(clocked: Container) -> None:
    munich = dealer_id(clocked, "DE-MUC-01")
    dealers.update_dealer(clocked.uow(), dealer_id=munich, data=DealerUpdate(daily_lead_capacity=1))
    first, second = capture(clocked, 6), capture(clocked, 7)
    assert code_of(clocked, first) == "DE-MUC-01"
    assert code_of(clocked, second) != "DE-MUC-01"
    reasons = explain.routing_of(clocked.uow(), lead_id=second.id).decisions[0].reasons
    assert "DE-MUC-01 has taken its 1 leads today" in reasons


def test_a_dealer_found_full_is_left_out_up_front_for_the_rest_of_its_day(
    clocked: Container,
) -> None:
    munich = dealer_id(clocked, "DE-MUC-01")
    dealers.update_dealer(clocked.uow(), dealer_id=munich, data=DealerUpdate(daily_lead_capacity=1))
    capture(clocked, 6), capture(clocked, 7)  # the second finds Munich full
    third = capture(clocked, 8, dealer_code="DE-MUC-01")
    decision = explain.routing_of(clocked.uow(), lead_id=third.id).decisions[0]
    assert code_of(clocked, third) != "DE-MUC-01"
    assert "1 dealer(s) full today are left out" in decision.reasons
    assert "requested dealer DE-MUC-01 has taken its 1 leads today" in decision.reasons
    assert all(c["dealer_code"] != "DE-MUC-01" for c in decision.candidates)  # not tried again


def test_slots_taken_by_a_batch_that_failed_to_commit_are_free_for_the_next_lead(
    clocked: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    munich = dealer_id(clocked, "DE-MUC-01")
    dealers.update_dealer(clocked.uow(), dealer_id=munich, data=DealerUpdate(daily_lead_capacity=1))
    real_commit = UnitOfWork.commit

    def failing_commit(uow: UnitOfWork) -> None:
        if uow._depth == 1:  # the batch's own commit, not a capture's flush inside it
            raise RuntimeError("disk full")
        real_commit(uow)

    monkeypatch.setattr(UnitOfWork, "commit", failing_commit)
    batch = [Waiting(SYSTEM, incoming(n), None) for n in (30, 31)]  # the second finds it full
    CaptureIntake(clocked.uow, batching=True)._write(batch)
    assert all(isinstance(item.error, RuntimeError) for item in batch)
    monkeypatch.setattr(UnitOfWork, "commit", real_commit)
    assert code_of(clocked, capture(clocked, 32)) == "DE-MUC-01"  # its slot was never taken


def test_round_robin_shares_the_leads_among_the_salespeople(clocked: Container) -> None:
    staff = [capture(clocked, 10 + n).assigned_staff_id for n in range(4)]
    assert len(set(staff)) == 2  # DE-MUC-01 has two salespeople
    assert staff[0] == staff[2]
    assert staff[1] == staff[3]


def test_least_busy_gives_the_lead_to_the_person_with_fewest_open_leads(
    clocked: Container,
) -> None:
    dealers.set_routing_policy(
        clocked.uow(), market_code="DE", data=RoutingPolicyData(staff_assignment="least_busy")
    )
    staff = [capture(clocked, 20 + n).assigned_staff_id for n in range(4)]
    assert len(set(staff)) == 2
    assert staff.count(staff[0]) == 2


def test_the_customer_s_own_dealer_comes_first(clocked: Container) -> None:
    earlier = capture(clocked, 30, phone="+49 170 1234567", dealer_code="DE-BER-01")
    with clocked.uow() as uow:
        row = uow.session.get(Lead, earlier.id)
        assert row is not None
        row.status = "won"
        uow.commit()
    again = capture(clocked, 31, phone="+49 170 1234567", last_name="Schulz30")
    assert again.resolution == "linked"
    assert code_of(clocked, again) == "DE-BER-01"
    decision = explain.routing_of(clocked.uow(), lead_id=again.id).decisions[0]
    assert decision.rule == "relationship"
    assert "the customer's own dealer DE-BER-01 is eligible: existing relationship" in (
        decision.reasons
    )


def test_reroute_never_returns_to_a_dealer_already_tried_and_stops_at_the_limit(
    clocked: Container,
) -> None:
    lead = capture(clocked, 40)
    seen = [code_of(clocked, lead)]
    for attempt in (2, 3):
        moved = assignment.reroute(clocked.uow(), lead_id=lead.id, reason="no response in time")
        assert moved is not None
        assert moved.attempt == attempt
        seen.append(moved.dealer_code)
    assert len(set(seen)) == 3
    assert assignment.reroute(clocked.uow(), lead_id=lead.id, reason="again") is None
    decisions = explain.routing_of(clocked.uow(), lead_id=lead.id).decisions
    assert [d.outcome for d in decisions] == ["assigned", "assigned", "assigned", "exhausted"]
    assert decisions[1].trigger_reason == "no response in time"


def test_a_dealer_change_refreshes_the_network_without_reading_it_per_lead(
    clocked: Container, connection: Connection
) -> None:
    capture(clocked, 50)  # warms the snapshot
    dealer_reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM dealer " in statement:
            dealer_reads.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        for n in range(3):
            capture(clocked, 51 + n)
        assert dealer_reads == []
        munich = dealer_id(clocked, "DE-MUC-01")
        dealers.update_dealer(clocked.uow(), dealer_id=munich, data=DealerUpdate(active=False))
        dealer_reads.clear()
        moved = capture(clocked, 60)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert code_of(clocked, moved) != "DE-MUC-01"
    assert len(dealer_reads) == 1  # the one rebuild after the change


def test_pending_leads_are_routed_in_bulk(clocked: Container) -> None:
    lead = capture(clocked, 70)
    with clocked.uow() as uow:
        row = uow.session.get(Lead, lead.id)
        assert row is not None
        row.status, row.dealer_id, row.routing_attempts = "new", None, 0
        uow.commit()
    assert assignment.route_pending(clocked.uow()) >= 1
    with clocked.uow() as uow:
        row = uow.session.get(Lead, lead.id)
        assert row is not None
        assert row.status == "assigned"


def test_the_routing_route_shows_the_reasons_within_scope(
    clocked: Container, make_caller: MakeCaller
) -> None:
    lead = capture(clocked, 80)
    hq = make_caller(Role.HQ)
    other = make_caller(Role.DEALER_STAFF, dealer_code="DE-BER-01")
    with TestClient(create_app(clocked)) as client:
        shown = client.get(f"/api/v1/leads/{lead.id}/routing", headers=hq.headers)
        refused = client.get(f"/api/v1/leads/{lead.id}/routing", headers=other.headers)
    assert shown.status_code == 200
    body = shown.json()
    assert body["decisions"][0]["dealer_code"] == "DE-MUC-01"
    assert body["score_reasons"][0]["factor"] == "channel"
    assert refused.status_code == 403


def test_capture_scores_with_the_newest_learned_rates(clocked: Container) -> None:
    before = capture(clocked, 90)
    rates = {f: dict(levels) for f, levels in scoring.PRIORS.items()}
    rates["channel"]["web"] = 0.6
    with clocked.uow() as uow:
        uow.session.add(LeadScoreModel(trained_at=TUESDAY_11_BERLIN, outcomes=500, rates=rates))
        uow.commit()
    assignment.forget_rates()  # as after training; other processes pick it up within 30 s
    after = capture(clocked, 91)
    assert before.score is not None
    assert after.score is not None
    assert after.score > before.score
    channel = next(r for r in after.score_reasons if r["factor"] == "channel")
    assert channel["rate"] == 0.6
