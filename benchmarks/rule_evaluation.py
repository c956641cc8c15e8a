"""Benchmark: routing-rule evaluation in the Frappe-free engine (`crm_mailbox.mailflow.rules`).

    python benchmarks/rule_evaluation.py                   # 50 rules, 2,000 emails, 5 rounds
    python benchmarks/rule_evaluation.py --rules 50 --emails 5000 --rounds 7

A mailbox's 50 rules, written as a sales team writes them: sender domains of customers, aliases
(sales@, support@), words in the subject, a few regular expressions on subject and body, attachment
names, known/automated sender, linked party type; some "all", some "any"; none stops after a match,
so every email is checked against all 50 (the worst case). Emails have a plain-text body of 1-6 KB
(a reply with its quoted history), 0-3 attachments and a few recipients. About one email in ten
matches a rule; the rest are checked against every condition a rule needs to be decided.

Prints emails/s per round and the best and median round (target: at least 2,000 emails/s).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_mailbox.mailflow.rules import Condition, EmailFacts, Rule, evaluate, validate_rule  # noqa: E402

WORDS = (
	"order delivery invoice quote price meeting call project update schedule shipment pallet "
	"warehouse contract renewal discount payment reminder thanks regards please attached find "
	"below kind question answer week monday friday tomorrow customer supplier team account"
).split()


def machine() -> str:
	model = "unknown CPU"
	try:
		for line in Path("/proc/cpuinfo").read_text().splitlines():
			if line.startswith("model name"):
				model = line.split(":", 1)[1].strip()
				break
	except OSError:
		pass
	return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.platform()}"


def load() -> str:
	return " ".join(f"{v:.2f}" for v in os.getloadavg())


def make_rules(count: int) -> list[Rule]:
	"""`count` rules cycling through the kinds a real mailbox has."""
	kinds = [
		lambda i: [Condition("sender_domain", "equals", f"customer{i}.com")],
		lambda i: [
			Condition("recipient", "equals", f"support{i}@"),
			Condition("subject", "contains", f"ticket {i}"),
		],
		lambda i: [Condition("subject", "matches", rf"\b(PO|order)[ -]?#?{i}\d{{3}}\b")],
		lambda i: [
			Condition("has_attachments", "is_true"),
			Condition("attachment_name", "ends_with", f"-{i}.pdf"),
		],
		lambda i: [Condition("subject_or_body", "contains", f"project falcon {i}")],
		lambda i: [
			Condition("sender_known", "is_false"),
			Condition("is_automated", "is_false"),
			Condition("body", "contains", f"request for quote {i}"),
		],
		lambda i: [Condition("sender", "equals", f"buyer{i}@partner.example")],
		lambda i: [
			Condition("linked_party_type", "equals", "Customer"),
			Condition("subject", "starts_with", f"urgent {i}"),
		],
		lambda i: [Condition("body", "matches", rf"invoice\s+(no\.?|number)\s*{i}\d+")],
		lambda i: [Condition("mailbox", "equals", f"Other Mailbox {i}")],
	]
	rules = []
	for i in range(count):
		conditions = kinds[i % len(kinds)](i)
		# "any" where a rule lists alternatives of text (an alias or a ticket number)
		rule = Rule(f"Rule {i:02d}", match="any" if i % 10 == 1 else "all", conditions=conditions)
		assert not validate_rule(rule), validate_rule(rule)
		rules.append(rule)
	return rules


def make_emails(count: int, rules: int, seed: int = 7) -> list[EmailFacts]:
	rng = random.Random(seed)
	emails = []
	for n in range(count):
		# one email in ten is written to match one of the rules (sender domain or subject words)
		hit = n % 10 == 0
		target = rng.randrange(max(rules // 10, 1)) * 10 + rng.randrange(2)  # a rule of kind 0 or 1
		domain = (
			f"customer{target}.com" if hit and target % 10 == 0 else f"company{rng.randrange(5000)}.example"
		)
		subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
		if hit and target % 10 == 1:
			subject = f"ticket {target} " + subject
		lines = [
			" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(rng.randint(10, 60))
		]
		quoted = [f"> {line}" for line in lines[: len(lines) // 2]]
		emails.append(
			EmailFacts(
				sender=f"person{rng.randrange(900)}@{domain}",
				recipients=["sales@ourco.example", f"colleague{rng.randrange(20)}@ourco.example"],
				subject=subject.capitalize(),
				body_text="\n".join(lines + ["", "On Monday someone wrote:", *quoted]),
				attachment_names=[f"scan-{rng.randrange(10**6)}.pdf" for _ in range(rng.randint(0, 3))],
				sender_known=rng.random() < 0.5,
				linked_party_types={"Customer"} if rng.random() < 0.3 else set(),
				is_automated=rng.random() < 0.15,
				mailbox="Sales",
			)
		)
	return emails


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--rules", type=int, default=50)
	parser.add_argument("--emails", type=int, default=2000)
	parser.add_argument("--rounds", type=int, default=5)
	args = parser.parse_args()

	rules = make_rules(args.rules)
	emails = make_emails(args.emails, args.rules)
	body_kb = statistics.mean(len(e.body_text) for e in emails) / 1024
	print(f"machine: {machine()}")
	print(f"load average before: {load()}")
	print(
		f"{len(rules)} rules (none stops after a match), {len(emails):,} emails "
		f"(body {body_kb:.1f} KB on average)"
	)
	matched = sum(1 for facts in emails if evaluate(rules, facts))  # warms the regex cache too
	print(f"emails matching at least one rule: {matched:,} of {len(emails):,}")

	# Wall-clock rate, and the rate per second of this process's own CPU time: the machine is shared,
	# and under load the wall clock counts time the process spent waiting for a core.
	rates, cpu_rates = [], []
	for round_no in range(1, args.rounds + 1):
		started, cpu_started = time.perf_counter(), time.process_time()
		for facts in emails:
			evaluate(rules, facts)
		seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
		rates.append(len(emails) / seconds)
		cpu_rates.append(len(emails) / cpu)
		print(
			f"round {round_no}: {rates[-1]:8,.0f} emails/s wall ({seconds * 1e6 / len(emails):5.0f} µs per email), "
			f"{cpu_rates[-1]:8,.0f} emails per CPU second"
		)
	print(
		f"wall: best {max(rates):,.0f}, median {statistics.median(rates):,.0f} emails/s; "
		f"per CPU second: median {statistics.median(cpu_rates):,.0f} (target >= 2,000 emails/s)"
	)
	print(f"load average after: {load()}")


if __name__ == "__main__":
	main()
