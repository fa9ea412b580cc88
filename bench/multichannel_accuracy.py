"""Multi-channel Chinese/European identity resolution accuracy: Forecourt beside Splink 5.

Run: .venv/bin/python bench/multichannel_accuracy.py [--persons 12000] [--seed 2026]
     → one JSON line.

The data set comes from `bench/people.py` (`multichannel`): about 2.3 leads a person through
web, dealer, multibrand, call-centre, live-broadcast, road-show, in-car and partner channels,
with the corruptions each channel brings; households sharing a phone or an e-mail are
different people. Metrics are pairwise over clusters: two leads of one person in one cluster
are a true pair, two leads of different people in one cluster a false one.

Forecourt is measured as the product behaves: every lead, in arrival order, goes through the
customer service's online `resolve_person` into a fresh SQLite database built by the
migrations; a lead queued for review is its own customer (not linked). First with the default
model ("untrained": what a new installation does), then, after `curation.train_model` estimated
the model from the stored identities, again from an empty database with that trained model.

Splink 5 (DuckDB) is given the same normalisation a careful user would prepare (E.164 phones,
case-folded e-mails, folded pinyin / Latin name tokens and simplified Hanzi, city ids), term
frequency adjustments on names, phones, e-mails and cities, the same blocking keys, λ from
deterministic rules, u from random sampling and m by EM, as its documentation recommends;
pairs at match probability ≥ 0.5 are clustered by connected components.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from sqlalchemy import select

from forecourt import migrations
from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.customer import curation, model_store
from forecourt.customer import service as customers
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.models import MatchReview, SourceIdentity, StoredMatchModel
from people import Lead, multichannel, pairs_of_clusters, truth_pairs

SPLINK_THRESHOLD = 0.5


def metrics(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    """Pairwise precision, recall and F1."""
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "pairs": len(predicted),
    }


def lead_kinds(leads: list[Lead]) -> dict[str, str]:
    """What each lead carries once normalised: a name and a contact, or only one of them."""
    kinds = {}
    for lead in leads:
        record = normalise_person(record_id=lead.source_id, **lead.fields()).record
        contact = record.phone is not None or record.email is not None
        if record.name_tokens and contact:
            kinds[lead.source_id] = "name_and_contact"
        else:
            kinds[lead.source_id] = "contact_only" if contact else "name_only"
    return kinds


def recall_by_kind(
    predicted: set[tuple[str, str]], truth: set[tuple[str, str]], kinds: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Recall over the true pairs whose two leads both carry a name and a contact, and over
    those involving a lead with only a contact or only a name (share of all true pairs too)."""
    groups: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for a, b in truth:
        pair_kinds = {kinds[a], kinds[b]}
        if pair_kinds == {"name_and_contact"}:
            groups["both_name_and_contact"].add((a, b))
        for kind in pair_kinds - {"name_and_contact"}:
            groups[f"involves_{kind}"].add((a, b))
    return {
        group: {
            "share_of_true_pairs": round(len(pairs) / len(truth), 4),
            "recall": round(len(pairs & predicted) / len(pairs), 4),
        }
        for group, pairs in sorted(groups.items())
    }


def contact_ceiling(leads: list[Lead], truth: set[tuple[str, str]]) -> dict[str, float]:
    """What a linker that knew the truth but linked only on a shared contact could reach:
    each person's leads joined wherever two share a normalised phone or e-mail (in chains),
    never a wrong pair. The true pairs left out are joined by a name alone, or nothing."""
    first_with: dict[tuple[int, str | None, str | None], str] = {}  # a person's contact → lead
    joins = []
    for lead in leads:
        record = normalise_person(record_id=lead.source_id, **lead.fields()).record
        for contact in ((record.phone, None), (None, record.email)):
            if contact != (None, None):
                first = first_with.setdefault((lead.person_id, *contact), lead.source_id)
                joins.append((lead.source_id, first))
    alone = {lead.source_id: lead.source_id for lead in leads}
    recall = len(pairs_of_clusters(_clusters(alone, joins).values())) / len(truth) if truth else 0.0
    return {"recall": round(recall, 4), "f1_at_precision_1": round(2 * recall / (1 + recall), 4)}


# --- Forecourt, through the online service --------------------------------------------------


def _database(folder: Path, name: str) -> Container:
    """A migrated, empty SQLite database and the container wired to it."""
    url = f"sqlite:///{folder / name}"
    migrations.upgrade(url)
    model_store.forget()  # the process-wide model cache must not outlive its database
    return bootstrap(Settings(database_url=url))


def resolve_all(container: Container, leads: list[Lead]) -> float:
    """Every lead through `resolve_person`, one transaction each; seconds taken."""
    started = time.perf_counter()
    for lead in leads:
        person = normalise_person(record_id=lead.source_id, **lead.fields())
        customers.resolve_person(
            container.uow(), person=person, channel=lead.channel, source_id=lead.source_id
        )
    return time.perf_counter() - started


def outcome_of(
    container: Container, leads: list[Lead], truth: set[tuple[str, str]], kinds: dict[str, str]
) -> dict[str, Any]:
    """Pairwise metrics of the stored customers, how the leads were decided, and what the
    review queue would add: every item accepted, or each decided rightly by a person."""
    person = {lead.source_id: lead.person_id for lead in leads}
    with container.session_factory() as session:
        identities = session.execute(
            select(
                SourceIdentity.id,
                SourceIdentity.source_id,
                SourceIdentity.customer_id,
                SourceIdentity.match_outcome,
            )
        ).all()
        reviews = session.execute(
            select(MatchReview.identity_id, MatchReview.candidate_customer_id)
        ).all()
    customer_of = {str(i): str(c) for i, _, c, _ in identities}
    source_of = {str(c): str(s) for _, s, c, _ in identities}  # any one identity per customer
    decided: dict[str, int] = defaultdict(int)
    for *_, outcome in identities:
        decided[str(outcome)] += 1
    merges = [(customer_of[str(i)], str(c)) for i, c in reviews]
    rightly = [(a, b) for a, b in merges if person[source_of[a]] == person[source_of[b]]]
    base = {str(s): str(c) for _, s, c, _ in identities}
    linked = pairs_of_clusters(_clusters(base, []).values())
    return {
        **metrics(linked, truth),
        "outcomes": dict(decided),
        "recall_by_kind": recall_by_kind(linked, truth, kinds),
        "reviews_all_accepted": metrics(pairs_of_clusters(_clusters(base, merges).values()), truth),
        "reviews_decided_rightly": metrics(
            pairs_of_clusters(_clusters(base, rightly).values()), truth
        ),
    }


def _clusters(customer_of: dict[str, str], merges: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Source ids grouped by customer after the given customer merges (union-find)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in merges:
        parent[root(a)] = root(b)
    clusters: dict[str, list[str]] = defaultdict(list)
    for source_id, customer in customer_of.items():
        clusters[root(customer)].append(source_id)
    return clusters


def run_forecourt(
    leads: list[Lead], truth: set[tuple[str, str]], kinds: dict[str, str]
) -> dict[str, Any]:
    """Untrained pass, training on what it stored, then the trained pass on a fresh database."""
    # On tmpfs where there is one: a commit per lead should cost the service, not the disk.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        first = _database(Path(tmp), "untrained.db")
        untrained_s = resolve_all(first, leads)
        untrained = outcome_of(first, leads, truth, kinds)
        started = time.perf_counter()
        version = curation.train_model(first.uow())
        train_s = time.perf_counter() - started
        model_json = _model_json(first, version)
        first.engine.dispose()
        second = _database(Path(tmp), "trained.db")
        _install_model(second, version, model_json, len(leads))
        trained_s = resolve_all(second, leads)
        trained = outcome_of(second, leads, truth, kinds)
        second.engine.dispose()
    model_store.forget()
    return {
        **trained,
        "seconds": round(trained_s, 1),
        "ms_per_lead": round(trained_s / len(leads) * 1000, 2),
        "train_seconds": round(train_s, 1),
        "model_version": version,
        "untrained": {**untrained, "seconds": round(untrained_s, 1)},
    }


def _model_json(container: Container, version: str) -> str:
    with container.session_factory() as session:
        stored = session.get(StoredMatchModel, version)
        assert stored is not None  # training stored it under this version
        return stored.model_json


def _install_model(container: Container, version: str, model_json: str, records: int) -> None:
    """Make a trained model the active one of a fresh database (as training would have)."""
    with container.session_factory() as session:
        session.add(
            StoredMatchModel(
                version=version,
                trained_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
                records=records,
                model_json=model_json,
                active=True,
            )
        )
        session.commit()
    model_store.forget()


# --- Splink 5, set up carefully ------------------------------------------------------------


def splink_row(record: PersonRecord) -> dict[str, str | None]:
    """The columns a careful Splink user would prepare from one normalised person."""
    name = " ".join(record.name_tokens) or None
    return {
        "unique_id": record.record_id,
        "name": name,
        "name_joined": name.replace(" ", "") if name else None,
        "name_hanzi": record.name_hanzi,
        "phone": record.phone,
        "phone8": record.phone[-8:] if record.phone and len(record.phone) >= 9 else None,
        "email": record.email,
        "city": None if record.city_id is None else str(record.city_id),
        "country": record.country,
    }


def splink_frame(leads: list[Lead]) -> pd.DataFrame:
    """One row per lead, normalised as Forecourt normalises it."""
    return pd.DataFrame(
        [
            splink_row(normalise_person(record_id=lead.source_id, **lead.fields()).record)
            for lead in leads
        ]
    )


def splink_settings() -> SettingsCreator:
    """Comparisons, TF adjustments and blocking rules for the normalised columns."""
    name = cl.CustomComparison(
        [
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name_hanzi", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_joined"),
            cll.JaroWinklerLevel("name", 0.92),
            cll.JaroWinklerLevel("name", 0.8),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    phone = cl.CustomComparison(
        [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone", term_frequency_adjustments=True),
            cll.ExactMatchLevel("phone8"),
            cll.ElseLevel(),
        ],
        output_column_name="phone",
    )
    city = cl.CustomComparison(
        [
            cll.NullLevel("city"),
            cll.ExactMatchLevel("city", term_frequency_adjustments=True),
            cll.ExactMatchLevel("country"),
            cll.ElseLevel(),
        ],
        output_column_name="city",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            name,
            phone,
            cl.EmailComparison("email").configure(term_frequency_adjustments=True),
            city,
        ],
        blocking_rules_to_generate_predictions=splink_blocking(),
        retain_intermediate_calculation_columns=False,
    )


def splink_blocking() -> list[Any]:
    """The same candidate keys Forecourt stores: phone, its last 8 digits, e-mail, names."""
    return [
        block_on("phone"),
        block_on("phone8"),
        block_on("email"),
        block_on("name", "city"),
        block_on("name_joined", "city"),
        block_on("name_hanzi", "city"),
        block_on("name", "country"),
    ]


def train_splink(linker: Linker) -> None:
    """λ from deterministic rules, u by random sampling, m by EM on two blocking passes."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("phone", "name"), block_on("email", "name")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("phone"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name", "city"), estimate_without_term_frequencies=True
    )


def run_splink(
    leads: list[Lead], truth: set[tuple[str, str]], kinds: dict[str, str]
) -> dict[str, Any]:
    """Train, predict at p ≥ 0.5, cluster; metrics on the raw pairs and on the clusters."""
    started = time.perf_counter()
    frame = splink_frame(leads)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), splink_settings())
    train_splink(linker)
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD)
    pairs_df = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    raw = {
        (min(a, b), max(a, b))
        for a, b in zip(pairs_df["unique_id_l"], pairs_df["unique_id_r"], strict=True)
    }
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, SPLINK_THRESHOLD
    ).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    grouped = clusters.groupby("cluster_id")["unique_id"].apply(list)
    clustered = pairs_of_clusters(grouped.tolist())
    return {
        **metrics(clustered, truth),
        "recall_by_kind": recall_by_kind(clustered, truth, kinds),
        "threshold_match_probability": SPLINK_THRESHOLD,
        "pairwise_predictions": metrics(raw, truth),
        "seconds": round(time.perf_counter() - started, 1),
        "train_seconds": round(trained - started, 1),
    }


def main() -> None:
    """Generate the data, run both engines, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-splink", action="store_true", help="measure Forecourt only")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)  # one JSON line, nothing else
    leads = multichannel(args.persons, args.seed)
    truth = truth_pairs(leads)
    kinds = lead_kinds(leads)
    result: dict[str, Any] = {
        "dataset": "multichannel",
        "persons": args.persons,
        "records": len(leads),
        "true_pairs": len(truth),
        "seed": args.seed,
        "contact_ceiling": contact_ceiling(leads, truth),
        "forecourt": run_forecourt(leads, truth, kinds),
    }
    if not args.no_splink:
        result["splink"] = run_splink(leads, truth, kinds)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
