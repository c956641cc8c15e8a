"""Refusals about one field of a desk dialog: the dialog shows the message beside that field.

An endpoint wraps the checks of a field in `about_field("<fieldname>")`; a refusal raised inside
names the field in the answer (`crm_field`), and public/js/email_work.js puts Frappe's message under
it, the dialog open and what was typed kept. A refusal about no field shows atop the dialog.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe

FIELD_KEY = "crm_field"


@contextmanager
def about_field(fieldname: str) -> Iterator[None]:
	try:
		yield
	except (frappe.ValidationError, frappe.PermissionError):
		frappe.local.response[FIELD_KEY] = fieldname
		raise
