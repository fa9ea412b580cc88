"""Routing and scoring rules on an in-memory network: no database, fixed times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from forecourt.dealer.schemas import (
    RoutingDealer,
    RoutingNetwork,
    RoutingPolicyData,
    RoutingStaff,
)
from forecourt.lead import business_time, network, routing, scoring
from forecourt.lead.routing import RouteRequest

OPEN_WEEKDAYS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": [],
    "sun": [],
}
TUESDAY_11_BERLIN = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
CHRISTMAS_11_BERLIN = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
MUNICH = (48.137, 11.575)


def staff(name: str, shifts: dict[str, Any] | None = None) -> RoutingStaff:
    return RoutingStaff(
        id=uuid.uuid4(), name=name, job="sales", languages=["de"], active=True, shifts=shifts
    )


def dealer(code: str, lat: float, lon: float, **fields: Any) -> RoutingDealer:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "code": code,
        "kind": "franchise",
        "market_code": code[:2],
        "latitude": lat,
        "longitude": lon,
        "timezone": "Europe/Berlin",
        "opening_hours": OPEN_WEEKDAYS,
        "daily_lead_capacity": 10,
        "brands": ["Aurelia"],
        "active": True,
        "staff": [staff(f"{code} a"), staff(f"{code} b")],
    }
    return RoutingDealer(**(values | fields))


def snapshot(*dealers: RoutingDealer, **policies: RoutingPolicyData) -> network.Network:
    regions = {"DE": "eu", "AT": "eu", "SK": "eu", "CN": "cn"}
    return network.build(
        RoutingNetwork(stamp="s", dealers=list(dealers), policies=policies, data_regions=regions)
    )


def codes(plan: routing.Plan) -> list[str]:
    return [c.dealer.code for c in plan.candidates]


def request(market: str = "DE", at: tuple[float, float] = MUNICH, **fields: Any) -> RouteRequest:
    return RouteRequest(market_code=market, latitude=at[0], longitude=at[1], **fields)


def test_the_nearest_ring_holds_the_candidates_nearest_first() -> None:
    net = snapshot(
        dealer("DE-MUC-01", 48.14, 11.58),
        dealer("DE-MUC-02", 48.20, 11.60),
        dealer("DE-AUG-01", 48.37, 10.90),  # Augsburg, about 55 km
        dealer("DE-BER-01", 52.52, 13.40),
    )
    plan = routing.plan(net, request(), TUESDAY_11_BERLIN)
    assert codes(plan) == ["DE-MUC-01", "DE-MUC-02"]
    assert any("within 25 km: 2 eligible, 2 open now" in r for r in plan.reasons)


def test_the_radius_widens_until_a_dealer_is_found() -> None:
    net = snapshot(dealer("DE-BER-01", 52.52, 13.40), dealer("DE-HAM-01", 53.55, 9.99))
    plan = routing.plan(net, request(), TUESDAY_11_BERLIN)
    assert codes(plan) == ["DE-BER-01", "DE-HAM-01"]
    assert plan.candidates[0].distance_km is not None
    assert 500 < plan.candidates[0].distance_km < 510
    assert any("beyond 400 km" in r for r in plan.reasons)


def test_brand_dealers_come_before_multibrand_where_the_market_says_so() -> None:
    multibrand = dealer("DE-MUC-01", 48.14, 11.58, kind="multibrand", brands=["Aurelia", "Kia"])
    franchise = dealer("DE-MUC-02", 48.20, 11.60)
    assert codes(routing.plan(snapshot(multibrand, franchise), request(), TUESDAY_11_BERLIN)) == [
        "DE-MUC-02",
        "DE-MUC-01",
    ]
    neutral = RoutingPolicyData(brand_dealers_first=False)
    plan = routing.plan(snapshot(multibrand, franchise, DE=neutral), request(), TUESDAY_11_BERLIN)
    assert codes(plan) == ["DE-MUC-01", "DE-MUC-02"]


def test_dealers_not_carrying_the_brand_or_inactive_are_never_candidates() -> None:
    net = snapshot(
        dealer("DE-MUC-01", 48.14, 11.58, brands=["Kia", "Hyundai"], kind="multibrand"),
        dealer("DE-MUC-02", 48.15, 11.58, active=False),
        dealer("DE-MUC-03", 48.16, 11.58, daily_lead_capacity=0),
        dealer("DE-MUC-04", 48.20, 11.60),
    )
    assert codes(routing.plan(net, request(), TUESDAY_11_BERLIN)) == ["DE-MUC-04"]


def test_an_open_dealer_comes_before_a_closed_one_of_the_same_ring() -> None:
    weekend_only = {d: [] for d in business_time.DAYS} | {"sat": [["09:00", "18:00"]]}
    net = snapshot(
        dealer("DE-MUC-01", 48.14, 11.58, opening_hours=weekend_only),
        dealer("DE-MUC-02", 48.20, 11.60),
    )
    plan = routing.plan(net, request(), TUESDAY_11_BERLIN)
    assert codes(plan) == ["DE-MUC-02", "DE-MUC-01"]
    assert [c.open_now for c in plan.candidates] == [True, False]


def test_a_public_holiday_closes_the_dealer() -> None:
    open_every_day = {d: [["09:00", "18:00"]] for d in business_time.DAYS}
    entry = snapshot(dealer("DE-MUC-01", 48.14, 11.58, opening_hours=open_every_day)).by_code[
        "DE-MUC-01"
    ]
    assert routing.is_open(entry, TUESDAY_11_BERLIN)
    assert business_time.is_public_holiday("DE", CHRISTMAS_11_BERLIN.date())
    assert not routing.is_open(entry, CHRISTMAS_11_BERLIN)


GOLDEN_WEEK_11_SHANGHAI = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)  # National Day, a Thursday
EVERY_DAY = {d: [["09:00", "18:00"]] for d in business_time.DAYS}


def shanghai(code: str, **fields: Any) -> RoutingDealer:
    return dealer(code, 31.23, 121.47, timezone="Asia/Shanghai", opening_hours=EVERY_DAY, **fields)


def test_a_dealer_trading_on_holidays_is_open_and_on_shift_on_one() -> None:
    net = snapshot(shanghai("CN-SHA-01", open_on_holidays=True), shanghai("CN-SHA-02"))
    trading, shut = net.by_code["CN-SHA-01"], net.by_code["CN-SHA-02"]
    assert business_time.is_public_holiday("CN", GOLDEN_WEEK_11_SHANGHAI.date())
    assert routing.is_open(trading, GOLDEN_WEEK_11_SHANGHAI)
    assert not routing.is_open(shut, GOLDEN_WEEK_11_SHANGHAI)
    assert all(routing.on_shift(s, trading, GOLDEN_WEEK_11_SHANGHAI) for s in trading.staff)
    assert not any(routing.on_shift(s, shut, GOLDEN_WEEK_11_SHANGHAI) for s in shut.staff)
    # Trading on a holiday keeps the dealer's hours: 20:00 is still after closing.
    assert not routing.is_open(trading, GOLDEN_WEEK_11_SHANGHAI.replace(hour=12))


def test_the_market_policy_sets_holiday_trading_unless_the_dealer_says_otherwise() -> None:
    trading = RoutingPolicyData(open_on_holidays=True)
    net = snapshot(shanghai("CN-SHA-01"), shanghai("CN-SHA-02", open_on_holidays=False), CN=trading)
    assert routing.is_open(net.by_code["CN-SHA-01"], GOLDEN_WEEK_11_SHANGHAI)
    assert not routing.is_open(net.by_code["CN-SHA-02"], GOLDEN_WEEK_11_SHANGHAI)
    plan = routing.plan(net, request("CN", (31.23, 121.47)), GOLDEN_WEEK_11_SHANGHAI)
    assert codes(plan) == ["CN-SHA-01", "CN-SHA-02"]
    assert [c.open_now for c in plan.candidates] == [True, False]


SPRING_FESTIVAL_11_SHANGHAI = datetime(2026, 2, 17, 3, 0, tzinfo=UTC)


def test_a_market_trading_on_named_holidays_opens_on_those_and_shuts_on_the_others() -> None:
    golden_week = RoutingPolicyData(open_on_holidays=["National Day", "Labor Day"])
    net = snapshot(
        shanghai("CN-SHA-01"),
        shanghai("CN-SHA-02", open_on_holidays=["Chinese New Year (Spring Festival)"]),
        CN=golden_week,
    )
    follows, own_say = net.by_code["CN-SHA-01"], net.by_code["CN-SHA-02"]
    assert routing.is_open(follows, GOLDEN_WEEK_11_SHANGHAI)
    assert all(routing.on_shift(s, follows, GOLDEN_WEEK_11_SHANGHAI) for s in follows.staff)
    assert not routing.is_open(own_say, GOLDEN_WEEK_11_SHANGHAI)
    assert not routing.is_open(follows, SPRING_FESTIVAL_11_SHANGHAI)
    assert not any(routing.on_shift(s, follows, SPRING_FESTIVAL_11_SHANGHAI) for s in follows.staff)
    assert routing.is_open(own_say, SPRING_FESTIVAL_11_SHANGHAI)
    plan = routing.plan(net, request("CN", (31.23, 121.47)), SPRING_FESTIVAL_11_SHANGHAI)
    assert codes(plan) == ["CN-SHA-02", "CN-SHA-01"]
    assert [c.open_now for c in plan.candidates] == [True, False]


def test_a_requested_dealer_wins_when_eligible() -> None:
    net = snapshot(dealer("DE-MUC-01", 48.14, 11.58), dealer("DE-BER-01", 52.52, 13.40))
    plan = routing.plan(net, request(requested_code="de-ber-01"), TUESDAY_11_BERLIN)
    assert codes(plan)[:2] == ["DE-BER-01", "DE-MUC-01"]
    assert plan.candidates[0].rule == "requested"


def test_a_requested_dealer_outside_the_data_region_is_refused_with_the_reason() -> None:
    cn = dealer("CN-SHA-01", 31.23, 121.47, timezone="Asia/Shanghai")
    net = snapshot(dealer("DE-MUC-01", 48.14, 11.58), cn)
    plan = routing.plan(net, request(requested_code="CN-SHA-01"), TUESDAY_11_BERLIN)
    assert codes(plan) == ["DE-MUC-01"]
    assert "requested dealer CN-SHA-01 is in data region cn, not eu" in plan.reasons


def test_an_existing_relationship_comes_first() -> None:
    net = snapshot(dealer("DE-MUC-01", 48.14, 11.58), dealer("DE-BER-01", 52.52, 13.40))
    berlin = net.by_code["DE-BER-01"].id
    plan = routing.plan(
        net, request(relationships=[(berlin, "the customer's own dealer")]), TUESDAY_11_BERLIN
    )
    assert codes(plan) == ["DE-BER-01", "DE-MUC-01"]
    assert plan.candidates[0].rule == "relationship"


def test_a_market_without_dealers_borrows_the_nearest_of_its_data_region() -> None:
    net = snapshot(
        dealer("AT-VIE-01", 48.21, 16.37, timezone="Europe/Vienna"),
        dealer("CN-SHA-01", 31.23, 121.47, timezone="Asia/Shanghai"),
    )
    plan = routing.plan(net, request("SK", (48.15, 17.11)), TUESDAY_11_BERLIN)
    assert codes(plan) == ["AT-VIE-01"]
    assert "market SK: no eligible dealer left" not in plan.reasons
    assert any(r.startswith("data region eu: within 100 km") for r in plan.reasons)


def test_an_unknown_market_has_no_candidate_and_says_why() -> None:
    plan = routing.plan(
        snapshot(dealer("DE-MUC-01", 48.14, 11.58)), request("US"), TUESDAY_11_BERLIN
    )
    assert plan.candidates == []
    assert plan.reasons == ["market US is not one we serve"]


def test_dealers_already_tried_are_left_out() -> None:
    net = snapshot(dealer("DE-MUC-01", 48.14, 11.58), dealer("DE-MUC-02", 48.20, 11.60))
    tried = frozenset({net.by_code["DE-MUC-01"].id})
    assert codes(routing.plan(net, request(exclude=tried), TUESDAY_11_BERLIN)) == ["DE-MUC-02"]


def test_without_a_location_the_market_s_dealers_are_offered() -> None:
    net = snapshot(dealer("DE-MUC-01", 48.14, 11.58), dealer("DE-BER-01", 52.52, 13.40))
    plan = routing.plan(
        net, RouteRequest(market_code="DE", latitude=None, longitude=None), TUESDAY_11_BERLIN
    )
    assert sorted(codes(plan)) == ["DE-BER-01", "DE-MUC-01"]
    assert {c.rule for c in plan.candidates} == {"market"}


def test_round_robin_among_staff_on_shift() -> None:
    mornings = {d: [["06:00", "09:00"]] for d in business_time.DAYS}
    entry = snapshot(
        dealer(
            "DE-MUC-01", 48.14, 11.58, staff=[staff("Anna"), staff("Ben"), staff("Cem", mornings)]
        )
    ).by_code["DE-MUC-01"]
    names = [
        routing.choose_staff(entry, TUESDAY_11_BERLIN, turn=n, method="round_robin")[0]
        for n in (1, 2, 3, 4)
    ]
    assert [s.name for s in names if s] in (
        ["Anna", "Ben", "Anna", "Ben"],
        ["Ben", "Anna", "Ben", "Anna"],
    )


def test_least_busy_picks_the_person_with_fewest_open_leads() -> None:
    anna, ben = staff("Anna"), staff("Ben")
    entry = snapshot(dealer("DE-MUC-01", 48.14, 11.58, staff=[anna, ben])).by_code["DE-MUC-01"]
    person, why = routing.choose_staff(
        entry, TUESDAY_11_BERLIN, turn=1, method="least_busy", open_leads={anna.id: 3, ben.id: 1}
    )
    assert person is not None
    assert person.name == "Ben"
    assert "fewest open leads" in why


def test_nobody_on_shift_still_gets_a_person_in_turn() -> None:
    entry = snapshot(dealer("DE-MUC-01", 48.14, 11.58)).by_code["DE-MUC-01"]
    sunday = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    person, why = routing.choose_staff(entry, sunday, turn=1, method="round_robin")
    assert person is not None
    assert "no one on shift" in why


# -- the score ---------------------------------------------------------------------------------


def facts(**fields: Any) -> scoring.LeadFacts:
    values: dict[str, Any] = {
        "channel": "web",
        "model_interest": None,
        "attributes": {},
        "received_at": TUESDAY_11_BERLIN,
        "campaign_credited": False,
        "utm_given": False,
        "history": "first",
    }
    return scoring.LeadFacts(**(values | fields))


def test_the_score_explains_each_factor() -> None:
    result = scoring.score(scoring.levels(facts()))
    assert [r["factor"] for r in result.reasons] == list(scoring.FACTORS)
    assert 0 < result.points < 100


def test_a_hot_lead_scores_above_a_cold_one() -> None:
    hot = facts(
        channel="dealer",
        model_interest="Vela",
        attributes={"timeframe_description": "sofort", "test_drive": "yes"},
        campaign_credited=True,
        history="owner",
    )
    cold = facts(attributes={"timeframe_description": "next year, just looking"})
    hot_score, cold_score = scoring.score(scoring.levels(hot)), scoring.score(scoring.levels(cold))
    assert hot_score.probability > 0.5
    assert cold_score.probability < 0.05
    assert scoring.levels(hot)["timeframe"] == "now"
    assert scoring.levels(cold)["timeframe"] == "later"


def test_priority_from_channel_and_score() -> None:
    assert scoring.priority("live_broadcast", 0.01) == "high"
    assert scoring.priority("in_car", 0.01) == "high"
    assert scoring.priority("web", 0.30) == "high"
    assert scoring.priority("web", 0.10) == "normal"
    assert scoring.priority("web", 0.03) == "low"


def test_the_score_keeps_its_priors_until_enough_leads_are_closed() -> None:
    few = [({"channel": "web"}, True)] * (scoring.MIN_OUTCOMES - 1)
    rates, seen = scoring.learn(few)
    assert seen == scoring.MIN_OUTCOMES - 1
    assert rates == scoring.PRIORS


def test_outcomes_move_the_rates_away_from_the_priors() -> None:
    levels = scoring.levels(facts())
    outcomes = [(levels, True)] * 150 + [(levels | {"channel": "partner"}, False)] * 150
    rates, seen = scoring.learn(outcomes)
    assert seen == 300
    assert rates["channel"]["web"] > 0.8
    assert rates["channel"]["partner"] < scoring.PRIORS["channel"]["partner"]
    assert scoring.score(levels, rates).probability > scoring.score(levels).probability
