"""The follow report: a short text for people (every item with --verbose, and why) and JSON for machines."""

from __future__ import annotations

from collections import Counter
from typing import Any

from narrate.follow.model import FollowReport, ItemResult, SourcePlan

_LABEL = {"new": "new", "changed": "changed", "unchanged": "unchanged", "skipped": "skipped"}


def _title(result: ItemResult) -> str:
    """The item as the report names it: its headline; for a file, its path (and the headline once read)."""
    item = result.plan.item
    name = item.title or (result.episode.title if result.episode else None)
    if item.kind == "file":
        return item.item_id + (f" ({name})" if name else "")
    return name or item.item_id


def _episode_words(result: ItemResult) -> str:
    info = result.episode
    if info is None:
        return ""
    if info.unchanged:
        return f"audio already up to date ({info.mp3})"
    reused = info.segments_total - info.segments_synthesized
    return f"{info.mp3}: {info.segments_synthesized} segments synthesized, {reused} reused"


def _line(result: ItemResult, verbose: bool, dry_run: bool, edition: bool) -> str | None:
    plan = result.plan
    if result.outcome == "failed":
        return f"  failed     {_title(result)}: {result.detail}" + ("" if not verbose else f"  [{plan.item.why}]")
    if plan.action in ("new", "changed"):
        if dry_run:
            verb = "would build" if plan.action == "new" else "would rebuild"
            why = f"{plan.reason}; {plan.item.why}" if verbose else plan.reason
            return f"  {plan.action:<10} {_title(result)}: {verb} ({why})"
        words = [result.detail, "in the edition" if edition else _episode_words(result)]
        if verbose:
            words += [plan.reason, plan.item.why]
        if plan.action == "changed" and not edition:
            words.insert(0, "new audio version of the same episode")
        return f"  {plan.action:<10} {_title(result)}: " + "; ".join(w for w in words if w)
    if not verbose:
        return None
    return f"  {_LABEL[plan.action]:<10} {_title(result)}: {plan.reason}"


def _source_heading(source_plan: SourcePlan, results: list[ItemResult]) -> str:
    read = source_plan.read
    if read.error:
        return f"{read.source.shown}: could not be read. {read.error}"
    if read.not_modified:
        return f"{read.source.shown}: not modified since the last run (nothing to read)."
    if not source_plan.items:
        return f"{read.source.shown}: lists no items."
    counts = Counter("failed" if r.outcome == "failed" else r.plan.action for r in results)
    parts = [f"{counts[k]} {k}" for k in ("new", "changed", "failed", "unchanged", "skipped") if counts[k]]
    listed = len(source_plan.items)
    return f"{read.source.shown}: {listed} item{'s' if listed != 1 else ''}" + (f" ({', '.join(parts)})" if parts else "") + "."


def render_text(report: FollowReport, verbose: bool = False) -> str:
    """The report as people read it: a heading per source, a line per item acted on (per item with `verbose`)."""
    lines = ["Dry run: nothing was built, published or recorded."] if report.dry_run else []
    for source_plan in report.plan.sources:
        results = [r for r in report.results if r.plan.source.key == source_plan.read.source.key]
        lines.append(_source_heading(source_plan, results))
        if source_plan.note and source_plan.items:
            lines.append(f"  ({source_plan.note[0].upper() + source_plan.note[1:]}.)")
        for result in results:
            line = _line(result, verbose, report.dry_run, report.plan.edition is not None)
            if line:
                lines.append(line)
    if report.edition_note:
        lines.append(report.edition_note)
    for retirement in report.retired if not report.dry_run else report.plan.retire:
        verb = "would retire" if report.dry_run else "retired"
        lines.append(f"{verb.capitalize()} “{retirement.title}” ({retirement.slug}; {retirement.reason}).")
    lines.extend(report.errors)
    totals = Counter("failed" if r.outcome == "failed" else r.plan.action for r in report.results)
    if not report.dry_run:
        built = sum(1 for r in report.results if r.outcome == "published")
        summary = (f"{built} built, {totals['failed']} failed, {totals['unchanged']} unchanged, {totals['skipped']} skipped"
                   f" in {report.elapsed_s:.1f} s.")
        if not built and not totals["failed"] and not report.retired and not report.edition:
            summary = f"Nothing new. {summary}"
        lines.append(summary)
    return "\n".join(lines)


def _episode_json(result: ItemResult) -> dict[str, Any] | None:
    info = result.episode
    if info is None:
        return None
    return {"identity": info.identity, "title": info.title, "mp3": info.mp3, "page": info.page,
            "segments": {"total": info.segments_total, "synthesized": info.segments_synthesized},
            "unchanged": info.unchanged}


def to_json(report: FollowReport) -> dict[str, Any]:
    """The `narrate follow --json` report."""
    sources = []
    for source_plan in report.plan.sources:
        read = source_plan.read
        results = [r for r in report.results if r.plan.source.key == read.source.key]
        sources.append({
            "source": read.source.shown,
            "key": read.source.key,
            "kind": read.source.kind,
            "status": "failed" if read.error else ("not-modified" if read.not_modified else "read"),
            "error": read.error,
            "first_run": source_plan.first_run,
            "note": source_plan.note,
            "items": [{
                "id": r.plan.item.item_id,
                "title": r.plan.item.title,
                "link": r.plan.item.link,
                "published": r.plan.item.published.isoformat() if r.plan.item.published else None,
                "action": r.plan.action,
                "reason": r.plan.reason,
                "content": r.plan.item.kind,
                "content_why": r.plan.item.why,
                "outcome": r.outcome,
                "detail": r.detail,
                "episode": _episode_json(r),
            } for r in results],
        })
    edition = report.plan.edition
    return {
        "dry_run": report.dry_run,
        "target": report.plan.target,
        "sources": sources,
        "edition": None if edition is None and report.edition is None else {
            "title": edition.title if edition else None,
            "date": edition.date.isoformat() if edition else None,
            "items": len(edition.items) if edition else 0,
            "episode": None if report.edition is None else {
                "identity": report.edition.identity, "title": report.edition.title, "mp3": report.edition.mp3,
                "page": report.edition.page, "segments": {"total": report.edition.segments_total,
                                                          "synthesized": report.edition.segments_synthesized}},
        },
        "edition_note": report.edition_note,
        "retired": [{"identity": r.identity, "slug": r.slug, "title": r.title, "reason": r.reason}
                    for r in (report.plan.retire if report.dry_run else report.retired)],
        "errors": list(report.errors),
        "counts": dict(Counter("failed" if r.outcome == "failed" else r.plan.action for r in report.results)),
        "exit_code": report.exit_code,
        "elapsed_s": round(report.elapsed_s, 3),
    }
