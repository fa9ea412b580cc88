"""Fellegi–Sunter comparisons: how two records agree, field by field, as ordered levels.

A `Comparison` turns a pair of records into one level index (0 = strongest agreement, the last
level = "else", `NULL` = either side missing). The model (`model.py`) attaches m and u
probabilities to each level; a level's weight is log2(m/u) and a missing value weighs 0.

The framework is generic over the record type so that the FEBRL benchmark can reuse it;
`PERSON_COMPARISONS` is the customer set, on `PersonRecord`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations
from typing import Generic, TypeVar

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from forecourt.customer.matching.records import PersonRecord

R = TypeVar("R")
#: The level of a pair where either side has no value: it contributes weight 0.
NULL = -1
_JW = JaroWinkler.similarity
_LEV = Levenshtein.distance
_DLEV = DamerauLevenshtein.distance


@dataclass(frozen=True, slots=True)
class Comparison(Generic[R]):
    """One field-level comparison: name, ordered level labels and the level function.

    `tf_levels` are the levels whose u is replaced by the term frequency of the compared value
    (`tf_value` gives that value for one record); usually just the exact level 0. With
    `tf_raise` False a frequency may only lower the weight (for identifiers: a shared phone
    counts less, but a unique one counts no more than the trained u says). `present`
    says whether one record has a value at all (shown to the reviewer for null levels).
    """

    name: str
    levels: tuple[str, ...]
    level_of: Callable[[R, R], int]
    present: Callable[[R], bool]
    tf_value: Callable[[R], str | None] | None = None
    tf_levels: tuple[int, ...] = (0,)
    tf_raise: bool = True

    def label(self, level: int) -> str:
        """The reviewer-facing label of a level, e.g. "phone: exact"."""
        return f"{self.name}: {'null' if level == NULL else self.levels[level]}"


# --- generic building blocks (used by the FEBRL benchmark and by tests) ---------------------


def _graded(
    name: str,
    get: Callable[[R], str | None],
    grade: Callable[[str, str], int],
    middle_labels: tuple[str, ...],
    tf: bool,
) -> Comparison[R]:
    """Null when a side is missing / exact / the levels `grade` gives two different values."""

    def level_of(a: R, b: R) -> int:
        x, y = get(a), get(b)
        if not x or not y:
            return NULL
        return 0 if x == y else grade(x, y)

    labels = ("exact", *middle_labels, "else")
    return Comparison(name, labels, level_of, lambda r: bool(get(r)), get if tf else None)


def string_comparison(
    name: str,
    get: Callable[[R], str | None],
    jw_thresholds: tuple[float, ...] = (0.92, 0.8),
    *,
    tf: bool = False,
) -> Comparison[R]:
    """Exact / Jaro-Winkler at each threshold (descending) / else; TF on exact if `tf`."""

    def grade(x: str, y: str) -> int:
        sim = _JW(x, y)
        return next((i for i, t in enumerate(jw_thresholds, 1) if sim >= t), len(jw_thresholds) + 1)

    labels = tuple(f"jaro-winkler >= {t}" for t in jw_thresholds)
    return _graded(name, get, grade, labels, tf)


def edit_comparison(
    name: str,
    get: Callable[[R], str | None],
    max_edits: tuple[int, ...] = (1, 2),
    *,
    tf: bool = False,
) -> Comparison[R]:
    """Exact / Damerau-Levenshtein ≤ each bound (ascending) / else: for ids, codes and dates."""

    def grade(x: str, y: str) -> int:
        d = _DLEV(x, y, score_cutoff=max_edits[-1] + 1) if max_edits else 1
        return next((i for i, k in enumerate(max_edits, 1) if d <= k), len(max_edits) + 1)

    labels = tuple(f"edits <= {k}" for k in max_edits)
    return _graded(name, get, grade, labels, tf)


def exact_comparison(
    name: str, get: Callable[[R], str | None], *, tf: bool = False
) -> Comparison[R]:
    """Exact / else."""
    return edit_comparison(name, get, (), tf=tf)


# --- the customer comparisons ------------------------------------------------------------------

NAME_LEVELS = (
    "hanzi exact",  # both written in Hanzi, same characters: the strongest name evidence
    "exact",  # same token set (Latin or pinyin), no Hanzi contradiction
    "same pinyin, different hanzi",  # 张伟/张玮: homophones are often different people
    "joined equal",  # "xiaoming" vs "xiao ming": same letters, different token split
    "jaro-winkler >= 0.95",  # one typo in a long name
    "jaro-winkler >= 0.88",  # a couple of typos, or a short-name typo
    "subset",  # "wei" vs "wang wei", "john smith" vs "john a smith"
    "else",
)


def _joined_variants(tokens: tuple[str, ...]) -> set[str]:
    """Every concatenation of the tokens in any order (names have ≤ 4 tokens in practice)."""
    if len(tokens) > 4:
        return {"".join(tokens)}
    return {"".join(p) for p in permutations(tokens)}


def joined_equal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when the two token lists spell the same letters with a different split."""
    ja, jb = "".join(a), "".join(b)
    # Cheap filters first: most non-matching pairs differ in length or letters.
    if len(ja) != len(jb) or sorted(ja) != sorted(jb):
        return False
    return not _joined_variants(a).isdisjoint(_joined_variants(b))


def _name_level(a: PersonRecord, b: PersonRecord) -> int:
    """The name level: Hanzi first (when both have it), then the Latin/pinyin tokens."""
    ta, tb = a.name_tokens, b.name_tokens
    if not ta or not tb:
        return NULL
    both_hanzi = a.name_hanzi is not None and b.name_hanzi is not None
    if both_hanzi and a.name_hanzi == b.name_hanzi:
        return 0
    if ta == tb:
        return 2 if both_hanzi else 1
    if joined_equal(ta, tb):
        return 3
    return _fuzzy_name_level(ta, tb)


def _fuzzy_name_level(ta: tuple[str, ...], tb: tuple[str, ...]) -> int:
    """Jaro-Winkler on the joined sorted tokens, then token subset, else."""
    sim = _JW(" ".join(ta), " ".join(tb), score_cutoff=0.88)
    if sim >= 0.95:
        return 4
    if sim >= 0.88:
        return 5
    sa, sb = set(ta), set(tb)
    if sa <= sb or sb <= sa:
        return 6
    return 7


def _name_tf_value(r: PersonRecord) -> str | None:
    """The value whose frequency counts for name agreement: the Hanzi, else the tokens."""
    if r.name_hanzi:
        return r.name_hanzi
    return " ".join(r.name_tokens) or None


def _phone_level(a: PersonRecord, b: PersonRecord) -> int:
    """Exact E.164 / same last 8 digits (country code or trunk prefix mis-parsed) / else."""
    x, y = a.phone, b.phone
    if not x or not y:
        return NULL
    if x == y:
        return 0
    return 1 if len(x) >= 9 and len(y) >= 9 and x[-8:] == y[-8:] else 2


def _email_level(a: PersonRecord, b: PersonRecord) -> int:
    """Exact / same local part at another domain, or one edit on the address / else."""
    x, y = a.email, b.email
    if not x or not y:
        return NULL
    if x == y:
        return 0
    if x.partition("@")[0] == y.partition("@")[0] or _LEV(x, y, score_cutoff=1) <= 1:
        return 1
    return 2


def _city_level(a: PersonRecord, b: PersonRecord) -> int:
    """Exact city / another city of the same country / else; null unless both cities are known.

    A country alone says almost nothing (the market decides it) and an unknown city is no
    disagreement, so neither may weigh against a pair that agrees on name and phone."""
    if a.city_id is None or b.city_id is None:
        return NULL
    if a.city_id == b.city_id:
        return 0
    return 1 if a.country and a.country == b.country else 2


def _city_tf_value(r: PersonRecord) -> str | None:
    """Agreeing on a megacity says less than agreeing on a small town."""
    return None if r.city_id is None else str(r.city_id)


PERSON_COMPARISONS: tuple[Comparison[PersonRecord], ...] = (
    # TF on the three "same name" levels: 王伟 agreeing is weak evidence, a rare name strong.
    Comparison(
        "name", NAME_LEVELS, _name_level, lambda r: bool(r.name_tokens), _name_tf_value, (0, 1, 3)
    ),
    # TF on exact phone/e-mail: a number shared by hundreds of leads (a dealer's desk phone,
    # a call-centre placeholder) must not count as a personal identifier.
    Comparison(
        "phone",
        ("exact", "same last 8 digits", "else"),
        _phone_level,
        lambda r: r.phone is not None,
        lambda r: r.phone,
        tf_raise=False,
    ),
    Comparison(
        "email",
        ("exact", "same local part or 1 edit", "else"),
        _email_level,
        lambda r: r.email is not None,
        lambda r: r.email,
        tf_raise=False,
    ),
    Comparison(
        "city",
        ("exact", "same country", "else"),
        _city_level,
        lambda r: r.city_id is not None or r.country is not None,
        _city_tf_value,
    ),
)
