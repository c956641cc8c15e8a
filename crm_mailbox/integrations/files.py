"""doc_events for File: attachments of received mail get a file name (and URL) no page turns into markup.

Frappe's receive saves each attachment under the name the sender chose, and derives the file's URL and
its name on disk from it; the timeline and the form sidebar then draw name and URL into HTML unescaped.
File.before_insert has written the file by the time this hook runs (doc_events follow the controller),
so a cleaned name also moves the file on disk and its URL with it.
"""

from __future__ import annotations

import os

import frappe

from crm_mailbox.mailflow.plaintext import safe_file_name


def before_insert(doc, method=None):
	if doc.is_folder or doc.attached_to_doctype != "Communication" or not doc.attached_to_name:
		return
	if frappe.db.get_value("Communication", doc.attached_to_name, "sent_or_received") != "Received":
		return
	try:
		clean_file_name(doc)
	except Exception:
		# a name left as received is better than an attachment lost from the pull
		frappe.log_error(
			title="crm_mailbox: cleaning an attachment's name failed",
			reference_doctype="Communication",
			reference_name=doc.attached_to_name,
		)


def clean_file_name(doc) -> None:
	clean = safe_file_name(doc.file_name or "")
	if clean != doc.file_name:
		doc.file_name = clean
	url = doc.file_url or ""
	folder, _sep, stored = url.rpartition("/")
	if not stored or safe_file_name(stored) == stored or doc.is_remote_file:
		return
	if frappe.db.exists("File", {"file_url": url}):
		return  # Frappe reused another File's copy of the same content: that URL is not ours to move
	old_path = doc.get_full_path()
	new_name = available_name(folder, clean, doc)
	new_url = f"{folder}/{new_name}"
	doc.file_url = new_url
	new_path = doc.get_full_path()
	if os.path.exists(old_path):
		os.rename(old_path, new_path)


def available_name(folder: str, name: str, doc) -> str:
	"""`name`, or `name` with the content's hash before the extension when another file has it."""
	if not frappe.db.exists("File", {"file_url": f"{folder}/{name}"}) and not os.path.exists(
		path_of(doc, f"{folder}/{name}")
	):
		return name
	stem, extension = os.path.splitext(name)
	return f"{stem}{(doc.content_hash or frappe.generate_hash(length=6))[-6:]}{extension}"


def path_of(doc, url: str) -> str:
	current = doc.file_url
	doc.file_url = url
	try:
		return doc.get_full_path()
	finally:
		doc.file_url = current
