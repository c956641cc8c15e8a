"""The mailbox's own mail intake, without Frappe: IMAP session, ledger, poison checks, drain loop.

Flow for one mailbox and folder: `ImapSession.open()` tells the folder's UIDVALIDITY; the ledger
(`ledger.plan`) says which UIDs are new; `puller.drain` fetches them in batches and hands each raw
message to a handler (the Frappe side: InboundMail, commit) and records the outcome only after the
handler returned. `poison.classify`/`poison.repair` let the handler keep odd mail as a
Communication, or say why it cannot. Nothing here imports Frappe.
"""
