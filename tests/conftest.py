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
