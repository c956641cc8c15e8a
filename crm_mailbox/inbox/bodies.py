"""An email's HTML body made safe to show in the inbox: sanitised, remote images held back, quoted history apart.

The body is hostile. bleach (Frappe's own sanitiser library) keeps an allowlist of formatting tags and
attributes: no scripts, event handlers, forms, frames, objects, <style>, <link> or <meta>; links only
http(s) and mailto. CSS is limited to harmless properties (no url(), so no tracker in a style).
Remote images load only on request: their address moves to data-remote-src and the image shows a
placeholder until the user asks for images. The inbox then renders the result in a sandboxed iframe.
"""

from __future__ import annotations

import re

import bleach
from bleach.css_sanitizer import CSSSanitizer
from bs4 import BeautifulSoup

MAX_BODY = 500_000  # characters of HTML kept per message; longer mail is cut before parsing
SNIPPET_LENGTH = 200

TAGS = frozenset(
	(
		"a abbr b blockquote br caption center code col colgroup dd del div dl dt em font h1 h2 h3 h4 h5 h6 "
		"hr i img ins kbd li ol p pre q s small span strike strong sub sup table tbody td tfoot th thead "
		"tr tt u ul"
	).split()
)
ATTRIBUTES = {
	"*": ["align", "dir", "style", "title", "lang"],
	"a": ["href", "title"],
	"img": ["src", "alt", "width", "height", "data-remote-src"],
	"td": ["colspan", "rowspan", "valign", "width", "bgcolor"],
	"th": ["colspan", "rowspan", "valign", "width", "bgcolor"],
	"table": ["border", "cellpadding", "cellspacing", "width", "bgcolor"],
	"font": ["color", "face", "size"],
	"col": ["span", "width"],
}
DROPPED_WITH_CONTENT = [
	"script",
	"style",
	"noscript",
	"template",
	"title",
	"head",
	"textarea",
	"select",
	"object",
]
PROTOCOLS = frozenset(("http", "https", "mailto", "cid", "data"))
CSS = CSSSanitizer(
	allowed_css_properties=(
		"color background-color font-family font-size font-style font-weight text-align text-decoration "
		"line-height margin margin-left margin-right margin-top margin-bottom padding padding-left "
		"padding-right padding-top padding-bottom border border-collapse width max-width height "
		"vertical-align white-space"
	).split()
)
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
LOCAL_IMAGE = re.compile(r"^/(private/)?files/", re.IGNORECASE)
# where quoted history starts: mail clients' quote blocks, or an "On ... wrote:" line
QUOTE_MARKERS = (
	re.compile(r"<div[^>]+class=[\"']?[^\"'>]*gmail_quote", re.IGNORECASE),
	re.compile(r"<div[^>]+id=[\"']?(divRplyFwdMsg|appendonsend)", re.IGNORECASE),
	re.compile(r"<blockquote[^>]*type=[\"']?cite", re.IGNORECASE),
	re.compile(r"<blockquote", re.IGNORECASE),
	re.compile(r"(^|<br\s*/?>|<p>|\n)\s*(On|Am|Le) [^<\n]{4,200}(wrote|schrieb|a écrit)\s*:", re.IGNORECASE),
	re.compile(r"(^|\n)-{2,}\s*(Original Message|Ursprüngliche Nachricht)", re.IGNORECASE),
	re.compile(r"(^|\n)&gt;|(^|\n)>", re.IGNORECASE),
)


def sanitise(html: str | None, show_images: bool = False) -> str:
	"""Markup that cannot run or fetch anything (remote images only when show_images)."""
	parsed = BeautifulSoup((html or "")[:MAX_BODY], "html.parser")
	for element in parsed.find_all(DROPPED_WITH_CONTENT):
		element.decompose()  # bleach would keep a script's or style's text as visible text
	cleaned = bleach.clean(
		str(parsed),
		tags=TAGS,
		attributes=ATTRIBUTES,
		protocols=PROTOCOLS,
		css_sanitizer=CSS,
		strip=True,
		strip_comments=True,
	)
	soup = BeautifulSoup(cleaned, "html.parser")
	for link in soup.find_all("a"):
		link["rel"] = "noopener noreferrer nofollow"
		link["target"] = "_blank"
	for img in soup.find_all("img"):
		src = (img.get("src") or "").strip()
		img.attrs.pop("data-remote-src", None)  # only this function sets it
		if LOCAL_IMAGE.match(src) or src.lower().startswith("data:image/"):
			continue
		if src.lower().startswith(("http:", "https:", "//")):
			if not show_images:
				img["data-remote-src"] = src
				img["src"] = PLACEHOLDER
			continue
		img["src"] = PLACEHOLDER  # cid: parts Frappe did not resolve, data: non-images, anything else
	return str(soup)


def split_quoted(html: str | None) -> tuple[str, str]:
	"""(new text, quoted history): the body cut where the earliest quote marker starts."""
	html = (html or "")[:MAX_BODY]
	starts = [m.start() for marker in QUOTE_MARKERS if (m := marker.search(html)) and m.start() > 0]
	if not starts:
		return html, ""
	cut = min(starts)
	return html[:cut], html[cut:]


def render(html: str | None, show_images: bool = False) -> dict[str, str]:
	"""The body for the conversation view: the new part and the quoted history, each sanitised."""
	body, quoted = split_quoted(html)
	return {
		"html": sanitise(body, show_images),
		"quoted_html": sanitise(quoted, show_images) if quoted else "",
	}


def snippet(html: str | None, length: int = SNIPPET_LENGTH) -> str:
	"""Short plain text of the body's new part: no markup, one line, bounded."""
	from crm_mailbox.mailflow.plaintext import plain_text

	body, _quoted = split_quoted((html or "")[:20_000])
	text = BeautifulSoup(body, "html.parser").get_text(" ")
	return plain_text(text, max_length=length)
