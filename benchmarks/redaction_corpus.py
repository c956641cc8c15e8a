"""Precision, recall and throughput of mailflow.redaction on tests/data/redaction_corpus.jsonl.

Run from the repository root:  python benchmarks/redaction_corpus.py [--seconds 2]

Per kind:
- recall = positives of that kind whose secret disappeared and whose kind was reported / all positives of it;
- precision = those hits / (hits + removals of that kind in negative texts, which hold no secret).
"Extra" counts removals of other kinds inside positive texts (often legitimate: a card message that
also carries its CVC). Throughput runs the whole corpus repeatedly for the given time.
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

CORPUS_PATH = ROOT / "tests" / "data" / "redaction_corpus.jsonl"


def load() -> list[dict]:
	with CORPUS_PATH.open(encoding="utf-8") as f:
		return [json.loads(line) for line in f if line.strip()]


def quality(corpus: list[dict]) -> None:
	positives = Counter()
	hits = Counter()
	false_positives = Counter()
	extra = Counter()
	misses = []
	changed_negatives = []
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

	negatives = sum(1 for case in corpus if case["type"] == "negative")
	print(
		f"corpus: {CORPUS_PATH.relative_to(ROOT)}  positives={sum(positives.values())}  negatives={negatives}"
	)
	print()
	print(f"{'kind':<20}{'positives':>10}{'hits':>6}{'FP':>5}{'extra':>7}{'precision':>11}{'recall':>8}")
	for kind in KINDS:
		tp, fp = hits[kind], false_positives[kind]
		precision = tp / (tp + fp) if tp + fp else float("nan")
		recall = tp / positives[kind] if positives[kind] else float("nan")
		print(
			f"{kind:<20}{positives[kind]:>10}{tp:>6}{fp:>5}{extra[kind]:>7}{precision:>11.1%}{recall:>8.1%}"
		)
	tp, fp, total = sum(hits.values()), sum(false_positives.values()), sum(positives.values())
	print(
		f"{'all':<20}{total:>10}{tp:>6}{fp:>5}{sum(extra.values()):>7}{tp / (tp + fp):>11.1%}{tp / total:>8.1%}"
	)
	print()
	print(f"negatives unchanged: {negatives - len(changed_negatives)}/{negatives}")
	if misses:
		print("missed positives:", ", ".join(misses))
	if changed_negatives:
		print("changed negatives:", ", ".join(changed_negatives))


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
	corpus = load()
	quality(corpus)
	throughput(corpus, args.seconds)


if __name__ == "__main__":
	main()
