"""A reply's In-Reply-To and References, added to the MIME text Frappe queues for a desk reply."""

import email
from email.message import EmailMessage

from crm_mailbox.mailflow.reply_headers import MAX_REFERENCES, add_headers, reply_headers


def queued(**headers) -> str:
	"""MIME text as Frappe's Email Queue stores it (str, "\\n" line ends)."""
	msg = EmailMessage()
	msg["From"] = "Sales <sales@ourco.example>"
	msg["To"] = "buyer@acme.example"
	msg["Subject"] = "Re: When will order 4711 ship?"
	for name, value in headers.items():
		msg[name.replace("_", "-")] = value
	msg.set_content("It ships on Friday.\n\nFrom: x\nIn-Reply-To: not a header\n")
	return msg.as_string()


def test_a_reply_names_its_parent_and_the_chain_oldest_first():
	headers = reply_headers("c@buyer.example", ["b@ourco.example", "a@buyer.example"])
	assert headers == {
		"In-Reply-To": "<c@buyer.example>",
		"References": "<a@buyer.example> <b@ourco.example> <c@buyer.example>",
	}


def test_brackets_spaces_and_duplicates_are_cleaned():
	headers = reply_headers(" <c@x.example> ", ["<c@x.example>", "b@x.example", "b@x.example", "junk"])
	assert headers == {"In-Reply-To": "<c@x.example>", "References": "<b@x.example> <c@x.example>"}


def test_no_usable_parent_id_means_no_headers():
	assert reply_headers(None) == {}
	assert reply_headers("") == {}
	assert reply_headers("no id at all") == {}
	assert reply_headers("<a@b> <c@d>") == {}


def test_a_long_chain_keeps_the_first_and_the_nearest_messages():
	older = [f"m{i}@x.example" for i in range(50, 0, -1)]  # nearest first: m50 ... m1
	ids = reply_headers("parent@x.example", older)["References"].split()
	assert len(ids) == MAX_REFERENCES
	assert ids[0] == "<m1@x.example>"
	assert ids[-2:] == ["<m50@x.example>", "<parent@x.example>"]


def test_headers_go_into_the_header_block_and_the_body_is_untouched():
	text = queued()
	out = add_headers(text, reply_headers("c@buyer.example", ["a@buyer.example"]))
	parsed = email.message_from_string(out)
	assert parsed["In-Reply-To"] == "<c@buyer.example>"
	assert parsed["References"] == "<a@buyer.example> <c@buyer.example>"
	assert parsed.get_payload() == email.message_from_string(text).get_payload()
	assert out.endswith(text.split("\n\n", 1)[1])


def test_a_header_already_there_is_kept():
	text = queued(In_Reply_To="<frappe@ourco.example>")
	out = add_headers(text, reply_headers("c@buyer.example"))
	parsed = email.message_from_string(out)
	assert parsed.get_all("In-Reply-To") == ["<frappe@ourco.example>"]
	assert parsed["References"] == "<c@buyer.example>"


def test_long_references_are_folded_and_crlf_text_stays_crlf():
	text = queued().replace("\n", "\r\n")
	chain = [f"message-{i:03d}.{'x' * 20}@long-domain.example" for i in range(10)]
	out = add_headers(text, reply_headers("parent@x.example", chain))
	head = out.split("\r\n\r\n", 1)[0]
	assert "\n" not in head.replace("\r\n", "")
	assert all(len(line) <= 78 for line in head.split("\r\n") if "message-" in line)
	parsed = email.message_from_string(out.replace("\r\n", "\n"))
	assert len(parsed["References"].split()) == 11


def test_nothing_to_add_leaves_the_text_as_it_was():
	text = queued()
	assert add_headers(text, {}) == text
