/* test-retrieve-install.c - fetch_certs_install() on the certificate ZIPs
 * tests/integration/fetch-retrieve.sh made (PKCS#12 files made at test
 * time: 3DES, RC2-40, several in one ZIP, someone else's, one from
 * another CA) and on the one the fake site handed out. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "retrieve-private.h"
#include "test-retrieve.h"

#define Y2100 4102444800
#define Y2000 946684800

static char *dir;
static GPtrArray *all_pins; /* fetch_pin_record* from dir/pins.tsv */

static const char *lookup(void *ctx, const char *email, const char *dn)
{
	GPtrArray *pins = ctx;

	for (guint i = 0; pins != NULL && i < pins->len; i++) {
		fetch_pin_record *r = pins->pdata[i];

		if (g_ascii_strcasecmp(r->email, email) == 0 && strcmp(r->dn, dn) == 0)
			return r->pin;
	}
	return NULL;
}

/* By email alone: for a client.txt whose DN is written another way. */
static const char *email_lookup(void *ctx, const char *email, const char *dn)
{
	GPtrArray *pins = ctx;

	(void)dn;
	for (guint i = 0; i < pins->len; i++) {
		fetch_pin_record *r = pins->pdata[i];

		if (g_ascii_strcasecmp(r->email, email) == 0)
			return r->pin;
	}
	return NULL;
}

static const char *wrong_lookup(void *ctx, const char *email, const char *dn)
{
	(void)ctx;
	(void)email;
	(void)dn;
	return "not-the-pin";
}

static const char *no_lookup(void *ctx, const char *email, const char *dn)
{
	(void)ctx;
	(void)email;
	(void)dn;
	return NULL;
}

static void load_pins(void)
{
	char *path = g_build_filename(dir, "pins.tsv", NULL);
	char *text = NULL, *err = NULL;
	gsize len = 0;
	GPtrArray *rows;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	rows = fetch_tsv_rows(text, len, 4, &err);
	g_assert_nonnull(rows);
	all_pins = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_pin_record_free);
	for (guint i = 0; i < rows->len; i++) {
		char **f = rows->pdata[i];
		fetch_pin_record *r = g_new0(fetch_pin_record, 1);

		r->name = g_strdup(f[0]);
		r->email = g_strdup(f[1]);
		r->pin = g_strdup(f[2]);
		r->dn = g_strdup(f[3]);
		g_ptr_array_add(all_pins, r);
	}
	g_ptr_array_unref(rows);
	g_free(text);
	g_free(path);
}

static guint count_files(const char *d)
{
	GDir *gd = g_dir_open(d, 0, NULL);
	guint n = 0;

	g_assert_nonnull(gd);
	while (g_dir_read_name(gd) != NULL)
		n++;
	g_dir_close(gd);
	return n;
}

/* No error text holds a PIN. */
static void check_error(const char *err, const char *want)
{
	g_assert_nonnull(err);
	if (g_test_verbose())
		g_printerr("error: %s\n", err);
	for (guint i = 0; i < all_pins->len; i++)
		g_assert_null(strstr(err, ((fetch_pin_record *)all_pins->pdata[i])->pin));
	g_assert_null(strstr(err, "not-the-pin"));
	if (strstr(err, want) == NULL)
		g_error("error \"%s\" lacks \"%s\"", err, want);
}

typedef struct run {
	char *out;
	GPtrArray *installed;
	char *err;
} run;

static fetch_outcome install(run *rn, const char *zip, const char *name, fetch_pin_lookup lk, void *ctx,
			     gint64 now)
{
	char *zip_path = g_build_filename(dir, zip, NULL);
	char *ca = g_build_filename(dir, "cert-ca.pem", NULL);
	fetch_install_opts o = { 0 };
	fetch_outcome r;

	if (rn->out == NULL) {
		rn->out = g_build_filename(dir, "installed", name, NULL);
		g_assert_cmpint(g_mkdir_with_parents(rn->out, 0700), ==, 0);
	}
	o.output_dir = rn->out;
	o.cert_ca_file = ca;
	o.job_id = "job-42";
	o.now = now;
	o.max_zip_entries = 16;
	o.max_zip_uncompressed = 1 << 20;
	g_clear_pointer(&rn->err, g_free);
	g_clear_pointer(&rn->installed, g_ptr_array_unref);
	r = fetch_certs_install(zip_path, &o, lk, ctx, &rn->installed, &rn->err);
	g_free(zip_path);
	g_free(ca);
	return r;
}

static void run_clear(run *rn)
{
	g_free(rn->out);
	g_free(rn->err);
	if (rn->installed != NULL)
		g_ptr_array_unref(rn->installed);
}

static void refused(const char *zip, const char *name, fetch_pin_lookup lk, gint64 now, fetch_outcome want,
		    const char *why)
{
	run rn = { 0 };

	g_assert_cmpint(install(&rn, zip, name, lk, all_pins, now), ==, want);
	g_assert_null(rn.installed);
	check_error(rn.err, why);
	g_assert_cmpuint(count_files(rn.out), ==, 0);
	run_clear(&rn);
}

static void check_receipt(fetch_installed *i, const char *serial)
{
	JsonParser *p = json_parser_new();
	JsonObject *o;
	GStatBuf st;

	g_assert_cmpstr(i->serial, ==, serial);
	g_assert_true(json_parser_load_from_file(p, i->receipt_path, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(o, "job_id"), ==, "job-42");
	g_assert_cmpstr(json_object_get_string_member(o, "serial"), ==, serial);
	g_assert_cmpstr(json_object_get_string_member(o, "subject"), ==, i->subject);
	g_assert_cmpstr(json_object_get_string_member(o, "issuer"), ==, "CN=upki-notice test client CA");
	g_assert_cmpstr(json_object_get_string_member(o, "not_after"), ==, i->not_after);
	g_assert_true(g_str_has_suffix(i->not_after, "Z"));
	g_assert_cmpint(g_stat(i->p12_path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(i->receipt_path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_object_unref(p);
}

static void same_file(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	gsize xl = 0, yl = 0;

	g_assert_true(g_file_get_contents(a, &x, &xl, NULL));
	g_assert_true(g_file_get_contents(b, &y, &yl, NULL));
	g_assert_cmpmem(x, xl, y, yl);
	g_free(x);
	g_free(y);
}

/* The ZIP the site handed out, the PIN the site handed out. */
static void test_downloaded_3des(void)
{
	run rn = { 0 };
	char *want = g_build_filename(dir, "work", "A.p12", NULL);
	fetch_installed *i;
	char *receipt = NULL;
	gsize len = 0;

	g_assert_nonnull(site_pins_a());
	g_assert_cmpint(install(&rn, "out/certA.zip", "A", lookup, site_pins_a(), 0), ==, FETCH_OK);
	g_assert_cmpuint(rn.installed->len, ==, 1);
	i = rn.installed->pdata[0];
	check_receipt(i, g_getenv("SERIAL_A"));
	g_assert_nonnull(strstr(i->subject, "CN=Alice Example"));
	same_file(i->p12_path, want);
	g_assert_true(g_file_get_contents(i->receipt_path, &receipt, &len, NULL));
	/* twice: the same two files, the same bytes */
	g_assert_cmpint(install(&rn, "out/certA.zip", "A", lookup, site_pins_a(), 0), ==, FETCH_OK);
	g_assert_cmpuint(count_files(rn.out), ==, 2);
	i = rn.installed->pdata[0];
	same_file(i->p12_path, want);
	{
		char *again = NULL;

		g_assert_true(g_file_get_contents(i->receipt_path, &again, &len, NULL));
		g_assert_cmpstr(again, ==, receipt);
		g_free(again);
	}
	g_free(receipt);
	g_free(want);
	run_clear(&rn);
}

static void test_rc2_40(void)
{
	run rn = { 0 };

	g_assert_cmpint(install(&rn, "certzip/certR.zip", "R", lookup, all_pins, 0), ==, FETCH_OK);
	g_assert_cmpuint(rn.installed->len, ==, 1);
	check_receipt(rn.installed->pdata[0], g_getenv("SERIAL_R"));
	run_clear(&rn);
}

static void test_several(void)
{
	run rn = { 0 };

	g_assert_cmpint(install(&rn, "certzip/certM.zip", "M", lookup, all_pins, 0), ==, FETCH_OK);
	g_assert_cmpuint(rn.installed->len, ==, 2);
	check_receipt(rn.installed->pdata[0], g_getenv("SERIAL_C"));
	check_receipt(rn.installed->pdata[1], g_getenv("SERIAL_D1"));
	g_assert_cmpuint(count_files(rn.out), ==, 4);
	run_clear(&rn);
}

static void test_dn_oneline(void)
{
	run rn = { 0 };

	g_assert_cmpint(install(&rn, "certzip/certO.zip", "O", email_lookup, all_pins, 0), ==, FETCH_OK);
	check_receipt(rn.installed->pdata[0], g_getenv("SERIAL_A"));
	run_clear(&rn);
}

static void test_refusals(void)
{
	refused("certzip/certX.zip", "X", lookup, 0, FETCH_FAIL, "is not for heidi@example.ac.jp");
	refused("certzip/certS.zip", "S", email_lookup, 0, FETCH_FAIL, "serial is not client.txt's");
	refused("certzip/certD.zip", "D", email_lookup, 0, FETCH_FAIL, "subject is not client.txt's DN");
	refused("certzip/certK.zip", "K", lookup, 0, FETCH_FAIL, "key matches none of its certificates");
	refused("certzip/certR.zip", "R-wrong", wrong_lookup, 0, FETCH_FAIL, "wrong PIN");
	refused("certzip/certR.zip", "R-none", no_lookup, 0, FETCH_RETRY, "no PIN recorded yet for bob@");
	refused("certzip/certN.zip", "N", lookup, 0, FETCH_FAIL, "does not chain to CertCAFile");
	refused("certzip/certR.zip", "R-2100", lookup, Y2100, FETCH_FAIL, "has expired");
	refused("certzip/certR.zip", "R-2000", lookup, Y2000, FETCH_FAIL, "not valid yet");
	refused("pins.tsv", "not-zip", lookup, 0, FETCH_FAIL, "not a readable ZIP");
}

void install_tests_add(const char *site_dir)
{
	dir = g_strdup(site_dir);
	load_pins();
	g_test_add_func("/install/downloaded-3des", test_downloaded_3des);
	g_test_add_func("/install/rc2-40", test_rc2_40);
	g_test_add_func("/install/several", test_several);
	g_test_add_func("/install/dn-one-line", test_dn_oneline);
	g_test_add_func("/install/refusals", test_refusals);
}
