/* extract.c - finding URLs and certificate facts in decoded mail text.
 *
 * The extractor is deliberately generous: a URL written with full-width
 * letters, ideographic dots or Cyrillic look-alikes in its host, or folded
 * over two lines by a mailer, is still returned as a URL, so that url.c can
 * judge it (and fail it with url-idn) instead of it passing unseen.  It
 * stops at Japanese text that follows a URL without a space, which the
 * real notices never do but hand-written mail often does.
 *
 * Also here: the visible text and the links of an HTML part (libxml2's
 * recovering HTML parser).  The DN and serial sections are certinfo.c's.
 * Pure functions, no I/O, no logging.
 */
#include <string.h>


#include "upki/extract.h"
#include "upki/lazylib.h"
#include "upki/text.h"

#define MAX_HTML_DEPTH 512
#define LABEL_WINDOW 1024  /* bytes read back from a URL for its label */
#define MAX_TEXT_LINKS 4096 /* links kept from one part: memory stays bounded */

void upki_link_free(upki_link *l)
{
	if (!l)
		return;
	g_free(l->url);
	g_free(l->shown);
	g_free(l);
}

/* --- characters --- */

/* Full-width ASCII forms (U+FF01..U+FF5E) read as their ASCII letter. */
static gunichar ascii_form(gunichar c)
{
	if (c >= 0xFF01 && c <= 0xFF5E)
		return c - 0xFEE0;
	return c;
}

static gboolean is_ideographic_dot(gunichar c)
{
	return c == 0x3002 || c == 0xFF61;
}

static gboolean is_ascii_url_char(gunichar c)
{
	return c > 0x20 && c < 0x7F && !strchr("<>\"'`{}|\\^", (int)c);
}

/* Letters of alphabetic scripts may spell a look-alike host; CJK letters
 * and kana never do, they are the sentence that follows the URL. */
static gboolean is_host_letter(gunichar c)
{
	switch (g_unichar_get_script(c)) {
	case G_UNICODE_SCRIPT_HAN:
	case G_UNICODE_SCRIPT_HIRAGANA:
	case G_UNICODE_SCRIPT_KATAKANA:
	case G_UNICODE_SCRIPT_HANGUL:
	case G_UNICODE_SCRIPT_BOPOMOFO:
	case G_UNICODE_SCRIPT_COMMON:
	case G_UNICODE_SCRIPT_INHERITED:
	case G_UNICODE_SCRIPT_UNKNOWN:
		return FALSE;
	default:
		return g_unichar_isalnum(c);
	}
}

static gboolean is_url_char(gunichar c, gboolean in_authority)
{
	if (c < 0x80 || (c >= 0xFF01 && c <= 0xFF5E))
		return is_ascii_url_char(ascii_form(c));
	return in_authority && (is_ideographic_dot(c) || is_host_letter(c));
}

static gboolean ends_authority(gunichar c)
{
	c = ascii_form(c);
	return c == '/' || c == '?' || c == '#';
}

/* Returns the end of "http://" or "https://" at s (ASCII or full-width,
 * any case), NULL when s does not start a scheme. */
static const char *scheme_end(const char *s)
{
	static const char pattern[] = "https://";
	const char *c = s;

	for (gsize i = 0; pattern[i]; i++) {
		gunichar u = ascii_form(g_utf8_get_char(c));
		if (*c == '\0')
			return NULL;
		if (g_ascii_tolower((gchar)(u < 0x80 ? u : 0)) != pattern[i]) {
			if (i == 4)
				continue; /* the 's' is optional */
			return NULL;
		}
		c = g_utf8_next_char(c);
	}
	return c;
}

static const char *find_scheme(const char *s, const char *end)
{
	for (const char *c = s; c < end && *c; c = g_utf8_next_char(c))
		if (scheme_end(c))
			return c;
	return NULL;
}

/* --- lines and labels --- */

static const char *line_end(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl ? nl : s + strlen(s);
}

/* NFKC then ASCII lower case: "証明書取得ＵＲＬ" and "Certificate
 * Acquisition URL" meet their labels. */
static char *label_form(const char *s, gssize len)
{
	char *nfkc = g_utf8_normalize(s, len, G_NORMALIZE_ALL);
	char *lower = g_ascii_strdown(nfkc ? nfkc : "", -1);

	g_free(nfkc);
	return lower;
}

static gboolean has_label(const char *s, const char *end, const upki_profile *p)
{
	char *text = NULL;
	gboolean hit = FALSE;

	if (!p || !p->url_labels || end <= s)
		return FALSE;
	text = label_form(s, end - s);
	for (guint i = 0; !hit && i < p->url_labels->len; i++) {
		char *label = label_form(g_ptr_array_index(p->url_labels, i), -1);
		hit = *label && strstr(text, label);
		g_free(label);
	}
	g_free(text);
	return hit;
}

/* Start of the line holding pos, looking back no further than limit
 * (then the first whole character after it). */
static const char *line_start(const char *pos, const char *limit)
{
	while (pos > limit && pos[-1] != '\n')
		pos--;
	while ((*pos & 0xC0) == 0x80)
		pos++;
	return pos;
}

/* A label introduces a URL when it stands before it on its line, or on
 * the previous non-empty line when that line has no URL of its own (the
 * pin notice: "...アクセスPIN取得URLへアクセスし、..." then the URL alone).
 * Only LABEL_WINDOW bytes are read back, so that a long line of URLs
 * costs linear time. */
static gboolean labelled_at(const char *text, const char *url, const upki_profile *p)
{
	const char *limit = url - text > LABEL_WINDOW ? url - LABEL_WINDOW : text;
	const char *start = line_start(url, limit);
	const char *s, *end;

	if (has_label(start, url, p))
		return TRUE;
	while (start > limit && start[-1] == '\n') {
		end = start - 1;
		start = line_start(end, limit);
		s = start;
		upki_text_trim(&s, &end);
		if (s < end)
			return !find_scheme(s, end) && has_label(s, end, p);
	}
	return FALSE;
}

/* --- plain-text URLs --- */

/* Scans URL characters from c; *in_authority follows the first / ? #. */
static const char *scan_run(const char *c, const char *end, gboolean *in_authority)
{
	while (c < end && *c) {
		gunichar u = g_utf8_get_char(c);
		if (!is_url_char(u, *in_authority))
			break;
		if (ends_authority(u))
			*in_authority = FALSE;
		c = g_utf8_next_char(c);
	}
	return c;
}

/* How many more closers c than openers o there are in [s, end). */
static int excess(const char *s, const char *end, gunichar o, gunichar c)
{
	int n = 0;

	for (const char *x = s; x < end; x = g_utf8_next_char(x)) {
		gunichar a = ascii_form(g_utf8_get_char(x));
		n += (a == c) - (a == o);
	}
	return n;
}

/* Sentence punctuation after a URL is not part of it; a closing bracket
 * is, when the URL opened it ("https://example.org/a_(b)"). */
static const char *strip_trailing(const char *s, const char *end)
{
	int paren = excess(s, end, '(', ')');
	int square = excess(s, end, '[', ']');

	while (end > s) {
		const char *prev = g_utf8_prev_char(end);
		gunichar u = g_utf8_get_char(prev);
		gunichar a = ascii_form(u);

		if (a == ')' && paren > 0)
			paren--;
		else if (a == ']' && square > 0)
			square--;
		else if (!is_ideographic_dot(u) && !(a > 0 && a < 0x80 && strchr(".,;:!?", (int)a)))
			break;
		end = prev;
	}
	return end;
}

static gboolean is_open_angle(const char *text, const char *url)
{
	if (url > text && url[-1] == '<')
		return TRUE;
	return url - text >= 3 && g_utf8_get_char(g_utf8_prev_char(url)) == 0xFF1C;
}

/* A mailer may cut a long URL at the end of a line: the next line joins
 * it when it is one run of URL characters (or, inside <...>, up to '>').
 * Returns where scanning resumes. */
static const char *join_folded(GString *url, const char *next, gboolean in_authority, gboolean angle)
{
	while (*next) {
		const char *s = next, *e = line_end(next);
		const char *run, *stop;

		upki_text_trim(&s, &e);
		if (s == e || scheme_end(s))
			break;
		run = scan_run(s, e, &in_authority);
		if (run != e && !(angle && *run == '>' && run + 1 == e))
			break;
		stop = strip_trailing(s, run);
		g_string_append_len(url, s, stop - s);
		next = *e ? e + 1 : e;
		if (run != e || stop != run || !*e)
			break;
	}
	return next;
}

static upki_link *link_new(char *url, gboolean labelled)
{
	upki_link *l = g_new0(upki_link, 1);

	l->url = url;
	l->labelled = labelled;
	return l;
}

/* join: plain text only; in HTML a line break is markup, never a fold. */
static GPtrArray *extract_urls(const char *text, const upki_profile *p, gboolean join)
{
	GPtrArray *links = g_ptr_array_new_with_free_func((GDestroyNotify)upki_link_free);
	char *buf = upki_text_prepare(text);
	const char *pos = buf;
	const char *end = buf + strlen(buf);
	const char *st;

	while (links->len < MAX_TEXT_LINKS && (st = find_scheme(pos, end))) {
		gboolean in_authority = TRUE;
		const char *body = scheme_end(st);
		const char *run = scan_run(body, end, &in_authority);
		const char *stop = strip_trailing(body, run);
		GString *url;

		pos = run;
		if (stop == body)
			continue; /* "https://" alone names nothing */
		url = g_string_new_len(st, stop - st);
		if (join && stop == run && *run == '\n')
			pos = join_folded(url, run + 1, in_authority, is_open_angle(buf, st));
		g_ptr_array_add(links, link_new(g_string_free(url, FALSE), labelled_at(buf, st, p)));
	}
	g_free(buf);
	return links;
}

GPtrArray *upki_extract_text_urls(const char *text, const upki_profile *p)
{
	return extract_urls(text, p, TRUE);
}

/* --- HTML --- */

typedef struct {
	GString *text;     /* all visible text */
	GString *outside;  /* visible text outside links */
	GPtrArray *links;
	const upki_profile *p;
	int in_anchor;
	int in_pre;
} html_walk;

static gboolean is_block(const char *name)
{
	static const char *const blocks[] = {
		"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4",
		"h5", "h6", "blockquote", "pre", "hr", "dl", "dt", "dd", "section",
		"article", "header", "footer", "nav", "address", "center", "form",
		"body", "caption", "thead", "tbody", "tfoot", "main", "aside", "fieldset",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(blocks); i++)
		if (g_ascii_strcasecmp(name, blocks[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean is_hidden(const char *name)
{
	return g_ascii_strcasecmp(name, "script") == 0 || g_ascii_strcasecmp(name, "style") == 0
		|| g_ascii_strcasecmp(name, "head") == 0 || g_ascii_strcasecmp(name, "template") == 0;
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
}

static void append_visible(GString *s, const char *t, gboolean pre)
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

static void html_text_node(html_walk *w, const char *t)
{
	append_visible(w->text, t, w->in_pre > 0);
	/* Anchor text stays out of the bare-URL scan: the anchor is its own link. */
	append_visible(w->outside, w->in_anchor ? " " : t, w->in_pre > 0);
}

static char *collapse(const char *s, gsize len)
{
	GString *out = g_string_sized_new(len);
	char *copy = g_strndup(s, len);
	const char *a = NULL, *b = NULL;

	g_strdelimit(copy, "\n\t\r", ' ');
	append_visible(out, copy, FALSE);
	a = out->str;
	b = out->str + out->len;
	upki_text_trim(&a, &b);
	char *res = g_strndup(a, b - a);
	g_string_free(out, TRUE);
	g_free(copy);
	return res;
}

static void html_walk_children(html_walk *w, xmlNode *n, int depth);

static void html_anchor(html_walk *w, xmlNode *n, const char *href, int depth)
{
	gsize from = w->text->len;
	gboolean labelled = labelled_at(w->text->str, w->text->str + from, w->p);
	upki_link *l = NULL;
	const char *s = href, *e = href + strlen(href);

	w->in_anchor++;
	html_walk_children(w, n, depth);
	w->in_anchor--;
	upki_text_trim(&s, &e);
	l = link_new(g_strndup(s, e - s), labelled);
	l->shown = collapse(w->text->str + from, w->text->len - from);
	l->from_html = TRUE;
	g_ptr_array_add(w->links, l);
}

/* href="" or only spaces links nowhere: its text is plain text. */
static gboolean href_is_link(const char *href)
{
	const char *s = href, *e = href + strlen(href);

	upki_text_trim(&s, &e);
	return s < e;
}

static void html_element(html_walk *w, xmlNode *n, int depth)
{
	const char *name = (const char *)n->name;
	gboolean block = is_block(name);
	gboolean pre = g_ascii_strcasecmp(name, "pre") == 0;
	xmlChar *href = NULL;

	if (is_hidden(name))
		return;
	if (g_ascii_strcasecmp(name, "br") == 0) {
		html_newline(w, TRUE);
		return;
	}
	if (block)
		html_newline(w, FALSE);
	w->in_pre += pre;
	if (g_ascii_strcasecmp(name, "a") == 0 || g_ascii_strcasecmp(name, "area") == 0)
		href = upki_lazylib_get()->xmlGetProp(n, (const xmlChar *)"href");
	if (href && w->links->len < MAX_TEXT_LINKS && g_utf8_validate((char *)href, -1, NULL)
	    && href_is_link((char *)href))
		html_anchor(w, n, (char *)href, depth);
	else
		html_walk_children(w, n, depth);
	w->in_pre -= pre;
	if (block)
		html_newline(w, FALSE);
	if (href)
		(*upki_lazylib_get()->xmlFree)(href);
}

static void html_walk_children(html_walk *w, xmlNode *n, int depth)
{
	if (depth > MAX_HTML_DEPTH)
		return;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			html_element(w, c, depth + 1);
		else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			html_text_node(w, (const char *)c->content);
	}
}

/* Parses html and walks its tree into w; an unparseable part leaves w empty. */
static void html_walk_document(html_walk *w, const char *html, gsize len)
{
	const upki_lazylib *lib = upki_lazylib_get();
	char *valid = NULL;
	htmlDocPtr doc = NULL;

	if (!html || len == 0 || len > G_MAXINT)
		return;
	/* Valid UTF-8 first: libxml2 then has no encoding error to print. */
	valid = g_utf8_make_valid(html, (gssize)len);
	doc = lib->htmlReadMemory(valid, (int)strlen(valid), NULL, "UTF-8",
				  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc)
		html_walk_children(w, (xmlNode *)doc, 0);
	if (doc)
		lib->xmlFreeDoc(doc);
	g_free(valid);
}

static void html_walk_init(html_walk *w, const upki_profile *p)
{
	memset(w, 0, sizeof *w);
	w->text = g_string_new(NULL);
	w->outside = g_string_new(NULL);
	w->links = g_ptr_array_new_with_free_func((GDestroyNotify)upki_link_free);
	w->p = p;
}

GPtrArray *upki_extract_html_links(const char *html, gsize len, const upki_profile *p)
{
	html_walk w;
	GPtrArray *bare = NULL;

	html_walk_init(&w, p);
	html_walk_document(&w, html, len);
	bare = extract_urls(w.outside->str, p, FALSE);
	for (guint i = 0; i < bare->len; i++) {
		upki_link *l = g_ptr_array_index(bare, i);
		l->from_html = TRUE;
		g_ptr_array_add(w.links, g_steal_pointer(&bare->pdata[i]));
	}
	g_ptr_array_unref(bare);
	g_string_free(w.text, TRUE);
	g_string_free(w.outside, TRUE);
	return w.links;
}

char *upki_extract_html_text(const char *html, gsize len)
{
	html_walk w;

	html_walk_init(&w, NULL);
	html_walk_document(&w, html, len);
	g_string_free(w.outside, TRUE);
	g_ptr_array_unref(w.links);
	return g_string_free(w.text, FALSE);
}

/* --- shown text against href --- */

/* Same URL: scheme and host without case, the rest exactly, except that
 * one trailing '/' (a bare host shown without its "/") makes no difference. */
static gboolean same_url(const char *a, const char *b)
{
	const char *sa = strstr(a, "://"), *sb = strstr(b, "://");
	gsize ha, hb, ra, rb;

	if (!sa || !sb)
		return strcmp(a, b) == 0;
	sa += 3;
	sb += 3;
	if (sa - a != sb - b || g_ascii_strncasecmp(a, b, sa - a) != 0)
		return FALSE;
	ha = strcspn(sa, "/?#");
	hb = strcspn(sb, "/?#");
	if (ha != hb || g_ascii_strncasecmp(sa, sb, ha) != 0)
		return FALSE;
	sa += ha;
	sb += hb;
	ra = strlen(sa);
	rb = strlen(sb);
	if (ra && sa[ra - 1] == '/')
		ra--;
	if (rb && sb[rb - 1] == '/')
		rb--;
	return ra == rb && strncmp(sa, sb, ra) == 0;
}

gboolean upki_extract_link_mismatch(const char *href, const char *shown)
{
	GPtrArray *urls = NULL;
	char *valid = NULL;
	char *h = NULL;
	const char *s, *e;
	gboolean mismatch = FALSE;

	if (!href || !shown)
		return FALSE;
	valid = g_utf8_make_valid(href, -1);
	s = valid;
	e = valid + strlen(valid);
	upki_text_trim(&s, &e);
	h = g_strndup(s, e - s);
	urls = upki_extract_text_urls(shown, NULL);
	for (guint i = 0; !mismatch && i < urls->len; i++)
		mismatch = !same_url(h, ((upki_link *)g_ptr_array_index(urls, i))->url);
	g_ptr_array_unref(urls);
	g_free(h);
	g_free(valid);
	return mismatch;
}
