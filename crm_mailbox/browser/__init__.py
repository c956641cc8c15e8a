"""Browser tests: Chromium driven by Playwright against the bench's web server, in the bench suite."""
