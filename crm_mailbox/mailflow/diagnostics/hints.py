"""Words that more than one step uses: the usual ports, what else may answer on a port, login advice."""

import re

USUAL_PORTS = {
	"IMAP": "IMAP is usually 993 with SSL/TLS or 143 with STARTTLS",
	"SMTP": "SMTP is usually 465 with SSL/TLS or 587 with STARTTLS",
}
TLS_PORT = {"IMAP": 993, "SMTP": 465}
STARTTLS_PORT = {"IMAP": 143, "SMTP": 587}
A_SERVER = {
	"IMAP": "an IMAP server",
	"SMTP": "an SMTP server",
	"POP3": "a POP3 server",
	"SSH": "an SSH server",
}

NO_PASSWORD_HINT = (
	"enter the mailbox's password (for Gmail or Outlook an app password), or leave the user name empty "
	"to test only the connection"
)
NON_ASCII_PASSWORD_HINT = "use a password made of plain letters, digits and punctuation (or an app password)"
APP_PASSWORD_HINT = (
	"the provider wants an app password (or OAuth) instead of the account password: create one"
)
REFUSED_HINT = (
	"the server refused the user name or password. Check both; for Gmail or Outlook use an app password "
	"or OAuth"
)


def wants_app_password(server_text: str) -> bool:
	return bool(re.search(r"application-specific password|app password", server_text, re.I))


def address_hint(username: str) -> str:
	if "@" in username:
		return ""
	return (
		f". The user name '{username}' has no @: most providers (Gmail, Outlook, hosted mail) want the full "
		"email address"
	)
