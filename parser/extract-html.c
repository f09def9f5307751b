/* extract-html.c - the links and the visible text of an HTML part.
 *
 * libxml2's recovering HTML parser builds the tree; this walk reads it the
 * way a mail program shows it, not the way libxml2 keeps it:
 * - conditional comments (<!--[if mso]>...<![endif]-->) are comments to
 *   libxml2 but content to Outlook: their inside is parsed and walked like
 *   the rest ("downlevel-revealed" <![if ...]> markers are already content
 *   to libxml2; the markers themselves are dropped from the text);
 * - a link's shown text is its text plus the alt text of its images (what a
 *   reader shows with images blocked) plus its title when that holds a URL
 *   (shown on hover); <area> shows its alt;
 * - a relative href leads where the document's first <base href> says;
 * - <form action>, formaction, <meta http-equiv=refresh> and xlink:href
 *   lead to URLs and are links; URLs written in style sheets and style
 *   attributes (CSS content: can show one) are bare links;
 * - markup that reorders text (dir other than ltr, <bdo>, <bdi>, CSS
 *   direction rtl or bidi-override) flags the links it touches, as bidi
 *   controls in the text do;
 * - nested anchors end the outer one where the inner starts, as browsers
 *   do, so that every character of text belongs to at most one link (and
 *   the walk stays linear).
 * Not covered, on purpose: CSS that hides text (display:none, font-size:0,
 * colours) or generated text with CSS escapes (content:"\68ttps"), images'
 * own pixels, <iframe>/<object>/<embed> sources (mail programs do not load
 * them), JavaScript, and <img src>/<link href> (fetched, not followed).
 *
 * Every budget (tree depth, links, input size, nested conditional
 * comments) reports through limit_hit when reached, and libxml2's own
 * silent stop at depth 256 is caught by a lower depth bound of ours.
 */
#include <string.h>

#include "extract-private.h"
#include "lazylib-private.h"
#include "text-private.h"
#include "extract-html-private.h"

/* Below libxml2's own bound (256): it drops the rest of the document
 * silently there, so a tree that deep must be reported before that. */
#define MAX_HTML_DEPTH 200
#define MAX_HTML_BYTES (8 << 20) /* larger parts are not parsed: limit_hit */
#define MAX_CONDITIONALS 1024    /* each is a parse of its own: bounded */

gboolean upki_html_is_named(const xmlNode *n, const char *name)
{
	return g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

static gboolean is_block(const xmlNode *n)
{
	static const char *const blocks[] = {
		"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4",
		"h5", "h6", "blockquote", "pre", "hr", "dl", "dt", "dd", "section",
		"article", "header", "footer", "nav", "address", "center", "form",
		"body", "caption", "thead", "tbody", "tfoot", "main", "aside", "fieldset",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(blocks); i++)
		if (upki_html_is_named(n, blocks[i]))
			return TRUE;
	return FALSE;
}

/* Never rendered, not even the elements inside. */
static gboolean is_inert(const xmlNode *n)
{
	return upki_html_is_named(n, "script") || upki_html_is_named(n, "template");
}

/* Returns attribute name of n, NULL when absent or not UTF-8.  Caller
 * frees with g_free. */
char *upki_html_attr(const xmlNode *n, const char *name)
{
	const upki_lazylib *lib = upki_lazylib_get();
	xmlChar *v = lib->xmlGetProp(n, (const xmlChar *)name);
	char *copy = NULL;

	if (v && g_utf8_validate((const char *)v, -1, NULL))
		copy = g_strdup((const char *)v);
	if (v)
		(*lib->xmlFree)(v);
	return copy;
}

char *upki_html_trimmed(const char *s)
{
	const char *a = s, *b = s + strlen(s);

	upki_text_trim(&a, &b);
	return g_strndup(a, b - a);
}

/* --- text --- */

static gboolean has_bidi(const char *s)
{
	for (const char *c = s; *c; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);
		if (u == 0x200E || u == 0x200F || u == 0x061C || (u >= 0x202A && u <= 0x202E)
		    || (u >= 0x2066 && u <= 0x2069))
			return TRUE;
	}
	return FALSE;
}

/* Ends a line: trailing spaces go, and no line starts with a space. */
static void newline_to(GString *s)
{
	while (s->len && s->str[s->len - 1] == ' ')
		g_string_truncate(s, s->len - 1);
	g_string_append_c(s, '\n');
}

static void html_newline(html_walk *w, gboolean always)
{
	if (always || (w->text->len && w->text->str[w->text->len - 1] != '\n'))
		newline_to(w->text);
	if (always || (w->outside->len && w->outside->str[w->outside->len - 1] != '\n'))
		newline_to(w->outside);
	w->line_bidi = FALSE;
}

void upki_html_append_visible(GString *s, const char *t, gboolean pre)
{
	for (; *t; t++) {
		gboolean space = *t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '\f';
		if (pre || !space) {
			g_string_append_c(s, *t);
			continue;
		}
		if (s->len && s->str[s->len - 1] != ' ' && s->str[s->len - 1] != '\n')
			g_string_append_c(s, ' ');
	}
}

gboolean upki_html_in_link(const html_walk *w)
{
	return w->anchor && w->anchor->end == OPEN;
}

/* t without the markers of downlevel-revealed conditional comments
 * ("<![if !vml]>", "<![endif]>"), which no reader shows. */
static char *without_markers(const char *t)
{
	GString *out = g_string_sized_new(strlen(t));
	const char *c = t;

	while (*c) {
		const char *close = NULL;
		if (c[0] == '<' && c[1] == '!' && c[2] == '[' && (close = strstr(c, "]>"))
		    && (g_ascii_strncasecmp(c + 3, "if", 2) == 0 || g_ascii_strncasecmp(c + 3, "endif]", 6) == 0)) {
			c = close + 2;
			continue;
		}
		g_string_append_c(out, *c++);
	}
	return g_string_free(out, FALSE);
}

static void html_text(html_walk *w, const char *t)
{
	char *clean = NULL;

	if (w->in_head)
		return;
	clean = strstr(t, "<![") ? without_markers(t) : g_strdup(t);
	w->line_bidi = w->line_bidi || has_bidi(clean);
	upki_html_append_visible(w->text, clean, w->in_pre > 0);
	/* Anchor text stays out of the bare-URL scan: the anchor is its own link. */
	upki_html_append_visible(w->outside, upki_html_in_link(w) ? " " : clean, w->in_pre > 0);
	g_free(clean);
}

/* Text an attribute shows (alt of an image, label of a button). */
void upki_html_attr_text(html_walk *w, const xmlNode *n, const char *name)
{
	char *v = upki_html_attr(n, name);

	if (v && *v) {
		html_text(w, " ");
		html_text(w, v);
		html_text(w, " ");
	}
	g_free(v);
}

/* --- reordering markup --- */

/* "rtl" as a word, or an override: CSS that reverses or reorders text. */
static gboolean css_reorders(const char *css)
{
	char *lower = g_ascii_strdown(css, -1);
	gboolean hit = strstr(lower, "bidi-override") || strstr(lower, "isolate-override");

	for (const char *c = lower; !hit && (c = strstr(c, "rtl")); c++) {
		gboolean before = c > lower && (g_ascii_isalnum(c[-1]) || c[-1] == '-' || c[-1] == '_');
		gboolean after = g_ascii_isalnum(c[3]) || c[3] == '-' || c[3] == '_';
		hit = !before && !after;
	}
	g_free(lower);
	return hit;
}

static gboolean reorders(const xmlNode *n)
{
	char *dir = NULL;
	char *style = NULL;
	gboolean hit = upki_html_is_named(n, "bdo") || upki_html_is_named(n, "bdi");

	if (!hit && (dir = upki_html_attr(n, "dir")))
		hit = g_ascii_strcasecmp(g_strstrip(dir), "ltr") != 0;
	if (!hit && (style = upki_html_attr(n, "style")))
		hit = css_reorders(style);
	g_free(dir);
	g_free(style);
	return hit;
}

static void css_add(html_walk *w, const char *css)
{
	if (css_reorders(css))
		w->css_bidi = TRUE;
	g_string_append(w->css, css);
	g_string_append_c(w->css, '\n');
}

/* --- the walk --- */

static void html_conditional(html_walk *w, const char *comment, int depth);

static gboolean shows_value(const xmlNode *n)
{
	char *type = NULL;
	gboolean shown;

	if (!upki_html_is_named(n, "input"))
		return FALSE;
	type = upki_html_attr(n, "type");
	shown = type && (g_ascii_strcasecmp(type, "submit") == 0 || g_ascii_strcasecmp(type, "button") == 0
	                 || g_ascii_strcasecmp(type, "reset") == 0 || g_ascii_strcasecmp(type, "text") == 0);
	g_free(type);
	return shown;
}

static void html_contents(html_walk *w, const xmlNode *n, int depth)
{
	char *href = NULL;

	if (upki_html_is_named(n, "img"))
		upki_html_attr_text(w, n, "alt");
	else if (shows_value(n))
		upki_html_attr_text(w, n, "value");
	if (!w->in_head && (upki_html_is_named(n, "a") || upki_html_is_named(n, "area"))) {
		href = upki_html_link_target(n, "href");
		if (!href)
			href = upki_html_link_target(n, "xlink:href");
	}
	if (href)
		upki_html_anchor(w, n, href, depth);
	else
		upki_html_walk_children(w, n, depth);
}

static void html_element(html_walk *w, const xmlNode *n, int depth)
{
	gboolean block = is_block(n);
	gboolean pre = upki_html_is_named(n, "pre");
	gboolean head = upki_html_is_named(n, "head") || upki_html_is_named(n, "title");
	gboolean bidi = reorders(n);
	char *style = upki_html_attr(n, "style");

	if (style)
		css_add(w, style);
	g_free(style);
	upki_html_target(w, n);
	if (is_inert(n))
		return;
	if (upki_html_is_named(n, "style")) {
		for (const xmlNode *c = n->children; c; c = c->next)
			if (c->content)
				css_add(w, (const char *)c->content);
		return;
	}
	if (upki_html_is_named(n, "br")) {
		html_newline(w, TRUE);
		return;
	}
	if (block)
		html_newline(w, FALSE);
	if (bidi && upki_html_in_link(w))
		w->anchor->bidi = TRUE;
	if (bidi)
		g_string_append(w->outside, " \u202E"); /* the bare-URL scan flags what follows */
	w->in_pre += pre;
	w->in_head += head;
	w->bidi += bidi;
	html_contents(w, n, depth);
	w->bidi -= bidi;
	w->in_head -= head;
	w->in_pre -= pre;
	if (bidi)
		g_string_append_c(w->outside, ' ');
	if (block)
		html_newline(w, FALSE);
}

void upki_html_walk_children(html_walk *w, const xmlNode *n, int depth)
{
	if (depth > MAX_HTML_DEPTH) {
		w->limit_hit = w->limit_hit || n->children;
		return;
	}
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			html_element(w, c, depth + 1);
		else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			html_text(w, (const char *)c->content);
		else if (c->type == XML_COMMENT_NODE && c->content)
			html_conditional(w, (const char *)c->content, depth + 1);
	}
}

/* Parses [html, html + len) and walks its tree into w at depth. */
static void html_walk_bytes(html_walk *w, const char *html, gsize len, int depth)
{
	const upki_lazylib *lib = upki_lazylib_get();
	char *valid = NULL;
	htmlDocPtr doc = NULL;

	if (len == 0)
		return;
	if (len > MAX_HTML_BYTES) {
		w->limit_hit = TRUE;
		return;
	}
	/* Valid UTF-8 first: libxml2 then has no encoding error to print.
	 * This also turns a NUL, which would end libxml2's input, into
	 * U+FFFD, as browsers read it. */
	valid = g_utf8_make_valid(html, (gssize)len);
	doc = lib->htmlReadMemory(valid, (int)strlen(valid), NULL, "UTF-8",
				  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc)
		upki_html_walk_children(w, (const xmlNode *)doc, depth);
	else
		w->limit_hit = TRUE; /* nothing read of something: say so */
	if (doc)
		lib->xmlFreeDoc(doc);
	g_free(valid);
}

/* "[if mso]>...<![endif]": Outlook shows the inside (the comment holds
 * markup); "[if !mso]><!" only opens content that is already outside the
 * comment.  Inside one, another cannot be terminated (the first "-->"
 * ended the outer one) and libxml2 drops it unseen, so "<!--" inside is
 * reported rather than guessed at. */
static void html_conditional(html_walk *w, const char *comment, int depth)
{
	const char *c = comment;
	const char *open = NULL, *end = NULL;

	while (g_ascii_isspace(*c))
		c++;
	if (g_ascii_strncasecmp(c, "[if", 3) != 0 || !(open = strstr(c, "]>")))
		return;
	open += 2;
	end = g_strrstr(open, "<![endif]");
	if (!end)
		end = open + strlen(open);
	if (end - open <= 2 && strncmp(open, "<!", (gsize)(end - open)) == 0)
		return;
	if (w->in_conditional || w->conditionals >= MAX_CONDITIONALS || g_strstr_len(open, end - open, "<!--")) {
		w->limit_hit = TRUE;
		if (w->in_conditional || w->conditionals >= MAX_CONDITIONALS)
			return;
	}
	w->conditionals++;
	w->in_conditional = TRUE;
	html_walk_bytes(w, open, (gsize)(end - open), depth);
	w->in_conditional = FALSE;
}

static void html_walk_init(html_walk *w, const upki_profile *p)
{
	memset(w, 0, sizeof *w);
	w->text = g_string_new(NULL);
	w->outside = g_string_new(NULL);
	w->css = g_string_new(NULL);
	w->links = g_ptr_array_new_with_free_func((GDestroyNotify)upki_link_free);
	w->p = p;
}

static void html_walk_clear(html_walk *w)
{
	g_string_free(w->text, TRUE);
	g_string_free(w->outside, TRUE);
	g_string_free(w->css, TRUE);
	if (w->links)
		g_ptr_array_unref(w->links);
	g_free(w->base);
}

static void html_walk_document(html_walk *w, const char *html, gsize len)
{
	if (html)
		html_walk_bytes(w, html, len, 0);
}

GPtrArray *upki_extract_html_links_full(const char *html, gsize len, const upki_profile *p,
                                        gboolean *limit_hit)
{
	html_walk w;
	GPtrArray *links = NULL;

	html_walk_init(&w, p);
	html_walk_document(&w, html, len);
	upki_html_apply_base(&w);
	for (guint i = 0; w.css_bidi && i < w.links->len; i++)
		((upki_link *)g_ptr_array_index(w.links, i))->hidden_controls = TRUE;
	upki_html_add_bare(&w, w.outside->str);
	upki_html_add_bare(&w, w.css->str);
	if (limit_hit && w.limit_hit)
		*limit_hit = TRUE;
	links = g_steal_pointer(&w.links);
	html_walk_clear(&w);
	return links;
}

GPtrArray *upki_extract_html_links(const char *html, gsize len, const upki_profile *p)
{
	return upki_extract_html_links_full(html, len, p, NULL);
}

char *upki_extract_html_text_full(const char *html, gsize len, gboolean *limit_hit)
{
	html_walk w;
	char *text = NULL;

	html_walk_init(&w, NULL);
	html_walk_document(&w, html, len);
	if (limit_hit && w.limit_hit)
		*limit_hit = TRUE;
	text = g_string_free(g_steal_pointer(&w.text), FALSE);
	w.text = g_string_new(NULL);
	html_walk_clear(&w);
	return text;
}

char *upki_extract_html_text(const char *html, gsize len)
{
	return upki_extract_html_text_full(html, len, NULL);
}

