/* smime.c - S/MIME signature verification with OpenSSL 3 CMS.
 *
 * Two questions are kept apart: does the signature match the signed bytes
 * (CMS_verify without a chain check), and does the signer chain to a
 * trusted root at the chosen time (a per-call X509_STORE_CTX).  Keeping
 * them apart is what lets a tampered message ("fail") be told from a
 * genuine one whose signer merely expired ("expired").  The trust store is
 * loaded once and never changed afterwards, so one verifier serves many
 * threads; everything per message lives in per-call objects.  Nothing here
 * prints: OpenSSL's error queue is turned into result->detail and cleared.
 */
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "upki/error.h"
#include "upki/fastpath.h"
#include "upki/smime.h"
#include "smime-cache-private.h"

struct upki_smime_verifier {
	X509_STORE *store;
	upki_smime_cache *cache; /* mutable behind its own lock: a verifier stays shareable */
};

/* ---- trust store ---------------------------------------------------- */

static guint store_count(X509_STORE *store)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);

	return objs ? (guint)sk_X509_OBJECT_num(objs) : 0;
}

/* A hashed directory is read lazily, so an empty count proves nothing
 * for it: the directory has to exist, that is all that can be checked. */
static gboolean load_store(X509_STORE *store, const char *ca_file, const char *ca_dir,
			   GError **error)
{
	if (ca_file && X509_STORE_load_file(store, ca_file) != 1) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TRUST,
			    "cannot load trust anchors from %s", ca_file);
		return FALSE;
	}
	if (ca_dir && (!g_file_test(ca_dir, G_FILE_TEST_IS_DIR) ||
		       X509_STORE_load_path(store, ca_dir) != 1)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TRUST,
			    "cannot use trust anchor directory %s", ca_dir);
		return FALSE;
	}
	if (ca_file && !ca_dir && store_count(store) == 0) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TRUST,
			    "no certificate in trust anchor file %s", ca_file);
		return FALSE;
	}
	return TRUE;
}

/* TRUE when dir holds a hashed link ("3513523f.0"): what a lookup by
 * subject hash finds. */
static gboolean has_hash_links(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name = NULL;
	gboolean found = FALSE;

	while (d && !found && (name = g_dir_read_name(d)))
		found = strlen(name) == 10 && name[8] == '.' && g_ascii_isdigit(name[9]) &&
			strspn(name, "0123456789abcdef") == 8;
	if (d)
		g_dir_close(d);
	return found;
}

/* The system store.  Debian keeps every anchor twice: in one bundle file
 * and as hashed links in the directory.  Reading the bundle parses some
 * 140 certificates (20 ms here, per message when procmail runs the
 * filter); the directory is read by subject hash, only the anchors a
 * chain needs, when it needs them.  So the directory when it has links;
 * OpenSSL's own default paths (the bundle) otherwise, or when
 * SSL_CERT_FILE / SSL_CERT_DIR say where to look. */
static gboolean load_default_store(X509_STORE *store, GError **error)
{
	const char *dir = X509_get_default_cert_dir();
	gboolean env = g_getenv(X509_get_default_cert_file_env()) || g_getenv(X509_get_default_cert_dir_env());
	gboolean ok = FALSE;

	if (!env && has_hash_links(dir))
		ok = X509_STORE_load_path(store, dir) == 1;
	else
		ok = X509_STORE_set_default_paths(store) == 1 &&
		     (store_count(store) > 0 || g_file_test(dir, G_FILE_TEST_IS_DIR));
	if (!ok)
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TRUST,
			    "cannot load the system trust store (%s or %s)", X509_get_default_cert_file(), dir);
	return ok;
}

upki_smime_verifier *upki_smime_verifier_new(const char *ca_file, const char *ca_dir,
					     GError **error)
{
	upki_smime_verifier *v = g_new0(upki_smime_verifier, 1);
	gboolean ok;

	v->store = X509_STORE_new();
	v->cache = upki_smime_cache_new();
	if (!v->store) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TRUST, "cannot allocate a trust store");
		ok = FALSE;
	} else if (ca_file || ca_dir) {
		ok = load_store(v->store, ca_file, ca_dir, error);
	} else {
		ok = load_default_store(v->store, error);
	}
	ERR_clear_error();
	if (!ok) {
		upki_smime_verifier_free(v);
		return NULL;
	}
	return v;
}

void upki_smime_verifier_set_caching(upki_smime_verifier *v, gboolean on)
{
	if (on && !v->cache)
		v->cache = upki_smime_cache_new();
	if (!on) {
		upki_smime_cache_free(v->cache);
		v->cache = NULL;
	}
}

upki_smime_cache *upki_smime_verifier_cache(const upki_smime_verifier *v)
{
	return v ? v->cache : NULL;
}

void upki_smime_verifier_free(upki_smime_verifier *v)
{
	if (!v)
		return;
	X509_STORE_free(v->store);
	upki_smime_cache_free(v->cache);
	g_free(v);
}

/* ---- reading the signature ----------------------------------------- */

static CMS_ContentInfo *read_signed_data(GBytes *der)
{
	gsize len = 0;
	const unsigned char *p = der ? g_bytes_get_data(der, &len) : NULL;
	CMS_ContentInfo *cms;

	if (!p || len == 0 || len > G_MAXLONG)
		return NULL;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

/* signingTime may be UTCTime or GeneralizedTime (RFC 5652, 11.3). */
static gint64 signing_time_of(CMS_SignerInfo *si)
{
	int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *attr = idx >= 0 ? CMS_signed_get_attr(si, idx) : NULL;
	ASN1_TYPE *t = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	struct tm tm = { 0 };

	if (!t || (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME))
		return -1;
	/* Both members of the union are ASN1_STRINGs, which is what ASN1_TIME is. */
	if (ASN1_TIME_to_tm((const ASN1_TIME *)t->value.asn1_string, &tm) != 1)
		return -1;
	return (gint64)timegm(&tm);
}

static X509 *find_signer(CMS_SignerInfo *si, STACK_OF(X509) *certs)
{
	for (int i = 0; certs && i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		if (CMS_SignerInfo_cert_cmp(si, x) == 0)
			return x;
	}
	return NULL;
}

/* ---- describing the signer ------------------------------------------ */

/* RFC 2253 order (CN first) but UTF-8 left as is, so Japanese names stay
 * readable; anything that is not UTF-8 is replaced rather than passed on. */
static char *name_to_string(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	char *text = NULL;
	long len;

	if (!bio)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len >= 0 && data)
		text = g_utf8_make_valid(data, len);
out:
	BIO_free(bio);
	return text;
}

static char *serial_to_decimal(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	char *text = dec ? g_strdup(dec) : NULL;

	OPENSSL_free(dec);
	BN_free(bn);
	return text;
}

/* Adds one address, lower case, once; strings with a NUL or a non-ASCII
 * byte are no address a From header could match, so they are left out. */
static void add_email(GPtrArray *emails, const unsigned char *data, int len)
{
	char *addr;

	if (!data || len <= 0 || memchr(data, '\0', (size_t)len))
		return;
	for (int i = 0; i < len; i++)
		if (data[i] >= 0x80)
			return;
	addr = g_ascii_strdown((const char *)data, len);
	for (guint i = 0; i < emails->len; i++) {
		if (strcmp(g_ptr_array_index(emails, i), addr) == 0) {
			g_free(addr);
			return;
		}
	}
	g_ptr_array_add(emails, addr);
}

static void collect_emails(X509 *x, GPtrArray *emails)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	const X509_NAME *subject = X509_get_subject_name(x);
	int pos = -1;

	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type == GEN_EMAIL)
			add_email(emails, ASN1_STRING_get0_data(gn->d.rfc822Name),
				  ASN1_STRING_length(gn->d.rfc822Name));
	}
	GENERAL_NAMES_free(sans);
	while ((pos = X509_NAME_get_index_by_NID(subject, NID_pkcs9_emailAddress, pos)) >= 0) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, pos));
		add_email(emails, ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
	}
}

static void describe_cert(X509 *x, upki_smime_signer_desc *d)
{
	d->subject = name_to_string(X509_get_subject_name(x));
	d->issuer = name_to_string(X509_get_issuer_name(x));
	d->serial = serial_to_decimal(X509_get0_serialNumber(x));
	d->emails = g_ptr_array_new_with_free_func(g_free);
	collect_emails(x, d->emails);
}

/* The same words for the same certificate in every notice: made once
 * when the certificate is the cache's. */
static void describe_signer(upki_smime_cache *cache, X509 *signer, upki_smime_result *r)
{
	upki_smime_signer_desc d = { 0 };

	if (!upki_smime_cache_describe(cache, signer, describe_cert, &d))
		describe_cert(signer, &d);
	r->signer_subject = d.subject;
	r->signer_issuer = d.issuer;
	r->signer_serial = d.serial;
	g_ptr_array_unref(r->signer_emails);
	r->signer_emails = d.emails;
}

/* ---- the two checks ------------------------------------------------- */

static char *openssl_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	return g_strdup(reason ? reason : fallback);
}

/* Digest and signature only: the chain is judged separately below. */
static gboolean signature_matches(CMS_ContentInfo *cms, STACK_OF(X509) *certs, const upki_signed *s,
				  char **detail)
{
	gsize len = 0;
	const void *data = s->content ? g_bytes_get_data(s->content, &len) : NULL;
	BIO *dcont = NULL;
	gboolean ok = FALSE;

	if (len > G_MAXINT) {
		*detail = g_strdup("signed content too large");
		return FALSE;
	}
	if (CMS_is_detached(cms)) {
		/* Not a bare memory BIO: for one, OpenSSL 3.0's CMS_verify copies it
		 * and leaks the copy when the digest cannot be set up (a damaged
		 * or unknown algorithm); behind a buffer BIO it reads it in place. */
		BIO *mem = BIO_new_mem_buf(data ? data : "", (int)len);
		BIO *buf = mem ? BIO_new(BIO_f_buffer()) : NULL;
		if (!buf) {
			BIO_free(mem);
			goto out;
		}
		dcont = BIO_push(buf, mem);
	}
	/* certs: the signature's own, which smime-cache.c may have taken out
	 * of the decoded SignedData. */
	ok = CMS_verify(cms, certs, NULL, dcont, NULL,
			CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
	if (!ok)
		*detail = openssl_reason("signature does not verify");
out:
	BIO_free_all(dcont);
	return ok;
}

static gboolean is_time_error(int err)
{
	return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
}

/* The certificates of one signature, and whether they are the cache's
 * own objects (then chain answers can be remembered). */
typedef struct sig_certs {
	STACK_OF(X509) *stack;
	gboolean shared;
} sig_certs;

/* Builds and checks the chain at time at, or without any time check when
 * no_time.  Returns the X509_V_ERR_* code (X509_V_OK on success). */
static int check_chain(const upki_smime_verifier *v, X509 *signer, const sig_certs *sc,
		       gint64 at, gboolean no_time)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *certs = sc->stack;
	upki_smime_cache *cache = sc->shared ? v->cache : NULL;
	X509_VERIFY_PARAM *param;
	int err = X509_V_ERR_UNSPECIFIED;

	if (upki_smime_cache_chain_get(cache, signer, certs, at, no_time, &err))
		return err;
	ctx = X509_STORE_CTX_new();

	if (!ctx || X509_STORE_CTX_init(ctx, v->store, signer, certs) != 1)
		goto out;
	/* What CMS_verify would use: purpose and trust of S/MIME signing. */
	if (X509_STORE_CTX_set_default(ctx, "smime_sign") != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	if (no_time)
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
	else
		X509_VERIFY_PARAM_set_time(param, (time_t)at);
	err = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	upki_smime_cache_chain_put(cache, signer, certs, at, no_time, err, X509_STORE_CTX_get0_chain(ctx));
out:
	X509_STORE_CTX_free(ctx);
	return err;
}

/* A time failure alone means "expired"; if the chain would not hold even
 * with time ignored, the signer is untrusted whatever its dates. */
static upki_sig_status judge_chain(const upki_smime_verifier *v, X509 *signer,
				   const sig_certs *certs, gint64 at, char **detail)
{
	int err = check_chain(v, signer, certs, at, FALSE);
	int timeless;

	if (err == X509_V_OK)
		return UPKI_SIG_PASS;
	*detail = g_strdup(X509_verify_cert_error_string(err));
	if (!is_time_error(err))
		return UPKI_SIG_UNTRUSTED;
	timeless = check_chain(v, signer, certs, 0, TRUE);
	if (timeless == X509_V_OK)
		return UPKI_SIG_EXPIRED;
	g_free(*detail);
	*detail = g_strdup(X509_verify_cert_error_string(timeless));
	return UPKI_SIG_UNTRUSTED;
}

/* ---- entry points ------------------------------------------------------ */

static upki_smime_result *result_new(void)
{
	upki_smime_result *r = g_new0(upki_smime_result, 1);

	r->status = UPKI_SIG_NONE;
	r->signing_time = -1;
	r->signer_emails = g_ptr_array_new_with_free_func(g_free);
	return r;
}

static upki_sig_status fail(upki_smime_result *r, upki_sig_status status, const char *detail)
{
	g_free(r->detail);
	r->detail = g_strdup(detail);
	return status;
}

/* Several signers: the addresses a From may match are those that every
 * one of them carries, so that a text is never the sender's on the word
 * of a signer who is somebody else. */
static void keep_common_emails(GPtrArray *emails, X509 *x)
{
	GPtrArray *other = g_ptr_array_new_with_free_func(g_free);

	collect_emails(x, other);
	for (guint i = emails->len; i-- > 0;) {
		gboolean found = FALSE;
		for (guint j = 0; !found && j < other->len; j++)
			found = strcmp(g_ptr_array_index(emails, i), g_ptr_array_index(other, j)) == 0;
		if (!found)
			g_ptr_array_remove_index(emails, i);
	}
	g_ptr_array_unref(other);
}

/* The chain of one signer, at its own signing time or at now.
 * signingTime is the signer's own claim: one in the future proves
 * nothing, so the chain is then checked at now. */
static upki_sig_status judge_signer(const upki_smime_verifier *v, CMS_SignerInfo *si, X509 *signer,
				    const sig_certs *certs, upki_verify_time when, gint64 now,
				    upki_smime_result *r)
{
	gint64 t = signing_time_of(si);
	gint64 at = when == UPKI_VERIFY_AT_SIGNING && t >= 0 ? MIN(t, now) : now;
	char *detail = NULL;
	upki_sig_status status = judge_chain(v, signer, certs, at, &detail);

	if (status == UPKI_SIG_PASS && at != now)
		r->expired_now |= is_time_error(check_chain(v, signer, certs, now, FALSE));
	if (detail && !r->detail)
		r->detail = detail;
	else
		g_free(detail);
	return status;
}

/* The checks in order; returns the status and fills the rest of r.
 * CMS_verify checks every signer's signature; each signer must then
 * chain on its own, the first one that fails decides the status. */
static upki_sig_status verify_cms(const upki_smime_verifier *v, const upki_signed *s,
				  CMS_ContentInfo *cms, upki_verify_time when, gint64 now,
				  upki_smime_result *r, const sig_certs *certs)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int count = sis ? sk_CMS_SignerInfo_num(sis) : 0;

	if (count <= 0)
		return fail(r, UPKI_SIG_ERROR, "no signer in the signature");
	for (int i = 0; i < count; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		X509 *signer = find_signer(si, certs->stack);
		if (!signer)
			return fail(r, UPKI_SIG_ERROR, "signer certificate not included");
		if (i == 0) {
			r->signing_time = signing_time_of(si);
			describe_signer(certs->shared ? v->cache : NULL, signer, r);
		} else {
			keep_common_emails(r->signer_emails, signer);
		}
	}
	r->signer_count = (guint)count;
	if (CMS_is_detached(cms) ? s->opaque || !s->content : !s->opaque)
		return fail(r, UPKI_SIG_ERROR, "signed content missing or in the wrong place");
	if (!signature_matches(cms, certs->stack, s, &r->detail))
		return UPKI_SIG_BAD;
	for (int i = 0; i < count; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		upki_sig_status status = judge_signer(v, si, find_signer(si, certs->stack), certs, when, now, r);
		if (status != UPKI_SIG_PASS)
			return status;
	}
	return UPKI_SIG_PASS;
}

upki_smime_result *upki_smime_verify(const upki_smime_verifier *v, const upki_signed *s,
				     upki_verify_time when, gint64 now)
{
	upki_smime_result *r = result_new();
	CMS_ContentInfo *cms = NULL;
	sig_certs certs = { NULL, FALSE };

	if (!s || !s->signature)
		goto out;
	cms = upki_smime_cache_read(v ? v->cache : NULL, s->signature, &certs.stack, &certs.shared);
	if (!cms) {
		r->status = fail(r, UPKI_SIG_ERROR, "not CMS signed data");
		goto out;
	}
	if (!v) {
		r->status = fail(r, UPKI_SIG_ERROR, "no trust store");
		goto out;
	}
	r->status = verify_cms(v, s, cms, when, now, r, &certs);
out:
	sk_X509_pop_free(certs.stack, X509_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

void upki_smime_result_free(upki_smime_result *r)
{
	if (!r)
		return;
	g_free(r->signer_subject);
	g_free(r->signer_issuer);
	g_free(r->signer_serial);
	if (r->signer_emails)
		g_ptr_array_unref(r->signer_emails);
	g_free(r->detail);
	g_free(r);
}

GBytes *upki_smime_get_content(GBytes *der)
{
	GBytes *content = NULL;

	/* Decoding whole decoded every certificate again (most of an opaque
	 * notice's time); the split gives the same content. */
	if (upki_fast_paths_on() && upki_smime_cache_content(der, &content))
		return content;
	CMS_ContentInfo *cms = read_signed_data(der);
	ASN1_OCTET_STRING **pos = cms ? CMS_get0_content(cms) : NULL;

	if (pos && *pos)
		content = g_bytes_new(ASN1_STRING_get0_data(*pos), (gsize)ASN1_STRING_length(*pos));
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return content;
}

void upki_smime_thread_stop(void)
{
	OPENSSL_thread_stop();
}

const char *upki_smime_status_token(upki_sig_status s)
{
	switch (s) {
	case UPKI_SIG_PASS: return "pass";
	case UPKI_SIG_BAD: return "fail";
	case UPKI_SIG_UNTRUSTED: return "untrusted";
	case UPKI_SIG_EXPIRED: return "expired";
	case UPKI_SIG_ERROR: return "error";
	case UPKI_SIG_NONE: break;
	}
	return "none";
}
