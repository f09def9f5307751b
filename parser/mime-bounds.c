/* mime-bounds.c - the parts of a MIME entity, read from the raw bytes by
 * the strict rules, and every place where another reader could differ.
 *
 * The classic S/MIME hole is two readings of the same bytes: a signature
 * checker that cuts the signed part by one rule while the MIME parser
 * that decides what is shown uses another.  Parsers disagree on lines
 * that only start with a delimiter, on delimiters with junk or extra CR
 * bytes after them, on a lone CR as a line end, on a missing close
 * delimiter.  This module finds the parts by RFC 2046 alone and reports
 * any of those as ambiguous; mime.c then checks that GMime saw the same
 * parts and parses signed content from the bytes found here.
 *
 * Everything is linear: one memmem pass per multipart body, and a needle
 * that holds no CR or LF cannot start inside an earlier occurrence at a
 * line start, so the search moves on by the needle's length.
 */
#include <string.h>

#include "upki/rawheader.h"
#include "mime-bounds-private.h"

#define MAX_BOUNDARY 256

/* Bytes the scans have looked at, for the tests that prove linearity. */
static gsize bytes_scanned;

gsize upki_mime_bounds_bytes_scanned(void)
{
	return g_atomic_pointer_get(&bytes_scanned);
}

static gsize line_end(const char *raw, gsize pos, gsize end)
{
	const char *nl = memchr(raw + pos, '\n', end - pos);
	return nl ? (gsize)(nl - raw) + 1 : end;
}

/* One reader of header blocks for the whole library (rawheader.c); here
 * only the body's start is added: the line after the empty line. */
gsize upki_mime_bounds_header_end(const char *raw, upki_span span, gboolean *odd)
{
	gsize e = upki_raw_header_block_end(raw, span.start, span.end, odd);

	return e < span.end ? line_end(raw, e, span.end) : span.end;
}

void upki_mime_bounds_clear(upki_mime_bounds *b)
{
	if (b->parts)
		g_array_unref(b->parts);
	memset(b, 0, sizeof *b);
}

/* After "--boundary" at q: "--" for the close delimiter, then only
 * spaces or tabs up to CRLF, LF or the end of the range.  Returns FALSE
 * for anything else; *next is the offset of the following line. */
static gboolean delimiter_rest(const char *raw, gsize q, gsize end, gboolean *close, gsize *next)
{
	*close = q + 1 < end && raw[q] == '-' && raw[q + 1] == '-';
	if (*close)
		q += 2;
	while (q < end && (raw[q] == ' ' || raw[q] == '\t'))
		q++;
	if (q == end) {
		*next = end;
		return *close;
	}
	if (raw[q] == '\r' && q + 1 < end && raw[q + 1] == '\n')
		q++;
	*next = q + 1;
	return raw[q] == '\n';
}

/* The line end before a delimiter at h belongs to the delimiter. */
static gsize part_end(const char *raw, gsize start, gsize h)
{
	gsize e = h;

	if (e > start && raw[e - 1] == '\n')
		e--;
	if (e > start && raw[e - 1] == '\r')
		e--;
	return e;
}

void upki_mime_bounds_scan(const char *raw, gsize body, gsize end, const char *boundary,
			   upki_mime_bounds *out)
{
	gsize blen = boundary ? strlen(boundary) : 0;
	char *needle = NULL;
	gsize nl = blen + 2, pos = body, start = 0;
	gboolean open = FALSE;

	memset(out, 0, sizeof *out);
	out->parts = g_array_new(FALSE, FALSE, sizeof(upki_span));
	if (!blen || blen > MAX_BOUNDARY || strpbrk(boundary, "\r\n")) {
		out->ambiguous = TRUE;
		return;
	}
	g_atomic_pointer_add(&bytes_scanned, (gssize)(end - body));
	needle = g_strconcat("--", boundary, NULL);
	while (pos < end && end - pos >= nl) {
		const char *hit = memmem(raw + pos, end - pos, needle, nl);
		if (!hit)
			break;
		gsize h = (gsize)(hit - raw), next = 0;
		gboolean close = FALSE;
		pos = h + nl;
		if (h > body && raw[h - 1] != '\n') {
			/* Mid-line is text; after a lone CR some readers see a line. */
			out->ambiguous |= raw[h - 1] == '\r';
			continue;
		}
		if (!delimiter_rest(raw, h + nl, end, &close, &next) || out->closed) {
			out->ambiguous = TRUE;
			continue;
		}
		if (open) {
			upki_span sp = { start, MAX(start, part_end(raw, start, h)) };
			g_array_append_val(out->parts, sp);
		}
		open = !close;
		out->closed = close;
		start = next;
		pos = next;
	}
	if (open) {
		upki_span sp = { start, end };
		g_array_append_val(out->parts, sp);
	}
	out->ambiguous |= !out->closed;
	g_free(needle);
}

GBytes *upki_mime_bounds_to_crlf(const char *raw, upki_span span)
{
	const char *s = raw + span.start;
	gsize n = span.end - span.start;
	GByteArray *out = g_byte_array_sized_new((guint)(n + n / 32 + 2));
	gsize from = 0;
	const char *nl;

	for (gsize i = 0; i < n && (nl = memchr(s + i, '\n', n - i)); i = (gsize)(nl - s) + 1) {
		gsize at = (gsize)(nl - s);
		if (at > 0 && s[at - 1] == '\r')
			continue;
		g_byte_array_append(out, (const guint8 *)s + from, (guint)(at - from));
		g_byte_array_append(out, (const guint8 *)"\r", 1);
		from = at;
	}
	g_byte_array_append(out, (const guint8 *)s + from, (guint)(n - from));
	return g_byte_array_free_to_bytes(out);
}
