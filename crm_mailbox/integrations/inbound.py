"""The raw message behind a Communication that Frappe's receive path is creating.

Frappe's InboundMail builds the Communication from the parsed email but does not store the
headers that tell a thread (References) or an automated message (Auto-Submitted, List-Id).
Frappe offers no hook that passes the message along, and overriding InboundMail or Email Account
would fight other apps (Helpdesk) for the same class. So we look, read-only, at the caller's
frames for the InboundMail that is inserting this document. Outside the receive path there is
none, and the header signals are simply absent.
"""

from __future__ import annotations

import sys

MAX_DEPTH = 60


def current_inbound_mail():
	"""The frappe.email.receive.InboundMail whose process() is running, or None."""
	from frappe.email.receive import InboundMail

	frame = sys._getframe(1)
	for _ in range(MAX_DEPTH):
		if frame is None:
			return None
		candidate = frame.f_locals.get("self")
		if isinstance(candidate, InboundMail):
			return candidate
		frame = frame.f_back
	return None
