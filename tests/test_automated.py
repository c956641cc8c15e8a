from crm_mailbox.mailflow.automated import detect, machine_sender


def test_person_written_mail_is_not_automated():
	verdict = detect({"From": "Anna <anna@acme.com>", "Subject": "Quote"}, "anna@acme.com")
	assert not verdict.is_automated
	assert verdict.reason == ""


def test_auto_submitted_no_means_a_person():
	assert not detect({"Auto-Submitted": "no"}, "anna@acme.com").is_automated


def test_each_header_signal_is_named():
	cases = {
		"Auto-Submitted": ("auto-replied", "Auto-Submitted: auto-replied"),
		"Precedence": ("bulk", "Precedence: bulk"),
		"List-Id": ("<news.vendor.example>", "List-Id"),
		"List-Unsubscribe": ("<mailto:unsub@vendor.example>", "List-Unsubscribe"),
		"X-Auto-Response-Suppress": ("All", "X-Auto-Response-Suppress"),
	}
	for header, (value, expected) in cases.items():
		verdict = detect({header: value}, "person@acme.com")
		assert verdict.is_automated, header
		assert expected in verdict.reason


def test_header_names_are_case_insensitive_in_plain_dicts():
	assert detect({"auto-submitted": "auto-generated"}, "x@acme.com").is_automated


def test_machine_senders():
	for sender in (
		"MAILER-DAEMON@mx.acme.com",
		"postmaster@acme.com",
		"no-reply@saas.example",
		"noreply-billing@x.com",
	):
		assert machine_sender(sender), sender
	assert machine_sender("norbert@acme.com") == ""


def test_bounce_by_report_content_type_and_empty_return_path():
	verdict = detect({"Return-Path": "<>"}, "someone@acme.com", "multipart/report")
	assert verdict.is_automated
	assert "bounce" in verdict.reason
