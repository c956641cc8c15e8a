"""Reply deadlines in working hours: what a team expects of "24 working hours"."""

from datetime import date, datetime, time

import pytest

from crm_mailbox.mailflow.deadlines import (
	NoWorkingTime,
	WorkingTime,
	add_working_hours,
	office_hours,
	parse_hours,
)

WEEK = office_hours()  # Monday to Friday, 09:00-17:00


def test_within_the_same_working_day():
	# Monday 10:00 + 3h
	assert add_working_hours(datetime(2026, 3, 2, 10, 0), 3, WEEK) == datetime(2026, 3, 2, 13, 0)


def test_friday_afternoon_runs_into_monday():
	# Friday 16:00 + 8h: 1h on Friday, 7h on Monday
	assert add_working_hours(datetime(2026, 3, 6, 16, 0), 8, WEEK) == datetime(2026, 3, 9, 16, 0)


def test_mail_received_at_night_starts_counting_next_morning():
	# Tuesday 22:30 + 2h -> Wednesday 11:00
	assert add_working_hours(datetime(2026, 3, 3, 22, 30), 2, WEEK) == datetime(2026, 3, 4, 11, 0)


def test_saturday_mail_counts_from_monday():
	assert add_working_hours(datetime(2026, 3, 7, 12, 0), 1, WEEK) == datetime(2026, 3, 9, 10, 0)


def test_twenty_four_working_hours_are_three_working_days():
	# Monday 09:00 + 24h = end of Wednesday
	assert add_working_hours(datetime(2026, 3, 2, 9, 0), 24, WEEK) == datetime(2026, 3, 4, 17, 0)


def test_holidays_are_skipped():
	easter_monday = date(2026, 4, 6)
	week = office_hours(holidays=[easter_monday])
	# Thursday 16:00 + 9h with Good-Friday-as-workday but Easter Monday off: 1h Thu, 8h Fri
	assert add_working_hours(datetime(2026, 4, 2, 16, 0), 9, week) == datetime(2026, 4, 3, 17, 0)
	# Friday 17:00 + 1h -> Tuesday 10:00 (Monday is a holiday)
	assert add_working_hours(datetime(2026, 4, 3, 17, 0), 1, week) == datetime(2026, 4, 7, 10, 0)


def test_fractional_hours_and_split_days():
	lunch_break = WorkingTime(days={0: ((time(8), time(12)), (time(13), time(17)))})
	# Monday 11:30 + 1.5h: 30 min before lunch, 1h after
	assert add_working_hours(datetime(2026, 3, 2, 11, 30), 1.5, lunch_break) == datetime(2026, 3, 2, 14, 0)


def test_zero_hours_is_the_start():
	start = datetime(2026, 3, 2, 10, 15)
	assert add_working_hours(start, 0, WEEK) == start


def test_a_schedule_without_working_time_says_so():
	with pytest.raises(NoWorkingTime):
		add_working_hours(datetime(2026, 3, 2, 10, 0), 1, WorkingTime(days={}))


def test_bad_input_is_refused():
	with pytest.raises(ValueError):
		office_hours(start=time(17), end=time(9))
	with pytest.raises(ValueError):
		add_working_hours(datetime(2026, 3, 2), -1, WEEK)


def test_working_hours_are_read_as_an_admin_writes_them():
	assert parse_hours("09:00-17:00") == (time(9), time(17))
	assert parse_hours("8:30 - 16:45") == (time(8, 30), time(16, 45))
	assert parse_hours("9-17") == (time(9), time(17))
	for wrong in ("", "9am-5pm", "17:00-09:00", "09:00", "25:00-26:00"):
		with pytest.raises(ValueError):
			parse_hours(wrong)
