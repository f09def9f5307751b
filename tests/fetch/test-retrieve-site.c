/* test-retrieve-site.c - the retrieve flow against tests/fetch/fake-site.py
 * (started by tests/integration/fetch-retrieve.sh, which also makes the
 * CAs, tables, PKCS#12 files and ZIPs and passes their secrets in the
 * environment: nothing expected here is written twice). */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "retrieve-private.h"
#include "test-retrieve.h"

#define HOST "scia.secomtrust.net"
#define JSP "https://" HOST "/upki-odcert/download/view/jsp/"

static fetch_http_opts opts;
static char *connect_to, *ca_file, *site_dir, *suffix;
static GPtrArray *pins_a; /* what pinA gave, for the install tests */

static const char *env(const char *name)
{
	const char *v = g_getenv(name);

	g_assert_nonnull(v);
	return v;
}

static char *token(const char *name)
{
	return g_strdup_printf("%s-%s", name, suffix);
}

static char *url_for(const char *jsp, const char *name)
{
	char *t = token(name);
	char *u = g_strdup_printf(JSP "%s?p1=%s", jsp, t);

	g_free(t);
	return u;
}

/* An error text: says something, and never the token. */
static void check_error(const char *err, const char *name, const char *want)
{
	char *t = token(name);

	g_assert_nonnull(err);
	if (g_test_verbose())
		g_printerr("error: %s\n", err);
	g_assert_null(strstr(err, t));
	g_assert_null(strstr(err, suffix));
	g_assert_null(strstr(err, "p1="));
	if (want != NULL && strstr(err, want) == NULL)
		g_error("error \"%s\" lacks \"%s\"", err, want);
	g_free(t);
}

/* Where the PIN ZIP of name goes: a fresh place, unless keep. */
static char *pin_zip_path(const char *name, gboolean keep)
{
	char *file = g_strconcat(name, ".pin.zip", NULL);
	char *path = g_build_filename(site_dir, "out", file, NULL);

	if (!keep)
		g_unlink(path);
	g_free(file);
	return path;
}

static fetch_outcome pin_at(const char *jsp, const char *name, gboolean keep, GPtrArray **recs, char **err)
{
	char *u = url_for(jsp, name), *path = pin_zip_path(name, keep);
	fetch_outcome r;

	*recs = NULL;
	*err = NULL;
	r = fetch_retrieve_pin(&opts, u, path, recs, err);
	g_free(path);
	g_free(u);
	return r;
}

static fetch_outcome pin(const char *jsp, const char *name, GPtrArray **recs, char **err)
{
	return pin_at(jsp, name, FALSE, recs, err);
}

static void pin_fails(const char *jsp, const char *name, fetch_outcome want, const char *why)
{
	GPtrArray *recs = NULL;
	char *err = NULL;

	g_assert_cmpint(pin(jsp, name, &recs, &err), ==, want);
	g_assert_null(recs);
	check_error(err, name, why);
	g_free(err);
}

static void test_pin_utf8(void)
{
	char *err = NULL;
	fetch_pin_record *r;

	g_assert_cmpint(pin("SPEntranceCliPin.jsp", "pinA", &pins_a, &err), ==, FETCH_OK);
	g_assert_null(err);
	g_assert_cmpuint(pins_a->len, ==, 1);
	r = pins_a->pdata[0];
	g_assert_cmpstr(r->email, ==, env("EMAIL_A"));
	g_assert_cmpstr(r->pin, ==, env("PIN_A"));
	g_assert_cmpstr(r->dn, ==, env("DN_A"));
}

static void test_one_time(void)
{
	pin_fails("SPEntranceCliPin.jsp", "pinA", FETCH_FAIL, "used up");
}

/* The PIN ZIP is on disk, 0600, before the records come back; a rerun
 * that finds it (a crash before the PINs were recorded) reads it again
 * and does not ask the site, which would say "used up". */
static void test_pin_zip_kept(void)
{
	GPtrArray *recs = NULL;
	char *err = NULL, *path = pin_zip_path("pinC2", FALSE);
	GStatBuf st;

	g_assert_cmpint(pin_at("SPEntranceCliPin.jsp", "pinC2", TRUE, &recs, &err), ==, FETCH_OK);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_ptr_array_unref(recs);
	g_assert_cmpint(pin_at("SPEntranceCliPin.jsp", "pinC2", TRUE, &recs, &err), ==, FETCH_OK);
	g_assert_null(err);
	g_assert_cmpuint(recs->len, ==, 1);
	g_assert_cmpstr(((fetch_pin_record *)recs->pdata[0])->pin, ==, env("PIN_C"));
	g_ptr_array_unref(recs);
	/* without the file the site is asked, and it refuses */
	pin_fails("SPEntranceCliPin.jsp", "pinC2", FETCH_FAIL, "used up");
	g_free(path);
}

static void test_pin_sjis(void)
{
	GPtrArray *recs = NULL;
	char *err = NULL;
	fetch_pin_record *r;

	g_assert_cmpint(pin("SPEntranceCliPin.jsp", "pinB", &recs, &err), ==, FETCH_OK);
	g_assert_cmpuint(recs->len, ==, 1);
	r = recs->pdata[0];
	g_assert_cmpstr(r->name, ==, env("NAME_B"));
	g_assert_cmpstr(r->pin, ==, env("PIN_B"));
	g_ptr_array_unref(recs);
}

static void test_all_pin(void)
{
	GPtrArray *recs = NULL;
	char *err = NULL;

	g_assert_cmpint(pin("SPEntranceCliAllPin.jsp", "allpinD", &recs, &err), ==, FETCH_OK);
	g_assert_cmpuint(recs->len, ==, 2);
	g_assert_cmpstr(((fetch_pin_record *)recs->pdata[1])->pin, ==, env("PIN_D2"));
	g_ptr_array_unref(recs);
	/* used up, whichever entrance it comes back through */
	pin_fails("SPEntranceCliPin.jsp", "allpinD", FETCH_FAIL, "used up");
}

static void test_redirects(void)
{
	GPtrArray *recs = NULL;
	char *err = NULL;

	pin_fails("SPEntranceCliPin.jsp", "redirect-offhost", FETCH_FAIL, "host evil.example.net");
	pin_fails("SPEntranceCliPin.jsp", "loop", FETCH_FAIL, "too many");
	g_assert_cmpint(pin("SPEntranceCliPin.jsp", "redirect-onhost", &recs, &err), ==, FETCH_OK);
	g_assert_cmpstr(((fetch_pin_record *)recs->pdata[0])->pin, ==, env("PIN_C"));
	g_ptr_array_unref(recs);
}

static void test_forms_policy(void)
{
	pin_fails("SPEntranceCliPin.jsp", "formoffhost", FETCH_FAIL, "form action refused");
	pin_fails("SPEntranceCliPin.jsp", "formwrong", FETCH_FAIL, "spOther.do");
}

static void test_slow(void)
{
	gint64 t0 = g_get_monotonic_time();

	pin_fails("SPEntranceCliPin.jsp", "slow", FETCH_RETRY, "timed out");
	g_assert_cmpint(g_get_monotonic_time() - t0, <, (opts.total_timeout + 3) * G_USEC_PER_SEC);
}

static void test_caps(void)
{
	pin_fails("SPEntranceCliPin.jsp", "huge", FETCH_FAIL, "larger than");
	pin_fails("SPEntranceCliPin.jsp", "big", FETCH_FAIL, "Maximum file size exceeded");
	pin_fails("SPEntranceCliPin.jsp", "bomb", FETCH_FAIL, "inflates to more than");
}

static void test_statuses(void)
{
	pin_fails("SPEntranceCliPin.jsp", "e503", FETCH_RETRY, "HTTP 503");
	pin_fails("SPEntranceCliPin.jsp", "e404", FETCH_FAIL, "HTTP 404");
}

static void test_wrong_ca(void)
{
	fetch_http_opts o = opts;
	char *other = g_build_filename(site_dir, "other-ca.pem", NULL);

	opts.service_ca_file = other;
	pin_fails("SPEntranceCliPin.jsp", "pinB", FETCH_RETRY, "certificate");
	opts = o;
	g_free(other);
}

static void test_policy_before_network(void)
{
	GPtrArray *recs = NULL;
	char *err = NULL, *path = pin_zip_path("x", FALSE);

	g_assert_cmpint(fetch_retrieve_pin(&opts, "https://evil.example.net/upki-odcert/download/view/jsp/"
					   "SPEntranceCliPin.jsp?p1=x",
					   path, &recs, &err),
			==, FETCH_FAIL);
	check_error(err, "x", "host evil.example.net");
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_clear_pointer(&err, g_free);
	g_free(path);
	pin_fails("SPEntranceCliAll.jsp", "pinB", FETCH_FAIL, "not a PIN URL");
}

static fetch_outcome cert(const char *name, const char *path, char **err)
{
	char *u = url_for("SPEntranceCliAll.jsp", name);
	fetch_outcome r;

	*err = NULL;
	r = fetch_retrieve_cert_zip(&opts, u, path, err);
	g_free(u);
	return r;
}

static void test_cert_refused(void)
{
	char *path = g_build_filename(site_dir, "out", "certE.zip", NULL);
	char *err = NULL;

	g_assert_cmpint(cert("certE", path, &err), ==, FETCH_RETRY);
	check_error(err, "certE", "PIN notice not fetched");
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(err);
	g_free(path);
}

static void test_cert_zip(void)
{
	char *path = g_build_filename(site_dir, "out", "certA.zip", NULL);
	char *want = g_build_filename(site_dir, "certzip", "certA.zip", NULL);
	char *a = NULL, *b = NULL, *err = NULL;
	gsize alen = 0, blen = 0;
	GStatBuf st;

	g_assert_cmpint(cert("certA", path, &err), ==, FETCH_OK);
	g_assert_null(err);
	g_assert_true(g_file_get_contents(path, &a, &alen, NULL));
	g_assert_true(g_file_get_contents(want, &b, &blen, NULL));
	g_assert_cmpmem(a, alen, b, blen);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	/* one time only: the second attempt is told the URL is gone */
	g_assert_cmpint(cert("certA", path, &err), ==, FETCH_FAIL);
	check_error(err, "certA", "used up");
	g_free(err);
	g_free(a);
	g_free(b);
	g_free(want);
	g_free(path);
}

GPtrArray *site_pins_a(void)
{
	return pins_a;
}

void site_tests_add(void)
{
	char *out;

	site_dir = g_strdup(env("FETCH_SITE_DIR"));
	suffix = g_strdup(env("FETCH_SITE_SUFFIX"));
	connect_to = g_strdup_printf(HOST ":443:127.0.0.1:%s", env("FETCH_SITE_PORT"));
	ca_file = g_build_filename(site_dir, "ca.pem", NULL);
	out = g_build_filename(site_dir, "out", NULL);
	g_mkdir(out, 0700);
	g_free(out);
	opts.service_host = HOST;
	opts.service_ca_file = ca_file;
	opts.connect_to = connect_to;
	opts.connect_timeout = 3;
	opts.total_timeout = 3;
	opts.max_body = 1 << 20;
	opts.max_zip_entries = 16;
	opts.max_zip_uncompressed = 4 << 20;
	g_test_add_func("/site/policy-before-network", test_policy_before_network);
	g_test_add_func("/site/pin-utf8", test_pin_utf8);
	g_test_add_func("/site/one-time", test_one_time);
	g_test_add_func("/site/pin-zip-kept", test_pin_zip_kept);
	g_test_add_func("/site/pin-shift-jis", test_pin_sjis);
	g_test_add_func("/site/all-pin", test_all_pin);
	g_test_add_func("/site/redirects", test_redirects);
	g_test_add_func("/site/forms-policy", test_forms_policy);
	g_test_add_func("/site/slow", test_slow);
	g_test_add_func("/site/caps", test_caps);
	g_test_add_func("/site/statuses", test_statuses);
	g_test_add_func("/site/wrong-ca", test_wrong_ca);
	g_test_add_func("/site/cert-refused", test_cert_refused);
	g_test_add_func("/site/cert-zip", test_cert_zip);
	install_tests_add(site_dir);
}
