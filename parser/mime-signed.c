/* mime-signed.c - the exact bytes under a multipart/signed signature.
 *
 * The signer hashed the first body part as it sent it (RFC 1847, RFC
 * 8551 3.5): its headers, its body, CRLF line ends, without the line end
 * before the next delimiter.  GMime's re-serialisation may differ in a
 * byte (header folding, trailing space), so the part is cut out of the
 * raw message instead.  A mail system that stored the message with LF
 * line ends changed nothing else, so LF becomes CRLF again.
 */
#include <string.h>

#include "upki/mime-signed.h"

/* Offset of the line after the one starting at pos, or len. */
static gsize next_line(const char *raw, gsize len, gsize pos)
{
	const char *nl = memchr(raw + pos, '\n', len - pos);
	return nl ? (gsize)(nl - raw) + 1 : len;
}

static gboolean is_blank_line(const char *raw, gsize len, gsize pos)
{
	if (pos < len && raw[pos] == '\n')
		return TRUE;
	return pos + 1 < len && raw[pos] == '\r' && raw[pos + 1] == '\n';
}

/* Start of the body: the line after the first empty line from pos on. */
static gboolean skip_headers(const char *raw, gsize len, gsize *pos)
{
	for (gsize p = *pos; p < len; p = next_line(raw, len, p)) {
		if (is_blank_line(raw, len, p)) {
			*pos = next_line(raw, len, p);
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean starts_with_boundary(const char *raw, gsize len, gsize pos, const char *b, gsize blen)
{
	return pos + 2 + blen <= len && raw[pos] == '-' && raw[pos + 1] == '-' &&
	       memcmp(raw + pos + 2, b, blen) == 0;
}

/* A delimiter line: "--boundary", optional white space, then the line end. */
static gboolean is_delimiter(const char *raw, gsize len, gsize pos, const char *b, gsize blen)
{
	if (!starts_with_boundary(raw, len, pos, b, blen))
		return FALSE;
	gsize p = pos + 2 + blen;
	while (p < len && (raw[p] == ' ' || raw[p] == '\t'))
		p++;
	if (p < len && raw[p] == '\r')
		p++;
	return p < len && raw[p] == '\n';
}

static GBytes *to_crlf(const char *s, gsize n)
{
	GByteArray *out = g_byte_array_sized_new((guint)(n + n / 32 + 2));

	for (gsize i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			g_byte_array_append(out, (const guint8 *)"\r", 1);
		g_byte_array_append(out, (const guint8 *)s + i, 1);
	}
	return g_byte_array_free_to_bytes(out);
}

GBytes *upki_mime_signed_content(const char *raw, gsize len, gsize entity, const char *boundary)
{
	gsize blen = boundary ? strlen(boundary) : 0;
	gsize pos = entity, start, end;

	if (!raw || !blen || entity >= len || !skip_headers(raw, len, &pos))
		return NULL;
	while (pos < len && !is_delimiter(raw, len, pos, boundary, blen))
		pos = next_line(raw, len, pos);
	if (pos >= len)
		return NULL;
	start = next_line(raw, len, pos);
	for (end = start; end < len; end = next_line(raw, len, end))
		if (starts_with_boundary(raw, len, end, boundary, blen))
			break;
	if (end >= len)
		return NULL;
	/* The line end before the delimiter belongs to the delimiter. */
	if (end > start && raw[end - 1] == '\n')
		end--;
	if (end > start && raw[end - 1] == '\r')
		end--;
	return to_crlf(raw + start, end - start);
}
