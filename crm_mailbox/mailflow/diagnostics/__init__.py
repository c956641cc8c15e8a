"""Connection diagnostics for mail accounts: a "Test connection" that explains what went wrong.

check_imap() and check_smtp() take the steps a mail client takes - resolve the name, connect, set up
TLS, log in, open the folder (IMAP) or say hello (SMTP) - and stop at the first failure. Each step has
its timing, what was seen, and, when something is wrong, a hint an administrator can act on. The kind of
failure is read from exception types, TLS verification codes and the server's own responses.

The password is handed to imaplib/smtplib only. It is never put into a Step, and every text is scrubbed
of it once more before a report is returned. Nothing here logs. Every network operation uses `timeout`
(seconds), the name lookup included.

Stdlib only; nothing here imports Frappe. The modules, in the order a check runs:

- report.py: Step and Report, and the Runner that times steps and scrubs the password from them
- session.py: the dns, tcp and tls steps both checks share (network.py: dns and tcp; tls.py: TLS;
  certificates.py: reading and explaining a certificate)
- imap.py: check_imap(), with the login and folder steps (folders.py: folder names and lists)
- smtp.py: check_smtp(), with the login and noop steps
- hints.py: the words more than one step uses

What this package exports below is its public API; the rest may change.
"""

from .folders import decode_imap_folder_name, encode_imap_folder_name
from .imap import check_imap
from .report import Report, Step
from .session import SECURITY_CHOICES
from .smtp import check_smtp

__all__ = [
	"SECURITY_CHOICES",
	"Report",
	"Step",
	"check_imap",
	"check_smtp",
	"decode_imap_folder_name",
	"encode_imap_folder_name",
]
