"""The ``cbpt-sheets`` command line (click): each command parses its options, calls one
operation (``cbpt_sheets.operations``) and renders its result (``cbpt_sheets.render``).

    app.py       the group, French messages, shared options, errors, the fast exit
    workbook.py  new, demo
    check.py     check [--fix]
    actions.py   next [--write]
    followup.py  followup [--write] [--output]
    brief.py     brief [--write]
    addin.py     addin build, addin install
    rgpd.py      rgpd list, rgpd export, rgpd erase
    lite.py      lite (main.py and requirements.txt for xlwings Lite)
    drafts.py    drafts, templates (letters and e-mails)
    network.py   network (several libraries)
    report.py    report [--write] [--format pdf|png]
    agenda.py    agenda --output F.ics
"""

from __future__ import annotations

from cbpt_sheets.cli import (
    actions,
    addin,
    agenda,
    brief,
    check,
    drafts,
    followup,
    lite,
    network,
    report,
    rgpd,
    workbook,
)
from cbpt_sheets.cli.app import BIG_FILE_BYTES, cli, main, progress

__all__ = [
    "BIG_FILE_BYTES",
    "actions",
    "addin",
    "agenda",
    "brief",
    "check",
    "cli",
    "drafts",
    "followup",
    "lite",
    "main",
    "network",
    "progress",
    "report",
    "rgpd",
    "workbook",
]
