"""The mail engine: everything about email that needs no database.

Nothing in this package imports Frappe. The Frappe side fetches candidate records,
calls these functions, and writes the results. Tested with plain pytest under tests/.
"""
