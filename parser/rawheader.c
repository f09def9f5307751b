/* rawheader.c - where the fields of a header block start and end, in bytes.
 *
 * Only positions are found here; nothing is decoded, so an edit made
 * from them (annotate.c) leaves every other byte of the message as it
 * was.  The header block ends where an MTA would end it: at an empty
 * line, or at a line that is neither "name:" nor a continuation.
 */
#include <string.h>

#include "upki/rawheader.h"

#define FOLD_COLUMNS 78

static gsize line_end(const char *buf, gsize len, gsize pos)
{
	const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
	return nl ? (gsize)(nl - buf) + 1 : len;
}

static gboolean is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static gboolean is_empty_line(const char *buf, gsize len, gsize pos)
{
	return buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n');
}

/* Length of the field name at pos up to its colon (0: not a field line);
 * *colon gets the colon's offset.  Obsolete syntax allows spaces before
 * the colon ("Subject :"); they are not part of the name. */
static gsize field_name(const char *buf, gsize len, gsize pos, gsize *colon)
{
	gsize i = pos, name_len;

	while (i < len && buf[i] > 32 && buf[i] < 127 && buf[i] != ':')
		i++;
	name_len = i - pos;
	while (i < len && is_wsp(buf[i]))
		i++;
	if (name_len == 0 || i >= len || buf[i] != ':')
		return 0;
	*colon = i;
	return name_len;
}

upki_raw_header *upki_raw_header_scan(const char *msg, gsize len)
{
	upki_raw_header *h = g_new0(upki_raw_header, 1);
	gsize pos = 0;

	h->fields = g_array_new(FALSE, TRUE, sizeof(upki_raw_field));
	if (len >= 5 && memcmp(msg, "From ", 5) == 0)
		pos = h->from_line = line_end(msg, len, 0);
	{
		gsize first = line_end(msg, len, pos);
		h->crlf = first >= 2 && msg[first - 1] == '\n' && msg[first - 2] == '\r';
	}
	while (pos < len && !is_empty_line(msg, len, pos)) {
		upki_raw_field f = { .start = pos };
		gsize colon = 0;

		f.name_len = field_name(msg, len, pos, &colon);
		if (f.name_len == 0)
			break;
		f.value = colon + 1;
		f.end = line_end(msg, len, pos);
		while (f.end < len && is_wsp(msg[f.end]))
			f.end = line_end(msg, len, f.end);
		f.has_eol = msg[f.end - 1] == '\n';
		g_array_append_val(h->fields, f);
		pos = f.end;
	}
	h->end = pos;
	return h;
}

void upki_raw_header_free(upki_raw_header *h)
{
	if (!h)
		return;
	g_array_unref(h->fields);
	g_free(h);
}

gboolean upki_raw_field_is(const char *msg, const upki_raw_field *f, const char *name)
{
	return strlen(name) == f->name_len && g_ascii_strncasecmp(msg + f->start, name, f->name_len) == 0;
}

char *upki_raw_field_value(const char *msg, const upki_raw_field *f)
{
	GString *v = g_string_sized_new(f->end - f->value);

	for (gsize i = f->value; i < f->end; i++)
		if (msg[i] != '\r' && msg[i] != '\n')
			g_string_append_c(v, msg[i]);
	return g_strstrip(g_string_free(v, FALSE));
}

char *upki_raw_strip_comments(const char *value)
{
	GString *out = g_string_sized_new(strlen(value));
	guint depth = 0;
	gboolean quoted = FALSE;

	for (const char *p = value; *p; p++) {
		if (*p == '\\' && p[1] && (quoted || depth)) {
			if (!depth)
				g_string_append_len(out, p, 2);
			p++;
			continue;
		}
		if (!depth && *p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '(') {
			depth++;
			continue;
		} else if (!quoted && depth && *p == ')') {
			depth--;
			/* a comment separates like white space does */
			if (!depth)
				g_string_append_c(out, ' ');
			continue;
		}
		if (!depth)
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* The words of value for folding: split at single spaces; a second space
 * in a row belongs to the next word, so unfolding gives value back. */
static GPtrArray *fold_words(const char *value)
{
	GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
	const char *p = value;

	while (*p) {
		const char *start = p;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		g_ptr_array_add(words, g_strndup(start, (gsize)(p - start)));
		if (*p == ' ')
			p++;
	}
	return words;
}

char *upki_raw_fold(const char *name, const char *value, const char *eol, gboolean final_eol)
{
	GString *out = g_string_new(name);
	char *clean = g_strdup(value);
	GPtrArray *words = NULL;
	gsize line_start = 0;

	g_string_append_c(out, ':');
	/* a value never carries its own line ends into the output */
	g_strdelimit(clean, "\r\n", ' ');
	words = fold_words(clean);
	for (guint i = 0; i < words->len; i++) {
		const char *w = g_ptr_array_index(words, i);
		gsize column = out->len - line_start;
		if (i > 0 && column + 1 + strlen(w) > FOLD_COLUMNS) {
			g_string_append(out, eol);
			line_start = out->len;
		}
		g_string_append_c(out, ' ');
		g_string_append(out, w);
	}
	if (final_eol)
		g_string_append(out, eol);
	g_ptr_array_unref(words);
	g_free(clean);
	return g_string_free(out, FALSE);
}

gboolean upki_raw_header_plausible(const char *hdr, gsize len)
{
	gsize i = 0;

	while (i < len && hdr[i] > ' ' && hdr[i] < 127 && hdr[i] != ':')
		i++;
	return i > 0 && i < len && hdr[i] == ':' && !memchr(hdr, '\0', len);
}
