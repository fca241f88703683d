"""How long each handling level has to accept and to resolve an issue, per category.

Defaults follow the platforms we serve: most things in days, heating and water in hours
(Yuci's heating hotline answers within two hours). `ISSUE_DEADLINES` overrides any cell:
    {"HEATING": {"VILLAGE": {"accept": "1h", "resolve": "6h"}}, "*": {"*": {"accept": "2d"}}}
A category or level of "*" applies to all.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from models.issues import IssueCategory
from models.regions import LEVEL_ORDER, RegionLevel

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text)
    if not match:
        raise ValueError(f"bad duration {text!r}: use e.g. 90s, 30m, 2h, 5d")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class Window:
    accept: timedelta
    resolve: timedelta


def _w(accept: str, resolve: str) -> Window:
    return Window(parse_duration(accept), parse_duration(resolve))


_STANDARD = {
    RegionLevel.COURTYARD: _w("1d", "3d"),
    RegionLevel.VILLAGE: _w("1d", "5d"),
    RegionLevel.TOWNSHIP: _w("2d", "7d"),
    RegionLevel.COUNTY: _w("3d", "15d"),
}
_URGENT = {
    IssueCategory.HEATING: {
        RegionLevel.COURTYARD: _w("2h", "12h"),
        RegionLevel.VILLAGE: _w("2h", "24h"),
        RegionLevel.TOWNSHIP: _w("4h", "2d"),
        RegionLevel.COUNTY: _w("8h", "3d"),
    },
    IssueCategory.WATER: {
        RegionLevel.COURTYARD: _w("6h", "1d"),
        RegionLevel.VILLAGE: _w("6h", "2d"),
        RegionLevel.TOWNSHIP: _w("12h", "3d"),
        RegionLevel.COUNTY: _w("1d", "5d"),
    },
}


class Deadlines:
    def __init__(self, overrides: dict | None = None) -> None:
        self.table = {c: dict(_URGENT.get(c, _STANDARD)) for c in IssueCategory}
        for cat_name, levels in (overrides or {}).items():
            cats = list(IssueCategory) if cat_name == "*" else [IssueCategory[cat_name]]
            for level_name, cell in levels.items():
                lvls = LEVEL_ORDER if level_name == "*" else [RegionLevel[level_name]]
                for c in cats:
                    for lv in lvls:
                        old = self.table[c][lv]
                        self.table[c][lv] = Window(
                            parse_duration(cell["accept"]) if "accept" in cell else old.accept,
                            parse_duration(cell["resolve"]) if "resolve" in cell else old.resolve,
                        )

    def window(self, category: IssueCategory, level: RegionLevel) -> Window:
        return self.table[category][level]


@functools.lru_cache(maxsize=8)
def deadlines_from_json(text: str) -> Deadlines:
    return Deadlines(json.loads(text or "{}"))
