/* test-profile.c - parser/profile.c and parser/reason.c: the tables that
 * name kinds and reasons (both are interfaces: JSON, headers, logs). */
#include <string.h>

#include "upki/profile.h"
#include "upki/reason.h"

static void test_kinds(void)
{
	static const char *const names[] = { "cert-issue", "pin-issue", "cert-retrieved",
					     "cert-renewed", "cert-revoked" };

	g_assert_null(upki_kind_to_string(UPKI_KIND_NONE));
	g_assert_null(upki_kind_to_string(UPKI_KIND_COUNT));
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		upki_kind k = upki_kind_from_string(names[i]);
		g_assert_cmpint(k, !=, UPKI_KIND_NONE);
		g_assert_cmpstr(upki_kind_to_string(k), ==, names[i]);
	}
	g_assert_cmpint(upki_kind_from_string("cert"), ==, UPKI_KIND_NONE);
	g_assert_cmpint(upki_kind_from_string(NULL), ==, UPKI_KIND_NONE);
}

static void test_default_profile(void)
{
	upki_profile *p = upki_profile_new_default();

	g_assert_cmpstr(p->host, ==, "scia.secomtrust.net");
	g_assert_true(upki_profile_kind_has_url(p, UPKI_KIND_CERT_ISSUE));
	g_assert_true(upki_profile_kind_has_url(p, UPKI_KIND_PIN_ISSUE));
	g_assert_false(upki_profile_kind_has_url(p, UPKI_KIND_CERT_REVOKED));
	g_assert_false(upki_profile_kind_has_url(p, UPKI_KIND_NONE));
	g_assert_cmpuint(p->files[UPKI_KIND_PIN_ISSUE]->len, ==, 2);
	for (int k = 1; k < UPKI_KIND_COUNT; k++)
		g_assert_cmpuint(p->subjects[k]->len, >=, 1);
	upki_profile_add(p->tags, "[UPKI]");
	g_assert_cmpuint(p->tags->len, ==, 1);
	upki_profile_free(p);
	upki_profile_free(NULL);
}

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/profile/kinds", test_kinds);
	g_test_add_func("/profile/default", test_default_profile);
	g_test_add_func("/reason/tokens", test_reasons);
	return g_test_run();
}
