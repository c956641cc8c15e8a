import itertools
import ssl

import pytest
import servers


@pytest.fixture(scope="session")
def dovecot():
	"""A real Dovecot on loopback (plain/STARTTLS and IMAPS ports); fails loudly when Dovecot is missing."""
	server = servers.start_dovecot()
	yield server
	server.stop()


@pytest.fixture(scope="session")
def smtp_servers():
	"""Real aiosmtpd servers on loopback: STARTTLS, SMTPS, and SMTPS with an expired certificate."""
	started = servers.start_smtp()
	yield started
	started.stop()


@pytest.fixture(scope="session")
def trust_imap(dovecot) -> ssl.SSLContext:
	"""Verifies like a normal client, but trusts the test Dovecot's self-signed certificate."""
	return ssl.create_default_context(cafile=str(dovecot.cert.cert))


@pytest.fixture(scope="session")
def trust_smtp(smtp_servers) -> ssl.SSLContext:
	"""Verifies like a normal client, but trusts the test SMTP servers' self-signed certificate."""
	return ssl.create_default_context(cafile=str(smtp_servers.cert.cert))


@pytest.fixture(scope="session")
def intake_users(dovecot):
	"""Users of their own on the shared Dovecot, made in one go (Dovecot re-reads its user list at most
	once a second); each intake test takes a fresh one."""
	batch = itertools.count(1)

	def more():
		first = next(batch)
		return dovecot.add_users([f"intake{first}-{n}" for n in range(20)], f"intake-secret-{first}")

	pool = more()

	def take():
		nonlocal pool
		if not pool:
			pool = more()
		return pool.pop(0)

	return take


@pytest.fixture
def intake_user(intake_users):
	"""A mail user with an empty INBOX, for tests that drop or delete mail."""
	return intake_users()
