"""Row-level access of crm_mailbox: who may read the mail of a mailbox with a purpose."""
