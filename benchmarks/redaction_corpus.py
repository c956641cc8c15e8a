"""Precision, recall and throughput of mailflow.redaction, on the tuning and the held-out corpus side by side.

Run from the repository root:  python benchmarks/redaction_corpus.py [--seconds 2]

Corpora: tests/data/redaction_corpus.jsonl (tuning) and tests/data/redaction_heldout.jsonl (held out:
written apart, measured, and never tuned on). Per kind and per corpus:
- recall = positives of that kind whose secret disappeared and whose kind was reported / all positives of it;
- precision = those hits / (hits + removals of that kind in negative texts, which hold no secret).
"Extra" counts removals of other kinds inside positive texts (often legitimate: a card message that
also carries its CVC). Throughput runs the whole corpus repeatedly for the given time.
First measurement of the held-out corpus (2026-11-29, 34 positives, 45 negatives), recorded before
anything could be tuned on it: precision 100.0%, recall 97.1% (33/34; missed heldout-pos-006, "Use 5581
as your sign-in code", a code written before its label). The held-out file is not tuned on: a fix it
suggests is made only for a bug that the tuning corpus also shows, with the tuning case added there.
This prints figures; it asserts nothing (the pass/fail checks live in tests/test_redaction.py).
"""

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_mailbox.mailflow.redaction import KINDS, redact  # noqa: E402

CORPORA = {
	# the corpus the detectors were tuned on
	"tuning": ROOT / "tests" / "data" / "redaction_corpus.jsonl",
	# real-world phrasings written apart from the tuning and never tuned on: a fair estimate
	"held-out": ROOT / "tests" / "data" / "redaction_heldout.jsonl",
}


def load(path: Path) -> list[dict]:
	with path.open(encoding="utf-8") as f:
		return [json.loads(line) for line in f if line.strip()]


def measure(corpus: list[dict]) -> dict:
	"""Per-kind positives, hits and false positives, and the ids of misses and changed negatives."""
	positives, hits, false_positives, extra = Counter(), Counter(), Counter(), Counter()
	misses, changed_negatives = [], []
	for case in corpus:
		result = redact(case["text"])
		if case["type"] == "positive":
			kind = case["kind"]
			positives[kind] += 1
			if case["secret"] not in result.text and kind in result.kinds:
				hits[kind] += 1
			else:
				misses.append(case["id"])
			for other, count in result.removed:
				if other != kind:
					extra[other] += count
		else:
			for other, count in result.removed:
				false_positives[other] += count
			if result.text != case["text"]:
				changed_negatives.append(case["id"])
	return {
		"positives": positives,
		"hits": hits,
		"false_positives": false_positives,
		"extra": extra,
		"negatives": sum(1 for case in corpus if case["type"] == "negative"),
		"misses": misses,
		"changed_negatives": changed_negatives,
	}


def _ratio(numerator: int, denominator: int) -> str:
	return f"{numerator / denominator:.1%}" if denominator else "-"


def _cells(stats: dict, kind: str | None) -> str:
	if kind is None:
		total, tp = sum(stats["positives"].values()), sum(stats["hits"].values())
		fp = sum(stats["false_positives"].values())
	else:
		total, tp, fp = stats["positives"][kind], stats["hits"][kind], stats["false_positives"][kind]
	return f"{total:>5}{tp:>5}{fp:>4}{_ratio(tp, tp + fp):>8}{_ratio(tp, total):>8}"


def quality(corpora: dict[str, list[dict]]) -> None:
	"""One table, one block of columns per corpus: positives, hits, false positives, precision, recall."""
	stats = {name: measure(corpus) for name, corpus in corpora.items()}
	for name, corpus in corpora.items():
		print(
			f"{name}: {CORPORA[name].relative_to(ROOT)}  positives={len(corpus) - stats[name]['negatives']}"
			f"  negatives={stats[name]['negatives']}"
		)
	print()
	header = "".join(f"{'| ' + name:<30}" for name in corpora)
	print(f"{'':<20}{header}")
	print(f"{'kind':<20}" + f"{'|  pos hits  FP    prec  recall':<30}" * len(corpora))
	for kind in (*KINDS, None):
		row = "".join(f"| {_cells(stats[name], kind):<28}" for name in corpora)
		print(f"{kind or 'all':<20}{row}")
	for name in corpora:
		s = stats[name]
		print()
		print(f"{name}: negatives unchanged {s['negatives'] - len(s['changed_negatives'])}/{s['negatives']}")
		if s["misses"]:
			print("  missed positives:", ", ".join(s["misses"]))
		if s["changed_negatives"]:
			print("  changed negatives:", ", ".join(s["changed_negatives"]))


def throughput(corpus: list[dict], seconds: float) -> None:
	texts = [case["text"] for case in corpus]
	size_kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
	for text in texts:  # warm the regex caches
		redact(text)
	rounds = 0
	started = time.perf_counter()
	while True:
		for text in texts:
			redact(text)
		rounds += 1
		elapsed = time.perf_counter() - started
		if elapsed >= seconds:
			break
	emails = rounds * len(texts)
	print()
	print(f"throughput (corpus texts, avg {size_kb * 1024 / len(texts):.0f} bytes):")
	print(
		f"  {emails / elapsed:,.0f} emails/s   {elapsed / emails * 1e6:,.1f} µs/email   "
		f"{elapsed * 1e6 / (rounds * size_kb):,.1f} µs/KB"
	)

	# Long mails: ordinary business text (the negatives), and the whole corpus, dense with secrets.
	plain = "\n\n".join(case["text"] for case in corpus if case["type"] == "negative") * 4
	dense = "\n\n".join(texts) * 4
	for label, mail in (("ordinary", plain), ("secret-dense", dense)):
		kb = len(mail.encode("utf-8")) / 1024
		runs = 0
		started = time.perf_counter()
		while time.perf_counter() - started < seconds / 4 or runs < 3:
			redact(mail)
			runs += 1
		elapsed = (time.perf_counter() - started) / runs
		print(f"  one {kb:,.0f} KB {label} mail: {elapsed * 1000:,.1f} ms   {elapsed * 1e6 / kb:,.1f} µs/KB")


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--seconds", type=float, default=2.0, help="time spent measuring throughput")
	args = parser.parse_args()
	corpora = {name: load(path) for name, path in CORPORA.items()}
	quality(corpora)
	throughput(corpora["tuning"], args.seconds)


if __name__ == "__main__":
	main()
