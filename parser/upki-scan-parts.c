/* upki-scan-parts.c - the bytes of a message the marker search must read.
 *
 * Most of an archive's bytes are attachments: base64 PDFs, images, zip
 * files.  The full pipeline reads only text/plain and text/html parts
 * (mime.c), so a link inside an application/, image/, audio/ or video/
 * part is never shown to anyone and never judged; searching those bytes
 * for markers (upki-scan-quick.c) is wasted.  This finds such parts in
 * the top-level multipart and leaves them out; everything else (header
 * blocks, text parts, nested multiparts, forwarded message/rfc822,
 * preamble, epilogue) is searched.
 *
 * It must never skip what GMime would read as text, so it gives up (the
 * whole message is searched) on anything it does not read plainly: a
 * boundary parameter that is not a simple token or quoted string, a
 * part with no or several Content-Type fields, a header block that does
 * not end.  Skipping is only ever of a part body between two delimiter
 * lines both readers find the same way: "--" boundary at a line start.
 */
#include <string.h>

#include "upki-scan-batch.h"

#define MAX_BOUNDARY 70 /* RFC 2046 */

/* Where the header block starting at p ends (just past its empty line),
 * or 0 when it does not end before end. */
static gsize header_end(const char *p, gsize len)
{
	for (gsize i = 0; i < len;) {
		if (p[i] == '\n')
			return i + 1;
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			return i + 2;
		const char *nl = memchr(p + i, '\n', len - i);
		if (!nl)
			return 0;
		i = (gsize)(nl - p) + 1;
	}
	return 0;
}

/* The value of every field called name in the header block h (counted
 * in *count), the first one's unfolded value returned. */
static char *field(const char *h, gsize len, const char *name, guint *count)
{
	gsize nlen = strlen(name);
	char *first = NULL;

	*count = 0;
	for (gsize p = 0; p < len;) {
		const char *nl = memchr(h + p, '\n', len - p);
		gsize end = nl ? (gsize)(nl - h) + 1 : len;
		if (end - p > nlen && g_ascii_strncasecmp(h + p, name, nlen) == 0 && h[p + nlen] == ':') {
			gsize e = end;
			while (e < len && (h[e] == ' ' || h[e] == '\t')) {
				nl = memchr(h + e, '\n', len - e);
				e = nl ? (gsize)(nl - h) + 1 : len;
			}
			if (!first)
				first = g_strndup(h + p + nlen + 1, e - p - nlen - 1);
			++*count;
		}
		p = end;
	}
	return first;
}

/* The boundary of a multipart Content-Type value, if it is written
 * plainly: boundary=token or boundary="chars", once. */
static char *plain_boundary(char *ct)
{
	const char *b = NULL;
	GString *out = NULL;

	if (g_ascii_strncasecmp(g_strchug((char *)ct), "multipart/", 10) != 0)
		return NULL;
	for (const char *p = ct; (p = strchr(p, ';')); p++) {
		const char *q = p + 1;
		while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			q++;
		if (g_ascii_strncasecmp(q, "boundary", 8) != 0)
			continue;
		if (b)
			return NULL; /* twice: which one a parser takes is its own choice */
		b = q + 8;
	}
	if (!b || *b != '=')
		return NULL;
	b++;
	out = g_string_new(NULL);
	if (*b == '"') {
		for (b++; *b && *b != '"'; b++) {
			if (*b == '\\' || *b == '\r' || *b == '\n')
				break;
			g_string_append_c(out, *b);
		}
		if (*b != '"')
			g_string_truncate(out, 0);
	} else {
		for (; *b && (g_ascii_isalnum(*b) || strchr("'()+_,-./:=?", *b)); b++)
			g_string_append_c(out, *b);
		if (*b && *b != ';' && !g_ascii_isspace(*b))
			g_string_truncate(out, 0);
	}
	if (out->len == 0 || out->len > MAX_BOUNDARY)
		return g_string_free(out, TRUE);
	return g_string_free(out, FALSE);
}

/* A media type no reader shows as text and the pipeline never reads. */
static gboolean unread_type(const char *ct)
{
	static const char *const types[] = { "application/", "image/", "audio/", "video/", "font/", "model/" };
	const char *t = ct;

	while (*t == ' ' || *t == '\t')
		t++;
	for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
		if (g_ascii_strncasecmp(t, types[i], strlen(types[i])) == 0)
			return TRUE;
	return FALSE;
}

/* The next delimiter line ("--" boundary at a line start) at or after
 * from; its offset (of the "--"), or len.  memchr for '-' runs at memory
 * speed, and base64 has no '-': in an attachment the first '-' is
 * usually the delimiter itself. */
static gsize next_delimiter(const char *buf, gsize len, gsize from, const char *dash, gsize dlen)
{
	for (gsize i = from; i + dlen <= len;) {
		const char *hit = memchr(buf + i, '-', len - i - dlen + 1);
		if (!hit)
			return len;
		gsize at = (gsize)(hit - buf);
		if ((at == 0 || buf[at - 1] == '\n') && memcmp(buf + at, dash, dlen) == 0)
			return at;
		/* Skip the rest of a run of dashes ("-----" rules in text). */
		i = at + 1;
		while (i < len && buf[i] == '-')
			i++;
	}
	return len;
}

/* Calls look on each range of buf (a message: header block of hlen
 * bytes, then the body) to be searched; stops at the first TRUE. */
gboolean parts_any_text(const char *buf, gsize len, gsize hlen, parts_look look, gconstpointer data)
{
	guint n_ct = 0;
	char *ct = field(buf, hlen, "Content-Type", &n_ct);
	char *boundary = n_ct == 1 ? plain_boundary(ct) : NULL;
	char *dash = boundary ? g_strconcat("--", boundary, NULL) : NULL;
	gsize dlen = dash ? strlen(dash) : 0, from = 0, at = 0, next = 0;
	gboolean hit = FALSE;

	if (!dash) {
		hit = look(buf, len, data);
		goto out;
	}
	/* [from, ...) is text not searched yet.  Each round judges the part
	 * after the delimiter at 'at', which ends at the next delimiter: its
	 * header is looked for there only, so every byte is read a bounded
	 * number of times whatever the message holds. */
	for (at = next_delimiter(buf, len, hlen, dash, dlen); !hit && at < len; at = next) {
		const char *nl = memchr(buf + at, '\n', len - at);
		gsize part = nl ? (gsize)(nl - buf) + 1 : len;
		gsize pend = 0;
		guint n = 0;
		char *pct = NULL;
		gboolean skip = FALSE;

		next = part < len ? next_delimiter(buf, len, part, dash, dlen) : len;
		pend = header_end(buf + part, next - part);
		pct = pend ? field(buf + part, pend, "Content-Type", &n) : NULL;
		skip = pct && n == 1 && unread_type(pct);
		g_free(pct);
		/* A part that runs to the end has no closing line both readers
		 * agree on: it is searched. */
		if (!skip || next == len)
			continue;
		hit = look(buf + from, part + pend - from, data);
		from = next;
	}
	if (!hit && from < len)
		hit = look(buf + from, len - from, data);
out:
	g_free(dash);
	g_free(boundary);
	g_free(ct);
	return hit;
}
