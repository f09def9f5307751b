/* msgbuild.h - assembles messages from the pieces of msgparts.h for the
 * attack and mutation generators: multipart bodies with chosen delimiter
 * spellings, wrappers, attacker parts, and detached CMS signatures made
 * with the test CA's keys (samples/ca/), which is what an attacker who
 * holds some other certificate can make.  Test use only.
 */
#ifndef UPKI_TOOLS_MSGBUILD_H
#define UPKI_TOOLS_MSGBUILD_H

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "msgparts.h"

/* Appends LF text with every '\n' written as nl. */
static inline void mb_put(GString *g, const char *nl, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			g_string_append(g, nl);
		else
			g_string_append_c(g, *p);
	}
}

static inline void mb_cat(GString *g, const GString *piece)
{
	g_string_append_len(g, piece->str, piece->len);
}

/* "--b" nl e nl "--b" nl s nl "--b--" nl: a two-part multipart body. */
static inline GString *mb_signed_body(const char *nl, const char *b, const GString *e, const GString *s)
{
	GString *g = g_string_new(NULL);

	g_string_append_printf(g, "--%s%s", b, nl);
	mb_cat(g, e);
	g_string_append_printf(g, "%s--%s%s", nl, b, nl);
	mb_cat(g, s);
	g_string_append_printf(g, "%s--%s--%s", nl, b, nl);
	return g;
}

/* A multipart/signed entity (its own Content-Type, then the body). */
static inline GString *mb_signed_entity(const char *nl, const char *b, const GString *e, const GString *s)
{
	GString *g = g_string_new(NULL);
	GString *body = mb_signed_body(nl, b, e, s);

	g_string_append_printf(g, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
			       " micalg=sha-256;%s\tboundary=\"%s\"%s%s", nl, b, nl, nl);
	mb_cat(g, body);
	g_string_free(body, TRUE);
	return g;
}

/* The base's own multipart/signed entity, byte for byte as it arrived. */
static inline GString *mb_base_entity(const msgparts *m)
{
	GString *g = g_string_new(NULL);
	GString *body = mb_signed_body(m->nl, m->boundary->str, m->entity, m->sigpart);

	mb_cat(g, m->ctype);
	g_string_append(g, m->nl);
	mb_cat(g, m->preamble);
	mb_cat(g, body);
	mb_cat(g, m->epilogue);
	g_string_free(body, TRUE);
	return g;
}

/* multipart/SUBTYPE with boundary b around parts (each an entity). */
static inline GString *mb_multipart(const char *nl, const char *subtype, const char *b,
			     GString *const *parts, guint n)
{
	GString *g = g_string_new(NULL);

	g_string_append_printf(g, "Content-Type: multipart/%s; boundary=\"%s\"%s%s", subtype, b, nl, nl);
	for (guint i = 0; i < n; i++) {
		g_string_append_printf(g, "--%s%s", b, nl);
		mb_cat(g, parts[i]);
		g_string_append(g, nl);
	}
	g_string_append_printf(g, "--%s--%s", b, nl);
	return g;
}

/* A whole message: the base's header fields except Content-Type (and
 * those in drop), then extra (LF text), then entity. */
static inline GString *mb_message(const msgparts *m, const char *const *drop, const char *extra,
			   const GString *entity)
{
	const char *always[16] = { "Content-Type", "Content-Transfer-Encoding" };
	int n = 2;

	for (int i = 0; drop && drop[i] && n < 15; i++)
		always[n++] = drop[i];
	GString *g = mp_headers_without(m, always);
	if (extra)
		mb_put(g, m->nl, extra);
	mb_cat(g, entity);
	return g;
}

/* A text entity (LF text, written with nl). */
static inline GString *mb_text_entity(const char *nl, const char *type, const char *cte, const char *text)
{
	GString *g = g_string_new(NULL);

	g_string_append_printf(g, "Content-Type: %s; charset=UTF-8%sContent-Transfer-Encoding: %s%s%s",
			       type, nl, cte, nl, nl);
	mb_put(g, nl, text);
	return g;
}

/* ---- signing ---------------------------------------------------------- */

static inline X509 *mb_read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (!x)
		fprintf(stderr, "msgbuild: %s: no PEM certificate\n", path);
	return x;
}

static inline EVP_PKEY *mb_read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (!k)
		fprintf(stderr, "msgbuild: %s: no PEM private key\n", path);
	return k;
}

static inline void mb_ossl_free(gpointer p)
{
	OPENSSL_free(p);
}

/* DER CMS over content, signed by ca_dir/WHO.pem with signingTime when,
 * carrying ca_dir/CHAIN.pem; NULL on failure.  CMS_PARTIAL so that the
 * signingTime is ours (see tests/tools/upki-testsign.c). */
static inline GBytes *mb_cms_sign(const char *ca_dir, const char *who, const char *chain_name,
			   const GString *content, gint64 when)
{
	char *cp = g_strdup_printf("%s/%s.pem", ca_dir, who);
	char *kp = g_strdup_printf("%s/%s.key", ca_dir, who);
	char *chp = g_strdup_printf("%s/%s.pem", ca_dir, chain_name);
	X509 *cert = mb_read_cert(cp);
	EVP_PKEY *key = mb_read_key(kp);
	X509 *inter = mb_read_cert(chp);
	STACK_OF(X509) *chain = sk_X509_new_null();
	unsigned int flags = CMS_PARTIAL | CMS_BINARY | CMS_DETACHED;
	CMS_ContentInfo *cms = NULL;
	ASN1_TIME *t = NULL;
	BIO *in = BIO_new_mem_buf(content->str, (int)content->len);
	GBytes *out = NULL;

	if (!cert || !key || !inter || !chain || !sk_X509_push(chain, inter))
		goto done;
	inter = NULL;
	cms = CMS_sign(NULL, NULL, chain, NULL, flags);
	CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, cert, key, EVP_sha256(), flags) : NULL;
	t = si ? ASN1_TIME_set(NULL, (time_t)when) : NULL;
	if (!t || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1) != 1 ||
	    CMS_final(cms, in, NULL, flags) != 1)
		goto done;
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der);
	if (len > 0)
		out = g_bytes_new_with_free_func(der, len, mb_ossl_free, der);
done:
	CMS_ContentInfo_free(cms);
	ASN1_TIME_free(t);
	BIO_free(in);
	X509_free(cert);
	X509_free(inter);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	g_free(cp);
	g_free(kp);
	g_free(chp);
	return out;
}

/* A signature part (headers and base64 body, no final line end). */
static inline GString *mb_sig_part(const char *nl, GBytes *der)
{
	GString *g = g_string_new(NULL);
	gsize len;
	const guchar *p = g_bytes_get_data(der, &len);
	char *b64 = g_base64_encode(p, len);
	gsize n = strlen(b64);

	g_string_append_printf(g, "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"%s"
			       "Content-Transfer-Encoding: base64%s"
			       "Content-Disposition: attachment; filename=\"smime.p7s\"%s%s",
			       nl, nl, nl, nl);
	for (gsize i = 0; i < n; i += 76) {
		if (i)
			g_string_append(g, nl);
		g_string_append_len(g, b64 + i, MIN(76, n - i));
	}
	g_free(b64);
	return g;
}

/* Signature part by WHO of ca_dir over content; NULL if it cannot sign. */
static inline GString *mb_sign_part(const char *nl, const char *ca_dir, const char *who,
			     const GString *content, gint64 when)
{
	const char *chain = g_str_has_prefix(who, "foreign") ? "foreign-root" : "smime-ca";
	GBytes *der = ca_dir ? mb_cms_sign(ca_dir, who, chain, content, when) : NULL;
	GString *g = der ? mb_sig_part(nl, der) : NULL;

	if (der)
		g_bytes_unref(der);
	return g;
}

#endif
