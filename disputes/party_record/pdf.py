"""The decision as a PDF, rendered by WeasyPrint from a Django template.

WeasyPrint (BSD, maintained by CourtBouillon) lays out HTML and CSS itself, so the
PDF comes from the same templates and translations as the pages, with no browser and
no other process; it needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0, see
``.ci/run``). The document fetches nothing: everything it shows is in the template,
and its fetcher refuses every URL, so no text a party wrote can make the server
fetch anything while rendering.
"""

from __future__ import annotations

import json
import logging

from django.template.loader import render_to_string

from disputes.party_record.selectors import DecisionRecord

# WeasyPrint reports each layout step at INFO on this logger: noise in the site's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE = "disputes/record/decision_pdf.html"


def decision_html(record: DecisionRecord) -> str:
    return render_to_string(TEMPLATE, {"record": record, "dispute": record.dispute})


def decision_pdf(record: DecisionRecord) -> bytes:
    """The PDF, with the signed head attached as the JSON receipt the notification emails
    carry, so that ``scripts/verify_casefile.py`` checks it as it is (docs/audit.md)."""
    # Imported here: loading WeasyPrint (Pango, fonts) costs every process that starts,
    # and only this download needs it.
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=())
    document = HTML(string=decision_html(record), base_url=None, url_fetcher=fetcher)
    attachments = []
    if record.signed_head is not None:
        attachments.append(
            Attachment(
                string=json.dumps(record.signed_head, indent=2, sort_keys=True),
                name=f"{record.dispute.reference}-signed-head.json",
                description="The dispute's latest signed head (docs/audit.md)",
                url_fetcher=fetcher,
            )
        )
    return document.write_pdf(
        pdf_identifier=record.dispute.reference.encode(), attachments=attachments
    )


def decision_filename(record: DecisionRecord) -> str:
    return f"{record.dispute.reference}-decision.pdf"
