/* test-smime-der.c - parser/smime-der.c: the split of a SignedData into
 * its certificates and the rest is exact (the certificates OpenSSL finds,
 * byte for byte; the rest decodes to the same signer infos), works on
 * the BER the service writes, and refuses every other shape, truncation
 * and mutation without reading out of bounds.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "upki/mime.h"
#include "smime-der-private.h"
#include "test-util.h"

static const char *samples_dir(void)
{
	const char *d = g_getenv("UPKI_SAMPLES");
	return d ? d : "samples";
}

/* The DER of the first signature of a sample. */
static GBytes *sample_signature(const char *file)
{
	char *path = g_build_filename(samples_dir(), file, NULL);
	char *buf = NULL;
	gsize len = 0;
	upki_mime *m = NULL;
	GBytes *sig = NULL;

	g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
	m = upki_mime_parse(buf, len, NULL);
	g_assert_nonnull(m);
	g_assert_cmpuint(m->signeds->len, >=, 1);
	sig = g_bytes_ref(((upki_signed *)g_ptr_array_index(m->signeds, 0))->signature);
	upki_mime_free(m);
	g_free(buf);
	g_free(path);
	return sig;
}

static CMS_ContentInfo *decode(const guint8 *p, gsize len)
{
	const unsigned char *q = p;

	return d2i_CMS_ContentInfo(NULL, &q, (long)len);
}

/* What OpenSSL reads from the whole and from the split agree. */
static void assert_split_exact(const guint8 *der, gsize len)
{
	upki_der_split sp = { 0 };
	CMS_ContentInfo *whole = decode(der, len), *rest = NULL;
	STACK_OF(X509) *certs = NULL, *rest_certs = NULL;
	STACK_OF(CMS_SignerInfo) *a = NULL, *b = NULL;
	gsize rlen = 0;
	const guint8 *r = NULL;

	g_assert_nonnull(whole);
	g_assert_true(upki_der_split_signed_data(der, len, &sp));
	certs = CMS_get1_certs(whole);
	g_assert_nonnull(certs);
	g_assert_cmpint(sk_X509_num(certs), ==, (int)sp.certs->len);
	for (guint i = 0; i < sp.certs->len; i++) {
		const upki_der_span *span = &g_array_index(sp.certs, upki_der_span, i);
		unsigned char *enc = NULL;
		int n = i2d_X509(sk_X509_value(certs, (int)i), &enc);
		g_assert_cmpint(n, ==, (int)span->len);
		g_assert_cmpmem(enc, n, der + span->off, span->len);
		OPENSSL_free(enc);
	}
	r = g_bytes_get_data(sp.rest, &rlen);
	rest = decode(r, rlen);
	g_assert_nonnull(rest);
	g_assert_cmpint(OBJ_obj2nid(CMS_get0_type(rest)), ==, NID_pkcs7_signed);
	rest_certs = CMS_get1_certs(rest);
	g_assert_null(rest_certs);
	a = CMS_get0_SignerInfos(whole);
	b = CMS_get0_SignerInfos(rest);
	g_assert_cmpint(sk_CMS_SignerInfo_num(a), ==, sk_CMS_SignerInfo_num(b));
	for (int i = 0; i < sk_CMS_SignerInfo_num(a); i++) {
		ASN1_OCTET_STRING *sa = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(a, i));
		ASN1_OCTET_STRING *sb = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(b, i));
		g_assert_cmpint(ASN1_STRING_cmp(sa, sb), ==, 0);
		g_assert_cmpint(CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(a, i)), ==,
				CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(b, i)));
	}
	g_assert_cmpint(CMS_is_detached(whole), ==, CMS_is_detached(rest));
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(whole);
	CMS_ContentInfo_free(rest);
	upki_der_split_clear(&sp);
}

static const char *const files[] = {
	"cert-issue.eml", "cert-issue-opaque.eml", "cert-revoked.eml",
	"cert-issue-signer-expired-now.eml", "phish-foreign-ca.eml",
};

static void test_samples(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		GBytes *sig = sample_signature(files[i]);
		gsize len = 0;
		const guint8 *p = g_bytes_get_data(sig, &len);
		assert_split_exact(p, len);
		g_bytes_unref(sig);
	}
}

/* Reads a definite header at p: returns the header size, *len the length. */
static gsize der_header(const guint8 *p, gsize *len)
{
	gsize n;

	if (p[1] < 0x80) {
		*len = p[1];
		return 2;
	}
	n = p[1] & 0x7f;
	*len = 0;
	for (gsize i = 0; i < n; i++)
		*len = *len << 8 | p[2 + i];
	return 2 + n;
}

/* The DER signature with its three outer layers turned into BER with
 * indefinite lengths, as the service's signer writes them. */
static GByteArray *to_ber(const guint8 *der, gsize len)
{
	GByteArray *out = g_byte_array_new();
	static const guint8 eoc[2] = { 0, 0 };
	gsize l0, l1, l2, oid_len;
	gsize h0 = der_header(der, &l0);
	gsize oid_h = der_header(der + h0, &oid_len);
	gsize ex_off = h0 + oid_h + oid_len;
	gsize h1 = der_header(der + ex_off, &l1);
	gsize sd_off = ex_off + h1;
	gsize h2 = der_header(der + sd_off, &l2);
	guint8 hdr[2] = { 0x30, 0x80 };

	g_assert_cmpuint(h0 + l0, ==, len);
	g_byte_array_append(out, hdr, 2);
	g_byte_array_append(out, der + h0, (guint)(oid_h + oid_len));
	hdr[0] = 0xa0;
	g_byte_array_append(out, hdr, 2);
	hdr[0] = 0x30;
	g_byte_array_append(out, hdr, 2);
	g_byte_array_append(out, der + sd_off + h2, (guint)l2);
	for (int i = 0; i < 3; i++)
		g_byte_array_append(out, eoc, 2);
	return out;
}

static void test_ber(void)
{
	GBytes *sig = sample_signature("cert-issue.eml");
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(sig, &len);
	GByteArray *ber = to_ber(p, len);
	upki_der_split sp = { 0 };
	gsize rlen = 0;

	g_assert_cmpuint(ber->data[1], ==, 0x80);
	assert_split_exact(ber->data, ber->len);
	g_assert_true(upki_der_split_signed_data(ber->data, ber->len, &sp));
	g_bytes_get_data(sp.rest, &rlen);
	/* The rest kept the indefinite form (and its three end marks). */
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(sp.rest, NULL))[1], ==, 0x80);
	upki_der_split_clear(&sp);
	g_byte_array_unref(ber);
	g_bytes_unref(sig);
}

/* No prefix of a signature is a signature; nothing is read past the end
 * (ASan watches each copy, made to the exact length). */
static void test_truncated(void)
{
	GBytes *sig = sample_signature("cert-issue.eml");
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(sig, &len);

	for (gsize n = 0; n < len; n++) {
		guint8 *copy = g_memdup2(p, n ? n : 1);
		upki_der_split sp = { 0 };
		g_assert_false(upki_der_split_signed_data(copy, n, &sp));
		g_free(copy);
	}
	g_bytes_unref(sig);
}

/* When OpenSSL reads the damaged whole too, it finds as many
 * certificates as the split, and the rest has its signer infos. */
static void assert_same_shape(CMS_ContentInfo *whole, const upki_der_split *sp)
{
	STACK_OF(X509) *certs = CMS_get1_certs(whole);
	gsize rlen = 0;
	const guint8 *r = g_bytes_get_data(sp->rest, &rlen);
	CMS_ContentInfo *rest = decode(r, rlen);

	g_assert_cmpint(certs ? sk_X509_num(certs) : 0, ==, (int)sp->certs->len);
	if (rest)
		g_assert_cmpint(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(rest)), ==,
				sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(whole)));
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(rest);
}

/* Random damage: never a read out of bounds, and what splits splits
 * into what OpenSSL sees. */
static void test_mutated(void)
{
	GBytes *sig = sample_signature("cert-issue.eml");
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(sig, &len);
	GRand *r = g_rand_new_with_seed(42);
	guint split = 0;

	for (int i = 0; i < 3000; i++) {
		guint8 *copy = g_memdup2(p, len);
		upki_der_split sp = { 0 };
		gsize at = (gsize)g_rand_int_range(r, 0, (gint32)MIN(len, 64u + (gsize)(i % 2) * len));
		copy[at % len] = (guint8)g_rand_int_range(r, 0, 256);
		if (upki_der_split_signed_data(copy, len, &sp)) {
			CMS_ContentInfo *whole = decode(copy, len);
			split++;
			if (whole)
				assert_same_shape(whole, &sp);
			upki_der_split_clear(&sp);
			CMS_ContentInfo_free(whole);
		}
		g_free(copy);
	}
	g_test_message("%u of 3000 mutations still split", split);
	g_rand_free(r);
	g_bytes_unref(sig);
}

static gboolean split_bytes(const guint8 *b, gsize len)
{
	upki_der_split sp = { 0 };
	gboolean ok = upki_der_split_signed_data(b, len, &sp);

	upki_der_split_clear(&sp);
	return ok;
}

/* Shapes that are not split: the caller decodes them whole. */
static void test_refused(void)
{
	GBytes *sig = sample_signature("cert-issue.eml");
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(sig, &len);
	guint8 *b = g_malloc(len + 2);
	GByteArray *deep = g_byte_array_new();
	static const guint8 nest[2] = { 0x30, 0x80 };
	static const guint8 huge[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06 };
	static const guint8 many[] = { 0x30, 0x85, 0x01, 0, 0, 0, 0 };

	/* Trailing bytes after the ContentInfo. */
	memcpy(b, p, len);
	b[len] = 0;
	b[len + 1] = 0;
	g_assert_false(split_bytes(b, len + 2));
	/* Another content type (data instead of signedData). */
	memcpy(b, p, len);
	for (gsize i = 0; i + 9 < len; i++)
		if (memcmp(b + i, "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 9) == 0) {
			b[i + 8] = 0x01;
			break;
		}
	g_assert_false(split_bytes(b, len));
	/* Indefinite nesting beyond the bound, lengths beyond the input. */
	for (int i = 0; i < 5000; i++)
		g_byte_array_append(deep, nest, 2);
	g_assert_false(split_bytes(deep->data, deep->len));
	g_assert_false(split_bytes(huge, sizeof huge));
	g_assert_false(split_bytes(many, sizeof many));
	g_assert_false(split_bytes(NULL, 0));
	g_free(b);
	g_byte_array_unref(deep);
	g_bytes_unref(sig);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	g_test_add_func("/smime-der/samples", test_samples);
	g_test_add_func("/smime-der/ber", test_ber);
	g_test_add_func("/smime-der/truncated", test_truncated);
	g_test_add_func("/smime-der/mutated", test_mutated);
	g_test_add_func("/smime-der/refused", test_refused);
	return g_test_run();
}
