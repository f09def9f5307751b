/* test-fetch.c - unit tests of upki-fetch's modules: the Standard
 * Webhooks signature (the specification's own example), secrets, the
 * state database (mode, rows, PIN lookup, waiting ZIPs made due).
 * Linked with the fetch objects and tests/fetch-queue/retrieve-fake.c (for
 * fetch_pin_record_free only).
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "retrieve.h"
#include "upki-fetch.h"

/* From the Standard Webhooks specification's examples. */
static void test_signature_vector(void)
{
	gsize len = 0;
	guint8 *key = uf_webhook_decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &len);
	const char *body = "{\"test\": 2432232314}";
	char *sig = NULL;

	g_assert_nonnull(key);
	sig = uf_webhook_signature(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
				   strlen(body));
	g_assert_cmpstr(sig, ==, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	g_free(sig);
	g_free(key);
}

static void test_secret_rejects(void)
{
	static const char *const bad[] = { "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_abc",
					   "whsec_!!!!MfKQ9r8GKYqrTwjUPD8ILPZIo2La", "whsec_YWJj" };
	gsize len = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_null(uf_webhook_decode_secret(bad[i], &len));
}

static char *temp_db(char **dir)
{
	*dir = g_dir_make_tmp("test-fetch-XXXXXX", NULL);
	return g_build_filename(*dir, "sub", "state.db", NULL);
}

static void remove_all(const char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
}

static void test_state_rows(void)
{
	char *dir = NULL, *path = temp_db(&dir);
	mode_t old = umask(0);
	uf_state *s = uf_state_open(path, NULL);
	uf_job_row row = { .status = UF_JOB_PENDING, .attempts = 3, .next_try = 1234 };
	uf_job_row back;
	struct stat st;

	umask(old);
	g_assert_nonnull(s);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_false(uf_state_get(s, "aa", &back, NULL));
	row.last_error = g_strdup("exec: status 75");
	row.zip_path = g_strdup("/x/aa.zip");
	g_assert_true(uf_state_put(s, "aa", "cert-issue", &row, NULL));
	g_assert_true(uf_state_get(s, "aa", &back, NULL));
	g_assert_cmpint(back.attempts, ==, 3);
	g_assert_cmpint(back.next_try, ==, 1234);
	g_assert_cmpstr(back.zip_path, ==, "/x/aa.zip");
	uf_job_row_clear(&back);
	uf_job_row_clear(&row);
	uf_state_close(s);
	remove_all(dir);
	g_free(path);
	g_free(dir);
}

static fetch_pin_record *pin(const char *email, const char *dn, const char *p)
{
	fetch_pin_record *r = g_new0(fetch_pin_record, 1);

	r->email = g_strdup(email);
	r->dn = g_strdup(dn);
	r->pin = g_strdup(p);
	return r;
}

static void test_state_pins(void)
{
	char *dir = NULL, *path = temp_db(&dir);
	uf_state *s = uf_state_open(path, NULL);
	GPtrArray *recs = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_pin_record_free);
	uf_job_row waiting = { .status = UF_JOB_PENDING, .attempts = 1, .next_try = G_MAXINT32 };
	uf_job_row back;
	char *p = NULL;

	waiting.zip_path = g_strdup("/x/bb.zip");
	g_assert_true(uf_state_put(s, "bb", "cert-issue", &waiting, NULL));
	g_ptr_array_add(recs, pin("Taro@Example.ac.jp", "CN=Taro", "PIN-ONE"));
	g_ptr_array_add(recs, pin("two@example.ac.jp", "CN=Two,O=A", "PIN-TWO"));
	g_ptr_array_add(recs, pin("two@example.ac.jp", "CN=Two,O=B", "PIN-THREE"));
	g_assert_true(uf_state_add_pins(s, "cc", recs, NULL));
	/* the waiting ZIP is due now */
	g_assert_true(uf_state_get(s, "bb", &back, NULL));
	g_assert_cmpint(back.next_try, ==, 0);
	uf_job_row_clear(&back);
	p = uf_state_pin(s, "taro@example.ac.jp", "CN=Taro");
	g_assert_cmpstr(p, ==, "PIN-ONE");
	g_free(p);
	/* another spelling of the DN: one PIN for the address is enough */
	p = uf_state_pin(s, "TARO@example.ac.jp", "CN = Taro");
	g_assert_cmpstr(p, ==, "PIN-ONE");
	g_free(p);
	p = uf_state_pin(s, "two@example.ac.jp", "CN=Two,O=B");
	g_assert_cmpstr(p, ==, "PIN-THREE");
	g_free(p);
	/* two PINs for the address and no DN match: none */
	g_assert_null(uf_state_pin(s, "two@example.ac.jp", "CN=Two"));
	g_assert_null(uf_state_pin(s, "nobody@example.ac.jp", "CN=Taro"));
	g_ptr_array_unref(recs);
	uf_job_row_clear(&waiting);
	uf_state_close(s);
	remove_all(dir);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fetch/webhook-signature", test_signature_vector);
	g_test_add_func("/fetch/webhook-secret-rejects", test_secret_rejects);
	g_test_add_func("/fetch/state-rows", test_state_rows);
	g_test_add_func("/fetch/state-pins", test_state_pins);
	return g_test_run();
}
