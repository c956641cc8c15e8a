"""The intake under faults, against a real Dovecot: the server stops mid-drain, the folder is
recreated (UIDVALIDITY changes), a wrong password, a missing folder, nothing listening."""

import dataclasses

import pytest
import servers
from intake_mail import CommitLog, account_for, drop_many, message

from crm_mailbox.mailflow.intake.errors import FolderError, LoginError, NetworkError
from crm_mailbox.mailflow.intake.imap_session import Account, ImapSession
from crm_mailbox.mailflow.intake.ledger import MemoryLedger
from crm_mailbox.mailflow.intake.puller import drain


def test_server_stopping_mid_drain_then_back_loses_and_doubles_nothing(dovecot, intake_user):
	drop_many(intake_user, 120)
	store, commits = MemoryLedger(), CommitLog()
	account = account_for(dovecot, intake_user)

	def handler(fetched):
		taken = commits(fetched)
		if len(commits.committed) == 45:  # in the middle of the third batch of 20
			dovecot.halt()
		return taken

	try:
		with ImapSession(account) as session, pytest.raises(NetworkError):
			drain(session, store, handler, batch_size=20)
		assert len(store.entries) == 60  # the fetched batch was finished; nothing after it
		with pytest.raises(NetworkError):  # while it is down, a new pull says so
			ImapSession(account).open()
	finally:
		dovecot.resume()

	with ImapSession(account) as session:
		resumed = drain(session, store, commits, batch_size=20)

	assert resumed.taken == 60 and resumed.duplicates == 0
	assert len(commits.committed) == 120 and set(commits.counts().values()) == {1}


def test_recreated_folder_new_uidvalidity_loses_and_doubles_nothing(dovecot, intake_user):
	account = account_for(dovecot, intake_user, folder="Orders")
	raws = [message(n, tag="orders") for n in range(1, 11)]
	no_message_id = b"From: Old Client <old@client.test>\nSubject: no Message-ID\n\nhash keyed\n"
	with ImapSession(account_for(dovecot, intake_user)) as admin:
		admin.client.create_folder("Orders")
		for raw in [*raws, no_message_id]:
			admin.client.append("Orders", raw)
	store, commits = MemoryLedger(), CommitLog()
	with ImapSession(account) as session:
		first = drain(session, store, commits, batch_size=4)
	assert first.taken == 11

	# the folder is deleted and made again (as a server migration or a client "repair" does):
	# the same messages come back under new UIDs, plus one that is really new
	with ImapSession(account_for(dovecot, intake_user)) as admin:
		admin.client.delete_folder("Orders")
		admin.client.create_folder("Orders")
		for raw in [*reversed(raws), no_message_id, message(11, tag="orders")]:
			admin.client.append("Orders", raw)
	with ImapSession(account) as session:
		second = drain(session, store, commits, batch_size=4)

	assert second.uidvalidity != first.uidvalidity and second.rescan
	assert (second.taken, second.duplicates) == (1, 11)
	assert len(commits.committed) == 12 and set(commits.counts().values()) == {1}
	# the ledger knows both generations of UIDs, and the re-read ones point to the first Communications
	old = {e.key: e.communication for e in store.entries.values() if e.uidvalidity == first.uidvalidity}
	new = {e.key: e.communication for e in store.entries.values() if e.uidvalidity == second.uidvalidity}
	assert all(new[key] == old[key] for key in old)


def test_wrong_password_is_a_login_error(dovecot, intake_user):
	account = dataclasses.replace(account_for(dovecot, intake_user), password="no longer valid")
	with pytest.raises(LoginError) as failure:
		ImapSession(account).open()
	assert failure.value.stage == "login" and "Authentication failed" in str(failure.value)


def test_missing_folder_is_a_folder_error(dovecot, intake_user):
	with pytest.raises(FolderError) as failure:
		ImapSession(account_for(dovecot, intake_user, folder="Archive/2019")).open()
	assert "Archive/2019" in failure.value.detail


def test_nothing_listening_is_a_network_error(intake_user):
	account = Account(servers.LOOPBACK, servers.free_port(), "plain", intake_user.address, "x", timeout=3)
	with pytest.raises(NetworkError) as failure:
		ImapSession(account).open()
	assert failure.value.stage == "network"


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate_drains(dovecot, intake_user, trust_imap, security):
	drop_many(intake_user, 3)
	account = dataclasses.replace(
		account_for(dovecot, intake_user),
		host=servers.CERT_NAME,
		port=dovecot.imaps_port if security == "ssl" else dovecot.imap_port,
		security=security,
		ssl_context=trust_imap,
	)
	with ImapSession(account) as session:
		assert drain(session, MemoryLedger(), CommitLog()).taken == 3
