"""Long work (relinking, rule dry runs, bulk linking): progress for the one user who started it, and
the background for large selections.

The work is a loop over items; `Progress.advance()` after each item tells the user who started it, in
Frappe's own "progress" event (the desk shows its progress bar) sent to that user's room only, at most
every few percent; on the command line it prints a line every N items instead. A selection larger
than a request should carry runs as a job on the 'long' queue (never ahead of owner assignment and new
mail); its result waits in the cache for its owner, who is told by a realtime event when it is done.
Modelled on mailboxes/connection_progress.py (Test Connection's job).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import frappe
from frappe import _

EVENT_DONE = "crm_mailbox_job_done"
KEEP_SECONDS = 60 * 60
JOB_TIMEOUT = 60 * 60
PERCENT_STEP = 5  # desk events: one per 5 % at most
ECHO_EVERY = 100  # command line: one line per 100 items


class Progress:
	"""Counts items done out of `total` and reports now and then: to `user`'s desk, or to `echo`."""

	def __init__(
		self,
		title: str,
		total: int,
		user: str | None = None,
		echo: Callable[[str], None] | None = None,
		job_id: str | None = None,
	):
		self.title, self.total, self.user, self.echo, self.job_id = title, total, user, echo, job_id
		self.done = 0
		self.sent_percent = -PERCENT_STEP
		self.started = time.monotonic()

	def advance(self, count: int = 1) -> None:
		self.done += count
		last = self.done >= self.total
		if self.echo and (last or self.done % ECHO_EVERY == 0):
			self.echo(f"{self.title}: {self.done}/{self.total} ({time.monotonic() - self.started:.1f}s)")
		percent = int(self.done * 100 / self.total) if self.total else 100
		if self.user and (last or percent >= self.sent_percent + PERCENT_STEP):
			self.sent_percent = percent
			# sent at once, not after commit: it only says how far the loop is, and nothing waits for it
			frappe.publish_realtime(
				"progress",
				{
					"percent": percent,
					"title": self.title,
					"description": _("{0} of {1}").format(self.done, self.total),
					"job_id": self.job_id,
				},
				user=self.user,
			)


def run(work: str, title: str, total: int, inline_limit: int, **kwargs) -> dict:
	"""Run `work(progress=..., **kwargs)` (a dotted path) now when `total` is small, else as a job.

	Returns {"result": ...} when it ran now, {"job_id": ...} when it was queued.
	"""
	user = frappe.session.user
	if total <= inline_limit:
		return {"result": frappe.get_attr(work)(progress=Progress(title, total, user=user), **kwargs)}
	job_id = frappe.generate_hash(length=16)
	save(job_id, {"user": user, "title": title, "total": total, "done": False, "result": None})
	frappe.enqueue(
		"crm_mailbox.long_work.run_job",
		queue="long",
		timeout=JOB_TIMEOUT,
		job_id=f"crm_mailbox_long_work::{job_id}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		work=work,
		work_id=job_id,
		title=title,
		total=total,
		user=user,
		kwargs=kwargs,
	)
	return {"job_id": job_id}


def run_job(work: str, work_id: str, title: str, total: int, user: str, kwargs: dict) -> None:
	"""The job: run the work as `user` (Frappe's job runs as the user who queued it), keep its result."""
	state = load(work_id) or {"user": user, "title": title, "total": total}
	try:
		result = frappe.get_attr(work)(progress=Progress(title, total, user=user, job_id=work_id), **kwargs)
		state.update(done=True, failed=False, result=result)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("{0} failed").format(title))
		state.update(done=True, failed=True, result=None)
	save(work_id, state)
	# after commit: when they are told, what the job wrote is there to see
	frappe.publish_realtime(
		EVENT_DONE,
		{"job_id": work_id, "title": title, "failed": state["failed"]},
		user=user,
		after_commit=True,
	)


def status(job_id: str) -> dict:
	"""One of the session user's jobs: done or not, and its result once done."""
	state = load(job_id)
	if not state:
		return {"job_id": job_id, "missing": True, "done": False}
	if state.get("user") != frappe.session.user:
		frappe.throw(_("This job is not yours."), frappe.PermissionError)
	return {"job_id": job_id, **state}


def cache_key(job_id: str) -> str:
	return f"crm_mailbox:long_work:{job_id}"


def load(job_id: str) -> dict | None:
	return frappe.cache.get_value(cache_key(job_id))


def save(job_id: str, state: dict) -> None:
	frappe.cache.set_value(cache_key(job_id), state, expires_in_sec=KEEP_SECONDS)
