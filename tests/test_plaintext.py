"""Email text stored as plain, inert text, and file names Frappe and browsers accept."""

import re

from crm_mailbox.mailflow.plaintext import from_sanitised_html, inert, plain_text, safe_file_name

HOSTILE = '<img src=x onerror="window.__xss=(window.__xss||0)+1"> <b id=injected>bold</b>'
TAG = re.compile(r"<[A-Za-z/!?]")


def test_markup_in_a_subject_becomes_inert_text():
	text = plain_text(HOSTILE)
	assert not TAG.search(text)
	assert (
		text
		== '\u2039img src=x onerror="window.__xss=(window.__xss||0)+1"> \u2039b id=injected>bold\u2039/b>'
	)


def test_comments_and_processing_instructions_cannot_open():
	for opener in ("<!--", "<?xml", "</script", "<svg/onload=1>", "<ScRiPt>"):
		assert not TAG.search(plain_text(opener))


def test_text_that_cannot_start_markup_is_kept_unescaped():
	# stored text is never entity-escaped, so nothing shows as &lt; or &amp; where Frappe escapes
	assert plain_text("Price < 100 & terms > 2 <3") == "Price < 100 & terms > 2 <3"
	assert plain_text("R&D: Q&A") == "R&D: Q&A"
	assert plain_text("&lt;already&gt;") == "&lt;already&gt;"


def test_one_line_without_control_characters():
	assert plain_text("Re:\r\n  quote\t\x00now\u202e") == "Re: quote now"


def test_bounded_length():
	text = plain_text("x" * 500, max_length=140)
	assert len(text) == 140 and text.endswith("\u2026")
	assert plain_text("short", max_length=140) == "short"
	assert plain_text(None) == ""


def test_inert_keeps_line_breaks():
	assert inert("a\n<b>c") == "a\n\u2039b>c"


def test_file_name_without_separators_markup_or_quotes():
	name = safe_file_name('<img src=x onerror="alert(1)">/../etc\\pass:wd?.pdf')
	assert not set(name) & set("/\\<>\"':*?|%#")
	assert name.endswith(".pdf")


def test_file_name_keeps_ordinary_names():
	assert safe_file_name("Offer 2024 (final).pdf") == "Offer 2024 (final).pdf"
	assert safe_file_name("Angebot Müller.docx") == "Angebot Müller.docx"


def test_file_name_never_hidden_empty_or_dots():
	assert safe_file_name("../../.htaccess") == "htaccess"
	assert safe_file_name("") == "attachment"
	assert safe_file_name("...") == "attachment"
	assert safe_file_name("\x00\x01") == "attachment"


def test_long_file_name_keeps_its_extension():
	name = safe_file_name("a" * 300 + ".xlsx", max_length=140)
	assert len(name) <= 140 and name.endswith(".xlsx")
	assert len(safe_file_name("b" * 300)) == 140


def test_values_stored_by_frappes_sanitiser_read_as_text_again():
	stored = 'Quote <img src="x"><b id="injected">bold</b> &amp; terms'
	assert (
		from_sanitised_html(stored) == 'Quote \u2039img src="x">\u2039b id="injected">bold\u2039/b> & terms'
	)


def test_values_never_sanitised_are_left_alone():
	# without a tag Frappe stored the value as received: "&amp;" there is what the sender wrote
	assert from_sanitised_html("R&amp;D &lt;3") == "R&amp;D &lt;3"
	assert from_sanitised_html(None) == ""
