"""CLI commands, one module per family; ``gigya_migrate.cli`` registers each module's ``COMMANDS``.

| module            | commands                                              |
|-------------------|-------------------------------------------------------|
| check_hashes      | check-hashes                                          |
| import_cmd        | import, validate-hashes, status                       |
| mapping_cmd       | mapping init                                          |
| site_jobs         | copy, reconcile, export, update, deletions, flagged-deletions |
| sites             | sites list, sites add (named site profiles for --site)  |
| dataflow_cmd      | dataflow run/check/components/template, jobs list/show |
| html_report       | report-html (and the --html option of every job)      |
"""

MODULES = ("check_hashes", "import_cmd", "mapping_cmd", "site_jobs", "sites", "dataflow_cmd", "html_report")
