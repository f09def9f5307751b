/* upki-unwrap.c - reads a message wrapped by Annotate wrap back, for the
 * shell tests, independently of the code that wrote it:
 *
 *   upki-unwrap check FILE      structure as docs/wrap.md says, or exit 1 and why
 *   upki-unwrap text FILE       the decoded text/plain instructions
 *   upki-unwrap html FILE       the decoded text/html instructions
 *   upki-unwrap original FILE   the attached message/rfc822, its raw bytes
 *   upki-unwrap fields FILE     the outer header's field names, one a line
 *
 * The structure is read with GMime (multipart/mixed of a
 * multipart/alternative of text/plain and text/html in UTF-8, then a
 * message/rfc822); the original is cut out of the raw bytes by the
 * boundary GMime reports, so that a test compares bytes, not a
 * re-serialisation.  A leading mbox "From " line is skipped.
 */
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

static int fail(const char *why)
{
	fprintf(stderr, "upki-unwrap: %s\n", why);
	return 1;
}

static gboolean is_type(GMimeObject *o, const char *type, const char *sub)
{
	return o && g_mime_content_type_is_type(g_mime_object_get_content_type(o), type, sub);
}

static gboolean utf8_part(GMimeObject *o, const char *sub)
{
	const char *cs = NULL;

	if (!is_type(o, "text", sub))
		return FALSE;
	cs = g_mime_object_get_content_type_parameter(o, "charset");
	return cs && g_ascii_strcasecmp(cs, "utf-8") == 0;
}

static char *decoded(GMimeObject *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(part));
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba = NULL;
	char *s = NULL;

	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	s = g_strndup((const char *)ba->data, ba->len);
	g_object_unref(mem);
	return s;
}

/* The bytes of the second part of the outer multipart, by its boundary:
 * from after its header's empty line to the line end before the
 * closing delimiter. */
static gboolean original_bytes(const char *buf, gsize len, const char *boundary, const char **start,
			       gsize *size)
{
	char *delim = g_strdup_printf("--%s", boundary);
	char *close = g_strdup_printf("--%s--", boundary);
	const char *p = buf, *end = buf + len, *second = NULL, *body = NULL, *closing = NULL;
	guint seen = 0;
	gboolean ok = FALSE;

	/* delimiters stand at a line start */
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		gsize ll = (gsize)((nl ? nl : end) - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == strlen(close) && memcmp(p, close, ll) == 0) {
			closing = p;
			break;
		}
		if (ll == strlen(delim) && memcmp(p, delim, ll) == 0 && ++seen == 2)
			second = nl ? nl + 1 : end;
		if (second && !body && p >= second && ll == 0)
			body = nl ? nl + 1 : end;
		p = nl ? nl + 1 : end;
	}
	if (!body || !closing || closing < body)
		goto out;
	/* the line end before the delimiter belongs to it */
	closing--;
	if (closing > body && closing[-1] == '\r')
		closing--;
	*start = body;
	*size = (gsize)(closing - body);
	ok = TRUE;
out:
	g_free(delim);
	g_free(close);
	return ok;
}

int main(int argc, char **argv)
{
	char *buf = NULL;
	gsize len = 0, off = 0;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	GMimeObject *top = NULL, *alt = NULL, *text = NULL, *html = NULL, *orig = NULL;
	int rc = 1;

	if (argc != 3)
		return fail("usage: upki-unwrap check|text|html|original|fields FILE");
	if (!g_file_get_contents(argv[2], &buf, &len, NULL))
		return fail("cannot read the file");
	if (len > 5 && memcmp(buf, "From ", 5) == 0) {
		const char *nl = memchr(buf, '\n', len);
		off = nl ? (gsize)(nl + 1 - buf) : len;
	}
	g_mime_init();
	stream = g_mime_stream_mem_new_with_buffer(buf + off, len - off);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	top = msg ? g_mime_message_get_mime_part(msg) : NULL;
	if (!is_type(top, "multipart", "mixed") || g_mime_multipart_get_count(GMIME_MULTIPART(top)) != 2) {
		rc = fail("not a multipart/mixed of two parts");
		goto out;
	}
	alt = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
	orig = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
	if (!is_type(alt, "multipart", "alternative") || g_mime_multipart_get_count(GMIME_MULTIPART(alt)) != 2) {
		rc = fail("first part is not a multipart/alternative of two parts");
		goto out;
	}
	text = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0);
	html = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1);
	if (!utf8_part(text, "plain") || !utf8_part(html, "html")) {
		rc = fail("the alternatives are not text/plain then text/html, UTF-8");
		goto out;
	}
	if (!is_type(orig, "message", "rfc822") || !GMIME_IS_MESSAGE_PART(orig) ||
	    !g_mime_message_part_get_message(GMIME_MESSAGE_PART(orig))) {
		rc = fail("second part is not a message/rfc822");
		goto out;
	}
	rc = 0;
	if (strcmp(argv[1], "text") == 0 || strcmp(argv[1], "html") == 0) {
		char *s = decoded(strcmp(argv[1], "text") == 0 ? text : html);
		fputs(s, stdout);
		g_free(s);
	} else if (strcmp(argv[1], "original") == 0) {
		const char *b = g_mime_object_get_content_type_parameter(top, "boundary");
		const char *start = NULL;
		gsize size = 0;
		if (!b || !original_bytes(buf + off, len - off, b, &start, &size))
			rc = fail("the attached original cannot be cut out by its boundary");
		else
			fwrite(start, 1, size, stdout);
	} else if (strcmp(argv[1], "fields") == 0) {
		GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
		for (int i = 0; i < g_mime_header_list_get_count(hl); i++)
			printf("%s\n", g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i)));
	} else if (strcmp(argv[1], "check") != 0) {
		rc = fail("unknown command");
	}
out:
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_free(buf);
	return rc;
}
