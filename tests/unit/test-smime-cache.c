/* test-smime-cache.c - parser/smime-cache.c: a verifier that remembers
 * gives, for every signature and every time, the answer of one that does
 * not.  Times are taken on both sides of every validity boundary of the
 * certificates involved, in a shuffled order so that each answer may
 * come from a cache primed at another time; anchors removed (another
 * verifier) and foreign chains must stay failures.
 *
 * Run from the project root (make check does); UPKI_SAMPLES and
 * UPKI_SHARED_SAMPLES override samples/ and ../shared/upki-samples.
 */
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "upki/mime.h"
#include "upki/smime.h"
#include "smime-cache-private.h"
#include "test-util.h"

#define T_NOW G_GINT64_CONSTANT(1795000000) /* 2026-11-18 */

static const char *samples_dir(void)
{
	const char *d = g_getenv("UPKI_SAMPLES");
	return d ? d : "samples";
}

static const char *shared_dir(void)
{
	const char *d = g_getenv("UPKI_SHARED_SAMPLES");
	return d ? d : "../shared/upki-samples";
}

static upki_smime_verifier *verifier_for(const char *ca_name, gboolean cache)
{
	char *root = ca_name ? g_strdup_printf("%s/ca/%s.pem", samples_dir(), ca_name) : NULL;
	upki_smime_verifier *v = upki_smime_verifier_new(root, NULL, NULL);

	g_free(root);
	g_assert_nonnull(v);
	upki_smime_verifier_set_caching(v, cache);
	return v;
}

static upki_mime *parse_file(const char *path)
{
	char *buf = NULL;
	gsize len = 0;
	upki_mime *m = NULL;

	if (!g_file_get_contents(path, &buf, &len, NULL))
		return NULL;
	m = upki_mime_parse(buf, len, NULL);
	g_free(buf);
	return m;
}

static gint64 asn1_unix(const ASN1_TIME *t)
{
	struct tm tm = { 0 };

	g_assert_cmpint(ASN1_TIME_to_tm(t, &tm), ==, 1);
	return (gint64)timegm(&tm);
}

static void add_cert_times(GArray *times, X509 *x)
{
	gint64 b[2] = { asn1_unix(X509_get0_notBefore(x)), asn1_unix(X509_get0_notAfter(x)) };

	for (int i = 0; i < 2; i++)
		for (gint64 d = -1; d <= 1; d++) {
			gint64 t = b[i] + d;
			g_array_append_val(times, t);
		}
}

/* Both sides of every boundary of the signature's certificates and of
 * the anchors (ca_name, or none for the system store), plus now. */
static GArray *times_for(const upki_signed *s, const char *ca_name)
{
	GArray *times = g_array_new(FALSE, FALSE, sizeof(gint64));
	gsize len = 0;
	const unsigned char *p = g_bytes_get_data(s->signature, &len);
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
	gint64 now = T_NOW;

	for (int i = 0; certs && i < sk_X509_num(certs); i++)
		add_cert_times(times, sk_X509_value(certs, i));
	if (ca_name) {
		char *path = g_strdup_printf("%s/ca/%s.pem", samples_dir(), ca_name);
		FILE *f = fopen(path, "r");
		X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
		if (x)
			add_cert_times(times, x);
		X509_free(x);
		if (f)
			fclose(f);
		g_free(path);
	}
	g_array_append_val(times, now);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	return times;
}

static void shuffle(GArray *a, GRand *r)
{
	for (guint i = a->len; i > 1; i--) {
		guint j = (guint)g_rand_int_range(r, 0, (gint32)i);
		gint64 t = g_array_index(a, gint64, i - 1);
		g_array_index(a, gint64, i - 1) = g_array_index(a, gint64, j);
		g_array_index(a, gint64, j) = t;
	}
}

static void assert_same(const upki_smime_result *a, const upki_smime_result *b, const char *what, gint64 t)
{
	if (a->status != b->status || a->expired_now != b->expired_now ||
	    a->signing_time != b->signing_time || g_strcmp0(a->detail, b->detail) != 0 ||
	    g_strcmp0(a->signer_subject, b->signer_subject) != 0 ||
	    g_strcmp0(a->signer_serial, b->signer_serial) != 0 || a->signer_count != b->signer_count ||
	    a->signer_emails->len != b->signer_emails->len)
		g_error("%s at %" G_GINT64_FORMAT ": cached %s (%s) vs fresh %s (%s)", what, t,
			upki_smime_status_token(a->status), a->detail ? a->detail : "-",
			upki_smime_status_token(b->status), b->detail ? b->detail : "-");
}

/* Every signature of the file, at every time, both ways of choosing the
 * chain's time; returns the number of comparisons. */
static guint compare_file(const char *path, const char *ca_name, upki_smime_verifier *cached,
			  upki_smime_verifier *fresh, GRand *r)
{
	upki_mime *m = parse_file(path);
	guint n = 0;

	g_assert_nonnull(m);
	for (guint i = 0; i < m->signeds->len; i++) {
		const upki_signed *s = g_ptr_array_index(m->signeds, i);
		GArray *times = times_for(s, ca_name);
		shuffle(times, r);
		for (guint k = 0; k < times->len; k++) {
			gint64 t = g_array_index(times, gint64, k);
			for (int when = UPKI_VERIFY_AT_SIGNING; when <= UPKI_VERIFY_AT_NOW; when++) {
				upki_smime_result *a = upki_smime_verify(cached, s, when, t);
				upki_smime_result *b = upki_smime_verify(fresh, s, when, t);
				assert_same(a, b, path, t);
				upki_smime_result_free(a);
				upki_smime_result_free(b);
				n++;
			}
		}
		g_array_unref(times);
	}
	upki_mime_free(m);
	return n;
}

static void test_samples_agree(void)
{
	upki_smime_verifier *cached = verifier_for("root", TRUE);
	upki_smime_verifier *fresh = verifier_for("root", FALSE);
	GRand *r = g_rand_new_with_seed(20261201);
	GDir *d = g_dir_open(samples_dir(), 0, NULL);
	const char *name = NULL;
	guint files = 0, n = 0;
	upki_smime_cache_stats st;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d))) {
		char *path = NULL;
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		path = g_build_filename(samples_dir(), name, NULL);
		n += compare_file(path, "root", cached, fresh, r);
		files++;
		g_free(path);
	}
	g_dir_close(d);
	st = upki_smime_cache_get_stats(upki_smime_verifier_cache(cached));
	g_test_message("%u files, %u comparisons; certificates decoded %u, chains computed %u, found %u",
		       files, n, st.certs_decoded, st.chains_computed, st.chains_found);
	g_assert_cmpuint(files, >=, 30);
	/* The cache was used: far fewer certificates decoded and chains
	 * built than signatures checked. */
	g_assert_cmpuint(st.chains_found, >, st.chains_computed);
	g_assert_cmpuint(st.certs_decoded, <, n / 10);
	g_assert_null(upki_smime_verifier_cache(fresh));
	g_rand_free(r);
	upki_smime_verifier_free(cached);
	upki_smime_verifier_free(fresh);
}

static void test_real_agree(void)
{
	GDir *d = g_dir_open(shared_dir(), 0, NULL);
	upki_smime_verifier *cached = NULL, *fresh = NULL;
	GRand *r = g_rand_new_with_seed(7);
	const char *name = NULL;
	guint n = 0;

	if (!d) {
		g_test_skip("no ../shared/upki-samples");
		g_rand_free(r);
		return;
	}
	cached = verifier_for(NULL, TRUE);
	fresh = verifier_for(NULL, FALSE);
	while ((name = g_dir_read_name(d))) {
		char *path = NULL;
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		path = g_build_filename(shared_dir(), name, NULL);
		n += compare_file(path, NULL, cached, fresh, r);
		g_free(path);
	}
	g_dir_close(d);
	g_assert_cmpuint(n, >, 0);
	g_assert_cmpuint(upki_smime_cache_get_stats(upki_smime_verifier_cache(cached)).chains_found, >, 0);
	g_rand_free(r);
	upki_smime_verifier_free(cached);
	upki_smime_verifier_free(fresh);
}

static upki_sig_status status_of(upki_smime_verifier *v, const char *file, upki_verify_time when, gint64 t)
{
	char *path = g_build_filename(samples_dir(), file, NULL);
	upki_mime *m = parse_file(path);
	upki_smime_result *res = NULL;
	upki_sig_status st;

	g_assert_nonnull(m);
	g_assert_cmpuint(m->signeds->len, >=, 1);
	res = upki_smime_verify(v, g_ptr_array_index(m->signeds, 0), when, t);
	st = res->status;
	upki_smime_result_free(res);
	upki_mime_free(m);
	g_free(path);
	return st;
}

/* A chain remembered by one verifier means nothing to another: a store
 * without the anchor (the anchor "removed") still says untrusted. */
static void test_anchor_removed(void)
{
	upki_smime_verifier *with = verifier_for("root", TRUE);
	upki_smime_verifier *without = verifier_for("foreign-root", TRUE);

	for (int i = 0; i < 3; i++)
		g_assert_cmpint(status_of(with, "cert-issue.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_PASS);
	g_assert_cmpint(status_of(without, "cert-issue.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_UNTRUSTED);
	upki_smime_verifier_free(with);
	upki_smime_verifier_free(without);
}

/* A foreign chain after the genuine one was remembered: other DER, other
 * objects, its own answer. */
static void test_foreign_after_genuine(void)
{
	upki_smime_verifier *v = verifier_for("root", TRUE);

	g_assert_cmpint(status_of(v, "cert-issue.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_PASS);
	g_assert_cmpint(status_of(v, "phish-foreign-ca.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_UNTRUSTED);
	g_assert_cmpint(status_of(v, "cert-issue.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_PASS);
	upki_smime_verifier_free(v);
}

/* The expired signer: a pass remembered at signing time never answers
 * for now, and back again. */
static void test_expired_after_pass(void)
{
	upki_smime_verifier *v = verifier_for("root", TRUE);
	const char *f = "phish-signer-expired.eml";

	g_assert_cmpint(status_of(v, f, UPKI_VERIFY_AT_SIGNING, T_NOW), ==, UPKI_SIG_EXPIRED);
	g_assert_cmpint(status_of(v, f, UPKI_VERIFY_AT_NOW, T_NOW), ==, UPKI_SIG_EXPIRED);
	g_assert_cmpint(status_of(v, "cert-issue-signer-expired-now.eml", UPKI_VERIFY_AT_SIGNING, T_NOW), ==,
			UPKI_SIG_PASS);
	g_assert_cmpint(status_of(v, "cert-issue-signer-expired-now.eml", UPKI_VERIFY_AT_NOW, T_NOW), ==,
			UPKI_SIG_EXPIRED);
	g_assert_cmpint(status_of(v, "cert-issue-signer-expired-now.eml", UPKI_VERIFY_AT_SIGNING, T_NOW), ==,
			UPKI_SIG_PASS);
	upki_smime_verifier_free(v);
}

/* The content of opaque signed data as decoding it whole gives it. */
static GBytes *whole_content(GBytes *der, gboolean *decoded)
{
	gsize len = 0;
	const unsigned char *p = g_bytes_get_data(der, &len);
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	ASN1_OCTET_STRING **pos = cms ? CMS_get0_content(cms) : NULL;
	GBytes *c = pos && *pos ? g_bytes_new(ASN1_STRING_get0_data(*pos), (gsize)ASN1_STRING_length(*pos))
				: NULL;

	*decoded = cms && OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed;
	CMS_ContentInfo_free(cms);
	return c;
}

/* upki_smime_cache_content() says TRUE only where the whole decoding
 * succeeds, with the same content: every signature of the samples and
 * real notices, and 4000 mutations of the opaque sample's (the
 * certificates are known after the first round, so both branches of
 * cert_decodes are taken). */
static void check_content(GBytes *der, guint *fast, guint *whole_only)
{
	GBytes *content = NULL;
	gboolean decoded = FALSE;
	GBytes *ref = whole_content(der, &decoded);

	if (upki_smime_cache_content(der, &content)) {
		g_assert_true(decoded);
		g_assert_true((content == NULL) == (ref == NULL));
		if (content)
			g_assert_true(g_bytes_equal(content, ref));
		(*fast)++;
	} else if (decoded) {
		(*whole_only)++;
	}
	if (content)
		g_bytes_unref(content);
	if (ref)
		g_bytes_unref(ref);
}

static void test_opaque_content(void)
{
	const char *dirs[] = { samples_dir(), shared_dir() };
	guint fast = 0, whole_only = 0, sigs = 0;
	GBytes *opaque = NULL;

	for (gsize k = 0; k < G_N_ELEMENTS(dirs); k++) {
		GDir *d = g_dir_open(dirs[k], 0, NULL);
		const char *name = NULL;
		while (d && (name = g_dir_read_name(d))) {
			char *path = g_build_filename(dirs[k], name, NULL);
			upki_mime *m = g_str_has_suffix(name, ".eml") ? parse_file(path) : NULL;
			for (guint i = 0; m && i < m->signeds->len; i++) {
				const upki_signed *s = g_ptr_array_index(m->signeds, i);
				check_content(s->signature, &fast, &whole_only);
				sigs++;
				if (s->opaque && !opaque && !strcmp(name, "cert-issue-opaque.eml"))
					opaque = g_bytes_ref(s->signature);
			}
			upki_mime_free(m);
			g_free(path);
		}
		if (d)
			g_dir_close(d);
	}
	if (!opaque) {
		g_test_skip("no samples/cert-issue-opaque.eml");
		return;
	}
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(opaque, &len);
	GRand *r = g_rand_new_with_seed(15);
	for (int i = 0; i < 4000; i++) {
		guint8 *copy = g_memdup2(p, len);
		gsize at = (gsize)g_rand_int_range(r, 0, (gint32)len);
		copy[i % 2 ? at : at % 96] = (guint8)g_rand_int_range(r, 0, 256);
		GBytes *b = g_bytes_new_take(copy, i % 7 ? len : at + 1);
		check_content(b, &fast, &whole_only);
		g_bytes_unref(b);
	}
	g_rand_free(r);
	g_bytes_unref(opaque);
	g_test_message("%u signatures; %u contents taken from the split, %u only whole", sigs, fast,
		       whole_only);
	g_assert_cmpuint(fast, >, 1000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	g_test_add_func("/smime-cache/samples-agree", test_samples_agree);
	g_test_add_func("/smime-cache/real-agree", test_real_agree);
	g_test_add_func("/smime-cache/anchor-removed", test_anchor_removed);
	g_test_add_func("/smime-cache/foreign-after-genuine", test_foreign_after_genuine);
	g_test_add_func("/smime-cache/expired-after-pass", test_expired_after_pass);
	g_test_add_func("/smime-cache/opaque-content", test_opaque_content);
	return g_test_run();
}
