"""Incidents as text (English or Japanese), as JSON, and as one narrative paragraph each.

>>> words("observed", "ja")
'実測'
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from clpkit.explain import Incident, Link
from clpkit.i18n import t
from clpkit.explain.model import CAUSES


#: The step names of a link (the JSON keeps the English key).
STEPS = {
    "detection": "検出", "recovery": "回復動作", "final_action": "最終動作", "stop": "停止", "start": "起動",
    "heartbeat": "ハートビート", "partition": "ネットワークパーティション", "mirror": "ミラー", "request": "要求",
    "end": "終了", "seen": "観測",
}


def words(key: str, lang: str) -> str:
    """An explanation's word from :data:`clpkit.i18n.MESSAGES` (keys ``explain_*``)."""
    return t(f"explain_{key}", lang)


def step_name(step: str, lang: str) -> str:
    """A link's step in the reader's language (the English key when no word is known)."""
    return STEPS.get(step, step) if lang == "ja" else step


def stamp(t: datetime, zone=timezone.utc) -> str:
    local = t.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = int(abs(offset).total_seconds() // 60)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d} {sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _setting_text(s: dict, lang: str) -> str:
    if s.get("path") is None:
        return s.get("note", "")
    value = s["value"] if s["value"] is not None else f"({s.get('note') or words('not_set', lang)})"
    return f"{s['path']} = {value}"


def _timing_text(link: Link, lang: str) -> str:
    t = link.timing
    bound = []
    if t.low_s is not None:
        bound.append(f">= {t.low_s:g} s")
    if t.high_s is not None:
        bound.append(f"<= {t.high_s:g} s")
    verdict = "" if t.inside else f" — {words('outside', lang)}"
    joined = f" {words('and', lang)} ".join(bound)
    formula = t.formula["ja" if lang == "ja" else "en"]
    return f"{formula}: {words('expected', lang)} {joined}; {words('observed', lang)} {t.observed_s:g} s{verdict}"


def text(incidents: list[Incident], estimate, lang: str = "en", zone=timezone.utc) -> str:
    """The incidents as an indented report, one line per link, evidence and settings below each."""
    out = []
    if estimate is not None:
        out.append(f"{words('clock', lang)}: " + "; ".join(
            f"{s} {estimate.offsets[s]:+.3f} s" + (f" [{lo:+.3f}, {hi:+.3f}]" if (span := estimate.interval(s)) and (lo := span[0]) is not None and (hi := span[1]) is not None else "")
            for s in sorted(estimate.offsets)))
    if not incidents:
        out.append(words("none", lang))
    for k, inc in enumerate(incidents, start=1):
        out.append("")
        out.append(f"{words('incident', lang)} {k}: {words('cause', lang)} {inc.cause} — {CAUSES[inc.cause][lang if lang == 'ja' else 'en']}")
        out.append(f"  {stamp(inc.start, zone)} .. {stamp(inc.end, zone)}; {words('end_state', lang)}: {inc.end_state[lang]}")
        for link in inc.links:
            out.append(f"  {stamp(link.time, zone)} [{link.server}] {step_name(link.step, lang)}: {link.text[lang]}")
            for s in link.settings:
                out.append(f"      {words('setting', lang)}: {_setting_text(s, lang)}")
            if link.timing is not None:
                out.append(f"      {_timing_text(link, lang)}")
            if link.note:
                out.append(f"      {words('note', lang)}: {link.note[lang]}")
            if link.skew:
                spans = ", ".join(f"{s} {v[0]:+.3f}..{v[1]:+.3f} s" if v else f"{s} {words('unknown', lang)}"
                                  for s, v in link.skew["offsets"].items())
                out.append(f"      {words('skew', lang)} ({link.skew['gap_s']:+.3f} {words('apart', lang)}; {spans})")
            out.append(f"      {words('evidence', lang)}: {', '.join(link.evidence[:6])}" + (f" (+{len(link.evidence) - 6})" if len(link.evidence) > 6 else ""))
    return "\n".join(out)


def to_json(incidents: list[Incident], estimate) -> dict:
    return {
        "vocabulary": {name: v["en"] for name, v in CAUSES.items()},
        "clock": estimate.to_dict() if estimate is not None else None,
        "incidents": [i.to_dict() for i in incidents],
    }


def narrative(inc: Incident, lang: str = "en", zone=timezone.utc, link_to=None) -> str:
    """One paragraph: what happened, in order, with each step's evidence as a link (``link_to(ref)`` -> URL or None)."""
    parts = []
    for link in inc.links:
        ref = link.evidence[0] if link.evidence else ""
        url = link_to(ref) if link_to else None
        cite = f"[{ref}]({url})" if url else f"`{ref}`"
        when = link.time.astimezone(zone).strftime("%H:%M:%S")
        parts.append(f"{when} {link.text[lang]} ({cite})")
    head = CAUSES[inc.cause]["ja" if lang == "ja" else "en"]
    if lang == "ja":
        return f"**{inc.cause}**: {head}。" + "。".join(parts) + f"。最終状態: {inc.end_state['ja']}。"
    return f"**{inc.cause}**: {head}. " + "; ".join(parts) + f". End state: {inc.end_state['en']}."
