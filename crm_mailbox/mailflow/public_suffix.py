"""A domain split at its public suffix (mail.eu.acme.co.uk -> "mail.eu", "acme", "co.uk").

``tldextract`` with the Public Suffix List snapshot bundled in the package: no network fetch
(``suffix_list_urls=()``) and no cache directory, so the receive path never waits on a download and
never writes files. Private suffixes (blogspot.com, herokuapp.com) are not used: they name hosting
platforms, and a mailbox on one still belongs to whoever owns the name under it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

__all__ = ["DomainParts", "split_domain"]


class DomainParts(NamedTuple):
	subdomain: str  # "mail.eu"
	name: str  # "acme": the label that was registered
	suffix: str  # "co.uk"; "" when the domain ends in no known public suffix (localhost, a.invalid)


@lru_cache(maxsize=1)
def _extractor():
	import tldextract

	return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@lru_cache(maxsize=4096)
def split_domain(domain: str) -> DomainParts:
	"""The parts of a lower-case ASCII (punycode) domain."""
	parts = _extractor()(domain)
	return DomainParts(parts.subdomain, parts.domain, parts.suffix)
