/* test-profile.c - parser/profile.c: the kind names (an interface: JSON,
 * headers, logs) and the built-in profile.  Reason tokens: test-reason.c. */
#include <string.h>

#include "upki/profile.h"

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/profile/kinds", test_kinds);
	g_test_add_func("/profile/default", test_default_profile);
	return g_test_run();
}
