"""The application layer: one function per operation the CLI and the web offer, each taking the acting user
(`biaotong.auth.Actor`) first and enforcing scope, role and masking there. Views and commands stay thin.

One module per area (reports, sources, ledger, tasks, feedback, quality, ...)."""
