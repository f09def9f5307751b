/* test-smime.c - parser/smime.c: pass, tampered, untrusted, expired,
 * expired-now, opaque and broken signatures made here with the test CA of
 * samples/ca, the committed samples, and the real notices of
 * ../shared/upki-samples (skipped when that folder is absent).
 *
 * Run from the project root (make check does); UPKI_SAMPLES and
 * UPKI_SHARED_SAMPLES override the two folders.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "upki/error.h"
#include "upki/smime.h"
#include "test-util.h"

#define T_2021 G_GINT64_CONSTANT(1622507400) /* 2021-06-01 00:30:00Z, inside signer-expired */
#define T_2026 G_GINT64_CONSTANT(1793582104) /* 2026-11-02 01:15:04Z, the samples' date */
#define T_NOW G_GINT64_CONSTANT(1795000000)  /* 2026-11-18, "now" for every test */

static const char content[] = "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
			      "https://scia.secomtrust.net/upki-odcert/download/view/jsp/"
			      "SPEntranceCliAll.jsp?p1=abc\r\n";

static const char *samples_dir(void)
{
	const char *d = g_getenv("UPKI_SAMPLES");
	return d ? d : "samples";
}

static char *sample_path(const char *name)
{
	return g_build_filename(samples_dir(), name, NULL);
}

/* ---- test CA from samples/ca ----------------------------------------- */

static X509 *load_cert(const char *name)
{
	char *path = g_strdup_printf("%s/ca/%s.pem", samples_dir(), name);
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	g_free(path);
	return x;
}

static EVP_PKEY *load_key(const char *name)
{
	char *path = g_strdup_printf("%s/ca/%s.key", samples_dir(), name);
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	g_free(path);
	return k;
}

static upki_smime_verifier *test_verifier(void)
{
	char *root = g_strdup_printf("%s/ca/root.pem", samples_dir());
	upki_smime_verifier *v = NULL;

	if (g_file_test(root, G_FILE_TEST_EXISTS))
		v = upki_smime_verifier_new(root, NULL, NULL);
	g_free(root);
	return v;
}

/* Signs content as upki-testsign does; when < 0: no signed attributes at
 * all, hence no signingTime. */
static GBytes *sign_with(const char *signer, const char *chain_name, gint64 when,
			 gboolean opaque)
{
	X509 *cert = load_cert(signer);
	EVP_PKEY *key = load_key(signer);
	X509 *ca = chain_name ? load_cert(chain_name) : NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	unsigned int flags = CMS_PARTIAL | CMS_BINARY | (opaque ? 0 : CMS_DETACHED) |
			     (when < 0 ? CMS_NOATTR : 0);
	BIO *in = BIO_new_mem_buf(content, sizeof content - 1);
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_TIME *t = NULL;
	unsigned char *der = NULL;
	int len;
	GBytes *out = NULL;

	g_assert_nonnull(cert);
	g_assert_nonnull(key);
	if (ca)
		sk_X509_push(chain, ca);
	cms = CMS_sign(NULL, NULL, chain, NULL, flags);
	si = CMS_add1_signer(cms, cert, key, EVP_sha256(), flags);
	g_assert_nonnull(si);
	if (when >= 0) {
		t = ASN1_TIME_set(NULL, (time_t)when);
		g_assert_cmpint(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1), ==, 1);
	}
	g_assert_cmpint(CMS_final(cms, in, NULL, flags), ==, 1);
	len = i2d_CMS_ContentInfo(cms, &der);
	g_assert_cmpint(len, >, 0);
	out = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	ASN1_TIME_free(t);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	X509_free(cert);
	return out;
}

/* ---- table of synthetic signatures --------------------------------- */

typedef struct row {
	const char *name;
	const char *signer;
	const char *chain;
	gint64 when;          /* signingTime, -1: none */
	gboolean opaque;      /* opaque signature */
	gboolean tamper;      /* change one byte of the content */
	gboolean as_opaque;   /* hand it to the verifier as opaque */
	upki_verify_time at;
	upki_sig_status expect;
	gboolean expired_now;
} row;

static const row rows[] = {
	{ "pass", "signer", "smime-ca", T_2026, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_PASS, FALSE },
	{ "pass-at-now", "signer", "smime-ca", T_2026, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_NOW, UPKI_SIG_PASS, FALSE },
	{ "opaque", "signer", "smime-ca", T_2026, TRUE, FALSE, TRUE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_PASS, FALSE },
	{ "tampered", "signer", "smime-ca", T_2026, FALSE, TRUE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_BAD, FALSE },
	{ "foreign-ca", "foreign-signer", "foreign-root", T_2026, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_UNTRUSTED, FALSE },
	{ "no-intermediate", "signer", NULL, T_2026, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_UNTRUSTED, FALSE },
	{ "expired-at-now", "signer-expired", "smime-ca", T_2021, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_NOW, UPKI_SIG_EXPIRED, FALSE },
	{ "expired-now-flag", "signer-expired", "smime-ca", T_2021, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_PASS, TRUE },
	{ "signed-after-expiry", "signer-expired", "smime-ca", T_2026, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_EXPIRED, FALSE },
	{ "no-signing-time", "signer-expired", "smime-ca", -1, FALSE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_EXPIRED, FALSE },
	{ "detached-as-opaque", "signer", "smime-ca", T_2026, FALSE, FALSE, TRUE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_ERROR, FALSE },
	{ "opaque-as-detached", "signer", "smime-ca", T_2026, TRUE, FALSE, FALSE, UPKI_VERIFY_AT_SIGNING, UPKI_SIG_ERROR, FALSE },
};

static void test_row(gconstpointer data)
{
	const row *r = data;
	upki_smime_verifier *v = test_verifier();
	char *body = g_strdup(content);
	upki_signed s = { 0 };
	upki_smime_result *res;

	if (!v) {
		g_test_skip("no test CA in samples/ca (run samples/make-samples.sh)");
		g_free(body);
		return;
	}
	s.signature = sign_with(r->signer, r->chain, r->when, r->opaque);
	s.opaque = r->as_opaque;
	if (r->tamper)
		body[strlen(body) - 3] = 'X';
	if (!r->as_opaque)
		s.content = g_bytes_new(body, strlen(body));
	res = upki_smime_verify(v, &s, r->at, T_NOW);
	g_assert_cmpstr(upki_smime_status_token(res->status), ==, upki_smime_status_token(r->expect));
	g_assert_cmpint(res->expired_now, ==, r->expired_now);
	g_assert_cmpint(res->signing_time, ==, r->when);
	if (r->expect != UPKI_SIG_PASS)
		g_assert_nonnull(res->detail);
	upki_smime_result_free(res);
	g_bytes_unref(s.signature);
	if (s.content)
		g_bytes_unref(s.content);
	g_free(body);
	upki_smime_verifier_free(v);
}

/* ---- signer facts, content, garbage ---------------------------------- */

static void test_signer_facts(void)
{
	upki_smime_verifier *v = test_verifier();
	X509 *cert;
	upki_signed s = { 0 };
	upki_smime_result *res;
	BIGNUM *bn;
	char *dec;

	if (!v) {
		g_test_skip("no test CA in samples/ca");
		return;
	}
	cert = load_cert("signer");
	s.signature = sign_with("signer", "smime-ca", T_2026, FALSE);
	s.content = g_bytes_new_static(content, sizeof content - 1);
	res = upki_smime_verify(v, &s, UPKI_VERIFY_AT_SIGNING, T_NOW);
	g_assert_cmpint(res->status, ==, UPKI_SIG_PASS);
	g_assert_null(res->detail);
	g_assert_true(g_str_has_prefix(res->signer_subject, "CN=CA Support Center,"));
	g_assert_nonnull(strstr(res->signer_subject, "O=upki-notice Test"));
	g_assert_true(g_str_has_prefix(res->signer_issuer, "CN=upki-notice Test S/MIME CA,"));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	dec = BN_bn2dec(bn);
	g_assert_cmpstr(res->signer_serial, ==, dec);
	g_assert_cmpuint(res->signer_emails->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(res->signer_emails, 0), ==, "ca-support@ml.secom-sts.co.jp");
	g_assert_cmpint(res->signing_time, ==, T_2026);
	OPENSSL_free(dec);
	BN_free(bn);
	X509_free(cert);
	upki_smime_result_free(res);
	g_bytes_unref(s.signature);
	g_bytes_unref(s.content);
	upki_smime_verifier_free(v);
}

static void test_get_content(void)
{
	GBytes *opaque, *detached, *got;
	char junk[] = "not a signature";
	GBytes *bad = g_bytes_new_static(junk, sizeof junk);

	char *signer = sample_path("ca/signer.pem");
	gboolean have = g_file_test(signer, G_FILE_TEST_EXISTS);

	g_free(signer);
	if (!have) {
		g_test_skip("no test CA in samples/ca");
		g_bytes_unref(bad);
		return;
	}
	opaque = sign_with("signer", "smime-ca", T_2026, TRUE);
	detached = sign_with("signer", "smime-ca", T_2026, FALSE);
	got = upki_smime_get_content(opaque);
	g_assert_nonnull(got);
	g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), content, sizeof content - 1);
	g_assert_null(upki_smime_get_content(detached));
	g_assert_null(upki_smime_get_content(bad));
	g_assert_null(upki_smime_get_content(NULL));
	g_bytes_unref(got);
	g_bytes_unref(opaque);
	g_bytes_unref(detached);
	g_bytes_unref(bad);
}

static void test_garbage(void)
{
	static const guint8 truncated[] = { 0x30, 0x82, 0x05, 0x00, 0x06, 0x09, 0x2a, 0x86 };
	static const guint8 data_type[] = { /* ContentInfo of type id-data: CMS, not signed */
		0x30, 0x14, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
		0xa0, 0x07, 0x04, 0x05, 'h', 'e', 'l', 'l', 'o' };
	struct { const void *data; gsize len; upki_sig_status expect; } cases[] = {
		{ "garbage", 7, UPKI_SIG_ERROR },
		{ "", 0, UPKI_SIG_ERROR },
		{ truncated, sizeof truncated, UPKI_SIG_ERROR },
		{ data_type, sizeof data_type, UPKI_SIG_ERROR },
	};
	upki_smime_verifier *v = test_verifier();
	upki_smime_result *res;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		upki_signed s = { .content = g_bytes_new_static("x", 1),
				  .signature = g_bytes_new_static(cases[i].data, cases[i].len) };
		res = upki_smime_verify(v, &s, UPKI_VERIFY_AT_SIGNING, T_NOW);
		g_assert_cmpint(res->status, ==, cases[i].expect);
		g_assert_nonnull(res->detail);
		g_assert_cmpint(res->signing_time, ==, -1);
		upki_smime_result_free(res);
		g_bytes_unref(s.content);
		g_bytes_unref(s.signature);
	}
	res = upki_smime_verify(v, NULL, UPKI_VERIFY_AT_NOW, T_NOW);
	g_assert_cmpint(res->status, ==, UPKI_SIG_NONE);
	upki_smime_result_free(res);
	upki_smime_verifier_free(v);
}

static void test_tokens(void)
{
	static const struct { upki_sig_status s; const char *token; } t[] = {
		{ UPKI_SIG_NONE, "none" }, { UPKI_SIG_PASS, "pass" }, { UPKI_SIG_BAD, "fail" },
		{ UPKI_SIG_UNTRUSTED, "untrusted" }, { UPKI_SIG_EXPIRED, "expired" },
		{ UPKI_SIG_ERROR, "error" }, { (upki_sig_status)99, "none" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++)
		g_assert_cmpstr(upki_smime_status_token(t[i].s), ==, t[i].token);
}

static void test_verifier_errors(void)
{
	GError *err = NULL;
	char *key = sample_path("ca/signer.key");
	upki_smime_verifier *v = upki_smime_verifier_new("/nonexistent/ca.pem", NULL, &err);

	g_assert_null(v);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TRUST);
	g_clear_error(&err);
	v = upki_smime_verifier_new(NULL, "/nonexistent/dir", &err);
	g_assert_null(v);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TRUST);
	g_clear_error(&err);
	if (g_file_test(key, G_FILE_TEST_EXISTS)) {
		/* A PEM file with a key and no certificate is no trust store. */
		v = upki_smime_verifier_new(key, NULL, &err);
		g_assert_null(v);
		g_assert_error(err, UPKI_ERROR, UPKI_ERROR_TRUST);
		g_clear_error(&err);
	}
	g_free(key);
}

/* ---- whole messages: committed samples and the real notices --------- */

/* The MIME work of mime.c done crudely here, so that this test depends on
 * smime.c alone: the first part of a multipart/signed, CRLF, without the
 * line end before the boundary, and the decoded second part. */
static char *read_lf(const char *path)
{
	char *raw = NULL;
	gsize len = 0;
	GString *out;

	if (!g_file_get_contents(path, &raw, &len, NULL))
		return NULL;
	out = g_string_sized_new(len);
	for (gsize i = 0; i < len; i++)
		if (raw[i] != '\r')
			g_string_append_c(out, raw[i]);
	g_free(raw);
	return g_string_free(out, FALSE);
}

static char *boundary_of(const char *msg)
{
	const char *end = strstr(msg, "\n\n");
	char *head = g_ascii_strdown(msg, end ? end - msg : -1);
	const char *b = strstr(head, "boundary=");
	char *value = NULL;

	if (b) {
		const char *v = msg + (b - head) + strlen("boundary=");
		gsize n = *v == '"' ? strcspn(++v, "\"") : strcspn(v, "; \t\n");
		value = g_strndup(v, n);
	}
	g_free(head);
	return value;
}

static GBytes *lf_to_crlf(const char *p, gsize len)
{
	GString *out = g_string_sized_new(len + len / 16);

	for (gsize i = 0; i < len; i++) {
		if (p[i] == '\n')
			g_string_append_c(out, '\r');
		g_string_append_c(out, p[i]);
	}
	return g_string_free_to_bytes(out);
}

static GBytes *base64_bytes(const char *p, gsize len)
{
	char *text = g_strndup(p, len);
	gsize n = 0;
	guchar *der = g_base64_decode(text, &n);

	g_free(text);
	return g_bytes_new_take(der, n);
}

static gboolean split_signed(const char *msg, upki_signed *s)
{
	char *b = boundary_of(msg);
	char *delim = b ? g_strconcat("\n--", b, NULL) : NULL;
	const char *p = delim ? strstr(msg, delim) : NULL;
	const char *start = p ? strchr(p + 1, '\n') : NULL;
	const char *end = start ? strstr(start, delim) : NULL;
	const char *sig = end ? strchr(end + 1, '\n') : NULL;
	const char *body = sig ? strstr(sig, "\n\n") : NULL;
	const char *stop = body ? strstr(body, delim) : NULL;

	if (stop) {
		s->content = lf_to_crlf(start + 1, (gsize)(end - start - 1));
		s->signature = base64_bytes(body + 2, (gsize)(stop - body - 2));
	}
	g_free(delim);
	g_free(b);
	return stop != NULL;
}

static gboolean split_opaque(const char *msg, upki_signed *s)
{
	const char *body = strstr(msg, "\n\n");

	if (!body)
		return FALSE;
	s->signature = base64_bytes(body + 2, strlen(body + 2));
	s->opaque = TRUE;
	return TRUE;
}

static upki_smime_result *verify_file(const upki_smime_verifier *v, const char *path,
				      upki_verify_time at)
{
	char *msg = read_lf(path);
	upki_signed s = { 0 };
	upki_smime_result *res = NULL;

	g_assert_nonnull(msg);
	if (strstr(msg, "application/pkcs7-mime") ? split_opaque(msg, &s) : split_signed(msg, &s))
		res = upki_smime_verify(v, &s, at, T_NOW);
	g_assert_nonnull(res);
	if (s.content)
		g_bytes_unref(s.content);
	g_bytes_unref(s.signature);
	g_free(msg);
	return res;
}

typedef struct sample_row {
	const char *file;
	upki_sig_status expect;
	gboolean expired_now;
	const char *email;
} sample_row;

static const sample_row sample_rows[] = {
	{ "cert-issue.eml", UPKI_SIG_PASS, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "cert-issue-lf.eml", UPKI_SIG_PASS, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "cert-issue-opaque.eml", UPKI_SIG_PASS, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "cert-issue-html.eml", UPKI_SIG_PASS, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "cert-revoked.eml", UPKI_SIG_PASS, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "cert-issue-signer-expired-now.eml", UPKI_SIG_PASS, TRUE, "ca-support@ml.secom-sts.co.jp" },
	{ "phish-tampered.eml", UPKI_SIG_BAD, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "phish-foreign-ca.eml", UPKI_SIG_UNTRUSTED, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "phish-signer-expired.eml", UPKI_SIG_EXPIRED, FALSE, "ca-support@ml.secom-sts.co.jp" },
	{ "phish-signer-not-sender.eml", UPKI_SIG_PASS, FALSE, "suzuki.hanako@example.ac.jp" },
};

static void test_sample(gconstpointer data)
{
	const sample_row *r = data;
	char *path = sample_path(r->file);
	upki_smime_verifier *v = test_verifier();
	upki_smime_result *res;

	if (!v || !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("samples not generated (samples/make-samples.sh)");
		goto out;
	}
	res = verify_file(v, path, UPKI_VERIFY_AT_SIGNING);
	g_assert_cmpstr(upki_smime_status_token(res->status), ==, upki_smime_status_token(r->expect));
	g_assert_cmpint(res->expired_now, ==, r->expired_now);
	g_assert_cmpuint(res->signer_emails->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(res->signer_emails, 0), ==, r->email);
	upki_smime_result_free(res);
out:
	upki_smime_verifier_free(v);
	g_free(path);
}

typedef struct real_row {
	const char *file;
	gint64 date; /* the Date header, equal to signingTime */
} real_row;

static const real_row real_rows[] = {
	{ "cert-issue-1.eml", 1552972924 }, { "cert-issue-2.eml", 1552982284 },
	{ "pin-issue-1.eml", 1521358324 }, { "pin-issue-all-1.eml", 1552972924 },
	{ "cert-retrieved-1.eml", 1521358564 }, { "cert-revoked-1.eml", 1522069684 },
};

/* Real notices: valid against the system store when signed, expired now. */
static void test_real(gconstpointer data)
{
	const real_row *r = data;
	const char *dir = g_getenv("UPKI_SHARED_SAMPLES");
	char *path = g_build_filename(dir ? dir : "../shared/upki-samples", r->file, NULL);
	upki_smime_verifier *v = NULL;
	upki_smime_result *res;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/upki-samples absent (set UPKI_SHARED_SAMPLES)");
		goto out;
	}
	v = upki_smime_verifier_new(NULL, NULL, NULL);
	if (!v) {
		g_test_skip("no system trust store");
		goto out;
	}
	res = verify_file(v, path, UPKI_VERIFY_AT_SIGNING);
	g_assert_cmpstr(upki_smime_status_token(res->status), ==, "pass");
	g_assert_true(res->expired_now);
	g_assert_cmpint(res->signing_time, ==, r->date);
	g_assert_true(g_str_has_prefix(res->signer_subject, "CN=CA Support Center,"));
	g_assert_nonnull(strstr(res->signer_issuer, "NII Open Domain S/MIME CA"));
	g_assert_cmpstr(g_ptr_array_index(res->signer_emails, 0), ==, "ca-support@ml.secom-sts.co.jp");
	upki_smime_result_free(res);
	res = verify_file(v, path, UPKI_VERIFY_AT_NOW);
	g_assert_cmpstr(upki_smime_status_token(res->status), ==, "expired");
	g_assert_nonnull(res->detail);
	upki_smime_result_free(res);
out:
	upki_smime_verifier_free(v);
	g_free(path);
}

/* One verifier, several threads: the store must stay read-only. */
typedef struct shared {
	const upki_smime_verifier *v;
	GBytes *good, *expired;
} shared;

static gpointer hammer(gpointer data)
{
	const shared *sh = data;
	upki_signed s = { .content = g_bytes_new_static(content, sizeof content - 1) };
	guint wrong = 0;

	for (int i = 0; i < 40; i++) {
		s.signature = i % 2 ? sh->expired : sh->good;
		upki_smime_result *res = upki_smime_verify(sh->v, &s, i % 4 < 2 ? UPKI_VERIFY_AT_SIGNING
										  : UPKI_VERIFY_AT_NOW, T_NOW);
		upki_sig_status want = i % 2 == 0 ? UPKI_SIG_PASS
				       : i % 4 < 2 ? UPKI_SIG_PASS : UPKI_SIG_EXPIRED;
		wrong += res->status != want;
		upki_smime_result_free(res);
	}
	g_bytes_unref(s.content);
	return GUINT_TO_POINTER(wrong);
}

static void test_threads(void)
{
	shared sh = { .v = test_verifier() };
	GThread *t[4];

	if (!sh.v) {
		g_test_skip("no test CA in samples/ca");
		return;
	}
	sh.good = sign_with("signer", "smime-ca", T_2026, FALSE);
	sh.expired = sign_with("signer-expired", "smime-ca", T_2021, FALSE);
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("verify", hammer, &sh);
	for (gsize i = 0; i < G_N_ELEMENTS(t); i++)
		g_assert_cmpuint(GPOINTER_TO_UINT(g_thread_join(t[i])), ==, 0);
	g_bytes_unref(sh.good);
	g_bytes_unref(sh.expired);
	upki_smime_verifier_free((upki_smime_verifier *)sh.v);
}

static void add_mail_tests(void)
{
	TEST_ADD_ROWS("/smime/sample", sample_rows, file, test_sample);
	TEST_ADD_ROWS("/smime/real", real_rows, file, test_real);
	g_test_add_func("/smime/threads", test_threads);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/smime/verify", rows, name, test_row);
	g_test_add_func("/smime/signer-facts", test_signer_facts);
	g_test_add_func("/smime/get-content", test_get_content);
	g_test_add_func("/smime/garbage", test_garbage);
	g_test_add_func("/smime/status-tokens", test_tokens);
	g_test_add_func("/smime/verifier-errors", test_verifier_errors);
	add_mail_tests();
	return g_test_run();
}
