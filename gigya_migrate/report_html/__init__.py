"""HTML views of the JSON reports the CLI writes: one self-contained file a person can email.

``write_report(path, document, kind="import")`` renders a job's JSON report (``--report``); the
charts are SVG drawn by pygal (:mod:`.charts`), the failed-record sample is redacted
(:mod:`.redact`). The mock's web console shares the stylesheet and the redaction.
"""

from gigya_migrate.report_html.redact import redact, scrub_text
from gigya_migrate.report_html.render import render_report, write_report

__all__ = ["redact", "render_report", "scrub_text", "write_report"]
