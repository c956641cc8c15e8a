"""The Frappe side of the mailbox's own intake: which accounts, one pull, its ledger and state.

One pull of a mailbox (pull.pull_account): take the account's lease (lease.py), open each IMAP
folder (pull.account_session), let the Frappe-free engine (mailflow/intake/puller.drain) hand every
new message to handler.take, which makes the Communication through Frappe's InboundMail and writes
the ledger row (ledger_store.DocTypeLedger) in the same transaction; then record the folder's state
(state.py). The long-running runner and the scheduler fallback call pull_account or drain_folder.
"""
