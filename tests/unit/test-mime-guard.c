/* test-mime-guard.c - parser/mime-guard.c: address fields with more group
 * colons than GMime's recursive group parser survives get the extra colons
 * turned into spaces, in a copy of the same length; nothing else changes.
 * (The crash it prevents: the groups-in-groups cases of test-mime.c.) */
#include <string.h>

#include "mime-guard-private.h"

#define BOUND 64 /* MAX_COLONS of mime-guard.c */

static void test_guard(void)
{
	GString *s = g_string_new("Subject: a:b:c\nTo: ");
	char *out = NULL;

	for (int i = 0; i < 100; i++)
		g_string_append(s, "g:");
	g_string_append(s, "\n\tg:g:\nX-Other: ");
	for (int i = 0; i < 100; i++)
		g_string_append(s, "x:");
	g_string_append(s, "\n");
	out = upki_mime_guard(s->str, s->len);
	g_assert_nonnull(out);
	/* Only the address field changed, and only past 64 colons. */
	guint changed = 0, kept = 0;
	for (gsize i = 0; i < s->len; i++) {
		if (out[i] != s->str[i]) {
			g_assert_cmpint(s->str[i], ==, ':');
			g_assert_cmpint(out[i], ==, ' ');
			changed++;
		}
		kept += out[i] == ':';
	}
	g_assert_cmpuint(changed, ==, 102 - 64);
	g_assert_cmpuint(kept, ==, 3 + 1 + 64 + 1 + 100);
	g_free(out);
	g_assert_null(upki_mime_guard("To: a@b, g: c@d;\n", 18));
	g_assert_null(upki_mime_guard(NULL, 0));
	g_string_free(s, TRUE);
}

/* "Name: " and then n colons, each after a letter. */
static char *field_with(const char *name, guint n, const char *eol)
{
	GString *s = g_string_new(name);

	for (guint i = 0; i < n; i++)
		g_string_append(s, "g:");
	g_string_append(s, eol);
	return g_string_free(s, FALSE);
}

static guint count_changed(const char *in, const char *out, gsize len)
{
	guint n = 0;

	for (gsize i = 0; i < len; i++)
		if (in[i] != out[i]) {
			g_assert_cmpint(in[i], ==, ':');
			g_assert_cmpint(out[i], ==, ' ');
			n++;
		}
	return n;
}

/* Which names are address fields, and the bound exactly. */
static void test_guard_fields(void)
{
	static const struct {
		const char *name;
		gboolean address;
	} rows[] = {
		{ "From: ", TRUE }, { "sender: ", TRUE }, { "Reply-To: ", TRUE }, { "TO: ", TRUE },
		{ "Cc: ", TRUE }, { "Bcc: ", TRUE }, { "Resent-From: ", TRUE }, { "Resent-Cc: ", TRUE },
		{ "Resent-Bcc: ", TRUE }, { "To : ", TRUE }, { "To\t: ", TRUE },
		{ "Subject: ", FALSE }, { "X-To: ", FALSE }, { "Tox: ", FALSE }, { " To: ", FALSE },
		{ "Comments: ", FALSE }, { "To", FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("field '%s'", rows[i].name);
		for (guint n = BOUND; n <= BOUND + 2; n++) {
			char *in = field_with(rows[i].name, n, "\r\n");
			gsize len = strlen(in);
			char *out = upki_mime_guard(in, len);
			guint want = rows[i].address ? n - BOUND : 0;
			if (!want) {
				g_assert_null(out);
			} else {
				g_assert_nonnull(out);
				g_assert_cmpuint(count_changed(in, out, len), ==, want);
				/* The first BOUND colons stay, the later ones go. */
				g_assert_nonnull(strchr(out, ':'));
				g_assert_cmpint(out[len - 3], ==, ' ');
			}
			g_free(out);
			g_free(in);
		}
	}
}

/* Colons are counted per field, its continuation lines included, and the
 * copy keeps every other byte, NULs and all. */
static void test_guard_counting(void)
{
	/* Two To fields of BOUND colons each: neither is over. */
	char *a = field_with("To: ", BOUND, "\n"), *b = field_with("To: ", BOUND, "\n");
	char *two = g_strconcat(a, b, NULL);
	g_assert_null(upki_mime_guard(two, strlen(two)));

	/* One field folded over two lines: 2 * BOUND colons, BOUND too many. */
	char *folded = g_strconcat(a, " ", b + 4, NULL);
	char *out = upki_mime_guard(folded, strlen(folded));
	g_assert_nonnull(out);
	g_assert_cmpuint(count_changed(folded, out, strlen(folded)), ==, BOUND);
	g_free(out);

	/* A NUL and 8-bit bytes before the field; the length is what was given. */
	char *over = field_with("Cc: ", BOUND + 1, "\n");
	GString *s = g_string_new_len("X: \0\xff\n", 6);
	g_string_append(s, over);
	g_string_append(s, "\nbody\n");
	out = upki_mime_guard(s->str, s->len);
	g_assert_nonnull(out);
	g_assert_cmpuint(count_changed(s->str, out, s->len), ==, 1);
	g_assert_cmpmem(out, 6, "X: \0\xff\n", 6);
	g_free(out);
	/* Cut before the 65th colon: nothing to change. */
	g_assert_null(upki_mime_guard(s->str, 6 + strlen(over) - 3));
	g_string_free(s, TRUE);
	g_free(over);
	g_free(folded);
	g_free(two);
	g_free(a);
	g_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mime-guard/guard", test_guard);
	g_test_add_func("/mime-guard/fields", test_guard_fields);
	g_test_add_func("/mime-guard/counting", test_guard_counting);
	return g_test_run();
}
