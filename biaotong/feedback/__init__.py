"""The grassroots' voice (基层反馈): feedback on a report, field, task, value or the system, routed to the
department that owns it, with a due time, answers, escalation when overdue, and anonymity kept in the store."""
