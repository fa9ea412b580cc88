"""The configuration rules as a pure function: no database, the real catalogue file."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache
from types import MappingProxyType

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from forecourt.catalog import policies
from forecourt.catalog.policies import Configuration, Verdict
from forecourt.catalog.reference import Reference, load_reference, read_data_file
from forecourt.catalog.snapshot import MarketFacts, Offer

RHD = {"GB", "IE"}
PAINT_AND_WHEELS = ("paint_glacier_white", "wheels_17")


@cache
def reference() -> Reference:
    return load_reference(read_data_file())


def market(code: str) -> MarketFacts:
    offer = reference().offers[code]
    currency = next(iter(offer.prices.values())).currency
    return MarketFacts(code=code, currency=currency, drive_side="rhd" if code in RHD else "lhd")


def check(code: str, model: str, trim: str, *options: str, offer: Offer | None = None) -> Verdict:
    build = Configuration(model=model, trim=trim, options=options)
    return policies.check_configuration(
        reference().catalogue, market(code), offer or reference().offers[code], build
    )


def rules(verdict: Verdict) -> list[str]:
    return [v.rule for v in verdict.violations]


def test_a_valid_build_in_china_is_priced_in_yuan() -> None:
    verdict = check("CN", "lumen_sedan", "comfort", *PAINT_AND_WHEELS, "camera_pack", "acc")

    assert verdict.valid
    assert [line.code for line in verdict.lines] == [
        "lumen_sedan", "comfort", "paint_glacier_white", "wheels_17", "camera_pack", "acc"
    ]  # fmt: skip
    assert verdict.lines[0].amount_minor == 114_000_00
    assert verdict.total_minor == sum(line.amount_minor for line in verdict.lines)
    assert 120_000_00 < verdict.total_minor < 160_000_00


def test_the_young_line_is_the_cheapest_way_into_a_sedan_in_china() -> None:
    young = check("CN", "lumen_sedan", "young", "paint_lime_pop", "wheels_16")
    base = check("CN", "lumen_sedan", "base", "paint_glacier_white", "wheels_16")

    assert young.valid
    assert base.valid
    assert young.total_minor < base.total_minor


@pytest.mark.parametrize(
    ("market_code", "model", "trim", "options", "rule", "subject"),
    [
        ("GB", "lumen_sedan", "base", PAINT_AND_WHEELS, "market.body_style", {"model": "lumen_sedan"}),
        ("CN", "terra", "young", ("paint_lime_pop", "wheels_16"), "trim.body_style", {"trim": "young"}),
        ("DE", "lumen_hatch", "young", ("paint_lime_pop", "wheels_16"), "trim.market", {"trim": "young"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "hud"), "option.trim", {"option": "hud"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "acc"), "option.requires", {"option": "acc", "requires": "camera_pack"}),
        ("PL", "terra", "base", (*PAINT_AND_WHEELS, "tow_bar"), "option.requires", {"option": "tow_bar", "requires": "trailer_prep"}),
        ("DE", "vela", "premium", (*PAINT_AND_WHEELS, "panoramic_roof", "roof_rails"), "option.excludes", {"option": "roof_rails", "excludes": "panoramic_roof"}),
        ("GB", "vela", "premium", (*PAINT_AND_WHEELS, "hud"), "option.drive_side", {"option": "hud", "drive_side": "rhd"}),
        ("IE", "terra", "premium", (*PAINT_AND_WHEELS, "passenger_display"), "option.drive_side", {"option": "passenger_display"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "kerb_camera"), "option.drive_side", {"option": "kerb_camera", "drive_side": "lhd"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "jetpack"), "option.unknown", {"option": "jetpack"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "winter_pack", "winter_pack"), "option.duplicate", {"option": "winter_pack"}),
        ("DE", "vela", "comfort", ("paint_glacier_white",), "option.group_required", {"group": "wheels"}),
        ("DE", "vela", "comfort", (*PAINT_AND_WHEELS, "paint_midnight_blue"), "option.group_exclusive", {"group": "paint", "option": "paint_midnight_blue"}),
        ("DE", "hovercar", "comfort", PAINT_AND_WHEELS, "model.unknown", {"model": "hovercar"}),
        ("DE", "vela", "sport", PAINT_AND_WHEELS, "trim.unknown", {"trim": "sport"}),
    ],
)  # fmt: skip
def test_each_rule_is_named_with_what_breaks_it(
    market_code: str,
    model: str,
    trim: str,
    options: tuple[str, ...],
    rule: str,
    subject: dict[str, str],
) -> None:
    verdict = check(market_code, model, trim, *options)

    assert not verdict.valid
    assert not verdict.lines
    broken = [v.as_dict() for v in verdict.violations if v.rule == rule]
    assert broken, rules(verdict)
    assert any(subject.items() <= found.items() for found in broken), broken
    assert all(found["message"] for found in broken)


def test_a_price_missing_from_the_market_list_is_a_violation() -> None:
    offer = reference().offers["DE"]
    prices = {code: money for code, money in offer.prices.items() if code != "winter_pack"}
    thinner = replace(offer, prices=MappingProxyType(prices))

    verdict = check("DE", "vela", "comfort", *PAINT_AND_WHEELS, "winter_pack", offer=thinner)

    assert [v.as_dict()["item"] for v in verdict.violations] == ["winter_pack"]
    assert rules(verdict) == ["price.missing"]


def test_a_price_in_another_currency_counts_as_missing() -> None:
    euro_prices = reference().offers["DE"].prices
    verdict = check("PL", "vela", "comfort", *PAINT_AND_WHEELS, offer=replace(
        reference().offers["PL"], prices=euro_prices
    ))  # fmt: skip

    assert set(rules(verdict)) == {"price.missing"}
    assert {v.as_dict()["currency"] for v in verdict.violations} == {"PLN"}


PREMIUM_MARKETS = sorted(c for c, offer in reference().offers.items() if "premium" in offer.trims)


@pytest.mark.parametrize("code", PREMIUM_MARKETS)
def test_right_hand_drive_excludes_the_head_up_display_only_in_gb_and_ie(code: str) -> None:
    offer = reference().offers[code]
    model = next(
        m for m in reference().catalogue.models.values() if m.body_style in offer.body_styles
    )

    verdict = check(code, model.code, "premium", *PAINT_AND_WHEELS, "hud")

    assert ("option.drive_side" in rules(verdict)) == (code in RHD)


def test_a_market_offer_lists_nothing_its_drive_side_cannot_have() -> None:
    catalogue = reference().catalogue
    gb = {o.code for o in policies.offered_options(catalogue, reference().offers["GB"], "rhd")}
    de = {o.code for o in policies.offered_options(catalogue, reference().offers["DE"], "lhd")}

    assert {"hud", "passenger_display"} <= de - gb
    assert "kerb_camera" in gb - de
    assert "paint_lime_pop" not in de  # young-only colours go where the young line goes


# Properties ------------------------------------------------------------------------------------

OPTION_CODES = sorted(reference().catalogue.options)
Build = tuple[str, str, str, list[str]]


@st.composite
def builds(draw: st.DrawFn) -> Build:
    """Builds near the valid ones: an offered model and trim, one paint, one wheel set, extras."""
    catalogue = reference().catalogue
    code = draw(st.sampled_from(["DE", "GB", "CN", "TR"]))
    offer = reference().offers[code]
    model = draw(st.sampled_from(policies.offered_models(catalogue, offer)))
    trim = draw(st.sampled_from(policies.offered_trims(catalogue, offer))).code
    members = [o for o in catalogue.options.values() if trim in o.trims or draw(st.booleans())]
    chosen = [
        draw(st.sampled_from([o.code for o in members if o.group == group]))
        for group in catalogue.groups
    ]
    extras = draw(st.lists(st.sampled_from(OPTION_CODES), max_size=4))
    return code, model.code, trim, draw(st.permutations([*chosen, *extras]))


@settings(max_examples=300, deadline=None)
@given(builds())
def test_an_accepted_build_satisfies_every_rule(build: Build) -> None:
    code, model, trim, options = build
    verdict = check(code, model, trim, *options)
    event("accepted" if verdict.valid else "rejected")
    if not verdict.valid:
        return
    catalogue = reference().catalogue
    chosen = [catalogue.options[o] for o in options]
    assert len(set(options)) == len(options)
    assert all(needed in options for o in chosen for needed in o.requires)
    assert not any(other in options for o in chosen for other in o.excludes)
    assert all(trim in o.trims and market(code).drive_side in o.drive_sides for o in chosen)
    assert sorted(o.group for o in chosen if o.group) == sorted(catalogue.groups)
    assert verdict.total_minor == sum(line.amount_minor for line in verdict.lines)


@settings(max_examples=300, deadline=None)
@given(builds(), st.sampled_from(OPTION_CODES))
def test_adding_an_option_never_removes_a_requirement_of_another(build: Build, extra: str) -> None:
    code, model, trim, options = build

    def missing(verdict: Verdict) -> set[tuple[str, str]]:
        found = (v.as_dict() for v in verdict.violations if v.rule == "option.requires")
        return {(v["option"], v["requires"]) for v in found}

    before = missing(check(code, model, trim, *options))
    after = missing(check(code, model, trim, *options, extra))

    assert {(o, needed) for o, needed in before if needed != extra} <= after


@settings(max_examples=200, deadline=None)
@given(builds(), st.randoms(use_true_random=False))
def test_the_order_of_options_changes_which_rules_break_not_whether(
    build: Build, rng: random.Random
) -> None:
    code, model, trim, options = build
    shuffled = list(options)
    rng.shuffle(shuffled)

    first, second = check(code, model, trim, *options), check(code, model, trim, *shuffled)

    assert sorted(rules(first)) == sorted(rules(second))
    assert first.total_minor == second.total_minor
