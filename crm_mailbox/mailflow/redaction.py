"""Remove secrets from email text before it is stored, shown in a timeline or sent to a model.

``redact(text)`` replaces each secret with a marker that says what was there, e.g.
``[password removed]``, and reports what it removed::

    >>> redact("Your verification code is 482913.").text
    'Your verification code is [one-time code removed].'

What counts as a secret (the ``kind`` reported, and the marker):

- ``password``: a value after a password label in English, German, French, Spanish or Dutch
  ("Password: hunter2", "pwd=...", "Ihr Passwort lautet ...", "mot de passe : ...",
  "your new password is X"), and ``*_PASSWORD=...`` style assignments.
- ``one-time code``: a 3 to 8 digit code next to words such as verification code, OTP, 2FA,
  security code, Bestätigungscode, code de vérification ("482913 is your login code" too).
- ``token``: bearer/basic credentials in Authorization headers, JWTs, Slack, GitHub, GitLab
  and similar vendor tokens, webhook URLs that embed a secret, and ``token=...`` assignments.
- ``API key``: AWS access key IDs and secret keys, Google API keys, Azure account keys,
  Stripe keys and ``api_key=...`` / ``secret=...`` assignments, and a machine-made value written
  right after such a word with no separator ("the secret 9f8e7d6c...").
- ``private key``: PEM and PGP private key blocks (up to the END line, or the end of the
  paragraph when the block was cut off).
- ``credentials``: ``user:password@`` in a URL (``scheme://[credentials removed]@host/path``).
- ``signed URL``: the query string of a URL carrying a signature or a token (S3/GCS/Azure
  SAS signatures, ``token=``, ``access_token=``, ``code=`` ...): the path is kept.
- ``card number``: 13 to 19 digits grouped like a payment card, with a known card prefix and
  length, that pass the Luhn check (groups split by spaces, hyphens or en/em dashes); ``card security code``: a CVV/CVC next to its label.

Ordinary text, order and invoice numbers, dates, times, amounts, phone numbers, IBANs,
tracking numbers and postcodes are left alone: every detector needs either a distinctive
format or a label next to the value. The detectors are fixed, linear regular expressions;
the corpus in ``tests/data/redaction_corpus.jsonl`` pins their behaviour.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["KINDS", "MARKERS", "RedactionResult", "marker", "redact", "redact_subject"]

KINDS = (
	"password",
	"one-time code",
	"API key",
	"token",
	"private key",
	"signed URL",
	"credentials",
	"card number",
	"card security code",
)
MARKERS = {kind: f"[{kind} removed]" for kind in KINDS}


def marker(kind: str) -> str:
	return MARKERS[kind]


@dataclass
class RedactionResult:
	text: str
	removed: list[tuple[str, int]] = field(default_factory=list)

	@property
	def changed(self) -> bool:
		return bool(self.removed)

	@property
	def count(self) -> int:
		return sum(n for _, n in self.removed)

	@property
	def kinds(self) -> set[str]:
		return {kind for kind, _ in self.removed}

	def summary(self) -> str:
		"""``"2 passwords, 1 token"``-style text for logs and comments."""
		return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in self.removed)


class _Tally:
	"""Counts removals by kind and remembers removed values, to catch their echoes later in the text."""

	def __init__(self):
		self.counts: dict[str, int] = {}
		self.secrets: dict[str, str] = {}

	def add(self, kind: str, secret: str = "") -> str:
		self.counts[kind] = self.counts.get(kind, 0) + 1
		secret = secret.strip()
		if len(secret) >= _ECHO_MIN_LENGTH:
			self.secrets.setdefault(secret, kind)
		return MARKERS[kind]


# A removed value this long is also removed where it appears again (a Zoom passcode repeated in the
# dial-in string, a password quoted back in a reply).
_ECHO_MIN_LENGTH = 6


def _echoes(text: str, tally: _Tally) -> str:
	for secret, kind in sorted(tally.secrets.items(), key=lambda item: -len(item[0])):
		if secret not in text:
			continue
		pattern = re.compile(r"(?<![\w\-])" + re.escape(secret) + r"(?![\w\-])")
		text = pattern.sub(lambda m, kind=kind: tally.add(kind), text)
	return text


# ---------------------------------------------------------------------------------------------
# Shared vocabulary
# ---------------------------------------------------------------------------------------------

# Words that follow a password/code label in ordinary prose, never a secret value.
_PROSE_WORDS = frozenset(
	"""
	a an the is are was were be been being has have had will would can could should must may
	not no none null nil n/a na unknown unchanged same empty blank hidden masked redacted removed
	your you my our their his her its this that these those it here there see below above attached
	please click use enter type follow reset change changed changes update updated expired expires
	expiring expiry required requirements policy rules rule must minimum maximum min max least
	at in on for to of by with from via and or if when then than into about as
	incorrect invalid wrong correct valid weak strong too short long forgotten forgot lost
	sent set stored saved encrypted shown displayed never always only still also now already
	manager protected protection recovery hint strength reuse history length
	sms email e-mail text phone app link code case case-sensitive
	ihr ihre ihren dein deine mein meine unser unsere sie du wir bitte der die das den dem des
	ein eine einen ist sind wird wurde wurden lautet vergessen geändert zurückgesetzt ändern
	abgelaufen mindestens erforderlich ungültig falsch und oder mit für auf zu von per nicht kein
	votre vos ton ta mon ma notre le la les un une est sont été sera pour par avec sur de du des
	et ou oublié modifié réinitialisé expiré obligatoire incorrect invalide au moins ne pas
	su tu el la los las es ha sido para por con olvidado
	ask asked request requested contact call separate separately later follows following default usual
	siehe separat separater separate anbei folgt später frag fragen erfragen kontaktieren anrufen wie
	voir ci-dessous suit plus tard demandez demander contactez appelez comme
	""".split()
)

# Masked values, template placeholders and variable references are not secrets.
_PLACEHOLDER = re.compile(
	r"^(?:[*•●xX#.\-_]{3,}|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|\.\.\.|…"
	r"|\$\{?[A-Za-z_]\w*\}?|%[A-Za-z_]\w*%|\{\{.*\}\}|(?i:your[_\-]?[A-Za-z_\-]*|changeme|placeholder|redacted"
	r"|undefined|todo|tbd|xxx+))$"
)


def _looks_like_prose(value: str) -> bool:
	bare = value.strip("\"'“”„«»‘’.,;:!?)(").lower()
	return not bare or bare in _PROSE_WORDS or bool(_PLACEHOLDER.match(value))


def _has_digit_or_symbol(value: str) -> bool:
	return any(ch.isdigit() for ch in value) or any(not ch.isalnum() for ch in value)


def _password_like(value: str) -> bool:
	"""A bare word after "is" counts as a password only when it is not shaped like a word."""
	if _looks_like_prose(value):
		return False
	core = value.rstrip(".,;:!?")
	return len(core) >= 4 and (_has_digit_or_symbol(core) or any(ch.isupper() for ch in core[1:]))


def _secret_like(value: str, minimum: int = 8) -> bool:
	"""A value assigned to a key: long enough and not a word of prose."""
	if _looks_like_prose(value):
		return False
	core = value.strip("\"'")
	return len(core) >= minimum and (any(ch.isdigit() for ch in core) or len(core) >= 20)


def _split_trailing_punctuation(value: str) -> tuple[str, str]:
	"""'hunter2.' -> ('hunter2', '.'); sentence punctuation after an unquoted value stays."""
	core = value.rstrip(".,;:)]}>\"'")
	if not core:
		return value, ""
	return core, value[len(core) :]


# ---------------------------------------------------------------------------------------------
# Detectors. Each takes the text and the tally and returns the new text. Order matters: the
# ones with unambiguous formats run first, so that later contextual ones see their markers.
# ---------------------------------------------------------------------------------------------

_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----")
_PARAGRAPH_END = re.compile(r"\n[ \t>]*\n")
_PRIVATE_KEY_MAX = 20_000  # an RSA-4096 PEM is ~3.3 KB, a PGP key block with subkeys well under this


def _private_keys(text: str, tally: _Tally) -> str:
	"""From BEGIN to the matching END line; a block cut off without END goes to the end of its paragraph."""
	if "PRIVATE KEY" not in text:
		return text
	out = []
	position = 0
	for begin in _PRIVATE_KEY_BEGIN.finditer(text):
		if begin.start() < position:
			continue  # inside a block already removed
		end_marker = f"-----END {begin['label']}-----"
		end = text.find(end_marker, begin.end(), begin.end() + _PRIVATE_KEY_MAX)
		if end >= 0:
			stop = end + len(end_marker)
		else:
			paragraph = _PARAGRAPH_END.search(text, begin.end())
			stop = paragraph.start() if paragraph else len(text)
		out.append(text[position : begin.start()])
		out.append(tally.add("private key"))
		position = stop
	out.append(text[position:])
	return "".join(out)


_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://[^\s<>\"'`{}|\\^\[\]]+")
_SENSITIVE_PARAMS = frozenset(
	"""
	x-amz-signature x-amz-credential x-amz-security-token x-goog-signature x-goog-credential
	signature sig token access_token id_token refresh_token auth_token code otp key api_key apikey
	password pass pwd passwd secret client_secret session sessionid session_id hmac jwt auth
	""".split()
)
_SENSITIVE_PARAM_PARTS = ("token", "signature", "secret", "password", "apikey", "api_key", "api-key")
_WEBHOOK = re.compile(
	r"^(?P<keep>https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)/"
	r"|(?:[a-z]+\.)?discord(?:app)?\.com/api/webhooks/"
	r"|[a-z0-9-]+\.webhook\.office\.com/webhookb2/"
	r"|outlook\.office\.com/webhook/))(?P<secret>\S+)$",
	re.IGNORECASE,
)
_PATH_TOKEN_CONTEXT = re.compile(
	r"/(?:reset|password|passwort|verify|verification|confirm|confirmation|activate|activation"
	r"|magic|magic-link|login|signin|sign-in|auth|invite|invitation|unlock|token)(?:[-_/]|$)",
	re.IGNORECASE,
)
_PATH_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_\-]{20,}(?=/|$)")
_URL_TRAILING = ".,;:!?)'\""


def _random_looking(segment: str) -> bool:
	"""A reset-link token, not a slug: digits and letters, and no part that is a plain word."""
	digits = sum(ch.isdigit() for ch in segment)
	if digits < 2 or not any(ch.isalpha() for ch in segment):
		return False
	return not any(
		len(part) >= 4 and part.isalpha() and part.islower() for part in re.split(r"[-_]", segment)
	)


def _param_is_sensitive(name: str) -> bool:
	name = name.lower()
	if name.startswith("amp;"):
		name = name[4:]
	return name in _SENSITIVE_PARAMS or any(part in name for part in _SENSITIVE_PARAM_PARTS)


def _query_is_sensitive(query: str) -> bool:
	for pair in re.split(r"[&;]", query):
		name, eq, value = pair.partition("=")
		if eq and value and _param_is_sensitive(name):
			return True
	return False


def _redact_url(url: str, tally: _Tally) -> str:
	webhook = _WEBHOOK.match(url)
	if webhook:
		return webhook["keep"] + tally.add("token")
	scheme, _, rest = url.partition("://")
	authority, path = re.match(r"([^/?#]*)(.*)", rest, re.DOTALL).groups()
	if "@" in authority:
		userinfo, _, host = authority.rpartition("@")
		user, colon, password = userinfo.partition(":")
		if (colon and password) or len(user) >= 20:
			authority = tally.add("credentials", password) + "@" + host
	fragment = ""
	if "#" in path:
		path, fragment = path.split("#", 1)
		fragment = "#" + fragment
	base, question, query = path.partition("?")
	if (question and _query_is_sensitive(query)) or (fragment and _query_is_sensitive(fragment[1:])):
		return f"{scheme}://{authority}{base}?{tally.add('signed URL')}"
	if _PATH_TOKEN_CONTEXT.search(base):
		base = _PATH_TOKEN.sub(
			lambda m: tally.add("token") if _random_looking(m.group(0)) else m.group(0), base
		)
	return f"{scheme}://{authority}{base}{question}{query}{fragment}"


def _urls(text: str, tally: _Tally) -> str:
	if "://" not in text:
		return text

	def replace(match: re.Match) -> str:
		url = match.group(0)
		core = url.rstrip(_URL_TRAILING)
		# keep a closing bracket that belongs to the URL, as in wiki-style links
		if core.count("(") > core.count(")") and url[len(core) : len(core) + 1] == ")":
			core += ")"
		return _redact_url(core, tally) + url[len(core) :]

	return _URL.sub(replace, text)


# (kind, literal substrings one of which must occur, pattern). The literals skip most passes on most mails.
_VENDOR_TOKENS: tuple[tuple[str, tuple[str, ...], re.Pattern], ...] = tuple(
	(kind, triggers, re.compile(pattern))
	for kind, triggers, pattern in (
		# JSON Web Tokens: header.payload.signature, both first parts base64url JSON objects
		("token", ("eyJ",), r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
		(
			"API key",
			("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"),
			r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b",
		),
		("API key", ("AIza",), r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"),
		("API key", ("_live_", "_test_"), r"\b(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{10,}\b"),
		("API key", ("whsec_",), r"\bwhsec_[0-9A-Za-z]{20,}\b"),
		("API key", ("SG.",), r"\bSG\.[0-9A-Za-z_\-]{16,}\.[0-9A-Za-z_\-]{16,}"),
		("API key", ("sk-",), r"\bsk-(?:proj-|ant-|svcacct-)?[0-9A-Za-z_\-]{32,}"),
		("API key", ("key-",), r"\bkey-[0-9a-f]{32}\b"),
		("token", ("xox",), r"\bxox[abposre]-[0-9A-Za-z\-]{10,}"),
		("token", ("xapp-",), r"\bxapp-\d-[0-9A-Za-z\-]{10,}"),
		("token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\bgh[pousr]_[0-9A-Za-z]{30,}\b"),
		("token", ("github_pat_",), r"\bgithub_pat_[0-9A-Za-z_]{22,}\b"),
		("token", ("glpat-",), r"\bglpat-[0-9A-Za-z_\-]{20,}"),
		("token", ("npm_",), r"\bnpm_[0-9A-Za-z]{36}\b"),
		("token", ("pypi-",), r"\bpypi-AgE[0-9A-Za-z_\-]{50,}"),
		("token", ("shpat_", "shpca_", "shppa_", "shpss_"), r"\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b"),
		("token", ("ya29.",), r"\bya29\.[0-9A-Za-z_\-]{20,}"),
		("token", ("ATATT3",), r"\bATATT3[0-9A-Za-z_\-=]{50,}"),
	)
)


def _vendor_tokens(text: str, tally: _Tally) -> str:
	for kind, triggers, pattern in _VENDOR_TOKENS:
		if any(trigger in text for trigger in triggers):
			text = pattern.sub(lambda m, kind=kind: tally.add(kind, m.group(0)), text)
	return text


_AZURE_KEY = re.compile(
	r"(?i)\b(?P<key>AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecretValue|sig)"
	r"(?P<sep>\s*=\s*)(?P<value>[A-Za-z0-9+/%]{16,}={0,2})"
)


def _azure_keys(text: str, tally: _Tally) -> str:
	lowered = text.lower()
	if "accountkey" not in lowered and "sharedaccess" not in lowered and "sig=" not in lowered:
		return text

	def replace(match: re.Match) -> str:
		kind = "signed URL" if match["key"].lower() in ("sig", "sharedaccesssignature") else "API key"
		return f"{match['key']}{match['sep']}{tally.add(kind, match['value'])}"

	return _AZURE_KEY.sub(replace, text)


_AUTH_HEADER = re.compile(
	r"(?im)(?P<label>\b(?:proxy-)?authorization\s*[:=]\s*[\"']?)"
	r"(?:(?P<scheme>bearer|basic|token|digest|negotiate|ntlm|bot|apikey|sso-key)\s+)?"
	r"(?P<value>[^\s\"'][^\r\n\"']*?)(?=[\"']|\s*$)"
)
_BEARER = re.compile(
	r"(?P<label>\bBearer\s+)(?P<value>(?=[A-Za-z0-9\-._~+/]*\d)[A-Za-z0-9\-._~+/]{16,}=*)", re.IGNORECASE
)
_API_KEY_HEADER = re.compile(
	r"(?im)(?P<label>\b(?:x-(?:api|auth|access|goog-api)-(?:key|token)|api-key|x-token|x-auth)\s*:\s*)"
	r"(?P<value>[A-Za-z0-9\-._~+/=]{8,})"
)


def _auth_headers(text: str, tally: _Tally) -> str:
	lowered = text.lower()
	if "authorization" in lowered:

		def header(match: re.Match) -> str:
			value = match["value"]
			if value.startswith("[") and value.endswith("removed]"):
				return match.group(0)
			if not match["scheme"] and not _secret_like(value.split()[0], minimum=12):
				return match.group(0)
			scheme = match["scheme"] + " " if match["scheme"] else ""
			return f"{match['label']}{scheme}{tally.add('token', value)}"

		text = _AUTH_HEADER.sub(header, text)
	if "bearer" in lowered:
		text = _BEARER.sub(lambda m: m["label"] + tally.add("token", m["value"]), text)
	if "-key" in lowered or "x-auth" in lowered or "x-token" in lowered or "-token" in lowered:
		text = _API_KEY_HEADER.sub(lambda m: m["label"] + tally.add("API key", m["value"]), text)
	return text


# key = value assignments: env files, JSON, YAML, config snippets pasted into tickets.
_ASSIGNMENT_KEY_WORDS = (
	r"(?:[A-Za-z0-9]+[_.\-])*"
	r"(?:api[_\-]?key|apikey|api[_\-]?secret|api[_\-]?token|access[_\-]?key(?:[_\-]?id)?|secret[_\-]?key"
	r"|secret[_\-]?access[_\-]?key|client[_\-]?secret|app[_\-]?secret|consumer[_\-]?secret|secret"
	r"|private[_\-]?key|signing[_\-]?key|encryption[_\-]?key|master[_\-]?key|webhook[_\-]?secret"
	r"|token|access[_\-]?token|auth[_\-]?token|refresh[_\-]?token|id[_\-]?token|bearer[_\-]?token"
	r"|session[_\-]?(?:id|token|key|secret)|cookie[_\-]?secret|password|passwd|pwd|passwort|pass"
	r"|credentials?|dsn|connection[_\-]?string)"
	r"(?:[_.\-][A-Za-z0-9]+)*"
)
_ASSIGNMENT = re.compile(
	r"(?P<key>(?<![\w\-.])[\"']?" + _ASSIGNMENT_KEY_WORDS + r"[\"']?)"
	r"(?P<sep>[ \t]*(?:=>|:=|=|:)[ \t]*)"
	r"(?P<value>\"[^\"\r\n]{1,500}\"|'[^'\r\n]{1,500}'|(?:[^\s,;&\"'<>]|&(?![A-Za-z_][\w.\-]{0,40}=)){1,500})",
	re.IGNORECASE,
)
# Prose forms of the same labels ("API key: ...", "Secret access key: ...").
_PROSE_KEY = re.compile(
	r"(?P<key>\b(?:(?:aws|stripe|sendgrid|twilio|mailgun|openai|google|azure)\s+)?"
	r"(?:secret\s+access\s+key|access\s+key(?:\s+id)?|secret\s+key|api\s+(?:key|secret|token)"
	r"|client\s+secret|app\s+secret|access\s+token|auth(?:entication)?\s+token|refresh\s+token"
	r"|personal\s+access\s+token|deploy\s+token|webhook\s+secret|signing\s+secret|api[\s-]?schlüssel"
	r"|zugangsschlüssel|clé\s+(?:d'api|api|secrète|d'accès))\b)"
	r"(?P<sep>[ \t]*(?:\([^)\r\n]{0,30}\))?[ \t]*(?:is|lautet|ist|est)?[ \t]*[:=]?[ \t]*\r?\n?[ \t]*)"
	r"(?P<value>[A-Za-z0-9+/=_\-.]{12,})",
	re.IGNORECASE,
)


def _assignment_kind(key: str) -> str:
	key = key.lower()
	if any(word in key for word in ("pass", "pwd")):
		return "password"
	if any(word in key for word in ("token", "session", "cookie", "bearer")):
		return "token"
	return "API key"


_ASSIGNMENT_TRIGGERS = (
	"key",
	"secret",
	"token",
	"pass",
	"pwd",
	"session",
	"cookie",
	"credential",
	"dsn",
	"connection",
	"schlüssel",
	"clé",
)


def _assignments(text: str, tally: _Tally) -> str:
	lowered = text.lower()
	if not any(trigger in lowered for trigger in _ASSIGNMENT_TRIGGERS):
		return text

	def replace(match: re.Match) -> str:
		key, sep, value = match["key"], match["sep"], match["value"]
		if value.startswith("[") or "removed]" in value:
			return match.group(0)
		quoted = value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1
		bare_key = key.strip("\"'")
		identifier = bool(re.search(r"[_.\-]", bare_key)) or bare_key != bare_key.lower() or quoted
		if quoted:
			inner = value[1:-1]
			if _looks_like_prose(inner) or not inner.strip():
				return match.group(0)
			return f"{key}{sep}{value[0]}{tally.add(_assignment_kind(key), inner)}{value[-1]}"
		core, trailing = _split_trailing_punctuation(value)
		if ":" in sep and not identifier:
			# "Token: expired", "Secret: ask Jane" in prose: only values shaped like secrets
			if not _secret_like(core):
				return match.group(0)
		elif _looks_like_prose(core) or len(core) < 4:
			return match.group(0)
		if "://" in core:
			return match.group(0)  # URLs were handled by _urls; the key names a connection string
		return f"{key}{sep}{tally.add(_assignment_kind(key), core)}{trailing}"

	text = _ASSIGNMENT.sub(replace, text)

	def prose(match: re.Match) -> str:
		core, trailing = _split_trailing_punctuation(match["value"])
		if not _secret_like(core, minimum=12):
			return match.group(0)
		return f"{match['key']}{match['sep']}{tally.add(_assignment_kind(match['key']), core)}{trailing}"

	return _PROSE_KEY.sub(prose, text)


# A key written right after its label with no ":" or "=" ("the secret 9f8e7d...", "token 3c6e0b...").
# Without a separator the label is often plain prose ("Secret Santa", "token 2 of 3", "key account"), so
# the value must look machine-made: long, letters and digits, and switching between them often.
_BARE_KEY = re.compile(
	r"(?<![\w\-])(?P<label>(?:(?:api|access|secret|private|signing|client|app|auth|bearer|session|refresh"
	r"|deploy|webhook|license|licence)[ \t]+)?(?P<word>secret|token|key|api[_\-]?key|schlüssel|clé)"
	r"(?:[ \t]+(?:is|was|lautet|ist|est))?[ \t]+)"
	r"(?P<value>[^\s\"'“”<>()\[\]]{12,200})",
	re.IGNORECASE,
)
_CHARACTER_CLASS_SWITCH = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def _machine_made(value: str) -> bool:
	if _looks_like_prose(value) or "://" in value or "@" in value or "removed]" in value:
		return False
	alnum = [ch for ch in value if ch.isalnum()]
	digits = sum(ch.isdigit() for ch in alnum)
	if len(alnum) < 12 or not digits or digits == len(alnum):
		return False
	return len(_CHARACTER_CLASS_SWITCH.findall(value)) >= 3


def _bare_keys(text: str, tally: _Tally) -> str:
	lowered = text.lower()
	if not any(word in lowered for word in ("secret", "token", "key", "schlüssel", "clé")):
		return text

	def replace(match: re.Match) -> str:
		core, trailing = _split_trailing_punctuation(match["value"])
		if not _machine_made(core):
			return match.group(0)
		return f"{match['label']}{tally.add(_assignment_kind(match['word']), core)}{trailing}"

	return _BARE_KEY.sub(replace, text)


# One-time codes need a label next to the digits.
_OTP_LABEL = (
	r"(?:one[\s-]?time\s+(?:pass)?code|one[\s-]?time\s+password|one[\s-]?time\s+pin|single[\s-]use\s+code"
	r"|verification\s+(?:code|pin|number)|validation\s+code|security\s+code|confirmation\s+code"
	r"|authentication\s+code|authorization\s+code|auth\s+code|access\s+code|login\s+code|log[\s-]?in\s+code"
	r"|sign[\s-]?in\s+code|sign[\s-]?up\s+code|activation\s+code|approval\s+code|reset\s+code|recovery\s+code"
	r"|backup\s+code|(?:2fa|mfa|2sv|two[\s-]factor(?:\s+authentication)?|2[\s-]step(?:\s+verification)?)"
	r"(?:\s+code)?|t?otp(?:\s+code)?|passcode|m?tan|"
	r"best(?:ä|ae)tigungs(?:code|nummer)|sicherheitscode|verifizierungscode|verifikationscode|anmeldecode"
	r"|einmal(?:code|passwort|kennwort)|zugangscode|freigabecode|aktivierungscode|pr(?:ü|ue)fcode"
	r"|code\s+(?:de\s+(?:v[ée]rification|s[ée]curit[ée]|confirmation|connexion|validation|s[ée]curit[ée])"
	r"|d['’](?:acc[èe]s|activation|authentification)|[àa]\s+usage\s+unique|temporaire|otp)"
	r"|mot\s+de\s+passe\s+(?:[àa]\s+usage\s+unique|unique)|c[óo]digo\s+de\s+(?:verificaci[óo]n|seguridad)"
	r"|(?:your|ihr|dein|votre|ton)\s+code)"
)
_OTP_VALUE = r"(?P<code>(?:[A-Z]-)?(?:\d{3}[ \-]\d{3}|\d{4}[ \-]\d{4}|\d{3,8}))(?![\w\-/.,:]\d|[\w\-])"
_OTP_FORWARD = re.compile(
	r"(?<![\w\-])" + _OTP_LABEL + r"(?P<filler>"
	r"[ \t]*(?:\([^)\r\n]{0,40}\))?"
	# "code for Acme is: 123456", "code to sign in: 123456" (a connector is required after such words)
	r"(?:(?:[ \t]+(?:for|to|für|zu|pour|de|f[üu]r\s+die|for\s+your)[ \t]+[^\d\r\n:]{1,40}?)"
	r"(?:[ \t]+(?:is|lautet|ist|est|es)(?![\w])[ \t]*:?|[ \t]*[:=])"
	# "code is 123456", "code: 123456", "OTP 1234"
	r"|(?:[ \t]+(?:is|lautet|ist|est|es|is\s+now|will\s+be)(?![\w]))?[ \t]*[:=#\-–]?)"
	r"[ \t]*(?:\r?\n[ \t>]*){0,3}"
	r")" + _OTP_VALUE,
	re.IGNORECASE,
)
_OTP_BACKWARD = re.compile(
	r"(?<![\w\-.,/:])" + _OTP_VALUE + r"(?P<tail>[ \t]+(?:is|ist|est)[ \t]+(?:your|ihr|dein|votre|ton)"
	r"(?:[ \t]+[^\s\d]{1,20}){0,3}?[ \t]+(?:code|otp|passcode|pin|tan))\b",
	re.IGNORECASE,
)
_OTP_USE = re.compile(
	r"(?P<head>\b(?:use|enter|type)[ \t]+(?:the[ \t]+)?(?:code[ \t]+)?)"
	+ _OTP_VALUE
	+ r"(?P<tail>[ \t]+to[ \t]+"
	r"(?:verify|sign[ \t]in|log[ \t]?in|confirm|complete|continue|reset|finish|activate|access|unlock))\b",
	re.IGNORECASE,
)
_OTP_TRIGGERS = (
	"code",
	"otp",
	"2fa",
	"mfa",
	"2sv",
	"tan",
	"factor",
	"step",
	"one-time",
	"one time",
	"passcode",
	"pin",
	"einmal",
	"mot de passe",
	"código",
)


# Recovery/backup code lists: "Recovery codes:\n a1b2c-d3e4f\n 9x8w7-v6u5t ..."
_OTP_LIST = re.compile(
	r"(?P<label>\b(?:recovery|backup|emergency|wiederherstellungs|sicherungs|secours)[ \t-]?codes?\b[^\r\n:]{0,40}:?"
	r"(?:[ \t]*\r?\n){0,2})(?P<codes>(?:[ \t>*•-]*[A-Za-z0-9]{4,6}-?[A-Za-z0-9]{4,6}[ \t]*(?:,|\r?\n|$)[ \t]*){1,20})",
	re.IGNORECASE,
)
_OTP_LIST_ITEM = re.compile(r"(?<![\w-])(?=[A-Za-z-]*\d)[A-Za-z0-9]{4,6}-?[A-Za-z0-9]{4,6}(?![\w-])")


def _one_time_codes(text: str, tally: _Tally) -> str:
	def forward(match: re.Match) -> str:
		label = match.group(0)[: match.start("filler") - match.start()]
		code = match["code"]
		if len(re.sub(r"\D", "", code)) < 4 and not re.search(r"security|cvv|tan|pin", label, re.IGNORECASE):
			return match.group(0)
		return match.group(0)[: match.start("code") - match.start()] + tally.add("one-time code", code)

	lowered = text.lower()
	if any(trigger in lowered for trigger in _OTP_TRIGGERS):
		text = _OTP_FORWARD.sub(forward, text)
		text = _OTP_BACKWARD.sub(lambda m: tally.add("one-time code", m["code"]) + m["tail"], text)
	if " to " in lowered:
		text = _OTP_USE.sub(lambda m: m["head"] + tally.add("one-time code", m["code"]) + m["tail"], text)
	if "codes" in lowered or "codici" in lowered:
		text = _OTP_LIST.sub(
			lambda m: (
				m["label"] + _OTP_LIST_ITEM.sub(lambda c: tally.add("one-time code", c.group(0)), m["codes"])
			),
			text,
		)
	return text


# Passwords need a label next to the value.
_PW_LONG_LABEL = (
	r"(?:password|passwort|kennwort|passphrase|pass\s+phrase|mot\s+de\s+passe|contrase(?:ñ|n)a"
	r"|wachtwoord|senha|lösenord|adgangskode|salasana|hasło|parola|passcode|PIN(?:\s+code)?"
	r"|(?:wlan|wifi|wi-fi|wpa2?|netzwerk|network)[ \t-]?(?:schlüssel|key))"
)
_PW_SHORT_LABEL = r"(?:passwd|pwd|pw|mdp|pin)"
_PW_QUALIFIER = (
	r"(?:[ \t]+(?:temporaire|provisoire|initial|actuel|nouveau|temporal|tempor(?:ä|ae)res|initiales|neues))?"
)
# An unquoted value ends at white space, or at ";" or "&" that starts the next "key=" (connection strings).
_UNQUOTED_VALUE = r"(?:[^\s\"“„«'`;&<>]|[;&](?![ \t]*[A-Za-z_][\w .\-]{0,40}=)){1,200}"
_PW_VALUE = (
	r"(?P<value>\"[^\"\r\n]{1,200}\"|“[^”\r\n]{1,200}”|„[^“”\r\n]{1,200}[“”]|«[^»\r\n]{1,200}»"
	r"|'[^'\r\n]{1,200}'|`[^`\r\n]{1,200}`|" + _UNQUOTED_VALUE + r")"
)
_PW_LABELLED = re.compile(
	r"(?<![\w\-])(?P<label>" + _PW_LONG_LABEL + _PW_QUALIFIER + r"(?:[ \t]*\([^)\r\n]{0,40}\))?"
	r"(?:[ \t]+(?:for|für|pour|de|del|voor|f[üu]r\s+(?:den|die|das)|for\s+the|pour\s+le|pour\s+la)"
	r"[ \t]+[^\r\n:=]{1,40}?)?"
	r"[ \t]*(?::|=|：)[ \t]*(?:\r?\n[ \t>]*)?)" + _PW_VALUE,
	re.IGNORECASE,
)
_PW_SHORT = re.compile(
	r"(?<![\w\-])(?P<label>" + _PW_SHORT_LABEL + r"[ \t]*(?::|=)[ \t]*)" + _PW_VALUE,
	re.IGNORECASE,
)
# "pass: X" also starts "Boarding pass: 14C", so the value must look like a password.
_PW_PASS = re.compile(r"(?<![\w\-])(?P<label>pass[ \t]*(?::|=)[ \t]*)" + _PW_VALUE, re.IGNORECASE)
# "password Tiger#2024": no separator at all, so letters and digits are required.
_PW_DIRECT = re.compile(
	r"(?<![\w\-])(?P<label>(?:password|passwort|kennwort|mot\s+de\s+passe)[ \t]+)"
	r"(?P<value>(?=[^\s]*[^\W\d_])(?=[^\s]*\d)[^\s\"'“„«`]{6,200})",
	re.IGNORECASE,
)
# Command lines: curl -u user:pass, mysql -pSECRET, --password=X, --token X
_CLI_USER = re.compile(
	r"(?<![\w\-])(?P<label>(?:-u|--user)[ \t]+[\"']?[^\s:\"']{1,64}:)(?P<value>[^\s\"']{1,200})"
)
_CLI_MYSQL_P = re.compile(
	r"(?P<label>\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\r\n]{0,80}?[ \t]-p)(?P<value>[^\s\"']{1,200})"
)
_CLI_FLAG = re.compile(
	r"(?<![\w\-])(?P<label>--(?P<flag>password|passwd|pass|pwd|token|api-key|apikey|api-token|secret|client-secret"
	r"|access-token|auth-token)(?:=|[ \t]+)[\"']?)(?P<value>[^\s\"']{1,200})",
	re.IGNORECASE,
)


def _command_lines(text: str, tally: _Tally) -> str:
	if "-u" in text or "--user" in text:
		text = _CLI_USER.sub(lambda m: _password_value(m, tally, strict=False), text)
	if "-p" in text:
		text = _CLI_MYSQL_P.sub(lambda m: _password_value(m, tally, strict=False), text)
	if "--" in text:

		def flag(match: re.Match) -> str:
			value = match["value"]
			if value.startswith("[") or _looks_like_prose(value) or value.startswith("-"):
				return match.group(0)
			kind = _assignment_kind(match["flag"])
			return f"{match['label']}{tally.add(kind, value)}"

		text = _CLI_FLAG.sub(flag, text)
	return text


_PW_SENTENCE = re.compile(
	r"(?<![\w\-])(?P<label>" + _PW_LONG_LABEL + _PW_QUALIFIER + r"(?:[ \t]+(?:for|für|pour|de|del|voor)"
	r"[ \t]+[^\r\n:=.]{1,40}?)?"
	r"[ \t]+(?P<verb>is(?:[ \t]+now)?|remains|lautet|ist|est|es|is[ \t]+set[ \t]+to|has[ \t]+been[ \t]+"
	r"(?:re)?set[ \t]+to|has[ \t]+been[ \t]+changed[ \t]+to|was[ \t]+(?:re)?set[ \t]+to"
	r"|wurde[ \t]+(?:auf|zu)|a[ \t]+été[ \t]+(?:réinitialisé|défini|changé|modifié)[ \t]+(?:en|à|sur))"
	r"(?![\w])(?P<colon>[ \t]*:)?[ \t]*(?:\r?\n[ \t>]*)?)" + _PW_VALUE,
	re.IGNORECASE,
)
_PW_USE = re.compile(
	r"(?<![\w\-])(?P<label>(?:use|used|using|try|tried|with|mit|avec|utilisez|utilisé|verwenden\s+sie"
	r"|habe)[ \t]+(?:the|my|das|mein|le|mon|den)?[ \t]*"
	r"(?:(?:new|temporary|neue|neuen|temporäre|nouveau)[ \t]+)?"
	r"(?:password|passphrase|passwort|kennwort|mot\s+de\s+passe)[ \t]+)" + _PW_VALUE,
	re.IGNORECASE,
)


def _password_value(match: re.Match, tally: _Tally, strict: bool) -> str:
	value = match["value"]
	if "removed]" in value or value.startswith("["):
		return match.group(0)
	if value[:1] in "\"“„«'`" and len(value) > 2:
		inner = value[1:-1]
		if _looks_like_prose(inner) or (strict and len(inner.split()) > 5):
			return match.group(0)
		return f"{match['label']}{value[0]}{tally.add('password', inner)}{value[-1]}"
	core, trailing = _split_trailing_punctuation(value)
	if strict:
		if not _password_like(core):
			return match.group(0)
	elif _looks_like_prose(core) or (core.isalpha() and _PROSE_CONTINUES.match(match.string, match.end())):
		# "Password: ask Jane", "Passwort: Bitte beim Admin erfragen": a plain word that starts a sentence
		return match.group(0)
	return f"{match['label']}{tally.add('password', core)}{trailing}"


_PROSE_CONTINUES = re.compile(r"[ \t]+[^\W\d_]{2,}")


_PW_TRIGGERS = (
	"pass",
	"wlan",
	"wifi",
	"wi-fi",
	"wpa",
	"netzwerk",
	"network",
	"pw",
	"kennwort",
	"mdp",
	"pin",
	"contrase",
	"wachtwoord",
	"senha",
	"lösenord",
	"adgangskode",
	"salasana",
	"hasło",
	"parola",
)


def _passwords(text: str, tally: _Tally) -> str:
	lowered = text.lower()
	if not any(trigger in lowered for trigger in _PW_TRIGGERS):
		return text
	text = _PW_LABELLED.sub(lambda m: _password_value(m, tally, strict=False), text)
	text = _PW_SHORT.sub(lambda m: _password_value(m, tally, strict=False), text)
	text = _PW_PASS.sub(lambda m: _password_value(m, tally, strict=True), text)
	text = _PW_SENTENCE.sub(lambda m: _password_value(m, tally, strict=not m["colon"]), text)
	text = _PW_USE.sub(lambda m: _password_value(m, tally, strict=True), text)
	return _PW_DIRECT.sub(lambda m: _password_value(m, tally, strict=True), text)


# Payment cards: a run of digit groups, checked for network prefix, length and Luhn.
# Groups are separated by a space, a hyphen or an en/em dash (word processors turn "-" into "–"), or by
# a dash with a space either side ("4111 - 1111 - ..."). "#" may precede a card ("card#4111-..."): a
# label such as "Order #" is caught by the context check below.
_CARD_SEPARATOR = r"(?:[ \t]?[\-–—][ \t]?|[ \t])"
_DIGIT_RUN = re.compile(r"(?<![\w+/.\-–—])(?<!\d[ \-–—])\d+(?:" + _CARD_SEPARATOR + r"\d+)*(?![\w])")
_CARD_CONTEXT_BEFORE = re.compile(
	r"(?i)\b(?:order|invoice|inv|tracking|track|shipment|parcel|ref|reference|iban|imei|serial|sn|s/n|lot|batch"
	r"|charge|ticket|case"
	r"|customer|po|bestell\w*|rechnung\w*|sendung\w*|kunden\w*|auftrag\w*|commande|facture|colis|suivi"
	r"|dossier)(?:\s*(?:number|no\.?|nr\.?|n°|id|num[ée]ro))?[\s:#.]*$"
)
_CVV = re.compile(
	r"(?i)(?P<label>\b(?:cvv2?|cvc2?|cv2|cid|card\s+security\s+code|kartenprüfnummer)[ \t]*[:=#]?[ \t]*)"
	r"(?P<code>\d{3,4})\b"
)


def _luhn_ok(digits: str) -> bool:
	total = 0
	for position, ch in enumerate(reversed(digits)):
		n = ord(ch) - 48
		if position % 2:
			n *= 2
			if n > 9:
				n -= 9
		total += n
	return total % 10 == 0


def _card_network_ok(digits: str) -> bool:
	length = len(digits)
	two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
	if digits[0] == "4":
		return length in (13, 16, 19)
	if 51 <= two <= 55 or 2221 <= four <= 2720:
		return length == 16
	if two in (34, 37):
		return length == 15
	if four == 6011 or two == 65 or 644 <= three <= 649 or two == 62:
		return 16 <= length <= 19
	if 300 <= three <= 305 or two in (36, 38, 39):
		return 14 <= length <= 19
	if 3528 <= four <= 3589:
		return 16 <= length <= 19
	if two in (50, 56, 57, 58) or digits[0] == "6":
		return 13 <= length <= 19  # Maestro
	return False


# How people write card numbers: 4-4-4-4 (most), 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-1 (13-digit Visa) ...
_CARD_GROUPINGS = frozenset(
	{(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 4, 4, 4, 2), (4, 4, 4, 4, 1), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1)}
	| {(4, 4, 4, 2), (4, 4, 4, 3), (4, 4, 5)}
)


def _card_in_run(groups: list[str]) -> tuple[int, int] | None:
	"""(first, last) group indexes of a card number within a run of digit groups, if any."""
	if len(groups) == 1:
		digits = groups[0]
		return (0, 0) if 13 <= len(digits) <= 19 and _card_network_ok(digits) and _luhn_ok(digits) else None
	for start in range(len(groups)):
		for end in range(start, min(len(groups), start + 5)):
			lengths = tuple(len(g) for g in groups[start : end + 1])
			if lengths not in _CARD_GROUPINGS and not (start == end and 13 <= lengths[0] <= 19):
				continue
			digits = "".join(groups[start : end + 1])
			if _card_network_ok(digits) and _luhn_ok(digits):
				return start, end
	return None


def _cards(text: str, tally: _Tally) -> str:
	out = []
	last = 0
	for match in _DIGIT_RUN.finditer(text):
		run = match.group(0)
		digit_count = sum(ch.isdigit() for ch in run)
		if digit_count < 13:
			continue
		if _CARD_CONTEXT_BEFORE.search(text[max(0, match.start() - 24) : match.start()]):
			continue
		groups = re.findall(r"\d+", run)
		if len(groups) > 1 and len({sep.strip() or " " for sep in re.findall(r"\D+", run)}) > 1:
			continue  # mixed separators: a phone number or an identifier, not a card
		found = _card_in_run(groups)
		if not found:
			continue
		first, end = found
		spans = [m.span() for m in re.finditer(r"\d+", run)]
		start_at, stop_at = match.start() + spans[first][0], match.start() + spans[end][1]
		out.append(text[last:start_at])
		out.append(tally.add("card number", text[start_at:stop_at]))
		last = stop_at
	if not out:
		text_out = text
	else:
		out.append(text[last:])
		text_out = "".join(out)
	if "cv" in text_out.lower() or "cid" in text_out.lower() or "security code" in text_out.lower():
		text_out = _CVV.sub(lambda m: m["label"] + tally.add("card security code"), text_out)
	return text_out


_DETECTORS: tuple[Callable[[str, _Tally], str], ...] = (
	_private_keys,
	_urls,
	_vendor_tokens,
	_azure_keys,
	_auth_headers,
	_command_lines,
	_cards,
	_one_time_codes,
	_passwords,
	_assignments,
	_bare_keys,
)


def redact(text: str | None) -> RedactionResult:
	"""Replace every secret in ``text`` with a marker naming what was removed."""
	if not text:
		return RedactionResult(text or "")
	tally = _Tally()
	for detector in _DETECTORS:
		text = detector(text, tally)
	if tally.secrets:
		text = _echoes(text, tally)
	removed = [(kind, tally.counts[kind]) for kind in KINDS if kind in tally.counts]
	return RedactionResult(text, removed)


def redact_subject(subject: str | None) -> RedactionResult:
	"""``redact`` for a one-line title: the same rules, whitespace collapsed and trimmed."""
	result = redact(" ".join((subject or "").split()))
	return RedactionResult(" ".join(result.text.split()), result.removed)
