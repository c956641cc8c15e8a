"""One Chromium, driven by Playwright, logged in to the bench's web server as a test user.

The web server is a separate process: test data must be committed before a page can see it. The site is
chosen by the X-Frappe-Site-Name header, sent on every request. Without CRM_MAILBOX_WEB_URL (and outside
CI) the browser tests skip; in CI an unreachable server or a missing browser fails them.
"""

from __future__ import annotations

import os
import unittest
import urllib.parse
import urllib.request

import frappe

DEFAULT_URL = "http://127.0.0.1:8901"
CHROMIUM = os.environ.get("CRM_MAILBOX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
	"--headless=new",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
]
# settled: the desk booted, no request in flight, nothing frozen
SETTLED = """() => !!(window.frappe && frappe.boot && frappe.container && frappe.container.page
	&& !(frappe.request && frappe.request.ajax_count) && !(frappe.dom && frappe.dom.freeze_count)
	&& document.readyState === 'complete')"""


def screenshot_path(name: str) -> str | None:
	"""Where a test saves a README picture (docs/screenshots/<name>) when CRM_MAILBOX_SCREENSHOTS=1."""
	if os.environ.get("CRM_MAILBOX_SCREENSHOTS") != "1":
		return None
	folder = os.path.join(os.path.dirname(frappe.get_app_path("crm_mailbox")), "docs", "screenshots")
	os.makedirs(folder, exist_ok=True)
	return os.path.join(folder, name)


def web_url() -> str:
	return (os.environ.get("CRM_MAILBOX_WEB_URL") or DEFAULT_URL).rstrip("/")


def require_browser() -> None:
	"""Skip with a reason outside CI when there is no server or browser; fail in CI."""
	in_ci = bool(os.environ.get("CI"))
	if not os.environ.get("CRM_MAILBOX_WEB_URL") and not in_ci:
		raise unittest.SkipTest(
			"browser tests: set CRM_MAILBOX_WEB_URL (scripts/test-bench start-web) or CI=1"
		)
	problem = None
	try:
		import playwright.sync_api  # noqa: F401
	except ImportError:
		problem = "Playwright is not installed in the bench's Python"
	if not problem and not os.path.exists(CHROMIUM):
		problem = f"no Chromium at {CHROMIUM}"
	if not problem:
		request = urllib.request.Request(
			web_url() + "/api/method/ping", headers={"X-Frappe-Site-Name": frappe.local.site}
		)
		try:
			urllib.request.urlopen(request, timeout=10).read()
		except Exception as e:
			problem = f"the web server at {web_url()} does not answer for {frappe.local.site}: {e}"
	if problem:
		if in_ci:
			raise AssertionError(f"browser tests cannot run in CI: {problem}")
		raise unittest.SkipTest(f"browser tests: {problem}")


class Browser:
	"""A logged-in desk session that records what hostile content managed to do."""

	def __init__(self, user: str, password: str):
		from playwright.sync_api import sync_playwright

		self._playwright = sync_playwright().start()
		self._closed = False
		try:
			self._start(user, password)
		except BaseException:
			# a Playwright left running makes every later Browser() in this process fail
			self._playwright.stop()
			raise

	def _start(self, user: str, password: str) -> None:
		self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
		self.context = self._browser.new_context(
			base_url=web_url(),
			extra_http_headers={"X-Frappe-Site-Name": frappe.local.site},
			viewport={"width": 1400, "height": 1000},
		)
		self.context.set_default_timeout(15_000)
		# gunicorn serves no /assets (nginx or `bench serve` do): serve the built bundles from the bench
		self._assets = os.path.abspath(os.path.join(frappe.local.sites_path, "assets"))
		self.context.route("**/assets/**", self._serve_asset)
		self.dialogs: list[str] = []
		self.errors: list[str] = []
		self.page = self.context.new_page()
		self.page.on("dialog", self._on_dialog)
		self.page.on("pageerror", lambda e: self.errors.append(str(e)))
		response = self.login(user, password)
		if not response.ok:
			raise AssertionError(f"login as {user} failed: {response.status} {response.text()[:200]}")

	def login(self, user: str, password: str):
		try:
			return self.context.request.post("/api/method/login", form={"usr": user, "pwd": password})
		except Exception as e:
			if "ECONNREFUSED" not in str(e):
				raise
			# the shared bench's web server restarts after code changes: one more try
			self.page.wait_for_timeout(8000)
			return self.context.request.post("/api/method/login", form={"usr": user, "pwd": password})

	def _serve_asset(self, route) -> None:
		relative = urllib.parse.unquote(urllib.parse.urlsplit(route.request.url).path).split("/assets/", 1)[1]
		local = os.path.join(self._assets, relative)
		if ".." not in relative.split("/") and os.path.isfile(local):
			route.fulfill(path=local)
		else:
			route.fulfill(status=404, body="")

	def _on_dialog(self, dialog) -> None:
		self.dialogs.append(f"{dialog.type}: {dialog.message}")
		dialog.dismiss()

	def open(self, route: str) -> None:
		"""Open a desk route (e.g. "app/customer/X") and wait until the desk settles."""
		try:
			self.page.goto("/" + route.lstrip("/"))
		except Exception as e:
			if "ERR_CONNECTION" not in str(e):
				raise
			# the shared bench's web server restarts after code changes: one more try
			self.page.wait_for_timeout(5000)
			self.page.goto("/" + route.lstrip("/"))
		self.settle()

	def settle(self, extra_ms: int = 600) -> None:
		self.page.wait_for_function(SETTLED)
		# timelines and sidebars render after their requests return: let them, then wait again
		self.page.wait_for_timeout(extra_ms)
		self.page.wait_for_function(SETTLED)

	def run(self, script: str):
		"""Evaluate desk JavaScript (e.g. open one of the app's dialogs) and let the desk settle."""
		result = self.page.evaluate(script)
		self.settle()
		return result

	def injected(self) -> dict:
		"""What email text achieved on this page: scripts run, elements it turned into, entities shown as text."""
		return self.page.evaluate(
			"""() => ({
				xss: window.__xss || 0,
				injected: document.querySelectorAll('#injected').length,
				images: document.querySelectorAll('img[src="x"]').length,
				double_escaped: (document.body.innerText.match(/.{0,40}&(lt|gt|amp|quot|#0?39);.{0,20}/) || [0])[0],
			})"""
		)

	def close(self) -> None:
		"""End the session (again is fine): one Playwright per thread, so close one before the next."""
		if self._closed:
			return
		self._closed = True
		try:
			self.context.close()
			self._browser.close()
		finally:
			self._playwright.stop()
