"""The intake process: one process serves many mailboxes of many sites, a thread per mailbox.

`bench --site all crm-mailbox intake` runs a `Runner`. Every SCAN_SECONDS it lists the accounts our
intake owns on each site and takes, by lease (lease.py, in the Redis every process of the bench
shares), those no process holds, up to its capacity. So several processes, on one machine or many,
split the mailboxes between them, and a dead process's mailboxes are taken over once its leases
expire (lease_seconds). Each mailbox thread (`MailboxWorker`) has its own site context and database
connection: it drains every folder, then waits on the first one with IDLE (or sleeps its polling
interval), in chunks of at most CHUNK_SECONDS, renewing the lease and re-reading the settings between
chunks; a turned-off intake or a lost lease lets the mailbox go. Connection failures are recorded (and
told once, alerts.py) and retried with puller.Backoff. SIGTERM stops every thread within seconds.
"""

from __future__ import annotations

import random
import signal
import socket
import threading
import time
from dataclasses import dataclass

import frappe
from frappe.utils import cint

from crm_mailbox.mailflow.intake.errors import IntakeError
from crm_mailbox.mailflow.intake.puller import Backoff

SCAN_SECONDS = 15.0
CHUNK_SECONDS = 25.0
LEASE_SECONDS = 90
DEFAULT_POLL_SECONDS = 60
MIN_POLL_SECONDS = 15


def process_holder() -> str:
	"""A lease holder name that tells an administrator which machine and process holds a mailbox."""
	from crm_mailbox.intake.lease import default_holder

	# a suffix, so that two runners in one process (tests) are two holders
	return f"{default_holder('intake')}:{random.randrange(16**4):04x}"


@dataclass(frozen=True)
class Settings:
	"""What the worker re-reads between waits; any change restarts its loop with the new values."""

	owned: bool
	use_idle: bool
	poll_seconds: int
	folders: tuple[str, ...]


def read_settings(account: str) -> Settings:
	from crm_mailbox.intake.accounts import owns

	doc = frappe.db.get_value("Email Account", account, ["crm_use_idle", "crm_poll_seconds"], as_dict=True)
	if doc is None:
		return Settings(False, False, DEFAULT_POLL_SECONDS, ())
	folders = frappe.get_all(
		"IMAP Folder",
		filters={"parent": account, "parenttype": "Email Account"},
		pluck="folder_name",
		order_by="idx asc",
	)
	return Settings(
		owned=owns(account),
		use_idle=bool(cint(doc.crm_use_idle)),
		poll_seconds=max(cint(doc.crm_poll_seconds) or DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS),
		folders=tuple(folders) or ("INBOX",),  # as Frappe's pull (pull.folders_of)
	)


class LetGo(Exception):
	"""The worker must stop serving its mailbox: stopped, lease lost, or the intake turned off."""


class MailboxWorker(threading.Thread):
	"""Serves one mailbox of one site for as long as it holds the lease."""

	def __init__(self, site: str, sites_path: str, account: str, holder: str, runner: Runner):
		super().__init__(name=f"intake:{site}:{account}", daemon=True)
		self.site, self.sites_path, self.account, self.holder = site, sites_path, account, holder
		self.runner = runner
		self.session = None  # the connection waiting in IDLE, closed from outside to stop at once
		self.settings: Settings | None = None

	# --- the thread ------------------------------------------------------------------------------

	def run(self) -> None:
		frappe.init(site=self.site, sites_path=self.sites_path)
		frappe.connect()
		try:
			self.serve()
		except LetGo:
			pass
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title="crm_mailbox intake worker",
				reference_doctype="Email Account",
				reference_name=self.account,
			)
		finally:
			self.close_session()
			self.release()
			frappe.destroy()

	def serve(self) -> None:
		backoff = Backoff()
		while True:
			self.check()
			try:
				self.cycle()
				backoff.reset()
			except IntakeError as error:
				frappe.db.rollback()
				self.close_session()
				self.record_failure(error)
				self.pause(backoff.next_delay())

	def cycle(self) -> None:
		"""Drain every folder, then wait for news; returns when the next drain is due."""
		settings = self.settings
		for folder in settings.folders:
			self.drain(folder)
		self.wait(settings)

	# --- the parts -------------------------------------------------------------------------------

	def drain(self, folder: str) -> None:
		from crm_mailbox.intake import pull, state
		from crm_mailbox.intake.ledger_store import DocTypeLedger

		doc = frappe.get_doc("Email Account", self.account)
		row = next(f for f in pull.folders_of(doc) if f.folder_name == folder)
		waits_here = folder == self.settings.folders[0]
		session = self.watch_session(doc, row) if waits_here else pull.account_session(doc, folder)
		try:
			session.state or session.open()
			# after each batch: renew the lease and hear SIGTERM, also in the middle of a long backlog
			report = pull.drain_folder(
				doc,
				row,
				session,
				on_batch=lambda report: self.keep_lease(),
				on_message=self.renew_lease,  # a batch of slow or large mail can outlast the lease
			)
			backlog = len(session.uids_after(DocTypeLedger(self.account, folder).cursor().last_uid))
			state.record_success(
				self.account, folder, report, session.state, self.mode(session), backlog, self.holder
			)
		finally:
			if not waits_here:
				session.close()

	def watch_session(self, doc, row):
		"""The connection that stays open between drains, to wait on the first folder."""
		from crm_mailbox.intake import pull

		if self.session is None:
			session = pull.account_session(doc, row.folder_name)
			session.open()
			self.session = session
		return self.session

	def mode(self, session) -> str:
		return "push" if self.settings.use_idle and session.supports_idle else "polling"

	def wait(self, settings: Settings) -> None:
		"""Until the first folder has news (IDLE) or the polling interval is up; checks between chunks."""
		session = self.session
		idle = session is not None and settings.use_idle and session.supports_idle
		waited = 0.0
		while waited < settings.poll_seconds:
			chunk = min(CHUNK_SECONDS, settings.poll_seconds - waited)
			began = time.monotonic()
			if idle:
				if session.idle_wait(chunk):
					return
			else:
				self.runner.stopping.wait(chunk)
			waited += time.monotonic() - began
			self.check()
			if self.session is not session:
				return  # the settings changed: a new cycle with them
			self.heartbeat()
		if not idle and session is not None:
			session.noop()  # also notices a connection the server dropped while we slept

	def pause(self, seconds: float) -> None:
		"""Sleep between reconnects, still renewing the lease and hearing SIGTERM."""
		deadline = time.monotonic() + seconds
		while (left := deadline - time.monotonic()) > 0:
			self.runner.stopping.wait(min(left, CHUNK_SECONDS))
			self.check()

	def check(self) -> None:
		"""Raise LetGo when stopping, when the lease is lost, or when the intake was turned off; re-read
		the settings (a changed folder list or interval takes effect at the next cycle)."""
		self.keep_lease()
		frappe.db.rollback()  # a fresh snapshot: see what others committed since
		settings = read_settings(self.account)
		if not settings.owned or not settings.folders:
			raise LetGo
		if self.settings is not None and settings != self.settings:
			self.close_session()
		self.settings = settings

	def keep_lease(self) -> None:
		"""Between batches of a drain: raise LetGo when stopping or when the lease is lost."""
		from crm_mailbox.intake import lease

		if self.runner.stopping.is_set():
			raise LetGo
		if not lease.renew(self.account, self.holder, ttl=self.runner.lease_seconds):
			raise LetGo

	def renew_lease(self) -> None:
		"""Before each message: keep the lease (whether it held is checked after the batch)."""
		from crm_mailbox.intake import lease

		lease.renew(self.account, self.holder, ttl=self.runner.lease_seconds)

	def heartbeat(self) -> None:
		# bookkeeping for the health view: who serves the mailbox, and that it is alive
		frappe.db.set_value(
			"Mailbox Intake Folder",
			{"email_account": self.account},
			{"holder": self.holder, "heartbeat_at": frappe.utils.now_datetime()},
			update_modified=False,
		)
		# other processes read the heartbeat
		frappe.db.commit()  # nosemgrep

	def record_failure(self, error: IntakeError) -> None:
		from crm_mailbox.intake import state

		try:
			mode = "push" if self.settings.use_idle else "polling"
			for folder in self.settings.folders:
				state.record_failure(self.account, folder, error, mode, self.holder)
			# the failure and its one notice must outlive this process
			frappe.db.commit()  # nosemgrep
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title="crm_mailbox intake state",
				reference_doctype="Email Account",
				reference_name=self.account,
			)

	def close_session(self) -> None:
		session, self.session = self.session, None
		if session is not None:
			session.close()

	def interrupt(self) -> None:
		"""From the main thread: end a wait in IDLE now (the worker then sees that it is stopping)."""
		session = self.session
		client = getattr(session, "client", None)
		try:
			if client is not None:
				client.socket().shutdown(socket.SHUT_RDWR)
		except (OSError, AttributeError):
			pass

	def release(self) -> None:
		from crm_mailbox.intake import lease

		try:
			lease.release(self.account, self.holder)
		except Exception:
			pass  # it expires by itself


class Runner:
	"""Takes mailboxes of `sites` by lease, up to `max_mailboxes`, and serves each in a thread."""

	def __init__(
		self,
		sites: list[str],
		sites_path: str = ".",
		max_mailboxes: int = 50,
		accounts: list[str] | None = None,
		lease_seconds: int = LEASE_SECONDS,
		scan_seconds: float = SCAN_SECONDS,
		holder: str | None = None,
	):
		self.sites = list(sites)
		self.sites_path = sites_path
		self.max_mailboxes = max_mailboxes
		# only these Email Accounts (a process of its own for a very busy mailbox); None: every one
		self.accounts = set(accounts) if accounts else None
		self.lease_seconds = lease_seconds
		self.scan_seconds = scan_seconds
		self.holder = holder or process_holder()
		self.stopping = threading.Event()
		self.workers: dict[tuple[str, str], MailboxWorker] = {}
		self.log = frappe.logger("crm_mailbox")

	def run(self) -> None:
		"""Until stop(): take free mailboxes every scan, then let every thread end."""
		try:
			while not self.stopping.is_set():
				self.scan()
				self.stopping.wait(self.scan_seconds)
		finally:
			self.stop()
			for worker in list(self.workers.values()):
				worker.join(timeout=10)

	def stop(self) -> None:
		self.stopping.set()
		for worker in list(self.workers.values()):
			worker.interrupt()

	def scan(self) -> None:
		self.workers = {key: w for key, w in self.workers.items() if w.is_alive()}
		for site in self.sites:
			if len(self.workers) >= self.max_mailboxes or self.stopping.is_set():
				return
			try:
				self.take_free_mailboxes(site)
			except Exception:
				self.log.exception(f"intake: cannot scan site {site}")

	def take_free_mailboxes(self, site: str) -> None:
		from crm_mailbox.intake import lease
		from crm_mailbox.intake.accounts import owned_accounts

		frappe.init(site=site, sites_path=self.sites_path)
		try:
			frappe.connect()
			accounts = [a for a in owned_accounts() if self.accounts is None or a in self.accounts]
			random.shuffle(accounts)  # processes starting together do not all race for the same ones
			for account in accounts:
				if len(self.workers) >= self.max_mailboxes:
					return
				if (site, account) in self.workers:
					continue
				if lease.acquire(account, self.holder, ttl=self.lease_seconds):
					worker = MailboxWorker(site, self.sites_path, account, self.holder, self)
					self.workers[(site, account)] = worker
					worker.start()
		finally:
			frappe.destroy()

	def served(self) -> list[tuple[str, str]]:
		return sorted(key for key, worker in self.workers.items() if worker.is_alive())


def run_forever(sites: list[str], sites_path: str = ".", **options) -> None:
	"""The bench command's body: a Runner until SIGTERM or SIGINT."""
	runner = Runner(sites, sites_path=sites_path, **options)

	def stop(signum, frame):
		runner.stop()

	signal.signal(signal.SIGTERM, stop)
	signal.signal(signal.SIGINT, stop)
	runner.run()
