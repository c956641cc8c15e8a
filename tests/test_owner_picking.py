"""Who owns the next thread: round robin and least open threads among a mailbox's processors."""

from crm_mailbox.mailflow.owner_picking import least_open, round_robin, unique

TEAM = ["ann@x.example", "bob@x.example", "cyd@x.example"]


def test_round_robin_takes_turns_and_wraps():
	assert round_robin(TEAM, None) == "ann@x.example"
	assert round_robin(TEAM, "ann@x.example") == "bob@x.example"
	assert round_robin(TEAM, "cyd@x.example") == "ann@x.example"


def test_round_robin_restarts_when_last_owner_left_the_team():
	assert round_robin(TEAM, "gone@x.example") == "ann@x.example"


def test_round_robin_with_nobody():
	assert round_robin([], "ann@x.example") is None


def test_two_processors_share_new_threads_evenly():
	owners, last = [], None
	for _ in range(6):
		last = round_robin(TEAM[:2], last)
		owners.append(last)
	assert owners.count("ann@x.example") == owners.count("bob@x.example") == 3


def test_least_open_picks_the_least_busy():
	counts = {"ann@x.example": 5, "bob@x.example": 1, "cyd@x.example": 3}
	assert least_open(TEAM, counts) == "bob@x.example"


def test_least_open_counts_missing_as_zero():
	assert least_open(TEAM, {"ann@x.example": 2, "bob@x.example": 1}) == "cyd@x.example"


def test_least_open_tie_goes_round_robin():
	counts = {"ann@x.example": 1, "bob@x.example": 1, "cyd@x.example": 1}
	assert least_open(TEAM, counts) == "ann@x.example"
	assert least_open(TEAM, counts, last="ann@x.example") == "bob@x.example"
	assert least_open(TEAM, counts, last="cyd@x.example") == "ann@x.example"


def test_duplicates_and_blanks_are_dropped():
	assert unique(["ann@x.example", "", "ann@x.example", "bob@x.example"]) == [
		"ann@x.example",
		"bob@x.example",
	]
	assert round_robin(["ann@x.example", "ann@x.example"], "ann@x.example") == "ann@x.example"
