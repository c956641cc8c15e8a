"""Reply deadlines in working hours: "24 working hours after this email arrived".

A WorkingTime says when a team works: for each weekday its working intervals, and the dates that are
holidays. add_working_hours() walks forward through working time only, so an email received on Friday
at 16:00 with an 8 hour deadline is due on Monday at 16:00 (with a 09:00-17:00 week).

Datetimes are naive, in the site's time zone, as Frappe stores them. Nothing here imports Frappe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
# Looking further ahead than this for working time means the schedule has none.
MAX_DAYS_AHEAD = 3 * 366


class NoWorkingTime(ValueError):
	"""The schedule has no working time in the years ahead: a deadline cannot be computed."""


@dataclass(frozen=True)
class WorkingTime:
	"""Working intervals per weekday (0 = Monday) and holiday dates."""

	days: Mapping[int, tuple[tuple[time, time], ...]]
	holidays: frozenset[date] = field(default_factory=frozenset)

	def intervals(self, day: date) -> tuple[tuple[time, time], ...]:
		if day in self.holidays:
			return ()
		return self.days.get(day.weekday(), ())


def office_hours(
	start: time = time(9),
	end: time = time(17),
	weekdays: Iterable[int] = MONDAY_TO_FRIDAY,
	holidays: Iterable[date] = (),
) -> WorkingTime:
	"""The same working interval on each of these weekdays, except holidays."""
	if end <= start:
		raise ValueError(f"the working day must end after it starts ({start} - {end})")
	return WorkingTime(
		days={day: ((start, end),) for day in weekdays},
		holidays=frozenset(holidays),
	)


def parse_hours(text: str) -> tuple[time, time]:
	""" "09:00-17:00" (or "9-17", "08:30 - 16:45") as (start, end); ValueError when it is not that."""
	parts = [part.strip() for part in (text or "").replace("\u2013", "-").split("-")]
	if len(parts) != 2:
		raise ValueError(f"working hours must look like 09:00-17:00, not {text!r}")
	start, end = (_parse_time(part, text) for part in parts)
	if end <= start:
		raise ValueError(f"the working day must end after it starts ({text!r})")
	return start, end


def _parse_time(part: str, text: str) -> time:
	hours, _, minutes = part.partition(":")
	try:
		return time(int(hours), int(minutes or 0))
	except ValueError:
		raise ValueError(f"working hours must look like 09:00-17:00, not {text!r}") from None


def add_working_hours(start: datetime, hours: float, working: WorkingTime) -> datetime:
	"""The moment `hours` of working time after `start`; `start` itself may be outside working time."""
	if hours < 0:
		raise ValueError("hours must not be negative")
	remaining = timedelta(hours=hours)
	cursor = start
	for _ in range(MAX_DAYS_AHEAD):
		day = cursor.date()
		for begin, end in sorted(working.intervals(day)):
			segment_start = max(cursor, datetime.combine(day, begin))
			segment_end = datetime.combine(day, end)
			if segment_end <= segment_start:
				continue
			available = segment_end - segment_start
			if remaining <= available:
				return segment_start + remaining
			remaining -= available
		cursor = datetime.combine(day + timedelta(days=1), time(0))
	raise NoWorkingTime("no working time found in the schedule; check the working days and holidays")
