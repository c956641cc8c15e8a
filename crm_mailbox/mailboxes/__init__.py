"""Mailboxes with a purpose: the crm_mailbox settings of an Email Account, read once per request."""
