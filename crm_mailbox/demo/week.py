"""The demo's week of mail: real clients' messages (tests/eml) and a few written here, dated over the
last seven days, with threads, attachments, a newsletter, a bounce, an auto-reply and non-ASCII text.

Every message gets a fixed Message-ID: one that is already on the site is not received again. Domains
of tests/eml are renamed to the demo's own, so that the demo's customers and leads never meet the mail
of the bench suite.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from frappe.utils import get_system_timezone, now_datetime

from crm_mailbox import testing as t

from .cast import MAILBOX_ADDRESSES, SALES, SUPPORT

RENAMES = (
	(b"acme-industries.com", b"acme-industries.example"),
	(b"globex.example", b"globex-corp.example"),
	(b"initech.co.uk", b"initech.example"),
	(b"p.kowalski@web.de", b"peter.kowalski.demo@web.de"),
	(b"xn--bcher-mller-thbg", "bücher-müller-demo".encode("idna")),
)
ACME = "anna.mueller@acme-industries.example"
GLOBEX_IT = "it@globex-corp.example"
BUECHER = "info@" + "bücher-müller-demo".encode("idna").decode() + ".example"  # as its mailer writes it
PNG = (  # a 1x1 picture: the photo of the pump's display
	b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
	b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class DemoMail:
	key: str  # its Message-ID is <demo-KEY@crm-mailbox.demo>
	mailbox: str
	day: int  # 0 = six days ago, 6 = today
	hour: float
	thread: str  # mails with the same thread key make one thread
	raw: bytes  # before its Message-ID and date are set

	@property
	def message_id(self) -> str:
		return f"demo-{self.key}@crm-mailbox.demo"

	def when(self, today: datetime) -> datetime:
		start = today.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6 - self.day)
		# today's mail came in before now, however early the demo runs
		return min(start + timedelta(hours=self.hour), today - timedelta(minutes=30 - self.day))

	def message(self, today: datetime) -> bytes:
		raw = t.with_message_id(self.raw, f"<{self.message_id}>")
		raw = raw.replace(b"sales@ourco.example", MAILBOX_ADDRESSES[self.mailbox].encode())
		for old, new in RENAMES:
			raw = raw.replace(old, new)
		return dated(raw, self.when(today))


def dated(raw: bytes, when: datetime) -> bytes:
	"""The message with its own Date header (not those of quoted or bounced parts) set to `when`."""
	head, sep, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
	# the week is reckoned in the site's time zone (now_datetime), and so is the Date
	stamp = email.utils.format_datetime(when.replace(tzinfo=ZoneInfo(get_system_timezone()))).encode()
	head = re.sub(rb"(?im)^date:[^\r\n]*", b"Date: " + stamp, head, count=1)
	return head + sep + body


def written(
	sender: str,
	subject: str,
	body: str,
	reply_to_key: str | None = None,
	attachment: tuple[str, bytes, str] | None = None,
) -> bytes:
	"""A message written for the demo, to sales@ourco.example as in tests/eml (DemoMail.message sets the
	mailbox's address, its Date and its Message-ID)."""
	msg = EmailMessage()
	msg["From"] = sender
	msg["To"] = "sales@ourco.example"
	msg["Subject"] = "SUBJECT"
	msg["Date"] = email.utils.formatdate()
	msg["Message-ID"] = "<placeholder@crm-mailbox.demo>"
	if reply_to_key:
		msg["In-Reply-To"] = f"<demo-{reply_to_key}@crm-mailbox.demo>"
		msg["References"] = f"<demo-{reply_to_key}@crm-mailbox.demo>"
	msg.set_content(body)
	if attachment:
		filename, content, mimetype = attachment
		maintype, subtype = mimetype.split("/")
		msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
	# encoded whole, as mail clients do (the email package encodes only the words that need it, and
	# Frappe keeps only the first part of such a subject)
	return msg.as_bytes().replace(
		b"Subject: SUBJECT", b"Subject: " + Header(subject, "utf-8").encode().encode(), 1
	)


def week() -> list[DemoMail]:
	"""The week, in the order it arrives."""
	return [
		DemoMail("acme-inquiry", SALES, 0, 9.2, "acme", t.eml("outlook_new_inquiry.eml")),
		DemoMail("kowalski", SALES, 0, 14.7, "kowalski", t.eml("gmail_new_lead.eml")),
		DemoMail(
			"pump-broken",
			SUPPORT,
			1,
			8.1,
			"pump",
			written(
				f"Globex IT <{GLOBEX_IT}>",
				"Pump P-20 broken: error E42 since Monday",
				"Hello,\n\nour pump P-20 in hall 3 stopped with error E42 on Monday morning.\n"
				"A photo of the display is attached. Can a technician come this week?\n\nGlobex IT\n",
				attachment=("display-E42.png", PNG, "image/png"),
			),
		),
		DemoMail("globex-seals", SALES, 1, 10.1, "seals", t.eml("apple_mail_attachment.eml")),
		DemoMail(
			"pump-broken-2",
			SUPPORT,
			1,
			11.5,
			"pump",
			written(
				f"Globex IT <{GLOBEX_IT}>",
				"Re: Pump P-20 broken: error E42 since Monday",
				"Update: the pump restarted once and failed again after ten minutes.\n",
				reply_to_key="pump-broken",
			),
		),
		DemoMail(
			"globex-seals-2",
			SALES,
			2,
			8.5,
			"seals",
			written(
				"Chloé Martin <chloe@globex-corp.example>",
				"Re: Request for quotation – replacement seals",
				"Bonjour,\n\none more thing: we need the seals delivered to Lyon before the 20th.\n\nChloé\n",
				reply_to_key="globex-seals",
			),
		),
		DemoMail("newsletter", SALES, 2, 11.0, "newsletter", t.eml("mailing_list.eml")),
		DemoMail("bounce", SALES, 2, 16.3, "bounce", t.eml("bounce_dsn.eml")),
		DemoMail("acme-away", SALES, 3, 7.9, "acme-away", t.eml("auto_reply_outlook.eml")),
		DemoMail("buecher", SALES, 3, 13.2, "buecher", t.eml("idn_sender.eml")),
		DemoMail(
			"acme-invoice",
			SUPPORT,
			3,
			14.0,
			"invoice",
			written(
				f"Anna Müller <{ACME}>",
				"Frage zur Rechnung ACC-SINV-2026-00042 – Skonto?",
				"Guten Tag,\n\nauf der Rechnung fehlt das vereinbarte Skonto von 2 %.\n"
				"Können Sie die Rechnung bitte korrigieren?\n\nMit freundlichen Grüßen\nAnna Müller\n",
			),
		),
		DemoMail("promo", SUPPORT, 4, 8.0, "promo", t.eml("html_only_with_script.eml")),
		DemoMail(
			"buecher-2",
			SALES,
			4,
			9.8,
			"buecher",
			written(
				f"Bücher Müller GmbH <{BUECHER}>",
				"Re: Anfrage Barcode-Scanner für unsere Filialen",
				"Guten Tag,\n\nnoch eine Ergänzung: wir brauchen die Scanner für 14 Filialen, "
				"Lieferung nach Köln und Düsseldorf.\n\nJörg Bücher\n",
				reply_to_key="buecher",
			),
		),
		DemoMail("initech", SALES, 4, 15.0, "initech", t.eml("thunderbird_plain.eml")),
		DemoMail(
			"zurich",
			SALES,
			5,
			10.5,
			"zurich",
			written(
				"Brauerei Hürlimann – Einkauf <einkauf@brauerei-huerlimann.example>",
				"Anfrage: 3 Kreiselpumpen für Zürich – Lieferung bis März?",
				"Grüezi,\n\nwir suchen drei Kreiselpumpen (je 40 m³/h) für unsere Brauerei in Zürich.\n"
				"Bitte senden Sie uns ein Angebot inkl. Lieferung bis Ende März.\n\nFreundliche Grüsse\n"
				"Urs Bächtold\n",
				attachment=("Anlagenschema Zürich.txt", "Pumpe 1–3: 40 m³/h, 4 bar\n".encode(), "text/plain"),
			),
		),
		DemoMail("notification", SALES, 5, 12.0, "notification", t.eml("noreply_notification.eml")),
		DemoMail(
			"acme-inquiry-2",
			SALES,
			6,
			9.0,
			"acme",
			written(
				f"Anna Müller <{ACME}>",
				"Re: Request for quotation: 40x pressure sensor PS-200 (ACME Industries)",
				"Good morning,\n\ndid you receive our request? We need the quotation by Friday.\n\n"
				"Anna Müller\n",
				reply_to_key="acme-inquiry",
			),
		),
	]


def today() -> datetime:
	return now_datetime()
