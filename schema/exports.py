"""Download links for the issue exports (resolvers/dashboards/exports.py)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.dashboards import exports
from schema.common import graphql_enum


class IssueExportLayout(enum.Enum):
    ISSUES = "issues"
    EVENTS = "issue-events"


graphql_enum(
    IssueExportLayout,
    "How an issue export is laid out.",
    {
        IssueExportLayout.ISSUES: "One row per issue: its state, the first and last time of "
        "each lifecycle step with the handling level at it, and every step in `steps`.",
        IssueExportLayout.EVENTS: "One row per timeline event of the issues, for pivot tables.",
    },
)


@strawberry.type
class ExportQueries:
    @strawberry.field(
        description="A download link (CSV, UTF-8 with a BOM) of the issues reported in "
        "[from, to) in the region and below: signed, for the viewer's sign-in, valid for "
        "EXPORT_LINK_TTL seconds (a browser link cannot send a bearer token). For the "
        "region's officials and deputies; for anyone else the region is NOT_FOUND, as if "
        "missing. `from` after `to` is VALIDATION at `from`; a period longer than "
        "EXPORT_MAX_DAYS is VALIDATION at `from`. Times in the file are in `from`'s offset."
    )
    async def issue_export_url(
        self,
        info: Info,
        region_id: Annotated[
            strawberry.ID, strawberry.argument(description="The region (and all below it).")
        ],
        start: Annotated[
            datetime,
            strawberry.argument(name="from", description="Reported at or after this time."),
        ],
        end: Annotated[
            datetime, strawberry.argument(name="to", description="Reported before this time.")
        ],
        layout: Annotated[
            IssueExportLayout, strawberry.argument(description="One row per issue, or per event.")
        ] = IssueExportLayout.ISSUES,
    ) -> str:
        return await exports.export_url(info.context, region_id, start, end, layout.value)
