/* test-mbox.c - parser/mbox.c: mailboxes split into messages.
 *
 * Every row is read with many chunk sizes (1, 2, 3 ... bytes at a time
 * and the default), so that chunk ends fall inside "\nFrom ", inside
 * "\r\n", inside ">>From " and inside the "From " line itself; the
 * messages, their offsets and sizes must not depend on where they fall.
 * Each row is also cut in two at every byte (as -j cuts a large mbox):
 * the parts, read by range readers, must give what one reader gives.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "upki/mbox.h"
#include "mbox-private.h"
#include "test-util.h"

#define TOO_LARGE NULL
#define MAX_MSGS 5

typedef struct {
	guint64 offset;
	const char *data; /* TOO_LARGE: skipped for its size */
} want_msg;

typedef struct {
	const char *name;
	const char *input;
	gsize max;         /* 0: no limit */
	gsize count;
	want_msg msgs[MAX_MSGS];
} mbox_row;

static const mbox_row rows[] = {
	{ "lf-two", "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody 1\n\n"
		    "From c@d Mon Jan  1 00:00:01 2024\nSubject: two\n\nbody 2\n",
	  0, 2, { { 0, "Subject: one\n\nbody 1\n" }, { 56, "Subject: two\n\nbody 2\n" } } },
	{ "crlf-two", "From a@b Mon Jan  1 00:00:00 2024\r\nSubject: one\r\n\r\nbody\r\n\r\n"
		      "From c@d Mon Jan  1 00:00:01 2024\r\nSubject: two\r\n\r\nbody\r\n",
	  0, 2, { { 0, "Subject: one\r\n\r\nbody\r\n" }, { 59, "Subject: two\r\n\r\nbody\r\n" } } },
	{ "mboxrd-unquote", "From a Mon 1\nS: x\n\n>From me\n>>From you\n>>>From them\n> From no\n"
			    "x>From no\n>Fro\n",
	  0, 1, { { 0, "S: x\n\nFrom me\n>From you\n>>From them\n> From no\nx>From no\n>Fro\n" } } },
	{ "mboxrd-crlf", "From a Mon 1\r\nS: x\r\n\r\n>From me\r\n",
	  0, 1, { { 0, "S: x\r\n\r\nFrom me\r\n" } } },
	{ "from-without-blank-line", "From a 1\nS: 1\n\nb\nFrom b 2\nS: 2\n\nb\n",
	  0, 2, { { 0, "S: 1\n\nb\n" }, { 17, "S: 2\n\nb\n" } } },
	{ "empty-messages", "From a 1\nFrom b 2\n\nFrom c 3\nS: 3\n",
	  0, 3, { { 0, "" }, { 9, "\n" }, { 19, "S: 3\n" } } },
	{ "no-trailing-newline", "From a 1\nS: 1\n\nlast line",
	  0, 1, { { 0, "S: 1\n\nlast line" } } },
	{ "from-line-only", "From a 1", 0, 1, { { 0, "" } } },
	{ "over-limit-then-normal",
	  "From a 1\nS: 1\n\n0123456789012345678901234567890123456789\n\nFrom b 2\nS: 2\n\nok\n",
	  20, 2, { { 0, TOO_LARGE }, { 57, "S: 2\n\nok\n" } } },
	{ "normal-over-limit-normal",
	  "From a 1\nS: 1\n\nFrom b 2\nS: 2\n\n0123456789012345678901234567890\nFrom c 3\nS: 3\n",
	  20, 3, { { 0, "S: 1\n" }, { 15, TOO_LARGE }, { 62, "S: 3\n" } } },
	{ "exactly-at-limit", "From a 1\n0123456789\nFrom b 2\n01234567890\n",
	  11, 2, { { 0, "0123456789\n" }, { 20, TOO_LARGE } } },
	{ "quoted-line-under-limit", "From a 1\n>From 12345\nFrom b 2\n>>From 123456\n",
	  11, 2, { { 0, "From 12345\n" }, { 21, TOO_LARGE } } },
	{ "preamble-blank", "\n\nFrom a 1\nS: 1\n", 0, 1, { { 2, "S: 1\n" } } },
	{ "preamble-text", "S: 0\n\nx\nFrom a 1\nS: 1\n",
	  0, 2, { { 0, "S: 0\n\nx\n" }, { 8, "S: 1\n" } } },
	{ "empty-input", "", 0, 0, { { 0, NULL } } },
	{ "long-quote-run",
	  "From a 1\n>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>From x\n",
	  0, 1, { { 0, ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>From x\n" } } },
	{ "from-inside-lines", "From a 1\nS: x\n\nsaid From here\n>From quoted\n\nFrom b 2\nS: y\n",
	  0, 2, { { 0, "S: x\n\nsaid From here\nFrom quoted\n" }, { 44, "S: y\n" } } },
	{ "From-colon-is-a-header", "From a 1\nFrom: x@y\nFromage\n\nFrom\n",
	  0, 1, { { 0, "From: x@y\nFromage\n\nFrom\n" } } },
};

static const gsize chunks[] = { 1, 2, 3, 4, 5, 6, 7, 11, 64, 0 };

static void check_row(const mbox_row *row, gsize chunk)
{
	gsize len = strlen(row->input);
	GInputStream *in = g_memory_input_stream_new_from_data(row->input, (gssize)len, NULL);
	upki_mbox_reader *r = upki_mbox_reader_new_chunked(in, row->max, chunk);
	upki_mbox_message m = { 0 };
	GError *err = NULL;
	gsize i = 0;
	guint64 end = len;

	while (upki_mbox_reader_next(r, &m, &err)) {
		g_assert_cmpuint(i, <, row->count);
		const want_msg *w = &row->msgs[i];
		guint64 next = i + 1 < row->count ? row->msgs[i + 1].offset : end;
		g_assert_cmpuint(m.offset, ==, w->offset);
		g_assert_cmpuint(m.size, ==, next - w->offset);
		if (w->data == TOO_LARGE) {
			g_assert_true(m.too_large);
			g_assert_null(m.data);
		} else {
			g_assert_false(m.too_large);
			g_assert_nonnull(m.data);
			g_assert_cmpmem(m.data, m.len, w->data, strlen(w->data));
		}
		upki_mbox_message_clear(&m);
		i++;
	}
	g_assert_no_error(err);
	g_assert_cmpuint(i, ==, row->count);
	g_assert_cmpuint(upki_mbox_reader_tell(r), ==, len);
	g_assert_false(upki_mbox_reader_next(r, &m, &err));
	upki_mbox_reader_free(r);
	g_object_unref(in);
}

static void test_row(gconstpointer data)
{
	for (gsize c = 0; c < G_N_ELEMENTS(chunks); c++)
		check_row(data, chunks[c]);
}

/* The offset of each message is where its "From " line starts. */
static void test_offsets_point_at_from_lines(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		const mbox_row *row = &rows[i];
		for (gsize j = 0; j < row->count; j++) {
			const char *at = row->input + row->msgs[j].offset;
			/* Text before the first "From " line is a message at 0. */
			if (j == 0 && !g_str_has_prefix(row->input, "From ") && !g_ascii_isspace(row->input[0]))
				continue;
			g_assert_true(g_str_has_prefix(at, "From "));
		}
	}
}

static const struct {
	const char *text;
	gboolean mbox;
} looks_rows[] = {
	{ "From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nReturn-Path: <>\n", TRUE },
	{ "From - Mon Jan  1 00:00:00 2024\r\n", TRUE },
	{ "From a@b.example Mon Jan  1 00:00:00 2024", TRUE },
	{ "From: a@b.example\nSubject: x\n", FALSE },
	{ "From  Mon Jan  1 00:00:00 2024\n", FALSE },
	{ "From someone\n", FALSE },
	{ "Received: from x\n", FALSE },
	{ "From", FALSE },
	{ "", FALSE },
};

static void test_looks_like(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(looks_rows); i++)
		g_assert_cmpint(upki_mbox_looks_like(looks_rows[i].text, strlen(looks_rows[i].text)), ==,
				looks_rows[i].mbox);
	g_assert_false(upki_mbox_looks_like(NULL, 0));
}

/* Many messages through the default chunk size: a boundary lands on
 * every possible position of a chunk sooner or later. */
static void test_many_messages(void)
{
	GString *s = g_string_new(NULL);
	GInputStream *in = NULL;
	upki_mbox_reader *r = NULL;
	upki_mbox_message m = { 0 };
	GError *err = NULL;
	guint n = 0;

	for (guint i = 0; i < 20000; i++)
		g_string_append_printf(s, "From x%u Mon 1\nSubject: %u\n\n>From %*u\n\n", i, i, (int)(i % 97), i);
	in = g_memory_input_stream_new_from_data(s->str, (gssize)s->len, NULL);
	r = upki_mbox_reader_new(in, 0);
	while (upki_mbox_reader_next(r, &m, &err)) {
		char *want = g_strdup_printf("Subject: %u\n\nFrom %*u\n", n, (int)(n % 97), n);
		g_assert_cmpmem(m.data, m.len, want, strlen(want));
		g_assert_true(g_str_has_prefix(s->str + m.offset, "From x"));
		g_free(want);
		upki_mbox_message_clear(&m);
		n++;
	}
	g_assert_no_error(err);
	g_assert_cmpuint(n, ==, 20000);
	upki_mbox_reader_free(r);
	g_object_unref(in);
	g_string_free(s, TRUE);
}

/* Every message of r, one after the other: offset, size, data. */
static GString *messages_of(upki_mbox_reader *r, GString *out)
{
	upki_mbox_message m = { 0 };
	GError *err = NULL;

	while (upki_mbox_reader_next(r, &m, &err)) {
		g_string_append_printf(out, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":", m.offset, m.size);
		if (m.too_large)
			g_string_append(out, "(too large)");
		else
			g_string_append_len(out, m.data, (gssize)m.len);
		g_string_append_c(out, '\0');
		upki_mbox_message_clear(&m);
	}
	g_assert_no_error(err);
	upki_mbox_reader_free(r);
	return out;
}

/* The messages of row->input[start..end) read by a range reader. */
static void range_messages(const mbox_row *row, guint64 start, guint64 end, GString *out)
{
	gsize len = strlen(row->input);
	GInputStream *in = g_memory_input_stream_new_from_data(row->input, (gssize)len, NULL);

	g_assert_true(g_seekable_seek(G_SEEKABLE(in), (goffset)start, G_SEEK_SET, NULL, NULL));
	messages_of(upki_mbox_reader_new_range(in, row->max, start, end), out);
	g_object_unref(in);
}

/* Cut at the first boundary at or after every byte, the two parts give
 * the messages of the whole. */
static void test_ranges(void)
{
	char *path = NULL;
	int fd = g_file_open_tmp("test-mbox-XXXXXX", &path, NULL);

	g_assert_cmpint(fd, >=, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		const mbox_row *row = &rows[i];
		gsize len = strlen(row->input);
		GInputStream *in = g_memory_input_stream_new_from_data(row->input, (gssize)len, NULL);
		GString *whole = messages_of(upki_mbox_reader_new(in, row->max), g_string_new(NULL));

		g_object_unref(in);
		/* A preamble is a message no boundary counts; -j splits mboxes only. */
		if (!g_str_has_prefix(row->input, "From ")) {
			g_string_free(whole, TRUE);
			continue;
		}
		g_assert_true(ftruncate(fd, 0) == 0);
		g_assert_cmpint(pwrite(fd, row->input, len, 0), ==, (gssize)len);
		for (guint64 p = 0; p <= len; p++) {
			GString *parts = g_string_new(NULL);
			guint64 at = 0;
			g_assert_true(upki_mbox_find_boundary(fd, p, len, &at, NULL));
			g_assert_cmpuint(at, >=, p);
			g_assert_true(at == len || (strncmp(row->input + at, "From ", 5) == 0 &&
						   (at == 0 || row->input[at - 1] == '\n')));
			range_messages(row, 0, at, parts);
			range_messages(row, at, G_MAXUINT64, parts);
			g_assert_cmpmem(parts->str, parts->len, whole->str, whole->len);
			g_string_free(parts, TRUE);
		}
		g_string_free(whole, TRUE);
	}
	close(fd);
	g_unlink(path);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/mbox/split", rows, name, test_row);
	g_test_add_func("/mbox/offsets", test_offsets_point_at_from_lines);
	g_test_add_func("/mbox/looks-like", test_looks_like);
	g_test_add_func("/mbox/many", test_many_messages);
	g_test_add_func("/mbox/ranges", test_ranges);
	return g_test_run();
}
