"""What a report notebook puts on its page: headings, notes, tables, charts.

Every visible word comes from the message table (:mod:`clpkit.i18n`)
so that ``lang="ja"`` gives a Japanese page; notebooks hold no prose of
their own beyond what a reader of the source needs.

>>> period_text(pl.DataFrame({"time": [dt.datetime(2026, 1, 1)]}), "", "", "en")
'Period: 2026-01-01 00:00 – 2026-01-01 00:00'
"""

from __future__ import annotations

import datetime as dt
import html

import polars as pl

import clpkit.charts  # noqa: F401  (the charts a page shows: altair and its theme, loaded after the package's jsonschema fix)
from clpkit.report.html import show
from clpkit.i18n import localise, t, title

__all__ = ["heading", "text", "markup", "table", "show", "period_text", "links", "notice"]


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def heading(key_or_text: str, lang: str, level: int = 2) -> None:
    """A heading from a message key (or a literal name such as a mirror's)."""
    from clpkit.i18n import MESSAGES

    words = t(key_or_text, lang) if key_or_text in MESSAGES else key_or_text
    _display_html(f"<h{level}>{html.escape(words)}</h{level}>")


def notice(bundle, lang: str) -> None:
    """The top of every page: the time zone its times are in and, when input was lost, an "incomplete input" box."""
    from clpkit.health import incomplete

    zone = bundle.zone
    text(t(f"zone_{zone.kind}", lang).format(zone=zone.name, evidence=zone.evidence))
    lost = incomplete(bundle)
    if lost.is_empty():
        return
    words = t("incomplete_note", lang).format(count=lost.height)
    _display_html(
        '<div class="clpkit-incomplete" role="alert" style="border:2px solid #b00020;padding:0.5em 1em;margin:0.5em 0">'
        f"<strong>{html.escape(t('incomplete_input', lang))}</strong><p>{html.escape(words)}</p>"
        f"{table_html(localise(lost, lang), rows=50)}</div>"
    )


def markup(escaped_html: str) -> None:
    """A block its maker already escaped (e.g. the incident narrative with links to its evidence)."""
    _display_html(escaped_html)


def text(words: str) -> None:
    """A paragraph of already-translated text."""
    _display_html(f"<p>{html.escape(words)}</p>")


def table(frame: pl.DataFrame, lang: str, rows: int = 200) -> None:
    """A frame as an HTML table, headings in ``lang``; an empty frame says so."""
    if frame.is_empty():
        text(t("no_data", lang))
        return
    _display_html(table_html(localise(frame, lang), rows, lang))


WRAP_AT = 32  # characters: longer text may wrap (between words, or between CJK characters); others never break


def table_html(frame: pl.DataFrame, rows: int = 200, lang: str = "en") -> str:
    """An HTML table: readable numbers, times to the second, yes/no in ``lang``, '–' for missing values.

    Cells never break inside a value (an address, a number, a time); only long
    text wraps, at spaces. Numbers are right-aligned and carry their raw value
    (``data-sort``) so that the page's script sorts them as numbers.

    >>> table_html(pl.DataFrame({"ok": [False]}), lang="ja")  # doctest: +ELLIPSIS
    '...<tbody><tr><td>いいえ</td></tr></tbody>...'
    >>> table_html(pl.DataFrame({"a": [1234.5, None], "b": ["x<y", "z"]}))  # doctest: +ELLIPSIS
    '<div class="clpkit-table-wrap"><table class="clpkit-table" data-filter="Filter"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td class="num" data-sort="1234.5">1,234.5</td><td>x&lt;y</td></tr><tr><td class="num" data-sort="">–</td><td>z</td></tr></tbody></table></div>'
    """
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(_td(v, n, lang) for v, n in zip(row, numeric)) + "</tr>"
        for row in frame.head(rows).iter_rows()
    )
    more = f"<p>{html.escape(t('more_rows', lang).format(n=frame.height - rows))}</p>" if frame.height > rows else ""
    return (f'<div class="clpkit-table-wrap"><table class="clpkit-table" data-filter="{html.escape(t("filter", lang))}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}")


def _td(value, numeric: bool, lang: str = "en") -> str:
    if isinstance(value, bool):  # a yes/no in the page's language, not Python's True/False
        return f"<td>{html.escape(t('yes' if value else 'no', lang))}</td>"
    shown = html.escape(_cell(value))
    if numeric:
        raw = "" if value is None else repr(value)
        return f'<td class="num" data-sort="{raw}">{shown}</td>'
    if isinstance(value, dt.datetime):
        return f'<td data-sort="{value.isoformat()}">{shown}</td>'
    if isinstance(value, (str, list)) and len(_cell(value)) > WRAP_AT:
        return f'<td class="wrap">{shown}</td>'
    return f"<td>{shown}</td>"


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e5 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def period_bounds(frame: pl.DataFrame, since: str, until: str, col: str = "time") -> tuple[str, str]:
    """The period shown, as two strings: the bounds asked for, else the data's first and last time ('' unknown)."""
    first = since or (_fmt(frame[col].min()) if not frame.is_empty() else "")
    last = until or (_fmt(frame[col].max()) if not frame.is_empty() else "")
    return first, last


def period_text(frame: pl.DataFrame, since: str, until: str, lang: str, col: str = "time") -> str:
    """The period shown: the bounds asked for, else the data's first and last time."""
    first, last = period_bounds(frame, since, until, col)
    return f"{t('period', lang)}: {first or t('from_start', lang)} – {last or t('to_end', lang)}"


def _fmt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value)


def links(names: list[str], lang: str) -> None:
    """Links to the other reports of the same run (same folder)."""
    items = "".join(f'<li><a href="{n}.html">{html.escape(title(n, lang))}</a></li>' for n in names)
    _display_html(f"<ul>{items}</ul>")
