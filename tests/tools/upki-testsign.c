/* upki-testsign.c - makes S/MIME signatures for the project's samples.
 *
 * `openssl cms -sign` always stamps the current time into signingTime, so
 * samples made with it change on every run and an "expired now, valid
 * when signed" signer cannot be shown.  This tool signs with a chosen
 * signingTime instead.  Test use only: it signs whatever it is given.
 *
 *   upki-testsign --cert C.pem --key K.pem [--chain I.pem]... --time EPOCH
 *                 [--opaque] --in CONTENT --out SIG.der
 *
 * CONTENT must already be the canonical (CRLF) MIME entity; it is signed
 * byte for byte (CMS_BINARY).  The output is DER CMS SignedData, SHA-256,
 * detached unless --opaque.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

typedef struct options {
	char *cert;
	char *key;
	char **chain;
	gint64 time;
	gboolean opaque;
	char *in;
	char *out;
} options;

static gboolean parse_args(int argc, char **argv, options *o)
{
	GOptionEntry entries[] = {
		{ "cert", 0, 0, G_OPTION_ARG_FILENAME, &o->cert, "signer certificate (PEM)", "FILE" },
		{ "key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, "signer private key (PEM)", "FILE" },
		{ "chain", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->chain,
		  "extra certificate(s) to carry, PEM (repeatable)", "FILE" },
		{ "time", 0, 0, G_OPTION_ARG_INT64, &o->time, "signingTime, unix time", "EPOCH" },
		{ "opaque", 0, 0, G_OPTION_ARG_NONE, &o->opaque, "embed the content", NULL },
		{ "in", 0, 0, G_OPTION_ARG_FILENAME, &o->in, "content to sign", "FILE" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "DER output", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx = g_option_context_new("- sign with a chosen signingTime (test only)");
	GError *err = NULL;
	gboolean ok;

	o->time = -1;
	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = g_option_context_parse(ctx, &argc, &argv, &err);
	if (!ok)
		fprintf(stderr, "upki-testsign: %s\n", err->message);
	else if (!o->cert || !o->key || !o->in || !o->out || o->time < 0) {
		fprintf(stderr, "upki-testsign: --cert, --key, --time, --in and --out are required\n");
		ok = FALSE;
	}
	g_clear_error(&err);
	g_option_context_free(ctx);
	return ok;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f) {
		fprintf(stderr, "upki-testsign: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		fprintf(stderr, "upki-testsign: %s: no PEM certificate\n", path);
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f) {
		fprintf(stderr, "upki-testsign: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		fprintf(stderr, "upki-testsign: %s: no PEM private key\n", path);
	return k;
}

static STACK_OF(X509) *read_chain(char **paths)
{
	STACK_OF(X509) *chain = sk_X509_new_null();

	for (int i = 0; chain && paths && paths[i]; i++) {
		X509 *x = read_cert(paths[i]);
		if (!x || !sk_X509_push(chain, x)) {
			X509_free(x);
			sk_X509_pop_free(chain, X509_free);
			return NULL;
		}
	}
	return chain;
}

/* The attribute must be in place before CMS_final computes the signature,
 * hence CMS_PARTIAL; CMS_add1_signer would otherwise stamp the clock time. */
static CMS_ContentInfo *sign(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain,
			     gint64 when, gboolean opaque, BIO *in)
{
	unsigned int flags = CMS_PARTIAL | CMS_BINARY | (opaque ? 0 : CMS_DETACHED);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, chain, NULL, flags);
	CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, cert, key, EVP_sha256(), flags) : NULL;
	ASN1_TIME *t = si ? ASN1_TIME_set(NULL, (time_t)when) : NULL;

	if (!t || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1) != 1 ||
	    CMS_final(cms, in, NULL, flags) != 1) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	ASN1_TIME_free(t);
	return cms;
}

int main(int argc, char **argv)
{
	options o = { 0 };
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	STACK_OF(X509) *chain = NULL;
	BIO *in = NULL;
	BIO *out = NULL;
	CMS_ContentInfo *cms = NULL;
	int rc = 1;

	if (!parse_args(argc, argv, &o))
		return 2;
	cert = read_cert(o.cert);
	key = read_key(o.key);
	chain = read_chain(o.chain);
	if (!cert || !key || !chain)
		goto out;
	in = BIO_new_file(o.in, "rb");
	if (!in) {
		fprintf(stderr, "upki-testsign: cannot read %s\n", o.in);
		goto out;
	}
	cms = sign(cert, key, chain, o.time, o.opaque, in);
	if (!cms) {
		fprintf(stderr, "upki-testsign: signing failed\n");
		ERR_print_errors_fp(stderr);
		goto out;
	}
	out = BIO_new_file(o.out, "wb");
	if (!out || i2d_CMS_bio(out, cms) != 1 || BIO_flush(out) != 1) {
		fprintf(stderr, "upki-testsign: cannot write %s\n", o.out);
		goto out;
	}
	rc = 0;
out:
	BIO_free(out);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	X509_free(cert);
	g_free(o.cert);
	g_free(o.key);
	g_strfreev(o.chain);
	g_free(o.in);
	g_free(o.out);
	return rc;
}
