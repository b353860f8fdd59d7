"""The case file: one zip per dispute that anyone can check outside the platform (SPEC section 8).

Contents (see docs/casefile.md):

- ``evidence/…``      every evidence file exactly as stored, hidden items included;
- ``timeline.json``   every event with the fields its hash covers, its hash and the previous hash;
- ``timeline.html``   the same timeline, readable in any browser, offline;
- ``decisions.json``  the decisions and appeals;
- ``case.json``       the case, the order and the parties;
- ``manifest.json``   every other file with its SHA-256 and size, plus the chain head and
  the event count, which ``scripts/verify_casefile.py`` recomputes from ``timeline.json``,
  and the dispute's latest signed head (``signed_head``, SPEC 13.4; docs/audit.md), which
  the script checks against the published key and the timeline.

Exporting is itself an event (``case_file_exported``, mediators only), appended through
the engine *before* the archive is built, so the archive's chain head is that event's hash.

A party takes their own copy (SPEC 13.4, from ``disputes.party_record``): the same
code with the party as the scope, holding what they may see, and the events kept
from them as bare hashes so that the chain still checks (docs/casefile.md).

The package: ``selectors`` (who may export, what the archive holds as of the
export), ``services`` (the export: its event, then the archive) and ``writer``
(the files of the zip and their hashes).
"""
