"""Who wrote this email: a person's name, organisation, phone and job title, for a new Lead.

- ``parse_display_name`` reads the From header's display name ("Doe, Jane", "Jane Doe (ACME)",
  "ACME Support", "=?utf-8?...?=", or nothing but the address) into first/last name and organisation.
- ``guess_from_signature`` reads the signature at the end of a plain-text body, after dropping the
  quoted thread (``On ... wrote:``, ``>`` lines, Outlook ``From: ... Sent: ...`` blocks), mobile
  footers ("Sent from my iPhone") and disclaimers.
- ``organisation_from_domain`` turns a company domain into a name (acme-industries.co.uk ->
  "Acme Industries"); free-mail domains are those of ``mailflow.freemail`` unless the caller passes
  another test.
- ``lead_from_email`` combines the three into the fields of an ERPNext Lead.

Everything here is a guess from text; callers should store it as a suggestion, never overwrite a
name someone typed.
"""

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.header import decode_header, make_header

from .freemail import is_free_mail as _is_free_mail
from .public_suffix import split_domain

__all__ = [
	"PersonName",
	"guess_from_signature",
	"lead_from_email",
	"organisation_from_domain",
	"parse_display_name",
]

IsFreeMail = Callable[[str], bool]

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

# Name parts stay hand-rolled rather than `nameparser`: its long English title list misreads display
# names ("King Chan" -> title King, first name Chan; "Rev Jones" -> no first name), it reads the French
# "M. Jean Dupont" as first name "M.", and a Lead needs only first and last name, which these few
# words settle predictably.
_HONORIFICS = frozenset(
	"mr mrs ms miss mx dr prof sir dame herr frau fr hr m mme mlle monsieur madame dipl ing mag".split()
)
_NAME_SUFFIXES = frozenset("jr sr ii iii iv phd md mba msc bsc esq cpa pe".split())
_PARTICLES = frozenset("van von de der den da di du del della la le ten ter zu bin al el dos das".split())

_COMPANY_SUFFIX = re.compile(
	r"(?i)(?:^|[\s,])(?:inc|incorporated|llc|l\.l\.c|ltd|limited|plc|corp|corporation|co|company|gmbh|ag|kg|ohg"
	r"|gbr|ug|e\.\s?k|mbh|se|sa|s\.a|sas|sarl|s\.à\s?r\.l|sàrl|eurl|sasu|bv|b\.v|nv|n\.v|oy|ab|as|a/s|aps|spa"
	r"|s\.p\.a|srl|s\.r\.l|s\.l|pty|pte|kft|sp\.\s?z\s?o\.o|group|gruppe|groupe|holding|holdings|industries"
	r"|technologies|solutions|consulting|services|systems|labs|partners)\.?(?=$|[\s,)])"
)
_ROLE_WORDS = (
	r"support|team|the\s+team|sales|service|customer\s+(?:care|service|success|support)|billing|invoices?"
	r"|info|information|no[-\s]?reply|do[-\s]not[-\s]reply|notifications?|alerts?|updates|news|newsletter"
	r"|help\s?desk|accounts?(?:\s+(?:payable|receivable))?|accounting|marketing|hr|recruiting|careers|jobs"
	r"|office|admin|administration|mailer-daemon|postmaster|bot|kundenservice|kundendienst|vertrieb"
	r"|buchhaltung|einkauf|service\s+clients?|équipe|equipe|facturation|comptabilité|l'équipe"
)
_ROLE_NAME = re.compile(rf"(?i)(?:^|\s|-)(?:{_ROLE_WORDS})(?=$|\s|-)")
_ROLE_LOCAL_PARTS = frozenset(
	"""
	info sales support service help helpdesk billing invoice invoices accounts accounting admin office
	contact hello team noreply no-reply donotreply do-not-reply notifications notification alerts news
	newsletter marketing hr jobs careers mailer-daemon postmaster webmaster kontakt vertrieb einkauf
	buchhaltung rechnung rechnungen bestellung service-client contact-fr facturation compta
	""".split()
)
_JOB_TITLE = re.compile(
	r"(?i)\b(?:manager|managerin|director|head|chief|ceo|cto|cfo|coo|cio|cmo|cpo|founder|co-founder|owner"
	r"|president|vice\s+president|vp|partner|principal|consultant|specialist|coordinator|assistant|officer"
	r"|lead|analyst|engineer|developer|architect|representative|executive|buyer|purchaser|procurement"
	r"|administrator|secretary|accountant|controller|agent|advisor|adviser|associate|intern|supervisor"
	r"|technician|designer|scientist|strategist|geschäftsführer(?:in)?|leiter(?:in)?|leitung|vertrieb"
	r"|vertriebsleiter(?:in)?|einkäufer(?:in)?|einkaufsleiter(?:in)?|sachbearbeiter(?:in)?|projektleiter(?:in)?"
	r"|berater(?:in)?|inhaber(?:in)?|prokurist(?:in)?|referent(?:in)?|assistenz|vorstand|ingenieur(?:in)?"
	r"|kaufmann|kauffrau|innendienst|außendienst|directeur|directrice|responsable|chef|cheffe|chargée?"
	r"|ingénieure?|gérante?|commerciale?|assistante|acheteur|acheteuse|comptable|présidente?|fondat(?:eur|rice)"
	r"|conseill(?:er|ère)|sales|marketing|purchasing|operations|logistics|customer\s+success)\b"
)
_PRONOUNS = re.compile(r"(?i)^(?:she|he|they|ze|xe|sie|er|il|elle)\s*/\s*\w+(?:\s*/\s*\w+)?$")
_NOT_ORGANISATION = re.compile(
	r"(?i)^(?:via\b.*|external|extern|ext|guest|gast|contractor|freelance|intern|test)$"
)

_CLOSINGS = (
	r"best|best\s+regards|kind\s+regards|warm\s+regards|warmest\s+regards|regards|kindest\s+regards|many\s+thanks"
	r"|thanks|thank\s+you|thanks\s+(?:again|a\s+lot|so\s+much)|thx|cheers|sincerely|yours\s+sincerely"
	r"|yours\s+truly|yours\s+faithfully|yours|all\s+the\s+best|with\s+(?:best|kind|warm)\s+regards|br|rgds"
	r"|best\s+wishes|talk\s+soon|speak\s+soon"
	r"|mit\s+freundlichen\s+grüßen|mit\s+freundlichen\s+grüssen|mit\s+freundlichem\s+gruß|mit\s+besten\s+grüßen"
	r"|freundliche\s+grüße|freundliche\s+grüsse|viele\s+grüße|viele\s+grüsse|beste\s+grüße|beste\s+grüsse"
	r"|herzliche\s+grüße|liebe\s+grüße|schöne\s+grüße|lg|vg|mfg|gruß|grüße|danke|vielen\s+dank"
	r"|cordialement|bien\s+cordialement|très\s+cordialement|bien\s+à\s+vous|salutations|meilleures\s+salutations"
	r"|sincères\s+salutations|merci|merci\s+beaucoup|merci\s+d'avance|bonne\s+journée|à\s+bientôt"
	r"|saludos|saludos\s+cordiales|un\s+saludo|atentamente|met\s+vriendelijke\s+groet|groeten|distinti\s+saluti"
	r"|cordiali\s+saluti"
)
_CLOSING_LINE = re.compile(rf"(?i)^(?:{_CLOSINGS})\s*[,.!]*$")
_CLOSING_WITH_NAME = re.compile(rf"(?i)^(?:{_CLOSINGS})\s*[,.!]?\s+(?P<name>[^\W\d_][\w.'\- ]{{0,60}})$")

_REPLY_HEADERS = (
	re.compile(r"(?i)^on\b.{0,250}\bwrote:\s*$"),
	re.compile(r"(?i)^am\b.{0,250}\bschrieb\b.{0,250}:\s*$"),
	re.compile(r"(?i)^le\b.{0,250}\ba\s+écrit\s*:\s*$"),
	re.compile(r"(?i)^el\b.{0,250}\bescribió:\s*$"),
	re.compile(r"(?i)^op\b.{0,250}\bschreef\b.{0,250}:\s*$"),
	re.compile(r"(?i)^il\b.{0,250}\bha\s+scritto:\s*$"),
	re.compile(
		r"(?i)^-{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|original-nachricht|message\s+d'origine"
		r"|forwarded\s+message|weitergeleitete\s+nachricht|message\s+transféré|mensaje\s+original)\s*-*\s*$"
	),
	re.compile(r"(?i)^(?:begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+nachricht)\s*:\s*$"),
)
_OUTLOOK_FROM = re.compile(r"(?i)^\*?(?:from|von|de|van|da|från|fra)\s*\*?\s*:\s*\S")
_OUTLOOK_SENT = re.compile(
	r"(?i)^\*?(?:sent|date|gesendet|datum|envoyé|date\s+d'envoi|verzonden|inviato|enviado|skickat|sendt)\s*\*?\s*:"
)
_MOBILE_FOOTER = re.compile(
	r"(?i)^(?:sent\s+from\s+my\s+.{1,40}|sent\s+from\s+(?:outlook|mail|yahoo|gmail|samsung).{0,40}"
	r"|get\s+outlook\s+for\s+.{1,20}|sent\s+via\s+.{1,40}|sent\s+with\s+.{1,40}|von\s+meinem\s+.{1,40}\s+gesendet"
	r"|gesendet\s+von\s+.{1,40}|envoyé\s+de\s+mon\s+.{1,40}|envoyé\s+depuis\s+.{1,40}|enviado\s+desde\s+.{1,40}"
	r"|verzonden\s+vanaf\s+.{1,40}|inviato\s+da\s+.{1,40})$"
)
_DISCLAIMER = re.compile(
	r"(?i)^(?:confidential|disclaimer|this\s+(?:e-?mail|message|communication)\b|the\s+information\s+contained"
	r"|diese\s+(?:e-?mail|nachricht)\b|ce\s+(?:message|courriel|e-?mail)\b|please\s+consider\s+the\s+environment"
	r"|bitte\s+denken\s+sie\s+an\s+die\s+umwelt|pflichtangaben|registergericht|amtsgericht|sitz\s+der\s+gesellschaft)"
)
# Phone numbers stay a pattern rather than `phonenumbers`: its matcher needs the country of a national
# number ("Tel. 030 12345678" is found only with region DE), which a signature does not state, and the
# Lead stores the number as written, so validating it would only drop real numbers.
_PHONE = re.compile(r"(?<![\w+/.])(?:\+|00)?\(?\d[\d \t().\-/]{5,22}\d(?![\w/])")
_PHONE_LABEL = re.compile(
	r"(?i)\b(?:tel|tél|phone|telephone|téléphone|telefon|fon|mobile?|mobil|cell|handy|portable|direct|office"
	r"|[tmpd])\b\.?\s*:?\s*$"
)
_PHONE_LABEL_FAX = re.compile(r"(?i)\b(?:fax|telefax|télécopie)\b")
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_URL_OR_EMAIL = re.compile(r"(?i)(?:https?://|www\.|\S+@\S+\.\w+|\.(?:com|de|fr|org|net|io|co\.uk)\b)")
_ADDRESS_HINT = re.compile(
	r"(?i)\b(?:street|st\.|road|rd\.|avenue|ave\.|suite|floor|straße|strasse|str\.|weg|platz|allee|gasse|rue"
	r"|boulevard|bd|chemin|place|p\.?o\.?\s+box|postfach|cedex)\b|\b\d{4,5}\b"
)

# ---------------------------------------------------------------------------------------------
# Display names
# ---------------------------------------------------------------------------------------------


@dataclass
class PersonName:
	full_name: str = ""
	first_name: str = ""
	last_name: str = ""
	organisation: str = ""
	job_title: str = ""
	address: str = ""
	is_person: bool = False

	def as_dict(self) -> dict:
		return asdict(self)


def _decode(value: str) -> str:
	if "=?" not in value:
		return value
	try:
		return str(make_header(decode_header(value)))
	except (UnicodeError, LookupError, ValueError, TypeError):
		return value


def _split_header(value: str) -> tuple[str, str]:
	"""'Name <addr>' -> (name, addr); a bare address -> ('', addr); anything else -> (value, '')."""
	value = value.strip()
	match = re.match(r"^(?P<name>.*?)\s*<(?P<addr>[^<>\s]+@[^<>\s]+)>\s*$", value, re.DOTALL)
	if match:
		return match["name"], match["addr"]
	if re.match(r"^[^\s@<>\"']+@[^\s@<>\"']+\.[^\s@<>\"']+$", value):
		return "", value
	return value, ""


def _clean_display(name: str, address: str) -> str:
	name = _decode(name).strip()
	name = name.replace('\\"', '"').replace("\\'", "'")
	name = re.sub(r"\s+", " ", name).strip(" \t\"'“”‘’`")
	if address:
		name = re.sub(re.escape(address), "", name, flags=re.IGNORECASE)
	name = re.sub(r"[\[(<]?\s*[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\s*[\])>]?", "", name)  # stray addresses
	name = re.sub(r"(?i)\s+(?:via|über|par)\s+\S.*$", "", name)  # "Jane Doe via LinkedIn"
	name = re.sub(r"(?i)\s+(?:on\s+behalf\s+of|im\s+auftrag\s+von|de\s+la\s+part\s+de)\s+.*$", "", name)
	return name.strip(" \t\"'“”‘’`,;:-|")


def _title_case(word: str) -> str:
	if word.lower() in _PARTICLES:
		return word.lower()
	return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), word)


def _normalise_case(name: str) -> str:
	"""JANE DOE and jane doe become Jane Doe; mixed case (McDonald, van der Berg) is kept."""
	letters = [ch for ch in name if ch.isalpha()]
	if letters and (all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)):
		return " ".join(_title_case(w) for w in name.split())
	return name


def _is_role_or_company(name: str) -> bool:
	return bool(_COMPANY_SUFFIX.search(name) or _ROLE_NAME.search(name))


def _organisation_from_role_name(name: str) -> str:
	"""'ACME Support' -> 'ACME'; 'Kundenservice Müller GmbH' -> 'Müller GmbH'; 'Support' -> ''."""
	if _COMPANY_SUFFIX.search(name) and not _ROLE_NAME.search(name):
		return name
	stripped = _ROLE_NAME.sub(" ", name)
	stripped = re.sub(r"(?i)^\s*(?:the|das|die|l'|le|la|your|ihr|votre)\s+", "", stripped)
	stripped = re.sub(r"(?i)\s+(?:from|at|bei|de|von|chez|du)\s*$", "", stripped)
	stripped = re.sub(r"(?i)^\s*(?:from|at|bei|de|von|chez|du)\s+", "", stripped)
	return re.sub(r"\s+", " ", stripped).strip(" -|,:&")


def _looks_like_person(name: str) -> bool:
	words = name.split()
	if not 1 <= len(words) <= 5 or any(ch.isdigit() for ch in name) or "@" in name:
		return False
	return all(re.match(r"^[^\W\d_][\w.'’\-]*$", w) for w in words)


def _split_person(name: str) -> tuple[str, str]:
	words = [w for w in name.replace(",", " ").split() if w]
	while words and words[0].lower().rstrip(".") in _HONORIFICS and len(words) > 1:
		words.pop(0)
	while len(words) > 1 and words[-1].lower().replace(".", "") in _NAME_SUFFIXES:
		words.pop()
	if not words:
		return "", ""
	if len(words) == 1:
		return words[0], ""
	last_start = len(words) - 1
	while last_start > 1 and words[last_start - 1].lower() in _PARTICLES:
		last_start -= 1
	return " ".join(words[:last_start]), " ".join(words[last_start:])


def _split_affiliation(name: str) -> tuple[str, str]:
	"""'Jane Doe (ACME Corp)' / 'Jane Doe | ACME' / 'Sarah from Acme' -> ('Jane Doe', 'ACME Corp')."""
	extra = ""
	bracket = re.match(r"^(?P<name>.*?)\s*[(\[](?P<extra>[^()\[\]]*)[)\]]\s*(?P<rest>.*)$", name)
	if bracket and bracket["name"]:
		inner = bracket["extra"].strip()
		name = (bracket["name"] + " " + bracket["rest"]).strip()
		if inner and not _PRONOUNS.match(inner) and not _NOT_ORGANISATION.match(inner):
			extra = inner
	parts = re.split(r"\s+(?:\||–|—|-|/|@|·|•|::)\s+", name, maxsplit=1)
	if len(parts) == 2 and parts[0] and parts[1]:
		return parts[0].strip(), extra or parts[1].strip()
	words = re.match(
		r"^(?P<name>.+?)\s+(?:from|at|bei|von|chez|de\s+chez)\s+(?P<org>.+)$", name, re.IGNORECASE
	)
	if words and _looks_like_person(words["name"]) and len(words["name"].split()) <= 3:
		return words["name"], extra or words["org"]
	return name, extra


def _name_from_local_part(address: str) -> tuple[str, str]:
	local = address.split("@", 1)[0].split("+", 1)[0].lower()
	if not local or local in _ROLE_LOCAL_PARTS:
		return "", ""
	local = re.sub(r"\d+", "", local)
	parts = [p for p in re.split(r"[._\-]+", local) if p]
	if len(parts) < 2 or len(parts) > 3 or not all(p.isalpha() for p in parts):
		return "", ""  # "jdoe" or "j.d.x7": no reliable split
	if any(p in _ROLE_LOCAL_PARTS for p in parts):
		return "", ""
	first = " ".join(_title_case(p) + ("." if len(p) == 1 else "") for p in parts[:-1])
	return first, _title_case(parts[-1])


def parse_display_name(value: str | None, address: str = "") -> PersonName:
	"""Read a From header or display name into names and an organisation.

	Handles "Last, First", "First Last", "Jane Doe (ACME Corp)", "Jane Doe | ACME", "Sarah from Acme",
	role senders such as "ACME Support" (``is_person`` False, organisation "ACME"), RFC 2047 encoded
	words, and display names that are only the address (names then come from jane.doe@...).
	"""
	display, header_address = _split_header(value or "")
	address = (address or header_address).strip().lower()
	name = _clean_display(display, address)
	result = PersonName(address=address)

	if not name or "@" in name:
		first, last = _name_from_local_part(address) if address else ("", "")
		if first or last:
			result.first_name, result.last_name = first, last
			result.full_name = f"{first} {last}".strip()
			result.is_person = True
		return result

	name, affiliation = _split_affiliation(name)
	if affiliation:
		if _JOB_TITLE.search(affiliation) and not _COMPANY_SUFFIX.search(affiliation):
			result.job_title = affiliation
		else:
			result.organisation = _organisation_from_role_name(affiliation) or affiliation

	# "Doe, Jane" but not "ACME, Inc." nor "Jane Doe, PhD"
	if name.count(",") == 1:
		left, right = (p.strip() for p in name.split(","))
		right_bare = right.lower().replace(".", "")
		if _COMPANY_SUFFIX.search(", " + right):
			pass
		elif right_bare in _NAME_SUFFIXES:
			name = left
		elif left and right and _looks_like_person(left) and _looks_like_person(right):
			if len(left.split()) <= 3 and len(right.split()) <= 3:
				name = f"{right} {left}"

	domain_label = address.rpartition("@")[2].split(".")[0] if address else ""
	if _is_role_or_company(name) or (domain_label and re.sub(r"[\s\-_.]", "", name.lower()) == domain_label):
		result.organisation = result.organisation or _organisation_from_role_name(name)
		return result
	if re.search(r"\.(?:com|de|fr|net|org|io|co|uk)\b", name, re.IGNORECASE):
		result.organisation = result.organisation or name  # "Amazon.com"
		return result
	if not _looks_like_person(name):
		result.full_name = _normalise_case(name)
		return result

	name = _normalise_case(name)
	first, last = _split_person(name)
	result.first_name, result.last_name = first, last
	result.full_name = f"{first} {last}".strip()
	result.is_person = True
	return result


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------


def _unquoted_lines(text: str) -> list[str]:
	"""The author's own lines: stops at the quoted thread, skips '>' lines."""
	lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
	kept: list[str] = []
	for index, line in enumerate(lines):
		stripped = line.strip()
		if any(p.match(stripped) for p in _REPLY_HEADERS):
			break
		if stripped.lower().startswith(("on ", "am ", "le ")) and index + 1 < len(lines):
			joined = f"{stripped} {lines[index + 1].strip()}"
			if any(p.match(joined) for p in _REPLY_HEADERS[:3]):
				break
		if _OUTLOOK_FROM.match(stripped) and any(
			_OUTLOOK_SENT.match(following.strip()) for following in lines[index + 1 : index + 5]
		):
			break
		if re.match(r"^_{10,}$", stripped) and any(
			_OUTLOOK_FROM.match(following.strip()) for following in lines[index + 1 : index + 3]
		):
			break
		if stripped.startswith(">"):
			continue
		kept.append(line.rstrip())
	while kept and not kept[-1].strip():
		kept.pop()
	return kept


def _without_footers(lines: list[str]) -> list[str]:
	out = []
	for line in lines:
		stripped = line.strip()
		if _DISCLAIMER.match(stripped):
			break
		if _MOBILE_FOOTER.match(stripped):
			continue
		out.append(line)
	while out and not out[-1].strip():
		out.pop()
	return out


def _signature_block(lines: list[str], name_hint: str) -> tuple[list[str], str]:
	"""(lines of the signature, a name given on the closing line itself)."""
	for index in range(len(lines) - 1, -1, -1):
		if lines[index].rstrip() in ("-- ", "--", "—", "__"):
			return lines[index + 1 :], ""
	lowest = max(0, len(lines) - 25)
	for index in range(len(lines) - 1, lowest - 1, -1):
		stripped = lines[index].strip()
		if _CLOSING_LINE.match(stripped):
			return lines[index + 1 :], ""
		with_name = _CLOSING_WITH_NAME.match(stripped)
		if with_name and _looks_like_person(with_name["name"]) and len(with_name["name"].split()) <= 4:
			return lines[index + 1 :], with_name["name"].strip()
	if name_hint:
		hint = name_hint.casefold()
		first_hint = hint.split()[0] if hint.split() else hint
		for index in range(len(lines) - 1, lowest - 1, -1):
			stripped = lines[index].strip().casefold()
			if stripped and (stripped.startswith(hint) or stripped == first_hint):
				return lines[index:], ""
	# no closing: a short last paragraph that starts with a name
	paragraph_start = len(lines)
	while paragraph_start > 0 and lines[paragraph_start - 1].strip():
		paragraph_start -= 1
	block = lines[paragraph_start:]
	if 2 <= len(block) <= 6 and paragraph_start > 0:
		first = _parts(block[0])[0] if _parts(block[0]) else ""
		if _looks_like_person(first) and 2 <= len(first.split()) <= 4 and not _JOB_TITLE.search(first):
			return block, ""
	return [], ""


def _parts(line: str) -> list[str]:
	return [p.strip() for p in re.split(r"\s+[|·•–—]\s+|\t+|\s{3,}|\s+-\s+", line.strip()) if p.strip()]


def _normalise_phone(raw: str) -> str:
	phone = raw.strip()
	if phone.startswith("00"):
		phone = "+" + phone[2:]
	if phone.startswith("+"):
		phone = re.sub(r"\(0\)", " ", phone)
	phone = re.sub(r"[().\-/]", " ", phone)
	return re.sub(r"\s+", " ", phone).strip()


def _find_phone(parts: list[str]) -> str:
	for part in parts:
		for match in _PHONE.finditer(part):
			if _PHONE_LABEL_FAX.search(part[: match.start()]):
				continue
			raw = match.group(0).strip(" -./")
			digits = re.sub(r"\D", "", raw)
			if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(raw):
				continue
			formatted = raw.startswith(("+", "00", "(")) or re.search(r"[ \t\-/.]", raw)
			if not formatted and not _PHONE_LABEL.search(part[: match.start()]):
				continue  # a bare run of digits is a customer or register number unless labelled
			return _normalise_phone(raw)
	return ""


def _is_name(part: str) -> bool:
	return (
		_looks_like_person(part)
		and all(w[:1].isupper() or w.lower() in _PARTICLES or not w[:1].isalpha() for w in part.split())
		and any(sum(ch.isalpha() for ch in w) >= 2 for w in part.split())
		and len(part.split()) <= 4
		and not _JOB_TITLE.search(part)
		and not _COMPANY_SUFFIX.search(part)
		and not _ROLE_NAME.search(part)
		and not _CLOSING_LINE.match(part)
	)


def _plain_line(part: str) -> bool:
	"""Could be an organisation name: short, capitalised, no digits, not an address, link or title."""
	words = part.split()
	return (
		1 <= len(words) <= 5
		and part[:1].isupper()
		and not any(ch.isdigit() for ch in part)
		and not _URL_OR_EMAIL.search(part)
		and not _ADDRESS_HINT.search(part)
		and "," not in part
		and not _JOB_TITLE.search(part)
		and not re.search(r"(?i)\b(?:department|abteilung|team|division|office|büro|service|bureau)\b", part)
	)


def guess_from_signature(text_body: str | None, name_hint: str = "") -> dict:
	"""Name, organisation, phone and job title from the signature of a plain-text body.

	Returns ``{"name", "organisation", "phone", "job_title"}`` with "" for whatever is not found.
	``name_hint`` (the sender's display name) helps find a signature that has no closing line.
	"""
	found = {"name": "", "organisation": "", "phone": "", "job_title": ""}
	lines = _without_footers(_unquoted_lines(text_body or ""))
	if not lines:
		return found
	block, closing_name = _signature_block(lines, name_hint)
	block = [line.strip() for line in block if line.strip()][:10]
	if closing_name:
		found["name"] = closing_name

	all_parts = [part for line in block for part in _parts(line)]
	found["phone"] = _find_phone(all_parts)

	used: set[int] = set()
	if not found["name"]:
		for index, part in enumerate(all_parts[:3]):
			if _is_name(part):
				found["name"] = part
				used.add(index)
				break
	for index, part in enumerate(all_parts[:6]):
		if index in used or _URL_OR_EMAIL.search(part) or _PHONE.search(part):
			continue
		at = re.match(r"^(?P<title>.+?)(?:\s+(?:at|bei|chez|@)\s+|,\s+)(?P<org>.+)$", part, re.IGNORECASE)
		if at and _JOB_TITLE.search(at["title"]) and not found["job_title"]:
			found["job_title"], found["organisation"] = at["title"].strip(), at["org"].strip()
			used.add(index)
			break
		if _JOB_TITLE.search(part) and not _COMPANY_SUFFIX.search(part) and len(part) <= 80:
			found["job_title"] = part
			used.add(index)
			break
	if not found["organisation"]:
		for index, part in enumerate(all_parts[:8]):
			if index not in used and _COMPANY_SUFFIX.search(part) and not _URL_OR_EMAIL.search(part):
				if not _PHONE.search(part) and len(part.split()) <= 8:
					found["organisation"] = part
					used.add(index)
					break
	if not found["organisation"] and (found["name"] or found["job_title"]):
		for index, part in enumerate(all_parts[:5]):
			if index not in used and _plain_line(part) and part != found["name"]:
				found["organisation"] = part
				break
	found["name"] = _normalise_case(found["name"]) if found["name"] else ""
	return found


# ---------------------------------------------------------------------------------------------
# Domains and leads
# ---------------------------------------------------------------------------------------------


def organisation_from_domain(domain: str | None, is_free_mail: IsFreeMail | None = None) -> str:
	"""'acme-industries.co.uk' -> 'Acme Industries'; '' for free-mail domains and nonsense."""
	domain = (domain or "").strip().lower().rstrip(".")
	domain = domain.rpartition("@")[2]
	if not domain or "." not in domain:
		return ""
	if (is_free_mail or _is_free_mail)(domain):
		return ""
	# the label registered under the public suffix (acme in mail.acme.co.uk); an unknown suffix
	# (a.internal) still gives its second-to-last label
	label = split_domain(domain).name if split_domain(domain).suffix else domain.split(".")[-2]
	if label.startswith("xn--"):
		try:
			label = label.encode("ascii").decode("idna")
		except UnicodeError:
			return ""
	words = [w for w in re.split(r"[-_]+", label) if w]
	if not words:
		return ""
	return " ".join(w.upper() if len(w) <= 3 else w[:1].upper() + w[1:] for w in words)


def lead_from_email(
	display_name: str | None,
	address: str | None,
	body_text: str | None = "",
	is_free_mail: IsFreeMail | None = None,
) -> dict:
	"""Fields for a new Lead from the sender and the body of their email.

	Returns ``first_name``, ``last_name``, ``lead_name``, ``company_name``, ``phone`` and ``job_title``.
	The From display name wins for the person's name, the signature for phone, title and company;
	the sender's domain names the company when nothing else does and it is not a free-mail domain.
	"""
	address = (address or "").strip().lower()
	parsed = parse_display_name(display_name or address, address)
	signature = guess_from_signature(body_text, name_hint=parsed.full_name)

	first, last = (parsed.first_name, parsed.last_name) if parsed.is_person else ("", "")
	if signature["name"]:
		sig_first, sig_last = _split_person(signature["name"])
		if not first and not last:
			first, last = sig_first, sig_last
		elif first and not last and sig_first.casefold() == first.casefold():
			last = sig_last  # display name "Jane", signature "Jane Doe"
	if not first and not last and not parsed.organisation:
		first, last = _name_from_local_part(address)

	domain = address.rpartition("@")[2]
	company = (
		signature["organisation"] or parsed.organisation or organisation_from_domain(domain, is_free_mail)
	)
	lead_name = " ".join(p for p in (first, last) if p) or company or address
	return {
		"first_name": first,
		"last_name": last,
		"lead_name": lead_name,
		"company_name": company,
		"phone": signature["phone"],
		"job_title": signature["job_title"] or parsed.job_title,
	}
