/* retrieve-zip.c - the ZIPs the site hands out (libzip) and the
 * tab-separated tables inside them.  The sizes a ZIP's directory states
 * are the sender's word: entries are inflated in chunks and the bytes
 * that actually come out are counted against the limits, so a bomb stops
 * at the limit, not after filling memory.  ZIP_CHECKCONS checks the
 * directory's consistency, not the sizes. */
#include <string.h>
#include <zip.h>

#include "retrieve-private.h"

#define CHUNK 65536

static void entry_free(gpointer p)
{
	fetch_zip_entry *e = p;

	g_free(e->name);
	if (e->data != NULL)
		g_bytes_unref(e->data);
	g_free(e);
}

/* Inflates entry i, adding what it yields to *total. */
static fetch_outcome read_entry(zip_t *za, zip_uint64_t i, gsize max_total, gsize *total, GBytes **out,
				char **error)
{
	zip_file_t *zf = zip_fopen_index(za, i, 0);
	GByteArray *buf = g_byte_array_new();
	char *chunk = g_malloc(CHUNK);
	fetch_outcome r = FETCH_FAIL;

	if (zf == NULL) {
		*error = g_strdup_printf("ZIP entry %" G_GUINT64_FORMAT ": %s", (guint64)i,
					 zip_error_strerror(zip_get_error(za)));
		goto out;
	}
	for (;;) {
		zip_int64_t n = zip_fread(zf, chunk, CHUNK);

		if (n < 0) {
			*error = g_strdup_printf("ZIP entry %" G_GUINT64_FORMAT ": %s", (guint64)i,
						 zip_error_strerror(zip_file_get_error(zf)));
			goto out;
		}
		if (n == 0)
			break;
		if ((gsize)n > max_total - *total) {
			*error = g_strdup_printf("ZIP inflates to more than %" G_GSIZE_FORMAT " bytes", max_total);
			goto out;
		}
		*total += (gsize)n;
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
	}
	*out = g_byte_array_free_to_bytes(g_steal_pointer(&buf));
	r = FETCH_OK;
out:
	if (zf != NULL)
		zip_fclose(zf);
	if (buf != NULL)
		g_byte_array_unref(buf);
	g_free(chunk);
	return r;
}

static fetch_outcome read_archive(zip_t *za, guint max_entries, gsize max_uncompressed, GPtrArray **entries,
				  char **error)
{
	zip_int64_t count = zip_get_num_entries(za, 0);
	GPtrArray *list = g_ptr_array_new_with_free_func(entry_free);
	gsize total = 0;
	fetch_outcome r = FETCH_FAIL;

	if (count < 0 || (guint64)count > max_entries) {
		*error = g_strdup_printf("ZIP holds %" G_GINT64_FORMAT " entries, more than %u", (gint64)count,
					 max_entries);
		goto out;
	}
	for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
		const char *name = zip_get_name(za, i, ZIP_FL_ENC_GUESS);
		fetch_zip_entry *e;

		if (name == NULL) {
			*error = g_strdup_printf("ZIP entry %" G_GUINT64_FORMAT ": no name", (guint64)i);
			goto out;
		}
		if (g_str_has_suffix(name, "/"))
			continue; /* a directory */
		e = g_new0(fetch_zip_entry, 1);
		e->name = g_strdup(name);
		g_ptr_array_add(list, e);
		if (read_entry(za, i, max_uncompressed, &total, &e->data, error) != FETCH_OK)
			goto out;
	}
	*entries = g_steal_pointer(&list);
	r = FETCH_OK;
out:
	if (list != NULL)
		g_ptr_array_unref(list);
	return r;
}

fetch_outcome fetch_zip_read(GBytes *data, guint max_entries, gsize max_uncompressed, GPtrArray **entries,
			     char **error)
{
	gsize len = 0;
	const void *p = g_bytes_get_data(data, &len);
	zip_error_t zerr;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	fetch_outcome r = FETCH_FAIL;

	zip_error_init(&zerr);
	src = zip_source_buffer_create(p, len, 0, &zerr);
	if (src != NULL)
		za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (za == NULL) {
		*error = g_strdup_printf("not a readable ZIP: %s", zip_error_strerror(&zerr));
		if (src != NULL)
			zip_source_free(src);
		goto out;
	}
	r = read_archive(za, max_entries, max_uncompressed, entries, error);
	zip_discard(za);
out:
	zip_error_fini(&zerr);
	return r;
}

fetch_outcome fetch_zip_read_file(const char *path, guint max_entries, gsize max_uncompressed,
				  GPtrArray **entries, char **error)
{
	int zerrno = 0;
	zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerrno);
	fetch_outcome r;

	if (za == NULL) {
		zip_error_t zerr;

		zip_error_init_with_code(&zerr, zerrno);
		*error = g_strdup_printf("%s: not a readable ZIP: %s", path, zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return FETCH_FAIL;
	}
	r = read_archive(za, max_entries, max_uncompressed, entries, error);
	zip_discard(za);
	return r;
}

/* The README does not say the tables' charset: UTF-8 when the bytes are
 * valid UTF-8, else Shift_JIS as Windows writes it (CP932). */
static char *to_utf8(const char *text, gsize len)
{
	if (len >= 3 && memcmp(text, "\357\273\277", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (g_utf8_validate(text, (gssize)len, NULL))
		return g_strndup(text, len);
	return g_convert(text, (gssize)len, "UTF-8", "CP932", NULL, NULL, NULL);
}

static char *unquote(char *field)
{
	size_t n = strlen(g_strstrip(field));

	if (n >= 2 && field[0] == '"' && field[n - 1] == '"') {
		memmove(field, field + 1, n - 2);
		field[n - 2] = '\0';
	}
	return field;
}

static void wipe_free(char *s)
{
	if (s != NULL)
		memset(s, 0, strlen(s));
	g_free(s);
}

GPtrArray *fetch_tsv_rows(const char *text, gsize len, guint min_fields, char **error)
{
	char *utf8 = to_utf8(text, len);
	char **lines = NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	gboolean header = TRUE;

	if (utf8 == NULL) {
		*error = g_strdup("table is neither UTF-8 nor Shift_JIS");
		goto fail;
	}
	lines = g_strsplit(utf8, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		char **fields;

		g_strchomp(lines[i]); /* also the \r of CRLF */
		if (lines[i][0] == '\0')
			continue;
		if (header) {
			header = FALSE;
			continue;
		}
		fields = g_strsplit(lines[i], "\t", -1);
		if (g_strv_length(fields) < min_fields) {
			*error = g_strdup_printf("table line %u has %u fields, %u expected", i + 1,
						 g_strv_length(fields), min_fields);
			g_strfreev(fields);
			goto fail;
		}
		for (guint f = 0; fields[f] != NULL; f++)
			unquote(fields[f]);
		g_ptr_array_add(rows, fields);
	}
	if (rows->len == 0) {
		*error = g_strdup("table has no records");
		goto fail;
	}
	g_strfreev(lines);
	wipe_free(utf8);
	return rows;
fail:
	g_strfreev(lines);
	wipe_free(utf8);
	g_ptr_array_unref(rows);
	return NULL;
}

static gboolean is_table_name(const char *name)
{
	char *low = g_ascii_strdown(name, -1);
	gboolean yes = g_str_has_suffix(low, ".txt") || g_str_has_suffix(low, ".tsv") || g_str_has_suffix(low, ".csv");

	g_free(low);
	return yes;
}

static fetch_outcome add_records(GBytes *data, GPtrArray *records, char **error)
{
	gsize len = 0;
	const char *text = g_bytes_get_data(data, &len);
	GPtrArray *rows = fetch_tsv_rows(text, len, 4, error);

	if (rows == NULL)
		return FETCH_FAIL;
	for (guint i = 0; i < rows->len; i++) {
		char **f = rows->pdata[i];
		fetch_pin_record *r;

		if (strchr(f[1], '@') == NULL || f[2][0] == '\0') {
			/* the PIN itself is never part of an error */
			*error = g_strdup_printf("PIN table record %u: no email or no PIN", i + 1);
			g_ptr_array_unref(rows);
			return FETCH_FAIL;
		}
		r = g_new0(fetch_pin_record, 1);
		r->name = g_strdup(f[0]);
		r->email = g_strdup(f[1]);
		r->pin = g_strdup(f[2]);
		r->dn = g_strdup(f[3]);
		g_ptr_array_add(records, r);
		memset(f[2], 0, strlen(f[2]));
	}
	g_ptr_array_unref(rows);
	return FETCH_OK;
}

fetch_outcome fetch_pin_records_from_zip(GPtrArray *entries, GPtrArray **records, char **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_pin_record_free);
	fetch_outcome r = FETCH_FAIL;

	for (guint i = 0; i < entries->len; i++) {
		fetch_zip_entry *e = entries->pdata[i];

		/* the table by its name, or the one file the ZIP holds */
		if (!is_table_name(e->name) && entries->len != 1)
			continue;
		if (add_records(e->data, out, error) != FETCH_OK)
			goto out;
	}
	if (out->len == 0) {
		*error = g_strdup("PIN ZIP holds no table");
		goto out;
	}
	*records = g_steal_pointer(&out);
	r = FETCH_OK;
out:
	if (out != NULL)
		g_ptr_array_unref(out);
	return r;
}
