"""The intake engine stays Frappe-free: the Frappe side wires it, never the other way round."""

import ast
from pathlib import Path

INTAKE = Path(__file__).resolve().parent.parent / "crm_mailbox" / "mailflow" / "intake"


def imported_roots(path: Path) -> set[str]:
	roots = set()
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.Import):
			roots |= {alias.name.split(".")[0] for alias in node.names}
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			roots.add(node.module.split(".")[0])
	return roots


def test_no_intake_module_imports_frappe():
	modules = sorted(INTAKE.glob("*.py"))
	assert len(modules) >= 5
	assert [p.name for p in modules if "frappe" in imported_roots(p)] == []
