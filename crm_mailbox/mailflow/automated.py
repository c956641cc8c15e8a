"""Is this email written by a machine? Decided from headers and sender, with the signal named.

Automated mail (bounces, auto-replies, newsletters, notifications) may be linked to the records
it matches, but never creates a Contact or Lead and never starts work for a team.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Local parts of addresses that only machines write from.
MACHINE_LOCAL_PARTS = frozenset(
	{
		"mailer-daemon",
		"postmaster",
		"no-reply",
		"noreply",
		"donotreply",
		"do-not-reply",
		"do_not_reply",
		"bounce",
		"bounces",
		"notification",
		"notifications",
		"auto-reply",
		"autoreply",
		"auto-confirm",
		"daemon",
	}
)
MACHINE_LOCAL_PREFIXES = ("no-reply", "noreply", "bounce+", "bounces+", "bounce-", "mailer-daemon")


@dataclass
class Verdict:
	is_automated: bool = False
	signals: list[str] = field(default_factory=list)

	@property
	def reason(self) -> str:
		return "; ".join(self.signals)


def _header(headers: Mapping[str, str] | None, name: str) -> str:
	if not headers:
		return ""
	value = headers.get(name)
	if value is None:
		# Mappings built by hand may not be case-insensitive like email.message.Message.
		lowered = name.lower()
		value = next((v for k, v in headers.items() if k.lower() == lowered), None)
	return str(value).strip() if value is not None else ""


def machine_sender(address: str | None) -> str:
	"""The reason an address is a machine's, or ""."""
	if not address or "@" not in address:
		return ""
	local = address.lower().rsplit("@", 1)[0]
	if local in MACHINE_LOCAL_PARTS or local.startswith(MACHINE_LOCAL_PREFIXES):
		return f"sender {address.lower()} is a machine address"
	return ""


def detect(headers: Mapping[str, str] | None, sender: str | None = None, content_type: str = "") -> Verdict:
	"""Collect every automated-mail signal in the headers and sender address."""
	verdict = Verdict()
	signals = verdict.signals

	auto_submitted = _header(headers, "Auto-Submitted").lower()
	if auto_submitted and auto_submitted != "no":
		signals.append(f"Auto-Submitted: {auto_submitted}")

	precedence = _header(headers, "Precedence").lower()
	if precedence in ("bulk", "list", "junk", "auto_reply"):
		signals.append(f"Precedence: {precedence}")

	for name in ("List-Id", "List-Unsubscribe"):
		if _header(headers, name):
			signals.append(f"{name} header (mailing list)")

	if _header(headers, "X-Auto-Response-Suppress"):
		signals.append("X-Auto-Response-Suppress header")

	if _header(headers, "X-Autoreply") or _header(headers, "X-Autorespond"):
		signals.append("auto-responder header")

	if content_type.lower().startswith("multipart/report") or "report-type=delivery-status" in _header(
		headers, "Content-Type"
	).lower().replace(" ", ""):
		signals.append("delivery status report (bounce)")

	return_path = _header(headers, "Return-Path")
	if return_path.replace(" ", "") == "<>":
		signals.append("empty Return-Path (bounce)")

	sender_signal = machine_sender(sender)
	if sender_signal:
		signals.append(sender_signal)

	verdict.is_automated = bool(signals)
	return verdict
