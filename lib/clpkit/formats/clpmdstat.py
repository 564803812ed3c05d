"""Saved output of ``clpmdstat --mirror <md>`` / ``clphdstat --mirror <hd>``: one row per field and server.

Evidence (SPEC 3.8): public scripts that read this output ([P]) match
``Mirror Status: No Construction``, ``Mirror Color\\s+RED\\s+GREEN`` (one
color per server), and take a date and a time from the ``Lastupdate`` and
``Break`` lines. The rest of the layout is inferred ([I]): a header line
naming the mirror and the two servers, a dashed rule, then one line per
field with a value per server, columns separated by runs of spaces:

```
 Mirror Status: Abnormal

  md1                  server1              server2
 --------------------------------------------------------------
  Mirror Color         GREEN                RED
  Lastupdate Time      --                   2024/05/11 15:43:02
```

So the parser reads ``Label: value`` lines and ``Label  v1  v2`` lines by
pattern, takes a ``YYYY/MM/DD HH:MM:SS`` pair as one value, numbers the
values 1, 2 (``position``) and names them by the header when there is one
(``host``). Lines it cannot place are kept raw with a problem.

>>> df = parse(SAMPLE)
>>> df.filter(pl.col("field") == "Mirror Color").select("mirror", "host", "position", "value").rows()
[('md1', 'server1', 1, 'GREEN'), ('md1', 'server2', 2, 'RED')]
>>> mirror_status(SAMPLE), mirror_colors(SAMPLE)
('Abnormal', ('GREEN', 'RED'))
"""

from __future__ import annotations

import re

import polars as pl

from clpkit.formats import META_SCHEMA
from clpkit.text import decode
from clpkit.problems import ParseError

KIND = "clpmdstat"

SCHEMA = pl.Schema(
    {
        "mirror": pl.String,
        "field": pl.String,
        "host": pl.String,
        "position": pl.Int8,
        "value": pl.String,
        **META_SCHEMA,
    }
)

SAMPLE = """\
 Mirror Status: Abnormal

  md1                  server1              server2
 --------------------------------------------------------------
  Mirror Color         GREEN                RED
  Lastupdate Time      --                   2024/05/11 15:43:02
  Break Time           --                   2024/05/11 15:42:59
  Disk Error           OK                   OK
  Difference Percent   1%                   --
"""

#: Field labels known to carry one value per server; used when a line is
#: single-spaced and the column gaps cannot separate label from values.
KNOWN_FIELDS = (
    "Mirror Color",
    "Lastupdate Time",
    "Lastupdate",
    "Break Time",
    "Break",
    "Disk Error",
    "Difference Percent",
    "Diff Percent",
    "Remain Time",
    "Media Error",
)

_KEY_VALUE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ()/]*?)\s*:\s*(?P<value>.*?)\s*$")
_RULE = re.compile(r"^\s*[-=]{3,}\s*$")
_DATETIME = re.compile(r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2}(?:\.\d+)?")
_TOKEN = re.compile(r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2}(?:\.\d+)?|\S+")


def _values(rest: str) -> list[str]:
    """Values of one field line, a date with its time counted as one value."""
    rest = rest.strip()
    if not rest:
        return []
    parts = re.split(r"\s{2,}", rest)
    if len(parts) == 1 and not _DATETIME.fullmatch(rest):
        parts = _TOKEN.findall(rest)
    return parts


def _split_field(line: str) -> tuple[str, list[str]] | None:
    """(label, values) of a field line, or None when the line has no recognisable label."""
    stripped = line.strip()
    for label in KNOWN_FIELDS:
        if stripped.startswith(label) and (len(stripped) == len(label) or stripped[len(label)] == " "):
            return label, _values(stripped[len(label):])
    parts = re.split(r"\s{2,}", stripped)
    if len(parts) >= 2 and re.fullmatch(r"[A-Za-z][A-Za-z ]*", parts[0]) and " " in parts[0]:
        return parts[0], parts[1:]
    return None


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """Rows of mirror, field, host, position and value; unknown lines kept raw."""
    text = decode(data).text  # UTF-8 or a Japanese encoding; no BOM; CRLF and CR become LF
    rows: list[dict] = []
    mirror: str | None = None
    hosts: list[str] = []
    fields_seen = False

    def add(line_no: int, **fields) -> None:
        rows.append({"mirror": mirror, "server": server, "source": source, "line": line_no, **fields})

    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or _RULE.match(line):
            continue
        if m := _KEY_VALUE.match(line):
            add(line_no, field=m["key"], value=m["value"] or None)
            continue
        if split := _split_field(line):
            fields_seen = True
            label, values = split
            for position, value in enumerate(values, start=1):
                host = hosts[position - 1] if position <= len(hosts) else None
                add(line_no, field=label, host=host, position=position, value=value)
            continue
        tokens = line.split()
        if not fields_seen and len(tokens) >= 2 and len(tokens) <= 9:
            # header: the mirror's name, then one column per server
            mirror, hosts = tokens[0], tokens[1:]
            continue
        add(line_no, raw=line, problem="not a clpmdstat/clphdstat field line")
    if not rows:
        return SCHEMA.to_frame()
    # The status line comes before the header that names the mirror.
    return pl.DataFrame(rows, schema=SCHEMA).with_columns(pl.col("mirror").fill_null(strategy="backward"))


def parse_text(text: str, *, source: str = "<clpmdstat>") -> pl.DataFrame:
    """Parse clpmdstat/clphdstat output captured as text."""
    return parse(text, source=source)


def _field(text_or_frame: str | pl.DataFrame, field: str) -> pl.DataFrame:
    frame = parse_text(text_or_frame) if isinstance(text_or_frame, str) else text_or_frame
    return frame.filter((pl.col("field").str.to_lowercase() == field.lower()) & pl.col("raw").is_null())


def mirror_status(text: str | pl.DataFrame, *, source: str = "<clpmdstat>") -> str:
    """The ``Mirror Status`` value (``Normal``, ``No Construction``, ``Abnormal``...).

    Raises ParseError when the output holds no such line (not mirror status output).
    """
    rows = _field(text, "Mirror Status")
    if rows.height == 0 or rows["value"][0] is None:
        raise ParseError(source, "no 'Mirror Status:' line in the output")
    return rows["value"][0]


def mirror_colors(text: str | pl.DataFrame) -> tuple[str, ...]:
    """The ``Mirror Color`` of each server in column order (empty when absent)."""
    return tuple(_field(text, "Mirror Color").sort("position")["value"].to_list())
