"""The performance file as PDF and CSV, at authenticated URLs:
`GET /deputies/{id}/performance.pdf?from=2026-01-01&to=2026-12-31` (and `.csv`) with
`Authorization: Bearer <token>`, for whoever may read it through the API (the deputy, the
officials whose jurisdiction covers the constituency). A deputy the viewer may not read
this file of is 404, as if there were none.

The PDF embeds (a subset of) a CJK TrueType font installed on the system (Debian's
fonts-wqy-zenhei or fonts-noto-cjk): nothing is downloaded at run time.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.db import Database, Reads
from core.errors import UserFailure, language
from core.http import RequestError
from core.identity import bearer_token, load_viewer
from core.ids import parse_id
from models.deputies import Deputy
from resolvers.deputies import policy
from resolvers.deputies.performance import PerformanceFile, performance_file

FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


def cjk_font() -> Path:
    for path in FONTS:
        if path.exists():
            return path
    raise RuntimeError("no CJK font: apt-get install fonts-wqy-zenhei (see README)")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _sources(figure) -> str:
    """The rows a figure counts, as references a reader can look up."""
    refs = [f"R{r.id}" for r in figure.records]
    refs += [f"M{m.id}" for m in figure.messages]
    refs += [i.number or f"I{i.id}" for i in figure.issues]
    return " ".join(refs)


def to_csv(file: PerformanceFile, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["deputy", file.deputy.name])
    writer.writerow(["from", file.start.isoformat(), "to", file.end.isoformat()])
    writer.writerow(["days_in_office", file.days_in_office])
    writer.writerow(
        ["figure", "label", "value", "per_30_days_in_office", "verified", "records", "messages",
         "issues"]
    )  # fmt: skip
    for f in file.figures:
        writer.writerow(
            [
                f.key,
                f.label(lang),
                _number(f.value) if f.value is not None else "",
                "" if f.per_30_days is None else _number(f.per_30_days),
                "" if f.verified is None else f.verified,
                " ".join(f"R{r.id}" for r in f.records),
                " ".join(f"M{m.id}" for m in f.messages),
                " ".join(i.number or f"I{i.id}" for i in f.issues),
            ]
        )
    # A BOM, so spreadsheet programs read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def to_pdf(file: PerformanceFile, lang: str) -> bytes:
    zh = lang != "en"
    pdf = FPDF()
    pdf.set_title(f"{file.deputy.name} {'履职档案' if zh else 'performance file'}")
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    title = "履职档案" if zh else "Performance file"
    pdf.multi_cell(0, 10, f"{file.deputy.name} {title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    period = f"{file.start.isoformat()} — {file.end.isoformat()}"
    days = (
        f"期间：{period}；期间在任天数：{file.days_in_office} 天；每项另按每 30 个在任日折算。"
        if zh
        else f"Period: {period}; days in office: {file.days_in_office}; "
        "each figure also per 30 days in office."
    )
    pdf.multi_cell(0, 6, days, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        "R = 履职记录编号，M = 留言编号，其余为诉求编号；已核实指经同级人大干部核实。"
        if zh
        else "R = duty record, M = message, others are issue numbers; verified = confirmed "
        "by an official of the deputy's congress level.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    for f in file.figures:
        value, rate = _number(f.value), _number(f.per_30_days)
        line = f"{f.label(lang)}：{value}" if zh else f"{f.label(lang)}: {value}"
        if f.per_30_days is not None:
            line += f"（每30天 {rate}）" if zh else f" ({rate} per 30 days)"
        if f.verified is not None and f.records:
            line += f"，已核实 {f.verified}" if zh else f", {f.verified} verified"
        sources = _sources(f)
        if sources:
            line += f"\n    {'依据' if zh else 'from'}: {sources}"
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def performance_export_endpoint(db: Database, kind: str):
    """`GET /deputies/{id}/performance.pdf` or `.csv` (`kind`)."""

    async def serve(request: Request) -> Response:
        lang = language(request.headers.get("accept-language"))
        reads = Reads(db)
        try:
            token = bearer_token(request.headers.get("authorization"))
            viewer = await load_viewer(reads, token)
            if viewer is None or not viewer.signed_in:
                key = "token_invalid" if viewer is None else "unauthenticated"
                return RequestError(401, "UNAUTHENTICATED", key).response(lang)
            try:
                pk = parse_id(request.path_params["id"], "Deputy")
            except UserFailure:
                pk = 0
            deputy = await reads.one(select(Deputy).where(Deputy.id == pk)) if pk else None
            if deputy is None or not policy.can_read_records(viewer, deputy):
                return RequestError(404, "NOT_FOUND", "not_found").response(lang)
            try:
                start = date.fromisoformat(request.query_params["from"])
                end = date.fromisoformat(request.query_params["to"])
            except (KeyError, ValueError):
                return RequestError(400, "VALIDATION", "period_required").response(lang)
            if start > end:
                return RequestError(400, "VALIDATION", "period_order").response(lang)
            file = await performance_file(reads, deputy, start, end)
        finally:
            await reads.close()
        name = f"performance-{deputy.id}-{start.isoformat()}-{end.isoformat()}.{kind}"
        if kind == "pdf":
            # Subsetting the CJK font takes a good fraction of a second of CPU: in a thread,
            # so the event loop (every other request and socket of this worker) goes on.
            data, media_type = await asyncio.to_thread(to_pdf, file, lang), "application/pdf"
        else:
            data, media_type = to_csv(file, lang), "text/csv; charset=utf-8"
        return Response(
            data,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )

    return serve
