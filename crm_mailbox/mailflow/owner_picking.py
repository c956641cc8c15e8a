"""Who owns the next thread of a shared mailbox: round robin or least open threads, as pure functions.

The Frappe side supplies the processors in a stable order (the order of the mailbox's member table),
who got the previous thread, and how many open threads each has; these functions only choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ROUND_ROBIN = "Round robin"
LEAST_OPEN = "Least open threads"
FIXED_USER = "Fixed user"
MAILBOX_OWNER = "Mailbox owner"
STRATEGIES = (MAILBOX_OWNER, FIXED_USER, ROUND_ROBIN, LEAST_OPEN)


def unique(users: Sequence[str]) -> list[str]:
	"""The users in order, each once, blanks dropped."""
	seen: set[str] = set()
	return [u for u in users if u and not (u in seen or seen.add(u))]


def round_robin(candidates: Sequence[str], last: str | None) -> str | None:
	"""The candidate after `last`, wrapping around; the first one when `last` is not a candidate."""
	candidates = unique(candidates)
	if not candidates:
		return None
	if last not in candidates:
		return candidates[0]
	return candidates[(candidates.index(last) + 1) % len(candidates)]


def least_open(
	candidates: Sequence[str], open_counts: Mapping[str, int], last: str | None = None
) -> str | None:
	"""The candidate with the fewest open threads; a tie goes round robin, starting after `last`."""
	candidates = unique(candidates)
	if not candidates:
		return None
	fewest = min(open_counts.get(user, 0) for user in candidates)
	tied = [user for user in candidates if open_counts.get(user, 0) == fewest]
	if last in candidates:
		# rotate so that the tie goes to whoever comes after `last` in the member order
		start = candidates.index(last) + 1
		order = candidates[start:] + candidates[:start]
		tied = [user for user in order if user in tied]
	return tied[0]
