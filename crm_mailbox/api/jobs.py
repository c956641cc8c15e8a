"""Whitelisted endpoint about long work started from the desk (crm_mailbox.long_work)."""

import frappe

from crm_mailbox import long_work


@frappe.whitelist()
def get_job(job_id: str) -> dict:
	"""One of my background jobs: done or not, and its result once done."""
	return long_work.status(job_id)
