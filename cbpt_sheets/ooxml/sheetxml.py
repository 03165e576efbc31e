"""Byte-level patches of SpreadsheetML parts (cells, styles, workbook, rels, content types).

Regular expressions over the serialized XML rather than a DOM: untouched rows, elements
and namespace prefixes (which ``mc:Ignorable`` names) keep every byte, and only the rows
that change are rebuilt. Strings are written inline (``t="inlineStr"``) so that the
shared strings part, which every other cell depends on, is never rewritten.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape, unescape

from cbpt_sheets.core.a1 import column_letter, column_number, split_ref
from cbpt_sheets.core.celltext import limit_utf16
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.errors import SheetXmlError as SheetXmlError  # its old home
from cbpt_sheets.ooxml.package import rels_path, resolve
from cbpt_sheets.render import layout

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_WORKSHEET = NS_REL + "/worksheet"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # Strict Open XML
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
MAX_TEXT = 32767  # Excel's limit on the characters of a cell

DATE_FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm", "time": "hh:mm"}
_BUILTIN_KINDS = {
    **{i: "date" for i in (14, 15, 16, 17, *range(27, 37), *range(50, 59))},
    22: "datetime",
    **{i: "time" for i in (18, 19, 20, 21, 45, 46, 47)},
}
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ROW_NUM = re.compile(rb"(?:^|\s)r\s*=\s*[\"'](\d+)[\"']")
_CELL_REF = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_STYLE = re.compile(rb"(?:^|\s)s\s*=\s*[\"'](\d+)[\"']")
_SPANS = re.compile(rb"(\sspans\s*=\s*)[\"'][^\"']*[\"']")
_QUOTE_PREFIX = re.compile(rb"\squotePrefix\s*=\s*[\"'](?:1|true)[\"']")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


# ---------------------------------------------------------------- small helpers


def text(value: str) -> str:
    """XML text content: escaped, without the characters XML 1.0 forbids."""
    return escape(_ILLEGAL.sub("", value), {"\r": "&#13;"})


def attr(value: str) -> str:
    """An XML attribute value (double-quoted): escaped, without forbidden characters."""
    return escape(_ILLEGAL.sub("", value), {'"': "&quot;"})


def attrs(raw: bytes) -> dict[str, str]:
    """The attributes of a start tag's attribute text, unescaped."""
    out: dict[str, str] = {}
    for m in _ATTR.finditer(raw):
        value = m[2] if m[2] is not None else m[3]
        out[m[1].decode()] = unescape(value.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
    return out


def quote_sheet(name: str) -> str:
    """A sheet name as written in a formula or a link: ``'Appels'``."""
    return "'" + name.replace("'", "''") + "'"


@lru_cache(maxsize=16)
def _element(prefix: bytes, name: bytes) -> re.Pattern[bytes]:
    """An element (self-closing or not) of a given qualified name: groups attrs, body."""
    q = re.escape(prefix + name)
    return re.compile(rb"<" + q + rb"\b([^>]*?)(?:/>|>(.*?)</" + q + rb"\s*>)", re.S)


def _prefix(xml: bytes, local: bytes) -> bytes:
    """The namespace prefix (with its colon, or empty) of the first element named ``local``."""
    m = re.search(rb"<(?:([\w.-]+):)?" + local + rb"\b", xml)
    if m is None or m[1] is None:
        return b""
    return bytes(m[1]) + b":"


def _check_utf8(xml: bytes, part: str) -> None:
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetXmlError(
            f"La partie {part} du classeur est dans un encodage inattendu (UTF-16)."
        )


# ---------------------------------------------------------------- number formats and styles


def format_kind(code: str) -> str | None:
    """Whether a number format shows a date, a date and time, a time, or none of them."""
    c = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code).lower()
    has_date = "d" in c or "y" in c
    has_time = "h" in c or "s" in c
    if has_date and has_time:
        return "datetime"
    if has_date:
        return "date"
    if has_time:
        return "time"
    return None


@dataclass
class Styles:
    """The cell formats of ``styles.xml``, with the few the writer may append (once)."""

    xml: bytes
    prefix: bytes = b""
    numfmts: dict[int, str] = field(default_factory=dict)
    fonts: list[bytes] = field(default_factory=list)
    xfs: list[bytes] = field(default_factory=list)
    new_numfmts: list[bytes] = field(default_factory=list)
    new_fonts: list[bytes] = field(default_factory=list)
    new_xfs: list[bytes] = field(default_factory=list)
    _cache: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def parse(cls, xml: bytes) -> Styles:
        """Read the number formats, fonts and cell formats of a styles part."""
        _check_utf8(xml, "styles.xml")
        p = _prefix(xml, b"styleSheet")
        styles = cls(xml, p)
        block = _element(p, b"numFmts").search(xml)
        if block and block[2]:
            for m in _element(p, b"numFmt").finditer(block[2]):
                a = attrs(m[1])
                if "numFmtId" in a:
                    styles.numfmts[int(a["numFmtId"])] = a.get("formatCode", "")
        block = _element(p, b"fonts").search(xml)
        if block and block[2]:
            styles.fonts = [m[0] for m in _element(p, b"font").finditer(block[2])]
        block = _element(p, b"cellXfs").search(xml)
        if block and block[2]:
            styles.xfs = [m[0] for m in _element(p, b"xf").finditer(block[2])]
        return styles

    @property
    def changed(self) -> bool:
        return bool(self.new_numfmts or self.new_fonts or self.new_xfs)

    def _xf(self, index: int) -> bytes:
        all_xfs = self.xfs + self.new_xfs
        return all_xfs[index] if 0 <= index < len(all_xfs) else all_xfs[0]

    def kind(self, index: int) -> str | None:
        """The date/time kind of the number format of cell format ``index``."""
        if not self.xfs:
            return None
        a = attrs(re.match(rb"<[^>]*", self._xf(index))[0])  # type: ignore[index]
        fmt = int(a.get("numFmtId", "0") or 0)
        if fmt in self.numfmts:
            return format_kind(self.numfmts[fmt])
        return _BUILTIN_KINDS.get(fmt)

    def _numfmt_id(self, kind: str) -> int:
        code = DATE_FORMATS[kind]
        for fmt_id, existing in self.numfmts.items():
            if existing.lower() == code:
                return fmt_id
        fmt_id = max([163, *self.numfmts]) + 1
        self.numfmts[fmt_id] = code
        self.new_numfmts.append(
            b'<%snumFmt numFmtId="%d" formatCode="%s"/>'
            % (self.prefix, fmt_id, attr(code).encode())
        )
        return fmt_id

    def _add_xf(self, xf: bytes) -> int:
        all_xfs = self.xfs + self.new_xfs
        if xf in all_xfs:
            return all_xfs.index(xf)
        self.new_xfs.append(xf)
        return len(all_xfs)

    def with_kind(self, index: int, kind: str) -> int:
        """A cell format like ``index`` showing a date (or time), without the quote prefix
        (text mark) of a date typed with an apostrophe: itself, or a clone added once."""
        if not self.xfs:
            return index
        current = self.kind(index)
        quoted = _QUOTE_PREFIX.search(self._xf(index)) is not None
        if current == kind and not quoted:
            return index
        key = (index, kind)
        if key not in self._cache:
            xf = self._xf(index)
            head = re.match(rb"<[^>]*?(?=/?>)", xf)
            assert head is not None
            # a date typed with a leading apostrophe keeps Excel's "text" mark (quotePrefix):
            # the next edit in Excel would turn it back into text; the clone goes without it
            start = _QUOTE_PREFIX.sub(b"", head[0])
            if current != kind:
                fmt_id = self._numfmt_id(kind)
                start = re.sub(rb'\s(numFmtId|applyNumberFormat)\s*=\s*"[^"]*"', b"", start)
                start += b' numFmtId="%d" applyNumberFormat="1"' % fmt_id
            self._cache[key] = self._add_xf(start + xf[head.end() :])
        return self._cache[key]

    def font_format(self, kind: layout.Role) -> int:
        """A cell format with the font ``layout.FONTS`` gives a title, a header or a link."""
        if not self.xfs or not self.fonts:
            return 0
        key = (-1, kind)
        if key in self._cache:
            return self._cache[key]
        p = self.prefix
        base = self.fonts[0]
        m = re.match(rb"<[^>]*?(/?)>", base)
        assert m is not None
        inner = b"" if m[1] else base[m.end() : base.rfind(b"</")]
        inner = re.sub(rb"<" + re.escape(p) + rb"(b|u|color)\b[^>]*?/>", b"", inner)
        spec = layout.FONTS[kind]
        extra = b""
        if spec.bold:
            extra += b'<%sb val="1"/>' % p
        if spec.size is not None:
            inner = re.sub(rb"<" + re.escape(p) + rb"sz\b[^>]*?/>", b"", inner)
            extra += b'<%ssz val="%d"/>' % (p, spec.size)
        if spec.underline:
            extra += b'<%su val="single"/>' % p
        if spec.color is not None:
            extra += b'<%scolor rgb="FF%s"/>' % (p, spec.color.encode())
        font = b"<%sfont>%s%s</%sfont>" % (p, extra, inner, p)
        all_fonts = self.fonts + self.new_fonts
        if font in all_fonts:
            font_id = all_fonts.index(font)
        else:
            self.new_fonts.append(font)
            font_id = len(all_fonts)
        xf = b'<%sxf numFmtId="0" fontId="%d" fillId="0" borderId="0" xfId="0" applyFont="1"/>' % (
            p,
            font_id,
        )
        if kind == "link":  # in a row of wrapped cells: at the top, as they are
            xf = (
                b'<%sxf numFmtId="0" fontId="%d" fillId="0" borderId="0" xfId="0" applyFont="1" '
                b'applyAlignment="1"><%salignment vertical="%s"/></%sxf>'
                % (p, font_id, p, layout.WRAP_VERTICAL.encode(), p)
            )
        self._cache[key] = self._add_xf(xf)
        return self._cache[key]

    def wrap_format(self) -> int:
        """A cell format that wraps long text at the top of its cell (printed lists)."""
        if not self.xfs:
            return 0
        key = (-1, "wrap")
        if key not in self._cache:
            p = self.prefix
            xf = (
                b'<%sxf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
                b'<%salignment vertical="%s" wrapText="1"/></%sxf>'
                % (p, p, layout.WRAP_VERTICAL.encode(), p)
            )
            self._cache[key] = self._add_xf(xf)
        return self._cache[key]

    def to_bytes(self) -> bytes:
        """The styles part with the appended formats and updated counts."""
        xml = self.xml
        p = self.prefix
        for name, child, new in (
            (b"numFmts", b"numFmt", self.new_numfmts),
            (b"fonts", b"font", self.new_fonts),
            (b"cellXfs", b"xf", self.new_xfs),
        ):
            if not new:
                continue
            block = _element(p, name).search(xml)
            if block is None:
                if name != b"numFmts":
                    raise SheetXmlError("Le fichier styles.xml du classeur est incomplet.")
                root = re.search(rb"<" + re.escape(p) + rb"styleSheet\b[^>]*>", xml)
                assert root is not None
                body = b'<%snumFmts count="%d">%s</%snumFmts>' % (p, len(new), b"".join(new), p)
                xml = xml[: root.end()] + body + xml[root.end() :]
                continue
            inner = block[2] or b""
            count = len(list(_element(p, child).finditer(inner))) + len(new)
            head = re.sub(rb'\scount\s*=\s*"[^"]*"', b"", block[1]).rstrip()
            rebuilt = b'<%s%s%s count="%d">%s%s</%s%s>' % (
                p,
                name,
                head,
                count,
                inner,
                b"".join(new),
                p,
                name,
            )
            xml = xml[: block.start()] + rebuilt + xml[block.end() :]
        return xml


# ---------------------------------------------------------------- cell values


def _serial(value: dt.datetime, date1904: bool) -> float:
    delta = value - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"cannot write a non-finite number: {value!r}")
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def value_kind(value: Any) -> str | None:
    """The number format kind a value needs (``date``, ``datetime``, ``time``) or None."""
    if isinstance(value, dt.datetime):
        return "datetime" if (value.hour, value.minute, value.second) != (0, 0, 0) else "date"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return None


def render_cell(
    ref: str, value: Any, style: int | None, date1904: bool, prefix: bytes = b""
) -> bytes:
    """The ``<c>`` element of one cell holding ``value`` (None: an empty, styled cell or nothing)."""
    p = prefix.decode()
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<{p}c r="{ref}"{s}/>'.encode() if style else b""
    if isinstance(value, bool):
        return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
    if isinstance(value, (int, float, Decimal)):
        return f'<{p}c r="{ref}"{s}><{p}v>{_number(float(value)) if not isinstance(value, int) else value}</{p}v></{p}c>'.encode()
    if isinstance(value, dt.datetime):
        number = _number(round(_serial(value.replace(tzinfo=None), date1904), 10))
        return f'<{p}c r="{ref}"{s}><{p}v>{number}</{p}v></{p}c>'.encode()
    if isinstance(value, dt.date):
        number = _number(float(_serial(dt.datetime(value.year, value.month, value.day), date1904)))
        return f'<{p}c r="{ref}"{s}><{p}v>{number}</{p}v></{p}c>'.encode()
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return (
            f'<{p}c r="{ref}"{s}><{p}v>{_number(round(seconds / 86400, 10))}</{p}v></{p}c>'.encode()
        )
    string = limit_utf16(str(value))
    space = ' xml:space="preserve"' if string != string.strip() or "\n" in string else ""
    return f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t{space}>{text(string)}</{p}t></{p}is></{p}c>'.encode()


# ---------------------------------------------------------------- worksheet patch


@dataclass(slots=True)
class _Row:
    num: int
    start: int
    end: int
    attrs: bytes
    body: bytes | None


@dataclass(slots=True)
class _Cell:
    col: int
    xml: bytes
    head: bytes  # the attribute text of the start tag

    @property
    def style(self) -> int | None:
        """The cell's ``s`` attribute, None when absent or 0 (the default format)."""
        m = _STYLE.search(self.head)
        return int(m[1]) if m and m[1] != b"0" else None


class SheetPatch:
    """The rows of one worksheet part, parsed lazily, and the cells to change in them."""

    def __init__(self, xml: bytes, part: str = "worksheet") -> None:
        _check_utf8(xml, part)
        self.xml = xml
        self.part = part
        self.p = _prefix(xml, b"sheetData")
        q = re.escape(self.p)
        m = re.search(rb"<" + q + rb"sheetData\b[^>]*?(/?)>", xml)
        if m is None:
            raise SheetXmlError(f"La feuille {part} n'a pas de données lisibles (sheetData).")
        self.open_end = m.end()
        self.self_closing = bool(m[1])
        if self.self_closing:
            self.data_start = self.data_end = m.end()
            self.open_start = m.start()
        else:
            close = xml.find(b"</" + self.p + b"sheetData", m.end())
            if close < 0:
                raise SheetXmlError(f"La feuille {part} est tronquée.")
            self.data_start, self.data_end = m.end(), close
            self.open_start = m.start()
        self.rows: dict[int, _Row] = {}
        prev = 0
        row_re = _element(self.p, b"row")
        for rm in row_re.finditer(xml, self.data_start, self.data_end):
            num_m = _ROW_NUM.search(rm[1])
            num = int(num_m[1]) if num_m else prev + 1
            prev = num
            self.rows[num] = _Row(num, rm.start(), rm.end(), rm[1], rm[2])
        self.nums = sorted(self.rows)
        self.header = self.nums[0] if self.nums else 1
        self._cells: dict[int, dict[int, _Cell]] = {}
        self._col_styles: dict[int, int] | None = None
        self._above: dict[int, tuple[int, int | None]] = {}
        self._first: dict[int, int | None] = {}
        self.formula_lost = False

    def cells(self, num: int) -> dict[int, _Cell]:
        """The cells of row ``num`` by 1-based column (parsed once)."""
        if num in self._cells:
            return self._cells[num]
        out: dict[int, _Cell] = {}
        row = self.rows.get(num)
        if row is not None and row.body:
            prev = 0
            for cm in _element(self.p, b"c").finditer(row.body):
                ref = _CELL_REF.search(cm[1])
                col = column_number(ref[1].decode()) if ref else prev + 1
                prev = col
                out[col] = _Cell(col, cm[0], cm[1])
        self._cells[num] = out
        return out

    def _style_of(self, num: int, col: int) -> int | None:
        cell = self.cells(num).get(col)
        return None if cell is None else cell.style

    def _column_styles(self) -> dict[int, int]:
        if self._col_styles is None:
            self._col_styles = {}
            block = _element(self.p, b"cols").search(self.xml, 0, self.open_start)
            if block and block[2]:
                for cm in _element(self.p, b"col").finditer(block[2]):
                    a = attrs(cm[1])
                    style = a.get("style", "0")
                    if style.isdigit() and style != "0" and a.get("min", "").isdigit():
                        for c in range(int(a["min"]), min(int(a.get("max", a["min"])), 16384) + 1):
                            self._col_styles[c] = int(style)
        return self._col_styles

    def donor_style(self, num: int, col: int) -> int | None:
        """The style a new cell takes: nearest styled data cell above, then below, then the column's."""
        if num > self.header:
            checked, found = self._above.get(col, (self.header, None))
            if checked < num - 1:
                lo = bisect.bisect_right(self.nums, checked)
                hi = bisect.bisect_left(self.nums, num)
                for r in self.nums[lo:hi]:
                    style = self._style_of(r, col)
                    if style is not None:
                        found = style
                self._above[col] = (num - 1, found)
            elif checked > num - 1:  # asked out of order: scan up from scratch
                found = None
                hi = bisect.bisect_left(self.nums, num)
                for r in reversed(self.nums[:hi]):
                    if r <= self.header:
                        break
                    found = self._style_of(r, col)
                    if found is not None:
                        break
            if found is not None:
                return found
            if col not in self._first:
                self._first[col] = None
                for r in self.nums:
                    if r > self.header:
                        style = self._style_of(r, col)
                        if style is not None:
                            self._first[col] = style
                            break
            if self._first[col] is not None:
                return self._first[col]
        return self._column_styles().get(col)

    def apply(
        self,
        changes: dict[tuple[int, int], Any],
        styles: Styles | None,
        date1904: bool,
    ) -> tuple[bytes, int]:
        """The sheet XML with ``changes`` ((row, col) -> value) applied, and the count of changed cells."""
        by_row: dict[int, dict[int, Any]] = {}
        for (num, col), value in sorted(changes.items()):
            by_row.setdefault(num, {})[col] = value
        edits: list[tuple[int, int, int, bytes]] = []  # start, end, row, replacement
        changed = 0
        bounds: list[tuple[int, int]] = []
        for num, cols in by_row.items():
            existing = self.cells(num)
            new_cells = {c: cell.xml for c, cell in existing.items()}
            for col, value in cols.items():
                old = existing.get(col)
                if old is not None and b"<" + self.p + b"f" in old.xml:
                    f = re.search(rb"<" + re.escape(self.p) + rb"f\b([^>]*)", old.xml)
                    fa = attrs(f[1]) if f else {}
                    if fa.get("ref") and fa.get("t") in ("shared", "array") and ":" in fa["ref"]:
                        raise SheetXmlError(
                            f"La cellule {column_letter(col - 1)}{num} de la feuille porte une formule "
                            "partagée avec d'autres cellules : elle n'a pas été modifiée. "
                            "Effacez cette formule dans Excel puis relancez la commande."
                        )
                    self.formula_lost = True
                style = old.style if old is not None else None
                if style is None:
                    style = self.donor_style(num, col)
                kind = value_kind(value)
                if kind and styles is not None:
                    style = styles.with_kind(style or 0, kind)
                ref = f"{column_letter(col - 1)}{num}"
                xml = render_cell(ref, value, style, date1904, self.p)
                if old is not None and xml == old.xml:
                    continue
                if old is None and not xml:
                    continue
                changed += 1
                if xml:
                    new_cells[col] = xml
                    if value is not None:
                        bounds.append((num, col))
                else:
                    new_cells.pop(col, None)
            body = b"".join(new_cells[c] for c in sorted(new_cells))
            row = self.rows.get(num)
            if row is None:
                if not body:
                    continue
                pos = self._insert_pos(num)
                edits.append(
                    (pos, pos, num, b'<%srow r="%d">%s</%srow>' % (self.p, num, body, self.p))
                )
                continue
            if row.body == body or (row.body is None and not body):
                continue
            head = row.attrs
            if new_cells and _SPANS.search(head):
                span = b'"%d:%d"' % (min(new_cells), max(new_cells))
                m = _SPANS.search(head)
                assert m is not None
                head = head[: m.start()] + m[1] + span + head[m.end() :]
            if not _ROW_NUM.search(head):
                head = b' r="%d"' % num + head
            head = head.rstrip()
            if head.endswith(b"/"):
                head = head[:-1].rstrip()
            edits.append(
                (row.start, row.end, num, b"<%srow%s>%s</%srow>" % (self.p, head, body, self.p))
            )
        if not edits:
            return self.xml, changed
        edits.sort(key=lambda e: (e[0], e[2]))
        out: list[bytes] = []
        pos = 0
        xml = self.xml
        if self.self_closing:
            # <sheetData/> becomes <sheetData>rows</sheetData>
            tag = xml[self.open_start : self.open_end]
            out.append(xml[: self.open_start])
            out.append(tag[: tag.rfind(b"/")] + b">")
            out.extend(e[3] for e in edits)
            out.append(b"</" + self.p + b"sheetData>")
            pos = self.open_end
        else:
            for start, end, _num, replacement in edits:
                out.append(xml[pos:start])
                out.append(replacement)
                pos = end
        out.append(xml[pos:])
        return _update_dimension(b"".join(out), self.p, bounds), changed

    def _insert_pos(self, num: int) -> int:
        i = bisect.bisect_right(self.nums, num)
        if i < len(self.nums):
            return self.rows[self.nums[i]].start
        return self.data_end


def _update_dimension(xml: bytes, p: bytes, bounds: list[tuple[int, int]]) -> bytes:
    """Widen ``<dimension ref>`` to the written cells when they fall outside it."""
    if not bounds:
        return xml
    m = re.search(rb"<" + re.escape(p) + rb"dimension\b[^>]*?ref\s*=\s*\"([^\"]*)\"", xml)
    if m is None:
        return xml
    refs = m[1].decode().split(":")
    try:
        corners = [split_ref(r) for r in refs]
    except ValueError:
        return xml
    rows = [c[0] for c in corners] + [b[0] for b in bounds]
    cols = [c[1] for c in corners] + [b[1] for b in bounds]
    top, bottom, left, right = min(rows), max(rows), min(cols), max(cols)
    new = f"{column_letter(left - 1)}{top}"
    if (top, left) != (bottom, right):
        new += f":{column_letter(right - 1)}{bottom}"
    if new == m[1].decode():
        return xml
    return xml[: m.start(1)] + new.encode() + xml[m.end(1) :]


def date1904(workbook_xml: bytes) -> bool:
    """Whether the workbook counts dates from 1904 (old Mac Excel files)."""
    m = re.search(rb"<(?:[\w.-]+:)?workbookPr\b[^>]*?date1904\s*=\s*\"(1|true)\"", workbook_xml)
    return m is not None


# ---------------------------------------------------------------- generated sheets


def render_grid(grid: SheetGrid, styles: Styles | None, date1904_: bool) -> bytes:
    """A whole worksheet part for a generated sheet: values, widths, links, print setup."""
    formats: dict[layout.Role, int] = {
        "title": styles.font_format("title") if styles else 0,
        "header": styles.font_format("header") if styles else 0,
        "link": styles.font_format("link") if styles else 0,
        "wrap": styles.wrap_format() if styles and grid.wrap_columns else 0,
    }
    rows_xml: list[str] = []
    links: dict[tuple[int, int], str] = {}
    for ref, location in grid.links.items():
        links[split_ref(ref)] = location
    max_col = max([len(r) for r in grid.rows] + [c for _r, c in links] + [1])
    link_cells = frozenset((r - 1, c - 1) for r, c in links)
    heights = layout.row_heights(grid)
    for r, values in enumerate(grid.rows, start=1):
        cells: list[bytes] = []
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            role = layout.role(grid, r - 1, c - 1, link_cells)
            style = formats[role] if role is not None else None
            kind = value_kind(value)
            if kind and styles is not None:
                style = styles.with_kind(style or 0, kind)
            cells.append(render_cell(f"{column_letter(c - 1)}{r}", value, style, date1904_))
        if cells:
            height = heights[r - 1]
            ht = f' ht="{height:g}" customHeight="1"' if height is not None else ""
            rows_xml.append(f'<row r="{r}"{ht}>' + b"".join(cells).decode() + "</row>")
    last_row = max(len(grid.rows), 1)
    dimension = "A1" if not grid.rows else f"A1:{column_letter(max_col - 1)}{last_row}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="{dimension}"/>',
    ]
    split = layout.frozen_rows(grid)
    if split:
        parts.append(
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{split}" '
            f'topLeftCell="A{split + 1}" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        )
    else:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if grid.widths:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
            for i, w in enumerate(grid.widths, start=1)
            if w and w > 0
        )
        if cols:
            parts.append(f"<cols>{cols}</cols>")
    parts.append("<sheetData>" + "".join(rows_xml) + "</sheetData>" if rows_xml else "<sheetData/>")
    if links:
        parts.append(
            "<hyperlinks>"
            + "".join(
                f'<hyperlink ref="{column_letter(c - 1)}{r}" location="{attr(loc)}" display="{attr(loc)}"/>'
                for (r, c), loc in sorted(links.items())
            )
            + "</hyperlinks>"
        )
    page = layout.PAGE
    left, right, top, bottom, header, footer = page.margins
    parts.append(
        f'<pageMargins left="{left:g}" right="{right:g}" top="{top:g}" bottom="{bottom:g}" '
        f'header="{header:g}" footer="{footer:g}"/>'
        f'<pageSetup paperSize="{page.paper_size}" orientation="{page.orientation}" '
        f'fitToWidth="{page.fit_to_width}" fitToHeight="{page.fit_to_height}"/>'
    )
    page_header, page_footer = layout.page_header(grid), layout.page_footer(grid)
    parts.append(
        "<headerFooter>"
        + (f"<oddHeader>{text(page_header)}</oddHeader>" if page_header else "")
        + f"<oddFooter>{text(page_footer)}</oddFooter></headerFooter></worksheet>"
    )
    return "".join(parts).encode()


def is_strict(workbook_xml: bytes) -> bool:
    """Whether a workbook is Strict Open XML (``purl.oclc.org`` namespaces)."""
    root = re.search(rb"<(?:[\w.-]+:)?workbook\b[^>]*>", workbook_xml)
    return root is not None and STRICT_MAIN.encode() in root[0]


def to_strict(xml: bytes) -> bytes:
    """A part written in transitional namespaces, in Strict's."""
    return xml.replace(NS_MAIN.encode(), STRICT_MAIN.encode()).replace(
        NS_REL.encode(), STRICT_REL.encode()
    )


def generated_mark(xml: bytes, shared: Callable[[int], str | None]) -> bool:
    """Whether a worksheet part is a generated sheet: the mark in its print footer, or
    (written before the mark) a generated sheet's title in A1 or "cbpt-sheets" in A1:A2.

    ``shared(i)``: the i-th shared string (cells of type ``s``).
    """
    p = _prefix(xml, b"worksheet")
    footer = _element(p, b"headerFooter").search(xml)
    mark = layout.GENERATED_MARK
    if footer is not None and mark.encode() in footer[0]:
        return True
    try:
        patch = SheetPatch(xml)
    except SheetXmlError:
        return False
    return layout.looks_generated([cell_text(patch, num, 1, shared) for num in (1, 2)])


def cell_text(patch: SheetPatch, num: int, col: int, shared: Callable[[int], str | None]) -> str:
    """The text of a cell (shared, inline or formula string), "" when none."""
    cell = patch.cells(num).get(col)
    if cell is None:
        return ""
    kind = attrs(cell.head).get("t", "n")
    q = re.escape(patch.p)
    if kind == "s":
        v = re.search(rb"<" + q + rb"v>\s*(\d+)\s*</", cell.xml)
        return (shared(int(v[1])) or "") if v else ""
    if kind in ("inlineStr", "str"):
        pieces = re.findall(rb"<" + q + rb"[tv]\b[^>]*>([^<]*)</", cell.xml)
        return unescape(b"".join(pieces).decode("utf-8", "replace"))
    return ""


def shared_strings(xml: bytes | None) -> Callable[[int], str | None]:
    """The look-up of the i-th string of a shared strings part (parsed on first use)."""
    found: list[str] | None = None

    def get(index: int) -> str | None:
        nonlocal found
        if found is None:
            found = []
            if xml:
                p = _prefix(xml, b"sst")
                q = re.escape(p)
                for si in _element(p, b"si").finditer(xml):
                    pieces = re.findall(rb"<" + q + rb"t\b[^>]*>([^<]*)</", si[2] or b"")
                    found.append(unescape(b"".join(pieces).decode("utf-8", "replace")))
        return found[index] if 0 <= index < len(found) else None

    return get


def print_titles(name: str, header_rows: Iterable[int]) -> str | None:
    """The ``_xlnm.Print_Titles`` formula repeating the header rows (0-based) on every page.

    Only one contiguous block of header rows can repeat (``layout.print_title_rows``).
    """
    rows = layout.print_title_rows(SheetGrid(name=name, header_rows=list(header_rows)))
    if rows is None:
        return None
    return f"{quote_sheet(name)}!${rows[0] + 1}:${rows[1] + 1}"


# ---------------------------------------------------------------- workbook, rels, content types


@dataclass
class SheetEntry:
    """A ``<sheet>`` of workbook.xml: its name, ids, and where its tag is."""

    name: str
    sheet_id: int
    rid: str
    start: int
    end: int


def workbook_sheets(xml: bytes) -> list[SheetEntry]:
    """The sheets of workbook.xml in order."""
    p = _prefix(xml, b"sheets")
    out: list[SheetEntry] = []
    block = _element(p, b"sheets").search(xml)
    if block is None or block[2] is None:
        return out
    offset = block.start(2)
    for m in _element(p, b"sheet").finditer(block[2]):
        a = attrs(m[1])
        rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), "")
        sheet_id = int(a["sheetId"]) if a.get("sheetId", "").isdigit() else 0
        out.append(
            SheetEntry(a.get("name", ""), sheet_id, rid, offset + m.start(), offset + m.end())
        )
    return out


def add_sheet_entry(xml: bytes, name: str, rid: str, rel_ns: str = NS_REL) -> bytes:
    """workbook.xml with a new visible sheet appended to ``<sheets>`` (``rel_ns``: the
    relationships namespace, Strict's in a Strict workbook)."""
    p = _prefix(xml, b"sheets")
    sheets = workbook_sheets(xml)
    sheet_id = max([0, *(s.sheet_id for s in sheets)]) + 1
    root = re.search(rb"<(?:[\w.-]+:)?workbook\b[^>]*>", xml)
    rel_prefix = None
    if root:
        m = re.search(rb"xmlns:([\w.-]+)\s*=\s*\"" + re.escape(rel_ns.encode()) + rb"\"", root[0])
        rel_prefix = m[1].decode() if m else None
    rid_attr = f'{rel_prefix}:id="{rid}"' if rel_prefix else f'xmlns:r="{rel_ns}" r:id="{rid}"'
    tag = f'<{p.decode()}sheet name="{attr(name)}" sheetId="{sheet_id}" {rid_attr}/>'.encode()
    close = xml.find(b"</" + p + b"sheets>")
    if close < 0:
        raise SheetXmlError("La liste des feuilles du classeur (workbook.xml) est illisible.")
    return xml[:close] + tag + xml[close:]


def set_print_titles(xml: bytes, sheet_index: int, formula: str | None) -> bytes:
    """workbook.xml with the sheet's ``_xlnm.Print_Titles`` replaced by ``formula`` (or removed)."""
    p = _prefix(xml, b"workbook")
    q = re.escape(p)
    pattern = re.compile(
        rb"<"
        + q
        + rb"definedName\b(?=[^>]*name=\"_xlnm\.Print_Titles\")(?=[^>]*localSheetId=\"%d\")"
        % sheet_index
        + rb"[^>]*>.*?</"
        + q
        + rb"definedName>",
        re.S,
    )
    entry = b""
    if formula is not None:
        entry = b'<%sdefinedName name="_xlnm.Print_Titles" localSheetId="%d">%s</%sdefinedName>' % (
            p,
            sheet_index,
            text(formula).encode(),
            p,
        )
    found = pattern.search(xml)
    if found is not None:  # in place, so that writing twice gives the same bytes
        return xml[: found.start()] + entry + pattern.sub(b"", xml[found.end() :])
    if formula is None:
        return xml
    close = xml.find(b"</" + p + b"definedNames>")
    if close >= 0:
        return xml[:close] + entry + xml[close:]
    empty = re.search(rb"<" + q + rb"definedNames\s*/>", xml)
    block = b"<%sdefinedNames>%s</%sdefinedNames>" % (p, entry, p)
    if empty:
        return xml[: empty.start()] + block + xml[empty.end() :]
    for after in (b"externalReferences", b"functionGroups", b"sheets"):
        m = re.search(rb"</" + q + after + rb">|<" + q + after + rb"\b[^>]*/>", xml)
        if m:
            return xml[: m.end()] + block + xml[m.end() :]
    raise SheetXmlError("Le classeur (workbook.xml) n'a pas de liste de feuilles.")


@dataclass
class Relationship:
    """One ``<Relationship>`` of a rels part."""

    rid: str
    type: str
    target: str
    external: bool


def relationships(xml: bytes | None) -> list[Relationship]:
    """The relationships of a rels part (none when the part is absent)."""
    if not xml:
        return []
    p = _prefix(xml, b"Relationships")
    out: list[Relationship] = []
    for m in _element(p, b"Relationship").finditer(xml):
        a = attrs(m[1])
        out.append(
            Relationship(
                a.get("Id", ""),
                a.get("Type", ""),
                a.get("Target", ""),
                a.get("TargetMode") == "External",
            )
        )
    return out


def add_relationship(xml: bytes, rel_type: str, target: str) -> tuple[bytes, str]:
    """A rels part with a new relationship, and its fresh Id."""
    ids = {r.rid for r in relationships(xml)}
    n = len(ids) + 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    p = _prefix(xml, b"Relationships")
    tag = f'<{p.decode()}Relationship Id="{rid}" Type="{attr(rel_type)}" Target="{attr(target)}"/>'.encode()
    close = xml.rfind(b"</" + p + b"Relationships>")
    if close < 0:
        raise SheetXmlError("Une partie de relations du classeur est illisible.")
    return xml[:close] + tag + xml[close:], rid


def remove_relationships(xml: bytes, keep: Callable[[Relationship], bool]) -> bytes:
    """A rels part without the relationships ``keep`` rejects."""
    p = _prefix(xml, b"Relationships")

    def sub(m: re.Match[bytes]) -> bytes:
        a = attrs(m[1])
        rel = Relationship(
            a.get("Id", ""),
            a.get("Type", ""),
            a.get("Target", ""),
            a.get("TargetMode") == "External",
        )
        return m[0] if keep(rel) else b""

    return _element(p, b"Relationship").sub(sub, xml)


def reachable(get: Callable[[str], bytes | None]) -> set[str]:
    """Every part reachable by relationships from the package root (lower-cased names)."""
    seen: set[str] = set()
    todo = [""]
    while todo:
        part = todo.pop()
        for rel in relationships(get(rels_path(part))):
            if rel.external:
                continue
            name = resolve(part, rel.target)
            if name.lower() not in seen:
                seen.add(name.lower())
                todo.append(name)
    return seen


def add_override(xml: bytes, part: str, content_type: str) -> bytes:
    """[Content_Types].xml with an Override for ``part``."""
    p = _prefix(xml, b"Types")
    tag = f'<{p.decode()}Override PartName="/{attr(part)}" ContentType="{attr(content_type)}"/>'.encode()
    close = xml.rfind(b"</" + p + b"Types>")
    if close < 0:
        raise SheetXmlError("La table des types du classeur ([Content_Types].xml) est illisible.")
    return xml[:close] + tag + xml[close:]


def remove_overrides(xml: bytes, parts: set[str]) -> bytes:
    """[Content_Types].xml without the Overrides of the given parts (lower-cased names)."""
    p = _prefix(xml, b"Types")

    def sub(m: re.Match[bytes]) -> bytes:
        name = attrs(m[1]).get("PartName", "").lstrip("/").lower()
        return b"" if unquote(name) in parts else m[0]

    return _element(p, b"Override").sub(sub, xml)
