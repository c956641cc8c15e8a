"""The raw message behind a Communication that is being received, handed to our hooks explicitly.

Frappe's InboundMail builds the Communication from the parsed email but does not store the
headers that tell a thread (References) or an automated message (Auto-Submitted, List-Id), and
its receive path passes no message to document hooks. Our intake (crm_mailbox.intake.handler)
runs InboundMail.process() inside `receiving(mail)`, so the hooks read the message from here.
Mail received by Frappe's own pull (accounts our intake does not own) has no message here: the
header signals are then absent and only the sender address is judged (see integrations/communication).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_receiving: ContextVar = ContextVar("crm_mailbox_inbound_mail", default=None)


@contextmanager
def receiving(mail) -> Iterator:
	"""Within the block, `current_inbound_mail()` is this frappe.email.receive.InboundMail."""
	token = _receiving.set(mail)
	try:
		yield mail
	finally:
		_receiving.reset(token)


def current_inbound_mail():
	"""The InboundMail being received, or None (outside our intake)."""
	return _receiving.get()
