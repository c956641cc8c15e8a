"""One accountable owner and a work status per email thread of a Shared or CRM mailbox."""
