/* prefilter.c - "can this message matter?": the header stage and the
 * text rule (prefilter.h has the contract; prefilter-walk.c finds the
 * text parts).
 *
 * The text rule is the candidate rule of url.c read backwards.  A URL is
 * a candidate only if its folded form (NFKD, case folding, confusables
 * mapped: one character at a time) holds one of url.c's markers; the
 * URL is a run of the part's text, save that extract.c joins a URL cut
 * at a line end (dropping the line end and the blanks around it).  So
 * the part's skeleton - every character folded the same way, with white
 * space and combining marks left out - holds that marker too: folding is
 * per character, and leaving characters out can join strings but never
 * part them (the markers hold neither blanks nor marks, and combining
 * marks are the only characters NFKD reorders).  Labels are compared by
 * extract.c after NFKC and ASCII lower case; the skeleton of a label is
 * in the skeleton of any text that holds it in that form.  Searching
 * skeletons therefore never misses what the pipeline would find; it
 * can only find more ("secom trust" in prose), which costs a full parse.
 * HTML parts are judged by extract.c itself: markup and entities can
 * split or spell a marker, and the link extractor is the one reading
 * that counts.
 */
#include <string.h>

#include "upki/charset.h"
#include "upki/classify.h"
#include "extract-private.h"
#include "lazylib-private.h"
#include "upki/mime.h"
#include "upki/rawheader.h"
#include "text-private.h"
#include "upki/url.h"
#include "prefilter-private.h"

const char *upki_prefilter_why_to_string(upki_prefilter_why why)
{
	static const char *const names[UPKI_PF_COUNT] = {
		"no-marker", "headers-only", "header-block", "subject", "from", "structure",
		"encoding", "opaque-signed", "limit", "marker", "html-link",
	};

	return (guint)why < UPKI_PF_COUNT ? names[why] : "unknown";
}

/* Bytes that read as themselves in every charset named below: printable
 * ASCII, tab and line ends (no ESC, SO, SI or NUL, which converters
 * drop or replace). */
static gboolean plain_ascii(const char *b, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		guchar c = (guchar)b[i];
		if ((c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r')
			return FALSE;
	}
	return TRUE;
}

/* Charsets in which plain ASCII is ASCII (charset.c converts them; not
 * UTF-7, UTF-16 or EBCDIC, which spell letters with other bytes). */
static gboolean ascii_charset(const char *cs)
{
	static const char *const exact[] = {
		"us-ascii", "ascii", "utf-8", "utf8", "shift_jis", "shift-jis", "sjis", "x-sjis",
		"cp932", "windows-31j", "euc-jp", "x-euc-jp", "iso-2022-jp",
	};
	static const char *const prefixes[] = { "iso-8859-", "windows-125", "iso-2022-jp-" };

	if (!cs)
		return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(exact); i++)
		if (g_ascii_strcasecmp(cs, exact[i]) == 0)
			return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_ascii_strncasecmp(cs, prefixes[i], strlen(prefixes[i])) == 0)
			return TRUE;
	return FALSE;
}

static guint pair(const char *s)
{
	return (guint)(guchar)s[0] << 8 | (guchar)s[1];
}

/* One pass: a position is compared only where a marker's first two
 * bytes stand (the GString's NUL is the byte after the last). */
static gboolean has_marker(const upki_prefilter *pf, const GString *sk)
{
	for (gsize i = 0; i < sk->len; i++) {
		if (!pf->first2[pair(sk->str + i)])
			continue;
		for (guint k = 0; k < pf->markers->len; k++) {
			const char *m = g_ptr_array_index(pf->markers, k);
			gsize n = g_array_index(pf->lengths, gsize, k);
			if (m[0] == sk->str[i] && n <= sk->len - i && memcmp(sk->str + i, m, n) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

/* The pipeline's own rule (notice.c collect_link) on the links of an
 * HTML part as extract.c reads them. */
static gboolean html_has_link(const upki_prefilter *pf, const char *text)
{
	GPtrArray *links = NULL;
	gboolean hit = FALSE;

	if (!upki_lazylib_load(NULL))
		return TRUE; /* no HTML reader: cannot rule it out */
	links = upki_extract_html_links(text, strlen(text), pf->p);
	for (guint i = 0; i < links->len && !hit; i++) {
		const upki_link *l = g_ptr_array_index(links, i);
		hit = l->labelled || upki_url_is_candidate(l->url, pf->p) ||
		      (l->shown && upki_url_is_candidate(l->shown, pf->p));
	}
	g_ptr_array_unref(links);
	return hit;
}

upki_prefilter_why upki_prefilter_text(const upki_prefilter *pf, const char *bytes, gsize n,
				       const char *charset, gboolean html)
{
	const GString *sk = NULL;
	char *text = NULL;
	upki_prefilter_why why = UPKI_PF_NO_MARKER;

	if (!html) {
		/* The bytes read as mime.c would convert them, when they can be. */
		if (ascii_charset(charset) && plain_ascii(bytes, n))
			sk = upki_prefilter_skeleton_utf8(pf, bytes, n);
		else
			sk = upki_prefilter_skeleton_bytes(pf, bytes, n, charset);
		if (sk)
			goto out;
	}
	/* The conversion mime.c makes: the text the pipeline reads. */
	text = upki_mime_to_utf8(bytes, n, charset);
	if (html) {
		why = html_has_link(pf, text) ? UPKI_PF_HTML_LINK : UPKI_PF_NO_MARKER;
		goto done;
	}
	sk = upki_prefilter_skeleton_utf8(pf, text, strlen(text));
out:
	if (has_marker(pf, sk))
		why = UPKI_PF_MARKER;
done:
	g_free(text);
	return why;
}

/* ---- construction ---- */

static void add_marker(upki_prefilter *pf, const char *s)
{
	GString *sk = NULL;

	if (!s)
		return;
	sk = g_string_new(NULL);
	upki_prefilter_skeleton_exact(sk, s, strlen(s));
	if (!sk->len) {
		g_string_free(sk, TRUE);
		return;
	}
	/* A one-byte marker is looked up with any byte after it. */
	for (guint x = 0; x < 256; x++)
		if (sk->len >= 2 ? x == 0 : TRUE)
			pf->first2[sk->len >= 2 ? pair(sk->str) : ((guint)(guchar)sk->str[0] << 8 | x)] = 1;
	g_array_append_val(pf->lengths, sk->len);
	upki_prefilter_marker_chars(pf, sk->str);
	g_ptr_array_add(pf->markers, g_string_free(sk, FALSE));
}

static gint generations;

upki_prefilter *upki_prefilter_new(const upki_profile *p)
{
	upki_prefilter *pf = g_new0(upki_prefilter, 1);
	const char *const *m = upki_url_candidate_markers();

	pf->p = p;
	pf->markers = g_ptr_array_new_with_free_func(g_free);
	pf->lengths = g_array_new(FALSE, FALSE, sizeof(gsize));
	pf->chars = g_array_new(FALSE, FALSE, sizeof(gunichar));
	/* Never 0: a thread's tables start with generation 0, made for none. */
	pf->gen = (guint)g_atomic_int_add(&generations, 1) + 1;
	for (; *m; m++)
		add_marker(pf, *m);
	add_marker(pf, p->host);
	add_marker(pf, p->path_prefix);
	for (guint i = 0; p->url_labels && i < p->url_labels->len; i++)
		add_marker(pf, g_ptr_array_index(p->url_labels, i));
	return pf;
}

void upki_prefilter_free(upki_prefilter *pf)
{
	if (!pf)
		return;
	g_ptr_array_unref(pf->markers);
	g_array_unref(pf->lengths);
	g_array_unref(pf->chars);
	g_free(pf);
}

/* ---- the header stage ---- */

static upki_prefilter_result result(upki_prefilter_verdict v, upki_prefilter_why why)
{
	upki_prefilter_result r = { v, why };

	return r;
}

static gboolean subject_names_kind(const char *raw, gsize len, const upki_profile *p)
{
	char *value = g_strndup(raw, len);
	char *subject = upki_header_decode(value);
	gboolean named = upki_classify_subject(subject, p).kind != UPKI_KIND_NONE;

	g_free(subject);
	g_free(value);
	return named;
}

upki_prefilter_result upki_prefilter_headers(const upki_prefilter *pf, const char *msg, gsize len)
{
	upki_raw_header *h = upki_raw_header_scan(msg, len);
	const upki_raw_field *subject = NULL, *from = NULL;
	upki_prefilter_result r = result(UPKI_PREFILTER_MAY, UPKI_PF_HEADER_BLOCK);

	if (!upki_raw_header_plausible(msg + h->from_line, len - h->from_line))
		goto out;
	for (guint i = 0; i < h->fields->len; i++) {
		const upki_raw_field *f = &g_array_index(h->fields, upki_raw_field, i);
		const upki_raw_field **slot = upki_raw_field_is(msg, f, "Subject") ? &subject
					      : upki_raw_field_is(msg, f, "From") ? &from : NULL;
		if (!slot)
			continue;
		/* Which of two a parser takes is its own choice. */
		if (*slot)
			goto out;
		*slot = f;
	}
	if (subject && subject_names_kind(msg + subject->value, subject->end - subject->value, pf->p)) {
		r.why = UPKI_PF_SUBJECT;
		goto out;
	}
	if (from && upki_classify_from_may_be_sender(msg + from->value, from->end - from->value, pf->p)) {
		r.why = UPKI_PF_FROM;
		goto out;
	}
	r = result(UPKI_PREFILTER_BODY, UPKI_PF_HEADERS_ONLY);
out:
	upki_raw_header_free(h);
	return r;
}

upki_prefilter_result upki_prefilter_message(const upki_prefilter *pf, const char *msg, gsize len)
{
	upki_prefilter_result r = upki_prefilter_headers(pf, msg, len);

	if (r.verdict == UPKI_PREFILTER_MAY)
		return r;
	return upki_prefilter_walk(pf, msg, len);
}
