"""The app's modules import each other without cycles (function-level imports included).

A cycle such as mailboxes.settings <-> permissions.mailbox hides which module owns an idea and
only works by importing late; this reads the source with ast, so it needs no Frappe.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "crm_mailbox"


def module_name(path: Path) -> str:
	parts = list(path.relative_to(APP.parent).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
	"""The app modules this file imports, resolving `from package import module`."""
	found = set()
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
		else:
			continue
		for name in names:
			if name in modules:
				found.add(name)
	# a package's own __init__ is not an edge worth following
	return {name for name in found if not (APP / Path(*name.split(".")[1:]) / "__init__.py").exists()}


def import_graph() -> dict[str, set[str]]:
	paths = [p for p in APP.rglob("*.py") if "node_modules" not in p.parts]
	modules = {module_name(p): p for p in paths}
	return {name: imported_modules(path, set(modules)) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
	"""Pairs of modules that reach each other."""

	def reachable(start: str) -> set[str]:
		seen, todo = set(), [start]
		while todo:
			for nxt in graph.get(todo.pop(), ()):
				if nxt not in seen:
					seen.add(nxt)
					todo.append(nxt)
		return seen

	reach = {name: reachable(name) for name in graph}
	return sorted((a, b) for a in graph for b in reach[a] if a < b and a in reach[b])


def test_the_graph_sees_imports_inside_functions():
	graph = import_graph()
	assert "crm_mailbox.mailboxes.settings" in graph["crm_mailbox.permissions.mailbox"]


def test_mailbox_settings_do_not_import_permissions():
	graph = import_graph()
	assert not [m for m in graph["crm_mailbox.mailboxes.settings"] if m.startswith("crm_mailbox.permissions")]


def test_no_import_cycles():
	assert cycles(import_graph()) == []
