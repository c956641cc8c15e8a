"""IMAP folder names: modified UTF-7 both ways, the spelling sent to the server, the server's LIST answer
read back, and the words for a folder that is not there. No connection here (the folder step is in imap.py).
"""

import base64
import re
from typing import NamedTuple

_LISTED_FOLDERS = 30
_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\)\s+(?P<delim>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)$', re.I)


class Folder(NamedTuple):
	"""A folder as the server lists it."""

	name: str  # readable, decoded from modified UTF-7
	wire_name: str  # as the server spells it
	flags: set[str]  # lower case, e.g. "\\noselect"


def encode_imap_folder_name(name: str) -> str:
	"""A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), e.g. "Verträge" -> "Vertr&AOQ-ge"."""
	out: list[str] = []
	pending: list[str] = []

	def flush() -> None:
		if pending:
			encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii").rstrip("=")
			out.append("&" + encoded.replace("/", ",") + "-")
			pending.clear()

	for ch in name:
		if 0x20 <= ord(ch) <= 0x7E:
			flush()
			out.append("&-" if ch == "&" else ch)
		else:
			pending.append(ch)
	flush()
	return "".join(out)


def decode_imap_folder_name(name: str, strict: bool = False) -> str:
	"""A folder name from IMAP's modified UTF-7, e.g. "Vertr&AOQ-ge" -> "Verträge".

	A name that is not valid modified UTF-7 is returned unchanged, or raises ValueError when strict.
	"""
	out: list[str] = []
	pos = 0
	try:
		while pos < len(name):
			amp = name.find("&", pos)
			if amp < 0:
				out.append(name[pos:])
				break
			out.append(name[pos:amp])
			end = name.find("-", amp)
			if end < 0:
				raise ValueError("unterminated shift")
			chunk = name[amp + 1 : end]
			if chunk:
				chunk = chunk.replace(",", "/")
				chunk += "=" * (-len(chunk) % 4)
				out.append(base64.b64decode(chunk, validate=True).decode("utf-16-be"))
			else:
				out.append("&")
			pos = end + 1
	except (ValueError, UnicodeDecodeError) as exc:
		if strict:
			raise ValueError(f"not modified UTF-7: {name!r}") from exc
		return name
	return "".join(out)


def wire_name(name: str) -> str:
	"""The name to send to the server: modified UTF-7, unless the name is already spelt that way."""
	if name.isascii() and "&" in name:
		try:
			if encode_imap_folder_name(decode_imap_folder_name(name, strict=True)) == name:
				return name
		except ValueError:
			pass
	return encode_imap_folder_name(name)


def quoted(name: str) -> str:
	"""A name as an IMAP quoted string."""
	return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list(data: list) -> list[Folder]:
	"""The folders in the data of imaplib's list(); lines that do not parse are left out."""
	folders = []
	for item in data:
		if isinstance(item, tuple):  # a literal: (b'(flags) "/" {7}', b'the name')
			line, literal = item[0], item[1]
		else:
			line, literal = item, None
		match = _LIST_LINE.match(line or b"")
		if not match:
			continue
		if literal is not None:
			raw = literal.decode("utf-8", "replace")
		else:
			raw = match.group("name").decode("utf-8", "replace").strip()
			if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
				raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
		flags = {flag.lower() for flag in match.group("flags").decode("ascii", "replace").split()}
		folders.append(Folder(decode_imap_folder_name(raw), raw, flags))
	return folders


def find_folder(folders: list[Folder], wanted: str, wanted_wire_name: str) -> Folder | None:
	"""The listed folder that is `wanted` (INBOX in any case), or None."""
	for folder in folders:
		if _same_folder(folder.name, wanted) or folder.wire_name == wanted_wire_name:
			return folder
	return None


def _same_folder(name: str, wanted: str) -> bool:
	if name.upper() == "INBOX" and wanted.upper() == "INBOX":
		return True
	return name == wanted


def not_found_hint(wanted: str, folders: list[Folder]) -> str:
	"""The server's folders (INBOX first), and the near matches of a name that was not found."""
	names = sorted(
		(folder.name for folder in folders), key=lambda name: (name.upper() != "INBOX", name.casefold())
	)
	listed = ", ".join(names[:_LISTED_FOLDERS])
	if len(names) > _LISTED_FOLDERS:
		listed += f", and {len(names) - _LISTED_FOLDERS} more"
	hint = f"folder '{wanted}' not found; the server has: {listed or '(no folders)'}"
	near = _near_folders(wanted, folders)
	if near:
		hint += f". Did you mean {' or '.join(repr(name) for name in near)}?"
	return hint


def _near_folders(wanted: str, folders: list[Folder]) -> list[str]:
	def loose(name: str) -> str:
		return re.sub(r"[./\\]", "/", name).casefold()

	target = loose(wanted)
	return [
		folder.name
		for folder in folders
		if loose(folder.name) == target
		or loose(folder.name).endswith("/" + target)
		or target.endswith("/" + loose(folder.name))
	][:3]
