"""Real mail servers on loopback for the connection diagnostics tests.

What it starts, each as a subprocess bound to 127.0.0.1 on free high ports, never as a system service:

- Dovecot (``dovecot -F -c <config in a temp dir>``): one port for plain IMAP with STARTTLS and one
  IMAPS port (TLS from the first byte). A passwd-file holds one test user; its maildir has INBOX with
  three messages plus the folders "Sales", "Sent", "Verträge" (non-ASCII on purpose) and "Projects/Alpha"
  (so "Projects" is a parent that cannot be opened), each with one message, written as maildir files.
- aiosmtpd (this file run as a script): SMTP with STARTTLS and AUTH (AUTH only after STARTTLS),
  SMTPS (TLS from the first byte) with AUTH, and SMTPS presenting an expired certificate.

Certificates are self-signed, made at test time with the ``openssl`` command line tool.

Needs: apt ``dovecot-imapd openssl`` (Debian bookworm ships Dovecot 2.3); pip ``aiosmtpd pytest``.
"""

import grp
import imaplib
import json
import os
import pwd
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
# The certificates name "localhost" only, so connecting to 127.0.0.1 gives a hostname mismatch.
CERT_NAME = "localhost"
USER = "sales@crm.test"
PASSWORD = "Tr0ub4dor-crm-secret-71"
# Folder name -> its Maildir++ directory (names in IMAP's modified UTF-7, "." between levels), written out
# by hand so that the server's view does not depend on the encoder under test. "Projects" only holds "Alpha".
IMAP_FOLDERS = {
	"Sales": ".Sales",
	"Sent": ".Sent",
	"Verträge": ".Vertr&AOQ-ge",
	"Projects/Alpha": ".Projects.Alpha",
}
INBOX_MESSAGES = 3
START_TIMEOUT = 20.0


class ServerSetupError(RuntimeError):
	"""A test server could not be started; the message says what to install or read."""


def free_port() -> int:
	"""A TCP port on loopback that nothing listens on right now."""
	with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
		probe.bind((LOOPBACK, 0))
		return probe.getsockname()[1]


def find_program(name: str, install_hint: str) -> str:
	"""Absolute path of a program, also looking in the sbin folders that a user's PATH may lack."""
	search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])
	found = shutil.which(name, path=search)
	if not found:
		raise ServerSetupError(f"'{name}' was not found. {install_hint}")
	return found


@dataclass
class Cert:
	cert: Path
	key: Path


_CA_CONFIG = """\
[ca]
default_ca = test_ca

[test_ca]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any_name
copy_extensions = none
x509_extensions = server_cert
unique_subject = no

[any_name]
commonName = supplied

[server_cert]
subjectAltName = DNS:{name}
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def make_cert(folder: Path, label: str, expired: bool = False) -> Cert:
	"""A self-signed certificate for CERT_NAME, valid for 30 days, or one that expired in 2020."""
	openssl = find_program("openssl", "Install it with: apt-get install -y openssl")
	work = folder / f"ca-{label}"
	work.mkdir(parents=True)
	(work / "index.txt").write_text("")
	(work / "serial").write_text("01\n")
	config = work / "ca.cnf"
	config.write_text(_CA_CONFIG.format(dir=work, name=CERT_NAME))
	key, csr, cert = folder / f"{label}.key", work / "request.csr", folder / f"{label}.crt"

	def run(*args: str) -> None:
		done = subprocess.run([openssl, *args], capture_output=True, text=True, timeout=60)
		if done.returncode:
			raise ServerSetupError(f"openssl {args[0]} failed: {done.stderr.strip()}")

	run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={CERT_NAME}", "-keyout", str(key),
		"-out", str(csr))  # fmt: skip
	dates = ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"] if expired else ["-days", "30"]
	run("ca", "-batch", "-notext", "-config", str(config), "-selfsign", "-keyfile", str(key), "-in", str(csr),
		"-out", str(cert), *dates)  # fmt: skip
	key.chmod(0o644)  # read by Dovecot's config process and the SMTP subprocess; a throwaway test key
	return Cert(cert, key)


@dataclass
class Process:
	"""A server subprocess in its own process group, so that stopping it leaves no children behind."""

	name: str
	popen: subprocess.Popen
	log: Path

	def log_text(self) -> str:
		try:
			return self.log.read_text(errors="replace")[-4000:]
		except OSError:
			return ""

	def wait_for_ports(self, *ports: int) -> None:
		deadline = time.monotonic() + START_TIMEOUT
		waiting = list(ports)
		while waiting:
			if self.popen.poll() is not None:
				raise ServerSetupError(
					f"{self.name} exited with code {self.popen.returncode} while starting. Log:\n{self.log_text()}"
				)
			if time.monotonic() > deadline:
				self.stop()
				raise ServerSetupError(
					f"{self.name} did not listen on {waiting} in time. Log:\n{self.log_text()}"
				)
			try:
				socket.create_connection((LOOPBACK, waiting[0]), timeout=1).close()
				waiting.pop(0)
			except OSError:
				time.sleep(0.05)

	def stop(self) -> None:
		if self.popen.poll() is None:
			self.popen.terminate()
			try:
				self.popen.wait(timeout=10)
			except subprocess.TimeoutExpired:
				self.popen.kill()
				self.popen.wait(timeout=10)
		try:  # anything the server left in its group
			os.killpg(self.popen.pid, signal.SIGKILL)
		except (ProcessLookupError, PermissionError):
			pass


def _die_with_parent() -> None:
	"""Runs in the child before exec: on Linux, get SIGTERM should the test run die without stopping us."""
	try:
		import ctypes

		ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
	except (OSError, AttributeError):
		pass


def start_process(name: str, args: list[str], log: Path) -> Process:
	with log.open("ab") as out:
		popen = subprocess.Popen(
			args,
			stdin=subprocess.DEVNULL,
			stdout=out,
			stderr=subprocess.STDOUT,
			start_new_session=True,
			preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
		)
	return Process(name, popen, log)


# --- Dovecot ---------------------------------------------------------------------------------------

_DOVECOT_CONFIG = """\
# Written by tests/servers.py for one test session (Dovecot 2.3 syntax).
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
instance_name = crm-mailbox-test-{port_imap}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_uid = {mail_uid}
mail_gid = {mail_gid}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root}/mail/%n
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port_imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {port_imaps}
    ssl = yes
  }}
{login_extra}}}
# No growing delay after failed logins (the tests fail logins on purpose).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{anvil_extra}}}
"""

_MESSAGE = """\
From: Customer {n} <customer{n}@example.test>
To: {user}
Subject: Test message {n}
Date: Mon, 02 Jun 2025 10:0{n}:00 +0000
Message-ID: <test-{n}@example.test>

Hello, this is message {n}.
"""


@dataclass
class DovecotServer:
	host: str
	imap_port: int
	imaps_port: int
	user: str
	password: str = field(repr=False)
	cert: Cert
	root: Path
	process: Process | None = field(default=None, repr=False)

	def stop(self) -> None:
		if self.process:
			self.process.stop()
		shutil.rmtree(self.root, ignore_errors=True)

	def halt(self) -> None:
		"""Stop serving (as a crash or an outage would), keeping the mail and config for `resume`."""
		if self.process:
			self.process.stop()

	def resume(self) -> None:
		"""Start serving again on the same ports, with the same mail."""
		dovecot = find_program("dovecot", "apt-get install -y dovecot-imapd")
		args = [dovecot, "-F", "-c", str(self.root / "dovecot.conf")]
		self.process = start_process("dovecot", args, self.root / "dovecot.out")
		self.process.wait_for_ports(self.imap_port, self.imaps_port)

	def add_users(self, names: list[str], password: str) -> list["MailUser"]:
		"""Further users, each with an empty INBOX, so that tests which drop or delete mail leave the
		shared user's folders (which other tests list exactly) alone. Dovecot re-reads the passwd-file."""
		owner = (self.root / "mail").stat()
		added = []
		with (self.root / "users").open("a") as out:
			for name in names:
				address = f"{name}@crm.test"
				out.write(f"{address}:{{PLAIN}}{password}::::::\n")
				maildir = self.root / "mail" / name
				for sub in ("cur", "new", "tmp"):
					(maildir / sub).mkdir(parents=True, exist_ok=True)
				for path in [maildir, *maildir.rglob("*")]:
					os.chown(path, owner.st_uid, owner.st_gid)
				added.append(MailUser(address, password, maildir, owner.st_uid, owner.st_gid))
		if added:
			self._wait_for_login(added[-1].address, password)
		return added

	def _wait_for_login(self, user: str, password: str) -> None:
		"""Dovecot notices a changed passwd-file at most once a second: wait until the login works."""
		deadline = time.monotonic() + START_TIMEOUT
		while True:
			try:
				with imaplib.IMAP4(self.host, self.imap_port, timeout=5) as probe:
					probe.login(user, password)
					return
			except imaplib.IMAP4.error:
				if time.monotonic() > deadline:
					raise ServerSetupError(f"Dovecot did not accept the new user {user} in time") from None
				time.sleep(0.1)


@dataclass
class MailUser:
	address: str
	password: str = field(repr=False)
	maildir: Path
	uid: int
	gid: int

	def drop(self, raw: bytes, name: str) -> Path:
		"""Deliver one message into INBOX the way an MDA does: write in tmp/, rename into new/."""
		temporary = self.maildir / "tmp" / name
		temporary.write_bytes(raw)
		os.chown(temporary, self.uid, self.gid)
		delivered = self.maildir / "new" / name
		os.rename(temporary, delivered)
		return delivered


def _write_maildir(folder: Path, messages: int, user: str, first: int = 1) -> None:
	for sub in ("cur", "new", "tmp"):
		(folder / sub).mkdir(parents=True, exist_ok=True)
	for n in range(first, first + messages):
		(folder / "cur" / f"17000000{n:02d}.M{n}P1.crm-test:2,S").write_text(_MESSAGE.format(n=n, user=user))


def start_dovecot() -> DovecotServer:
	"""Start Dovecot on loopback with a test user, folders and messages; raise when it is missing."""
	dovecot = find_program(
		"dovecot",
		"The IMAP tests need Dovecot: apt-get install -y dovecot-imapd (it is not started as a service).",
	)
	root = Path(tempfile.mkdtemp(prefix="crm-mailbox-dovecot-"))
	try:
		return _start_dovecot(dovecot, root)
	except BaseException:
		shutil.rmtree(root, ignore_errors=True)
		raise


def _start_dovecot(dovecot: str, root: Path) -> DovecotServer:
	# Dovecot's auth and mail processes run as other users than root: they must reach these files.
	root.chmod(0o755)
	cert = make_cert(root, "imap")
	if os.geteuid() == 0:
		internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
		for name in (internal_user, login_user):
			try:
				pwd.getpwnam(name)
			except KeyError:
				raise ServerSetupError(f"user '{name}' is missing: reinstall dovecot-core") from None
		mail_account = pwd.getpwnam("nobody")
		chroot = ""
	else:
		mail_account = pwd.getpwuid(os.geteuid())
		internal_user = login_user = mail_account.pw_name
		internal_group = grp.getgrgid(os.getegid()).gr_name
		# Without root Dovecot can neither chroot nor switch users: every service runs as this user.
		chroot = "  chroot =\n"

	mailbox = root / "mail" / USER.split("@")[0]
	_write_maildir(mailbox, INBOX_MESSAGES, USER)
	for number, on_disk in enumerate(IMAP_FOLDERS.values()):
		_write_maildir(mailbox / on_disk, 1, USER, first=INBOX_MESSAGES + 1 + number)
	(root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
	(root / "users").chmod(0o644)
	for path in [root / "mail", *(root / "mail").rglob("*")]:
		os.chown(path, mail_account.pw_uid, mail_account.pw_gid)

	port_imap, port_imaps = free_port(), free_port()
	config = root / "dovecot.conf"
	config.write_text(
		_DOVECOT_CONFIG.format(
			host=LOOPBACK,
			root=root,
			port_imap=port_imap,
			port_imaps=port_imaps,
			internal_user=internal_user,
			internal_group=internal_group,
			login_user=login_user,
			mail_uid=mail_account.pw_uid,
			mail_gid=mail_account.pw_gid,
			cert=cert.cert,
			key=cert.key,
			login_extra=chroot,
			anvil_extra=chroot,
		)
	)
	server = DovecotServer(LOOPBACK, port_imap, port_imaps, USER, PASSWORD, cert, root)
	server.process = start_process("dovecot", [dovecot, "-F", "-c", str(config)], root / "dovecot.out")
	try:
		server.process.wait_for_ports(port_imap, port_imaps)
	except BaseException:
		server.process.stop()
		raise
	return server


# --- aiosmtpd --------------------------------------------------------------------------------------


@dataclass
class SmtpServers:
	host: str
	starttls_port: int
	smtps_port: int
	expired_port: int
	user: str
	password: str = field(repr=False)
	cert: Cert
	expired_cert: Cert
	root: Path
	process: Process | None = field(default=None, repr=False)

	def stop(self) -> None:
		if self.process:
			self.process.stop()
		shutil.rmtree(self.root, ignore_errors=True)


def start_smtp() -> SmtpServers:
	"""Start the aiosmtpd servers (see the module docstring) in one subprocess."""
	try:
		import aiosmtpd  # noqa: F401
	except ImportError:
		raise ServerSetupError("The SMTP tests need aiosmtpd: pip install aiosmtpd") from None
	root = Path(tempfile.mkdtemp(prefix="crm-mailbox-smtp-"))
	servers = None
	try:
		cert = make_cert(root, "smtp")
		expired = make_cert(root, "expired", expired=True)
		servers = SmtpServers(
			LOOPBACK, free_port(), free_port(), free_port(), USER, PASSWORD, cert, expired, root
		)
		settings = {
			"host": LOOPBACK,
			"starttls_port": servers.starttls_port,
			"smtps_port": servers.smtps_port,
			"expired_port": servers.expired_port,
			"cert": str(cert.cert),
			"key": str(cert.key),
			"expired_cert": str(expired.cert),
			"expired_key": str(expired.key),
			"user": USER,
			"password": PASSWORD,
		}
		(root / "settings.json").write_text(json.dumps(settings))
		args = [sys.executable, str(Path(__file__).resolve()), "smtp", str(root / "settings.json")]
		servers.process = start_process("aiosmtpd", args, root / "smtp.log")
		servers.process.wait_for_ports(servers.starttls_port, servers.smtps_port, servers.expired_port)
		return servers
	except BaseException:
		if servers and servers.process:
			servers.process.stop()
		shutil.rmtree(root, ignore_errors=True)
		raise


def _serve_smtp(settings_file: str) -> None:
	"""Run in the subprocess: the three aiosmtpd servers, until terminated."""
	from aiosmtpd.controller import Controller
	from aiosmtpd.handlers import Sink
	from aiosmtpd.smtp import AuthResult, LoginPassword

	warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
	settings = json.loads(Path(settings_file).read_text())
	user, password = settings["user"].encode(), settings["password"].encode()

	def authenticator(server, session, envelope, mechanism, auth_data):
		ok = (
			isinstance(auth_data, LoginPassword)
			and auth_data.login == user
			and auth_data.password == password
		)
		return AuthResult(success=ok, handled=False)

	def context(cert: str, key: str) -> ssl.SSLContext:
		ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
		ctx.load_cert_chain(cert, key)
		return ctx

	common = {
		"hostname": settings["host"],
		"authenticator": authenticator,
		"server_hostname": "smtp.crm.test",
	}
	controllers = [
		Controller(
			Sink(),
			port=settings["starttls_port"],
			tls_context=context(settings["cert"], settings["key"]),
			auth_require_tls=True,
			**common,
		),
		# TLS from the first byte: the transport is already encrypted, so AUTH may be offered at once.
		Controller(
			Sink(),
			port=settings["smtps_port"],
			ssl_context=context(settings["cert"], settings["key"]),
			auth_require_tls=False,
			**common,
		),
		Controller(
			Sink(),
			port=settings["expired_port"],
			ssl_context=context(settings["expired_cert"], settings["expired_key"]),
			auth_require_tls=False,
			**common,
		),
	]
	parent = os.getppid()
	for controller in controllers:
		controller.start()
	signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
	try:
		while os.getppid() == parent:  # also end when the test run dies without stopping us
			select.select([], [], [], 1)
	finally:
		for controller in controllers:
			controller.stop()


if __name__ == "__main__":
	if sys.argv[1:2] == ["smtp"] and len(sys.argv) == 3:
		_serve_smtp(sys.argv[2])
	else:
		sys.exit("usage: servers.py smtp SETTINGS.json")
