"""One IMAP connection to one folder, over IMAPClient: open, list new UIDs, fetch, mark seen, IDLE.

Every failure leaves as a typed `IntakeError` that names the stage (network, login, folder), so the
caller can tell an outage (retry with backoff) from a wrong password (tell the owner).
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import imapclient
from imapclient import exceptions as imap_errors

from crm_mailbox.mailflow.intake.errors import FolderError, IntakeError, LoginError, NetworkError

SECURITY_MODES = ("ssl", "starttls", "plain")
# Mail above this size is fetched as headers only unless the account says otherwise (Frappe's
# default attachment limit is 10 MB; a message carries its attachments base64-encoded, ~4/3 larger).
DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Account:
	"""Where and how to log in. `plain` (no TLS at all) is meant for loopback test servers."""

	host: str
	port: int
	security: str
	user: str
	password: str = field(repr=False)
	folder: str = "INBOX"
	ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
	timeout: float = 30.0
	max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
	# False: poll even where the server offers IDLE (for servers whose IDLE is known to misbehave)
	idle: bool = True

	def __post_init__(self):
		if self.security not in SECURITY_MODES:
			raise ValueError(f"security must be one of {SECURITY_MODES}, not {self.security!r}")


@dataclass(frozen=True)
class FolderState:
	uidvalidity: int
	uidnext: int
	exists: int


@dataclass(frozen=True)
class Fetched:
	"""One message as the server holds it. `truncated`: larger than the cap, so `raw` is its header only."""

	uid: int
	raw: bytes
	flags: tuple[bytes, ...]
	size: int
	truncated: bool = False


@contextmanager
def _failures(stage: type[IntakeError]) -> Iterator[None]:
	"""Turn library and socket errors into typed ones; a protocol-level refusal counts as `stage`."""
	try:
		yield
	except IntakeError:
		raise
	except imap_errors.LoginError as e:
		raise LoginError(_text(e)) from e
	except (imaplib.IMAP4.abort, OSError, EOFError) as e:  # ssl.SSLError and timeouts are OSErrors
		raise NetworkError(_text(e) or type(e).__name__) from e
	except imaplib.IMAP4.error as e:
		raise stage(_text(e)) from e


def _text(error: BaseException) -> str:
	text = str(error)
	return text[2:-1] if text.startswith(("b'", 'b"')) else text


class ImapSession:
	"""Use as a context manager, or call `open()` and `close()`."""

	def __init__(self, account: Account):
		self.account = account
		self.client: imapclient.IMAPClient | None = None
		self.state: FolderState | None = None

	def __enter__(self) -> ImapSession:
		self.open()
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def open(self) -> FolderState:
		"""Connect, log in and select the folder (read-write, so that \\Seen can be set later)."""
		account = self.account
		with _failures(NetworkError):
			self.client = imapclient.IMAPClient(
				account.host,
				port=account.port,
				ssl=account.security == "ssl",
				ssl_context=account.ssl_context,
				timeout=account.timeout,
			)
			if account.security == "starttls":
				self.client.starttls(account.ssl_context)
		with _failures(LoginError):
			self.client.login(account.user, account.password)
		with _failures(FolderError):
			selected = self.client.select_folder(account.folder)
		self.state = FolderState(
			uidvalidity=int(selected[b"UIDVALIDITY"]),
			uidnext=int(selected.get(b"UIDNEXT", 0)),
			exists=int(selected.get(b"EXISTS", 0)),
		)
		return self.state

	def close(self) -> None:
		"""Log out politely; a connection that is already gone is simply dropped."""
		client, self.client = self.client, None
		if client is None:
			return
		try:
			client.logout()
		except Exception:
			try:
				client.shutdown()
			except Exception:
				pass

	@property
	def supports_idle(self) -> bool:
		with _failures(NetworkError):
			return self.account.idle and bool(self._client().has_capability("IDLE"))

	def uids_after(self, uid: int) -> list[int]:
		"""UIDs in the folder greater than `uid`, ascending."""
		with _failures(FolderError):
			found = self._client().search(["UID", f"{uid + 1}:*"])
		# "N:*" always matches the highest UID, even when it is below N (RFC 3501, 6.4.8)
		return sorted(u for u in found if u > uid)

	def fetch(self, uids: Sequence[int]) -> list[Fetched]:
		"""The messages, in UID order; over the size cap only the header. Never sets \\Seen (BODY.PEEK)."""
		if not uids:
			return []
		client = self._client()
		with _failures(FolderError):
			meta = client.fetch(list(uids), ["RFC822.SIZE", "FLAGS"])
			sizes = {uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in meta.items()}
			large = [uid for uid, size in sizes.items() if size > self.account.max_message_bytes]
			small = [uid for uid, size in sizes.items() if size <= self.account.max_message_bytes]
			bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
			headers = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
		fetched = []
		for uid in sorted(sizes):  # a UID expunged meanwhile is simply absent
			truncated = uid in headers
			data = headers.get(uid) if truncated else bodies.get(uid)
			if data is None:
				continue
			raw = data.get(b"BODY[HEADER]" if truncated else b"BODY[]") or b""
			flags = tuple(meta[uid].get(b"FLAGS", ()))
			fetched.append(Fetched(uid, bytes(raw), flags, sizes[uid], truncated))
		return fetched

	def mark_seen(self, uids: Sequence[int]) -> None:
		"""Set \\Seen on the server; call only after those messages are committed."""
		if uids:
			with _failures(FolderError):
				self._client().add_flags(list(uids), [imapclient.SEEN])

	def idle_wait(self, timeout: float) -> bool:
		"""Wait in IDLE up to `timeout` seconds; True when the server announced new or changed mail."""
		client = self._client()
		with _failures(NetworkError):
			client.idle()
			try:
				responses = client.idle_check(timeout=timeout)
			finally:
				client.idle_done()
		return any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)

	def noop(self) -> None:
		"""Ask the server for news (also keeps the connection alive while polling)."""
		with _failures(NetworkError):
			self._client().noop()

	def _client(self) -> imapclient.IMAPClient:
		if self.client is None:
			raise NetworkError("not connected")
		return self.client
