/* extract.c - finding URLs and certificate facts in decoded mail text.
 *
 * The extractor is deliberately generous: a URL written with full-width
 * letters, ideographic dots or Cyrillic look-alikes in its host, or folded
 * over two lines by a mailer, is still returned as a URL, so that url.c can
 * judge it (and fail it with url-idn) instead of it passing unseen.  It
 * stops at Japanese text that follows a URL without a space, which the
 * real notices never do but hand-written mail often does.
 *
 * Hidden controls (bidi overrides, zero-width characters: text.h) are
 * read as part of a URL wherever they stand, so that a URL they break up
 * is still one link, judged and flagged, rather than two harmless pieces.
 * Every budget here (links per part, how far back a label is looked for)
 * reports when it was reached: a cut that is not reported would be a place
 * to hide a link.
 *
 * The links of an HTML part are extract-html.c's; the DN and serial
 * sections certinfo.c's.  Pure functions, no I/O, no logging.
 */
#include <string.h>

#include "extract-private.h"
#include "text-private.h"
#include "tpool-private.h"
#include "upki/fastpath.h"

#define LABEL_WINDOW 1024  /* bytes read back from a URL for its label */
#define MAX_SCHEME_GAP 8   /* hidden controls allowed between two letters of "https://" */

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
	if (upki_text_is_hidden_control(c))
		return TRUE;
	if (c < 0x80 || (c >= 0xFF01 && c <= 0xFF5E))
		return is_ascii_url_char(ascii_form(c));
	return in_authority && (is_ideographic_dot(c) || is_host_letter(c));
}

static gboolean ends_authority(gunichar c)
{
	c = ascii_form(c);
	return c == '/' || c == '?' || c == '#';
}

/* Skips at most MAX_SCHEME_GAP hidden controls: "ht<ZWSP>tps://" reads as
 * a scheme to the eye.  Bounded, so that scanning a run of controls for
 * a scheme stays linear. */
static const char *skip_controls(const char *c)
{
	for (int n = 0; n < MAX_SCHEME_GAP && *c && upki_text_is_hidden_control(g_utf8_get_char(c)); n++)
		c = g_utf8_next_char(c);
	return c;
}

/* Returns the end of "http://" or "https://" at s (ASCII or full-width,
 * any case, hidden controls between the letters), NULL when s does not
 * start a scheme. */
static const char *scheme_end(const char *s)
{
	static const char pattern[] = "https://";
	const char *c = s;

	for (gsize i = 0; pattern[i]; i++) {
		gunichar u;
		if (i > 0)
			c = skip_controls(c);
		u = ascii_form(g_utf8_get_char(c));
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

static gboolean is_bidi_control(gunichar c)
{
	return c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E)
	       || (c >= 0x2066 && c <= 0x2069);
}

/* Finds the next scheme; *bidi is set when a bidi control stands on the
 * line before it (it may reorder how the URL is shown) and cleared at
 * each line end.  NULL bidi: not followed. */
/* The character at c and its length: ASCII and the three-byte forms
 * (kana, kanji) read inline, as g_utf8_get_char() reads them; a call per
 * character was most of the scheme search in Japanese text. */
static gunichar char_at(const char *c, gsize *len)
{
	const guchar *u = (const guchar *)c;

	if (u[0] < 0x80) {
		*len = 1;
		return u[0];
	}
	if ((u[0] & 0xf0) == 0xe0 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
		*len = 3;
		return ((gunichar)(u[0] & 0x0f) << 12) | ((gunichar)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
	}
	*len = (gsize)(g_utf8_next_char(c) - c);
	return g_utf8_get_char(c);
}

/* Lead bytes of every character the search below acts on: NUL, '\n',
 * 'h' and 'H', U+FF28 and U+FF48 (EF BC A8, EF BD 88), U+061C (D8 9C)
 * and the other bidi controls (E2 80 .., E2 81 ..).  Any other character
 * is stepped over by its lead byte's length, the step char_at() takes. */
static gboolean scheme_search_lead(guchar b)
{
	return b == '\0' || b == '\n' || b == 'h' || b == 'H' || b == 0xEF || b == 0xE2 || b == 0xD8;
}

static const char *find_scheme_bidi(const char *s, const char *end, gboolean *bidi)
{
	gboolean skip = upki_fast_paths_on();
	gsize len = 0;

	/* The text is valid UTF-8 (upki_text_prepare), so no skipped byte
	 * sequence can decode as one of the characters looked for. */
	for (const char *c = s; c < end && *c; c += len) {
		if (skip && !scheme_search_lead((guchar)*c)) {
			len = (gsize)g_utf8_skip[(guchar)*c];
			continue;
		}
		gunichar u = char_at(c, &len);
		if (bidi && u == '\n')
			*bidi = FALSE;
		else if (bidi && is_bidi_control(u))
			*bidi = TRUE;
		if ((u == 'h' || u == 'H' || u == 0xFF48 || u == 0xFF28) && scheme_end(c))
			return c;
	}
	return NULL;
}

static gboolean has_bidi(const char *s, gsize len)
{
	for (const char *c = s; c < s + len; c = g_utf8_next_char(c))
		if (is_bidi_control(g_utf8_get_char(c)))
			return TRUE;
	return FALSE;
}

static const char *find_scheme(const char *s, const char *end)
{
	return find_scheme_bidi(s, end, NULL);
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
	char *nfkc = upki_text_normalize(s, len, G_NORMALIZE_ALL);
	char *lower = g_ascii_strdown(nfkc, -1);

	g_free(nfkc);
	return lower;
}

/* The label forms of the last profile's labels, per thread: a label is
 * normalised once, not at every URL.  Each entry keeps the label it was
 * made from and is used only while the label reads the same. */
typedef struct label_memo {
	char *label, *form;
} label_memo;

static void memo_free(gpointer data)
{
	GArray *a = data;

	for (guint i = 0; i < a->len; i++) {
		g_free(g_array_index(a, label_memo, i).label);
		g_free(g_array_index(a, label_memo, i).form);
	}
	g_array_unref(a);
}

/* The memos outlive their thread (tpool-private.h): each is used only
 * while its label reads the same. */
UPKI_TPOOL_DEFINE(memo_pool, memo_release, memo_free)

static GPrivate label_memos = G_PRIVATE_INIT(memo_release);

static const char *label_form_of(guint i, const char *label)
{
	GArray *a = g_private_get(&label_memos);
	label_memo *m = NULL;

	if (!a) {
		a = upki_tpool_take(&memo_pool);
		if (!a)
			a = g_array_new(FALSE, TRUE, sizeof(label_memo));
		g_private_set(&label_memos, a);
	}
	if (i >= a->len)
		g_array_set_size(a, i + 1);
	m = &g_array_index(a, label_memo, i);
	if (!m->label || strcmp(m->label, label) != 0) {
		g_free(m->label);
		g_free(m->form);
		m->label = g_strdup(label);
		m->form = label_form(label, -1);
	}
	return m->form;
}

static gboolean has_label(const char *s, const char *end, const upki_profile *p)
{
	char *text = NULL;
	gboolean hit = FALSE;

	if (!p || !p->url_labels || end <= s)
		return FALSE;
	text = label_form(s, end - s);
	for (guint i = 0; !hit && i < p->url_labels->len; i++) {
		const char *label = label_form_of(i, g_ptr_array_index(p->url_labels, i));
		hit = *label && strstr(text, label);
	}
	g_free(text);
	return hit;
}

/* Start of the line holding pos, looking back no further than limit
 * (then the first whole character after it); *cut is set when limit came
 * first and the line goes on before it. */
static const char *line_start(const char *pos, const char *limit, const char *text, gboolean *cut)
{
	while (pos > limit && pos[-1] != '\n')
		pos--;
	if (pos == limit && pos > text && pos[-1] != '\n')
		*cut = TRUE;
	while ((*pos & 0xC0) == 0x80)
		pos++;
	return pos;
}

/* A label introduces a URL when it stands before it on its line, or on
 * the previous non-empty line when that line has no URL of its own (the
 * pin notice: "...アクセスPIN取得URLへアクセスし、..." then the URL alone).
 * Only LABEL_WINDOW bytes are read back, so that a long line of URLs
 * costs linear time; when the window ends before the answer is known,
 * *limit_hit says so (a label further back was not looked for). */
gboolean upki_extract_labelled_at(const char *text, const char *url, const upki_profile *p,
                                  gboolean *limit_hit)
{
	const char *limit = url - text > LABEL_WINDOW ? url - LABEL_WINDOW : text;
	gboolean cut = FALSE;
	const char *start = line_start(url, limit, text, &cut);
	const char *s, *end;

	if (!p || !p->url_labels || p->url_labels->len == 0)
		return FALSE;
	if (has_label(start, url, p))
		return TRUE;
	while (!cut && start > text && start[-1] == '\n') {
		if (start == limit) {
			cut = TRUE;
			break;
		}
		end = start - 1;
		start = line_start(end, limit, text, &cut);
		s = start;
		upki_text_trim(&s, &end);
		if (s < end)
			return !find_scheme(s, end) && has_label(s, end, p);
	}
	if (cut && limit_hit)
		*limit_hit = TRUE;
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

upki_link *upki_extract_link_new(char *url, gboolean labelled)
{
	upki_link *l = g_new0(upki_link, 1);

	l->url = url;
	l->labelled = labelled;
	return l;
}

/* A URL found while a bidi control was open on its line is flagged as
 * well as one holding a control: either can change what is shown. */
static upki_link *text_link(GString *url, gboolean labelled, gboolean bidi)
{
	upki_link *l = upki_extract_link_new(g_string_free(url, FALSE), labelled);

	l->hidden_controls = bidi || upki_text_has_hidden_controls(l->url, -1);
	return l;
}

GPtrArray *upki_extract_urls(const char *text, const upki_profile *p, gboolean join, gboolean *limit_hit)
{
	GPtrArray *links = g_ptr_array_new_with_free_func((GDestroyNotify)upki_link_free);
	char *buf = upki_text_prepare(text);
	const char *pos = buf;
	const char *end = buf + strlen(buf);
	const char *st;
	gboolean bidi = FALSE;

	while ((st = find_scheme_bidi(pos, end, &bidi))) {
		gboolean in_authority = TRUE;
		const char *body = scheme_end(st);
		const char *run = scan_run(body, end, &in_authority);
		const char *stop = strip_trailing(body, run);
		GString *url;

		pos = run;
		if (stop == body)
			continue; /* "https://" alone names nothing */
		if (links->len >= UPKI_EXTRACT_MAX_LINKS) {
			if (limit_hit)
				*limit_hit = TRUE;
			break;
		}
		url = g_string_new_len(st, stop - st);
		if (join && stop == run && *run == '\n')
			pos = join_folded(url, run + 1, in_authority, is_open_angle(buf, st));
		bidi = bidi || has_bidi(url->str, url->len);
		g_ptr_array_add(links, text_link(url, upki_extract_labelled_at(buf, st, p, limit_hit), bidi));
	}
	g_free(buf);
	return links;
}

GPtrArray *upki_extract_text_links(const char *text, const upki_profile *p, gboolean *limit_hit)
{
	return upki_extract_urls(text, p, TRUE, limit_hit);
}

GPtrArray *upki_extract_text_urls(const char *text, const upki_profile *p)
{
	return upki_extract_text_links(text, p, NULL);
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
	/* Shown URLs beyond the budget were not compared: count as differing. */
	urls = upki_extract_text_links(shown, NULL, &mismatch);
	for (guint i = 0; !mismatch && i < urls->len; i++)
		mismatch = !same_url(h, ((upki_link *)g_ptr_array_index(urls, i))->url);
	g_ptr_array_unref(urls);
	g_free(h);
	g_free(valid);
	return mismatch;
}
