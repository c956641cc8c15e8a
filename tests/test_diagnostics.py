"""The connection test against real servers on loopback (Dovecot and aiosmtpd, started in conftest.py)."""

import json
import socket
import ssl

import pytest
from servers import CERT_NAME, PASSWORD, USER, free_port

from crm_mailbox.mailflow.diagnostics import (
	Report,
	check_imap,
	check_smtp,
	decode_imap_folder_name,
	encode_imap_folder_name,
)

IMAP_STEPS = ["dns", "tcp", "tls", "login", "folder"]
SMTP_STEPS = ["dns", "tcp", "tls", "login", "noop"]
WRONG_PASSWORD = "Wr0ng-guess-4417"
# Timeouts are short where a test waits for a server that will not answer.
QUICK = 1.0
UNKNOWN_HOST = "mail.crm-mailbox.invalid"


def names(report: Report) -> list[str]:
	return [step.name for step in report.steps]


def failed(report: Report, step: str):
	"""The failed step, after checking that it is `step`, the last one, and that nothing else failed."""
	assert not report.ok
	failure = report.first_failure
	assert failure is not None and failure.name == step, report.as_dict()
	assert report.steps[-1] is failure
	assert all(earlier.ok for earlier in report.steps[:-1])
	assert failure.hint, "a failure always says what to do"
	return failure


def imap(dovecot, trust, port=None, security="ssl", **kwargs) -> Report:
	host = kwargs.pop("host", CERT_NAME)
	options = {"username": USER, "password": PASSWORD, "ssl_context": trust, "timeout": 5.0, **kwargs}
	return check_imap(host, port or dovecot.imaps_port, security, **options)


def smtp(servers, trust, port=None, security="starttls", **kwargs) -> Report:
	host = kwargs.pop("host", CERT_NAME)
	options = {"username": USER, "password": PASSWORD, "ssl_context": trust, "timeout": 5.0, **kwargs}
	return check_smtp(host, port or servers.starttls_port, security, **options)


# --- IMAP ------------------------------------------------------------------------------------------


def test_imap_over_ssl_works_and_says_what_it_found(dovecot, trust_imap):
	report = imap(dovecot, trust_imap)

	assert report.ok, report.as_dict()
	assert names(report) == IMAP_STEPS
	steps = {step.name: step for step in report.steps}
	assert "127.0.0.1" in steps["dns"].detail
	assert f"port {dovecot.imaps_port}" in steps["tcp"].detail
	assert "TLSv1." in steps["tls"].detail
	assert "CN=localhost" in steps["tls"].detail and "valid until" in steps["tls"].detail
	assert USER in steps["login"].detail
	assert "3 messages" in steps["folder"].detail
	assert "UIDVALIDITY " in steps["folder"].detail and "not given" not in steps["folder"].detail
	assert report.as_dict()["first_failure"] is None


def test_imap_with_starttls_works(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, dovecot.imap_port, "starttls")

	assert report.ok, report.as_dict()
	assert names(report) == IMAP_STEPS
	assert report.steps[2].detail.startswith("STARTTLS, TLSv1.")


def test_imap_without_encryption_works_but_warns(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, dovecot.imap_port, "none")

	assert report.ok, report.as_dict()
	tls = report.steps[2]
	assert "not encrypted" in tls.detail
	assert "clear text" in tls.hint and "STARTTLS" in tls.hint


def test_imap_wrong_password(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, password=WRONG_PASSWORD)

	login = failed(report, "login")
	assert "AUTHENTICATIONFAILED" in login.detail
	assert "refused the user name or password" in login.hint
	assert "app password" in login.hint
	assert "no @" not in login.hint


def test_imap_user_name_without_at_gets_the_full_address_hint(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, username=USER.split("@")[0])

	login = failed(report, "login")
	assert "has no @" in login.hint and "full email address" in login.hint


def test_imap_password_with_non_ascii_letters_is_explained(dovecot, trust_imap):
	secret = "Pässwort-🔑-9931"
	report = imap(dovecot, trust_imap, password=secret)

	login = failed(report, "login")
	assert "outside ASCII" in login.detail
	assert secret not in json.dumps(report.as_dict(), ensure_ascii=False)


def test_imap_without_user_name_tests_only_the_connection(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, username="", password="")  # e.g. an OAuth account

	assert report.ok, report.as_dict()
	assert names(report) == ["dns", "tcp", "tls", "login"]
	assert report.steps[-1].detail.startswith("skipped: no user name given")


def test_imap_user_name_without_password_does_not_ask_the_server(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, password="")

	login = failed(report, "login")
	assert login.detail == "no password given"
	assert "enter the mailbox's password" in login.hint


def test_imap_nothing_listening_on_the_port(dovecot, trust_imap):
	port = free_port()
	report = imap(dovecot, trust_imap, port)

	tcp = failed(report, "tcp")
	assert "connection refused" in tcp.detail
	assert f"nothing answers on port {port} at {CERT_NAME}" in tcp.hint
	assert "993 with SSL/TLS or 143 with STARTTLS" in tcp.hint


def test_imap_tls_on_the_plain_port(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, dovecot.imap_port, "ssl")

	tls = failed(report, "tls")
	assert "answered in plain text" in tls.detail and "* OK" in tls.detail
	assert f"did not speak TLS on port {dovecot.imap_port}" in tls.hint
	assert "turn off SSL/TLS and use STARTTLS, or use port 993" in tls.hint


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_imap_plain_on_the_tls_port(dovecot, trust_imap, security):
	report = imap(dovecot, trust_imap, dovecot.imaps_port, security, timeout=QUICK)

	tls = failed(report, "tls")
	assert f"port {dovecot.imaps_port} expects TLS from the first byte: turn on SSL/TLS" in tls.hint
	assert tls.seconds >= QUICK  # it waited for a greeting that never came


def test_imap_unknown_host():
	report = check_imap(UNKNOWN_HOST, 993, "ssl", USER, PASSWORD, timeout=5.0)

	dns = failed(report, "dns")
	assert names(report) == ["dns"]
	try:
		socket.getaddrinfo(UNKNOWN_HOST, 993)
	except socket.gaierror as exc:
		resolver_offline = exc.errno == getattr(socket, "EAI_AGAIN", None)
	if resolver_offline:  # a machine without any DNS server gives "try again", not "no such name"
		assert "temporary DNS failure" in dns.hint
	else:
		assert f"the name {UNKNOWN_HOST} does not resolve: check the server address for typos" == dns.hint


def test_imap_server_address_typed_as_url():
	report = check_imap("imaps://mail.crm-mailbox.invalid", 993, "ssl", USER, PASSWORD, timeout=5.0)

	dns = failed(report, "dns")
	assert "without 'imaps://'" in dns.hint


def test_imap_missing_folder_lists_the_servers_folders(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, folder="Offers")

	folder = failed(report, "folder")
	assert "folder 'Offers' not found; the server has: " in folder.hint
	listed = folder.hint.split("the server has: ")[1]
	assert listed == "INBOX, Projects, Projects/Alpha, Sales, Sent, Verträge"
	# decoded, as the admin knows it, not "Vertr&AOQ-ge"
	assert "Did you mean" not in folder.hint


def test_imap_folder_in_the_wrong_case_suggests_the_right_one(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, folder="sales")

	folder = failed(report, "folder")
	assert "Did you mean 'Sales'?" in folder.hint


def test_imap_folder_given_without_its_parent_suggests_the_full_name(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, folder="Alpha")

	folder = failed(report, "folder")
	assert "Did you mean 'Projects/Alpha'?" in folder.hint


def test_imap_parent_folder_that_only_holds_folders(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, folder="Projects")

	folder = failed(report, "folder")
	assert "exists but cannot be opened" in folder.detail
	assert "'Projects' only holds other folders: pick one of its subfolders" in folder.hint


def test_imap_non_ascii_folder_opens(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, folder="Verträge")

	assert report.ok, report.as_dict()
	folder = report.steps[-1]
	assert "folder 'Verträge': 1 message," in folder.detail
	assert "'Vertr&AOQ-ge'" in folder.hint  # the spelling a program that does not encode names must use


def test_imap_self_signed_certificate_is_rejected_by_default(dovecot):
	report = check_imap(CERT_NAME, dovecot.imaps_port, "ssl", USER, PASSWORD, timeout=5.0)

	tls = failed(report, "tls")
	assert "self-signed" in tls.detail and "CN=localhost" in tls.detail
	assert "certificate is self-signed (CN=localhost)" in tls.hint
	assert "public authority" in tls.hint


def test_imap_self_signed_certificate_is_rejected_after_starttls_too(dovecot):
	report = check_imap(CERT_NAME, dovecot.imap_port, "starttls", USER, PASSWORD, timeout=5.0)

	tls = failed(report, "tls")
	assert "certificate is self-signed (CN=localhost)" in tls.hint


def test_imap_certificate_for_another_name(dovecot, trust_imap):
	report = imap(dovecot, trust_imap, host="127.0.0.1")

	tls = failed(report, "tls")
	assert "mismatch" in tls.detail
	assert (
		tls.hint == "the certificate is for localhost, not for 127.0.0.1: use localhost as the server address"
	)


def test_imap_check_against_an_smtp_port_says_so(dovecot, trust_imap, smtp_servers):
	report = imap(dovecot, trust_imap, smtp_servers.starttls_port, "none")

	tls = failed(report, "tls")
	assert "answers like an SMTP server, not IMAP" in tls.detail
	assert "IMAP is usually 993" in tls.hint


def test_smtp_check_against_an_imap_port_says_so(dovecot, smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, dovecot.imap_port, "starttls")

	tls = failed(report, "tls")
	assert "answers like an IMAP server, not SMTP" in tls.detail
	assert "SMTP is usually 465" in tls.hint


# --- SMTP ------------------------------------------------------------------------------------------


def test_smtp_with_starttls_and_login_works(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp)

	assert report.ok, report.as_dict()
	assert names(report) == SMTP_STEPS
	steps = {step.name: step for step in report.steps}
	assert steps["tls"].detail.startswith("STARTTLS, TLSv1.")
	assert USER in steps["login"].detail
	assert "smtp.crm.test" in steps["noop"].detail and "NOOP 250" in steps["noop"].detail
	assert "accepts messages up to 32 MB" in steps["noop"].detail


def test_smtp_over_ssl_works(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, smtp_servers.smtps_port, "ssl")

	assert report.ok, report.as_dict()
	assert names(report) == SMTP_STEPS
	assert "CN=localhost" in report.steps[2].detail


def test_smtp_without_user_name_skips_login(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, username="", password="")

	assert report.ok, report.as_dict()
	login = report.steps[3]
	assert login.name == "login" and login.ok
	assert login.detail.startswith("skipped: no user name given")
	assert "AUTH LOGIN PLAIN" in login.hint


def test_smtp_user_name_without_password_does_not_ask_the_server(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, password="")

	login = failed(report, "login")
	assert login.detail == "no password given"


def test_smtp_wrong_password(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, password=WRONG_PASSWORD)

	login = failed(report, "login")
	assert "535" in login.detail
	assert "refused the user name or password" in login.hint and "app password" in login.hint


def test_smtp_login_before_starttls_is_explained(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, security="none")

	login = failed(report, "login")
	assert "no login (AUTH)" in login.detail
	assert "only after STARTTLS: turn on STARTTLS" in login.hint


def test_smtp_authentication_disabled_but_a_password_stored_logs_in_as_frappe_does(smtp_servers, trust_smtp):
	# Frappe's SMTPServer.session logs in whenever a password is stored, "Disable SMTP server
	# authentication" or not; a server that offers no AUTH then fails its mail.
	report = smtp(smtp_servers, trust_smtp, security="none", login_disabled=True)

	login = failed(report, "login")
	assert "no login (AUTH)" in login.detail
	assert "'Disable SMTP server authentication' is ticked, but a password is stored" in login.hint
	assert "clear the password" in login.hint


def test_smtp_authentication_disabled_with_a_password_says_why_it_logged_in(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, login_disabled=True)

	assert report.ok, report.as_dict()
	login = report.steps[3]
	assert login.name == "login" and login.detail.startswith(f"logged in as {USER}")
	assert "Frappe logs in although SMTP authentication is disabled" in login.detail


def test_smtp_authentication_disabled_without_a_password_skips_the_login(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, security="none", password="", login_disabled=True)

	assert report.ok, report.as_dict()
	login = report.steps[3]
	assert login.name == "login" and login.ok
	assert login.detail.startswith("skipped: SMTP authentication is disabled and no password is stored")


def test_smtp_tls_on_the_plain_port(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, smtp_servers.starttls_port, "ssl")

	tls = failed(report, "tls")
	assert "220 " in tls.detail
	assert f"did not speak TLS on port {smtp_servers.starttls_port}" in tls.hint
	assert "or use port 465" in tls.hint


def test_smtp_plain_on_the_tls_port(smtp_servers, trust_smtp):
	report = smtp(smtp_servers, trust_smtp, smtp_servers.smtps_port, "starttls", timeout=QUICK)

	tls = failed(report, "tls")
	assert f"port {smtp_servers.smtps_port} expects TLS from the first byte: turn on SSL/TLS" in tls.hint


def test_smtp_nothing_listening(smtp_servers, trust_smtp):
	port = free_port()
	report = smtp(smtp_servers, trust_smtp, port)

	tcp = failed(report, "tcp")
	assert f"nothing answers on port {port}" in tcp.hint and "587 with STARTTLS" in tcp.hint


def test_smtp_expired_certificate(smtp_servers):
	trust_expired = ssl.create_default_context(cafile=str(smtp_servers.expired_cert.cert))
	report = check_smtp(CERT_NAME, smtp_servers.expired_port, "ssl", USER, PASSWORD, 5.0, trust_expired)

	tls = failed(report, "tls")
	assert "expired" in tls.detail
	assert "certificate expired on 2020-02-01" in tls.hint and "renew" in tls.hint


def test_smtp_self_signed_certificate_is_rejected_by_default(smtp_servers):
	report = check_smtp(CERT_NAME, smtp_servers.starttls_port, "starttls", USER, PASSWORD, timeout=5.0)

	tls = failed(report, "tls")
	assert "certificate is self-signed (CN=localhost)" in tls.hint
	assert "valid until" in tls.detail


# --- the password, timings, input --------------------------------------------------------------------


def failure_reports(dovecot, trust_imap, smtp_servers, trust_smtp, secret):
	"""Every failure kind above, each run with `secret` as the password (the right one logs in)."""
	nowhere = free_port()
	yield check_imap(f"{secret}.invalid", 993, "ssl", USER, secret, timeout=5.0)  # pasted in the wrong field
	yield check_imap(UNKNOWN_HOST, 993, "ssl", USER, secret, timeout=5.0)
	yield imap(dovecot, trust_imap, nowhere, password=secret)
	yield imap(dovecot, trust_imap, dovecot.imap_port, "ssl", password=secret)
	yield imap(dovecot, trust_imap, dovecot.imaps_port, "starttls", password=secret, timeout=QUICK)
	yield check_imap(CERT_NAME, dovecot.imaps_port, "ssl", USER, secret, timeout=5.0)
	yield imap(dovecot, trust_imap, host="127.0.0.1", password=secret)
	yield imap(dovecot, trust_imap, password=secret)  # wrong password
	yield imap(dovecot, trust_imap, username="sales", password=secret)
	yield imap(dovecot, trust_imap, folder="Offers")  # the right password, then a missing folder
	yield smtp(smtp_servers, trust_smtp, password=secret)
	yield smtp(smtp_servers, trust_smtp, security="none", password=secret)
	yield smtp(smtp_servers, trust_smtp, smtp_servers.starttls_port, "ssl", password=secret)
	yield smtp(smtp_servers, trust_smtp, smtp_servers.smtps_port, "none", password=secret, timeout=QUICK)
	yield smtp(smtp_servers, trust_smtp, nowhere, password=secret)
	yield check_smtp(CERT_NAME, smtp_servers.expired_port, "ssl", USER, secret, timeout=5.0)


@pytest.mark.parametrize("secret", [WRONG_PASSWORD, PASSWORD])
def test_the_password_never_appears_in_a_report(dovecot, trust_imap, smtp_servers, trust_smtp, secret):
	reports = list(failure_reports(dovecot, trust_imap, smtp_servers, trust_smtp, secret))

	if secret == WRONG_PASSWORD:
		assert all(not report.ok for report in reports)
	for report in reports:
		shown = json.dumps(report.as_dict(), ensure_ascii=False) + repr(report) + str(report)
		assert secret not in shown
	host_step = reports[0].steps[0]
	assert "********.invalid" in host_step.detail  # masked, not dropped


def test_every_step_is_timed(dovecot, trust_imap, smtp_servers, trust_smtp):
	for report in (imap(dovecot, trust_imap), smtp(smtp_servers, trust_smtp)):
		assert report.ok
		for step in report.as_dict()["steps"]:
			assert isinstance(step["seconds"], float)
			assert 0 <= step["seconds"] < 5.0


def test_unknown_security_setting_is_a_programming_error():
	with pytest.raises(ValueError, match="ssl, starttls, none"):
		check_imap(CERT_NAME, 993, "tls", USER, PASSWORD)


@pytest.mark.parametrize(
	"readable, encoded",
	[("INBOX", "INBOX"), ("Verträge", "Vertr&AOQ-ge"), ("R&D", "R&-D"), ("日本語", "&ZeVnLIqe-")],
)
def test_imap_folder_names_are_encoded_as_imap_spells_them(readable, encoded):
	assert encode_imap_folder_name(readable) == encoded
	assert decode_imap_folder_name(encoded) == readable


# --- progress and time bound (the desk shows each step as it ends) ------------------------------------


def test_each_step_is_handed_over_as_it_ends(dovecot, trust_imap, smtp_servers, trust_smtp):
	import time

	seen = []

	def on_step(step):
		seen.append((step.name, time.monotonic()))

	started = time.monotonic()
	report = imap(dovecot, trust_imap, on_step=on_step)
	ended = time.monotonic()
	assert [name for name, _at in seen] == IMAP_STEPS == names(report)
	# handed over one by one while the test ran, not all together at its end
	at = [at for _name, at in seen]
	assert started <= at[0] < at[-1] <= ended

	seen.clear()
	report = smtp(smtp_servers, trust_smtp, on_step=on_step)
	assert [name for name, _at in seen] == SMTP_STEPS == names(report)


def test_a_step_handed_over_is_already_scrubbed_of_the_password(dovecot, trust_imap):
	secret = "Sh0w-me-n0t-8812"
	seen = []
	imap(dovecot, trust_imap, host=f"{secret}.invalid", password=secret, on_step=seen.append, timeout=QUICK)
	assert seen and all(secret not in step.detail + step.hint for step in seen)


def test_a_listener_that_fails_does_not_stop_the_test(dovecot, trust_imap):
	def on_step(step):
		raise RuntimeError("the dialog went away")

	assert imap(dovecot, trust_imap, on_step=on_step).ok


def test_no_step_starts_after_the_deadline(dovecot, trust_imap):
	import time

	def slow_listener(step):
		time.sleep(0.3)  # the time goes by while the first step is being shown

	report = imap(dovecot, trust_imap, on_step=slow_listener, deadline=time.monotonic() + 0.1)
	failure = failed(report, "tcp")
	assert names(report) == ["dns", "tcp"]
	assert "time is up" in failure.detail


def test_a_deadline_already_passed_asks_no_server():
	import time

	report = check_imap(UNKNOWN_HOST, 993, "ssl", USER, PASSWORD, deadline=time.monotonic() - 1)
	failure = failed(report, "dns")
	assert "time is up" in failure.detail
	assert report.steps[0].seconds < 0.1
