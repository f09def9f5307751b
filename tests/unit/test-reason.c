/* test-reason.c - parser/reason.c: the reason tokens (an interface: JSON,
 * headers, logs; never renamed), their round trip, and sets joined in
 * enum order whatever order the bits were set in. */
#include <string.h>

#include "upki/reason.h"

static void test_reasons(void)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (int r = 0; r < UPKI_R_COUNT; r++) {
		const char *t = upki_reason_token((upki_reason)r);
		g_assert_nonnull(t);
		g_assert_false(g_hash_table_contains(seen, t));
		g_hash_table_add(seen, (gpointer)t);
		g_assert_cmpint(upki_reason_from_token(t), ==, r);
	}
	g_assert_cmpint(upki_reason_from_token("nope"), ==, UPKI_R_COUNT);
	char *all = upki_reason_join(UPKI_REASON_BIT(UPKI_R_URL_HOST) | UPKI_REASON_BIT(UPKI_R_UNSIGNED), ",");
	g_assert_cmpstr(all, ==, "unsigned,url-host");
	g_free(all);
	char *none = upki_reason_join(0, ",");
	g_assert_cmpstr(none, ==, "");
	g_free(none);
	g_assert_cmpstr(upki_reason_token(UPKI_R_URL_OUTSIDE_SIGNED), ==, "url-outside-signed-part");
	g_hash_table_destroy(seen);
}

/* The tokens as DESIGN.md and the JSON consumers know them, in enum order.
 * A renamed or reordered token fails here (other tools parse them). */
static const char *const frozen[] = {
	"unsigned", "bad-signature", "untrusted-signer", "signer-expired", "signer-not-sender",
	"sender-mismatch", "subject-lookalike", "unknown-kind", "missing-url", "url-syntax",
	"url-scheme", "url-host", "url-userinfo", "url-port", "url-path", "url-token",
	"url-fragment", "url-idn", "url-outside-signed-part", "html-link-mismatch",
	"conflicting-urls", "stale", "kind-mismatch", "ambiguous-structure", "too-complex",
	"hidden-controls", "signer-expired-now", "unsigned-links",
};

static void test_frozen(void)
{
	g_assert_cmpuint(G_N_ELEMENTS(frozen), ==, UPKI_R_COUNT);
	for (gsize i = 0; i < G_N_ELEMENTS(frozen); i++) {
		g_assert_cmpstr(upki_reason_token((upki_reason)i), ==, frozen[i]);
		g_assert_cmpint(upki_reason_from_token(frozen[i]), ==, (int)i);
	}
	/* Every token fits the header syntax the annotations use. */
	for (gsize i = 0; i < G_N_ELEMENTS(frozen); i++)
		for (const char *c = frozen[i]; *c; c++)
			g_assert_true(g_ascii_islower(*c) || *c == '-');
}

static void test_unknown(void)
{
	static const char *const names[] = {
		"", "URL-HOST", "url-host ", " url-host", "url_host", "url-hos", "url-hostx", "unknown",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_test_message("name '%s'", names[i]);
		g_assert_cmpint(upki_reason_from_token(names[i]), ==, UPKI_R_COUNT);
	}
	g_assert_cmpint(upki_reason_from_token(NULL), ==, UPKI_R_COUNT);
	g_assert_cmpstr(upki_reason_token(UPKI_R_COUNT), ==, "unknown");
	g_assert_cmpstr(upki_reason_token((upki_reason)-1), ==, "unknown");
	g_assert_cmpstr(upki_reason_token((upki_reason)63), ==, "unknown");
}

/* Bits round-trip: a set joined and split again is the same set; the
 * order is the enum's, not the order the bits were added in. */
static void test_sets(void)
{
	GRand *r = g_rand_new_with_seed(7);

	for (int round = 0; round < 200; round++) {
		guint64 set = 0;
		for (int b = 0; b < UPKI_R_COUNT; b++)
			if (g_rand_boolean(r))
				set |= UPKI_REASON_BIT(b);
		char *joined = upki_reason_join(set, " / ");
		char **tokens = *joined ? g_strsplit(joined, " / ", -1) : g_new0(char *, 1);
		guint64 back = 0;
		int last = -1;
		for (char **t = tokens; *t; t++) {
			upki_reason rr = upki_reason_from_token(*t);
			g_assert_cmpint(rr, <, UPKI_R_COUNT);
			g_assert_cmpint((int)rr, >, last);
			last = (int)rr;
			back |= UPKI_REASON_BIT(rr);
		}
		g_assert_cmphex(back, ==, set);
		g_strfreev(tokens);
		g_free(joined);
	}
	g_rand_free(r);

	/* Bits past the last reason name nothing. */
	char *s = upki_reason_join(UPKI_REASON_BIT(UPKI_R_COUNT) | UPKI_REASON_BIT(63), ",");
	g_assert_cmpstr(s, ==, "");
	g_free(s);
	s = upki_reason_join(UPKI_REASON_BIT(UPKI_R_STALE) | UPKI_REASON_BIT(UPKI_R_BAD_SIGNATURE)
			     | UPKI_REASON_BIT(UPKI_R_COUNT), "");
	g_assert_cmpstr(s, ==, "bad-signaturestale");
	g_free(s);
	s = upki_reason_join(UPKI_REASONS_INFORMATIVE, ",");
	g_assert_cmpstr(s, ==, "signer-expired-now,unsigned-links");
	g_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reason/tokens", test_reasons);
	g_test_add_func("/reason/frozen", test_frozen);
	g_test_add_func("/reason/unknown", test_unknown);
	g_test_add_func("/reason/sets", test_sets);
	return g_test_run();
}
