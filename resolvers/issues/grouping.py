"""Common demands: grouping open issues that look like one underlying problem.

Pure functions over plain values (no database, no viewer): `resolvers/issues/demands.py`
reads the candidates (one statement, bucketed by category and township) and decides what
the viewer may see; this module only compares texts and places.

- **Wording.** Text is cut into tokens without a segmenter: every run of CJK characters
  gives its character bigrams (`暖气片不热` → 暖气 气片 片不 不热; a lone character stays
  itself), every run of letters or digits its lower-cased word. Two issues' wording is
  their Dice coefficient over the token sets of title + description (the description's
  first `TEXT_CHARS` characters): 2·|A∩B| / (|A|+|B|). Bigrams carry most of Chinese's
  meaning at this length (暖气, 不热, 停水) and need no dictionary, so dialect words and
  new place names work as well as common ones.
- **Place.** Two issues are near when they are in the same township (its villages and
  courtyards: the neighbours a township's heating or water network serves), or when both
  carry a location (`reportIssue`'s `location`) within `distance_m` metres, whatever their
  townships.
- **Groups** are the connected components of "same category, near, similar enough"
  (single linkage): a burst where each report resembles some other one is one group.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

TEXT_CHARS = 300  # of a description: bounded work per issue, and the gist is up front
KEYWORDS = 5
CENTRAL_SAMPLE = 50
EARTH_RADIUS_M = 6_371_000.0
# CJK unified ideographs (with extension A and compatibility ones); anything else that is a
# letter or digit forms words.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def tokens(text: str) -> frozenset[str]:
    """Character bigrams of CJK runs, lower-cased words of the rest."""
    out: set[str] = set()
    for cjk, word in _RUNS.findall(text):
        if cjk:
            out.update(cjk[i : i + 2] for i in range(max(len(cjk) - 1, 1)))
        elif len(word) > 1 or word.isdigit():
            out.add(word.lower())
    return frozenset(out)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two token sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class Candidate:
    """One open issue, as far as grouping needs it. `point` only when the viewer may see it."""

    id: int
    category: Hashable
    township: int | None
    title: str
    text: str  # title + the start of the description
    point: tuple[float, float] | None = None
    bag: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        self.bag = tokens(self.text)


@dataclass
class Group:
    members: list[Candidate]  # by id

    def title(self) -> str:
        """The title of the member worded most like the others (of the first
        `CENTRAL_SAMPLE`: a large group's centre does not need every pair)."""
        sample = self.members[:CENTRAL_SAMPLE]
        central = max(sample, key=lambda c: (sum(similarity(c.bag, o.bag) for o in sample), -c.id))
        return central.title

    def keywords(self) -> list[str]:
        return keywords(self.members)


def group(
    candidates: Sequence[Candidate], *, threshold: float, distance: float, min_size: int
) -> list[Group]:
    """Groups of at least `min_size` candidates, largest first (then oldest id first).
    Describing one (`title`, `keywords`) is left to the groups a page shows."""
    parent = {c.id: c.id for c in candidates}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def link(a: Candidate, b: Candidate) -> None:
        ra, rb = root(a.id), root(b.id)
        if ra != rb and similarity(a.bag, b.bag) >= threshold:
            parent[max(ra, rb)] = min(ra, rb)

    for pairs in (_same_township(candidates), _close(candidates, distance)):
        for a, b in pairs:
            link(a, b)
    members: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        members[root(c.id)].append(c)
    groups = [
        Group(sorted(m, key=lambda c: c.id)) for m in members.values() if len(m) >= max(min_size, 2)
    ]
    groups.sort(key=lambda g: (-len(g.members), g.members[0].id))
    return groups


def _same_township(candidates: Sequence[Candidate]) -> Iterable[tuple[Candidate, Candidate]]:
    buckets: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.township is not None:
            buckets[(c.category, c.township)].append(c)
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                yield a, b


def _close(
    candidates: Sequence[Candidate], distance: float
) -> Iterable[tuple[Candidate, Candidate]]:
    """Located pairs of one category in different townships within `distance` metres: a
    grid of cells about `distance` wide, each point compared with its own and the
    neighbouring cells only."""
    if distance <= 0:
        return
    cell = distance / 111_000.0  # degrees of latitude; longitude cells widen with cos(lat)
    grid: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.point is not None:
            grid[(c.category, math.floor(c.point[0] / cell), _lon_cell(c.point, cell))].append(c)
    for (category, y, x), here in grid.items():
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for b in grid.get((category, y + dy, x + dx), ()):
                    for a in here:
                        if (
                            a.id < b.id
                            and (a.township != b.township or a.township is None)
                            and distance_m(a.point, b.point) <= distance  # type: ignore[arg-type]
                        ):
                            yield a, b


def _lon_cell(point: tuple[float, float], cell: float) -> int:
    # Cells at least `distance` wide in metres up to 60° of latitude (all of China), wider
    # further south: a pair within `distance` is always in neighbouring cells.
    return math.floor(point[1] * math.cos(math.radians(60)) / cell)


def keywords(members: Sequence[Candidate]) -> list[str]:
    """What at least half of the group says: tokens shared that widely, joined back into
    the phrases they form in the texts (暖气 / 只有十几度), ranked by how many titles hold
    them (a title is the reporter's own summary), then how many texts, then length; a
    phrase inside one kept before, with no more support, goes."""
    counts = Counter(t for c in members for t in c.bag)
    wide = {t for t, n in counts.items() if n >= 2 and n * 2 >= len(members)}
    phrases: dict[str, int] = {}  # phrase -> first appearance
    for c in members:
        for phrase in _runs_of(c.text, wide):
            phrases.setdefault(phrase, len(phrases))
    support = {p: sum(p in c.text.lower() for c in members) for p in phrases}
    titled = {p: sum(p in c.title.lower() for c in members) for p in phrases}
    ranked = sorted(
        (p for p in phrases if support[p] >= 2 and support[p] * 2 >= len(members)),
        key=lambda p: (-titled[p], -support[p], -len(p), phrases[p]),
    )
    kept: list[str] = []
    for p in ranked:
        if not any(p in k and support[p] <= support[k] for k in kept):
            kept.append(p)
    return kept[:KEYWORDS]


def _runs_of(text: str, wide: set[str]) -> list[str]:
    """The maximal runs of consecutive `wide` bigrams in the text's CJK runs, as the text
    spells them, and its `wide` words."""
    out: list[str] = []
    for cjk, word in _RUNS.findall(text):
        if word:
            if word.lower() in wide:
                out.append(word.lower())
            continue
        start = None
        for i in range(max(len(cjk) - 1, 1)):
            if cjk[i : i + 2] in wide:
                start = i if start is None else start
            elif start is not None:
                out.append(cjk[start : i + 1])
                start = None
        if start is not None:
            out.append(cjk[start:])
    return out
