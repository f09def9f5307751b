/* retrieve-p12.c - opening the PKCS#12 files of a certificate ZIP and
 * checking what they hold (OpenSSL 3).
 *
 * The site's files may protect the certificates with RC2-40, which
 * OpenSSL 3 keeps in its legacy provider.  That provider is loaded, beside
 * the default one, into a library context of our own rather than into the
 * process's.  PKCS12_parse() cannot be given a library context in 3.0 (it
 * decrypts with the one the PKCS12 object was made in, and d2i_PKCS12()
 * makes it in the default one), so the safes are opened here with the
 * documented _ex functions, which take ours. */
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "retrieve-private.h"

struct fetch_trust {
	OSSL_LIB_CTX *lib;
	OSSL_PROVIDER *def, *legacy;
	X509_STORE *store;
};

struct fetch_p12 {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *others;
};

/* OpenSSL's reason for the last failure ("unsupported", "mac verify
 * failure"...): never data, so never a PIN. */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown OpenSSL error";
}

void fetch_trust_free(fetch_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	if (t->legacy != NULL)
		OSSL_PROVIDER_unload(t->legacy);
	if (t->def != NULL)
		OSSL_PROVIDER_unload(t->def);
	OSSL_LIB_CTX_free(t->lib);
	g_free(t);
}

fetch_trust *fetch_trust_new(const char *ca_file, char **error)
{
	fetch_trust *t = g_new0(fetch_trust, 1);

	ERR_clear_error();
	t->lib = OSSL_LIB_CTX_new();
	if (t->lib != NULL)
		t->def = OSSL_PROVIDER_load(t->lib, "default");
	if (t->def != NULL)
		t->legacy = OSSL_PROVIDER_load(t->lib, "legacy");
	if (t->legacy == NULL) {
		*error = g_strdup_printf("OpenSSL providers default and legacy: %s", ossl_reason());
		goto fail;
	}
	t->store = X509_STORE_new();
	if (t->store == NULL ||
	    !(ca_file ? X509_STORE_load_file_ex(t->store, ca_file, t->lib, NULL)
		      : X509_STORE_set_default_paths_ex(t->store, t->lib, NULL))) {
		*error = g_strdup_printf("CA certificates %s: %s", ca_file ? ca_file : "(system)", ossl_reason());
		goto fail;
	}
	ERR_clear_error();
	return t;
fail:
	ERR_clear_error();
	fetch_trust_free(t);
	return NULL;
}

void fetch_p12_free(fetch_p12 *p)
{
	if (p == NULL)
		return;
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
	sk_X509_pop_free(p->others, X509_free);
	g_free(p);
}

/* One bag: the key (only one is accepted) or a certificate. */
static gboolean take_bag(fetch_trust *t, PKCS12_SAFEBAG *bag, const char *pin, fetch_p12 *p, char **error)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	gboolean ok = FALSE;

	switch (PKCS12_SAFEBAG_get_nid(bag)) {
	case NID_keyBag:
	case NID_pkcs8ShroudedKeyBag:
		if (p->key != NULL) {
			*error = g_strdup("PKCS#12 holds more than one key");
			goto out;
		}
		if (PKCS12_SAFEBAG_get_nid(bag) == NID_keyBag)
			p->key = EVP_PKCS82PKEY_ex(PKCS12_SAFEBAG_get0_p8inf(bag), t->lib, NULL);
		else if ((p8 = PKCS12_decrypt_skey_ex(bag, pin, (int)strlen(pin), t->lib, NULL)) != NULL)
			p->key = EVP_PKCS82PKEY_ex(p8, t->lib, NULL);
		if (p->key == NULL) {
			*error = g_strdup_printf("PKCS#12 key: %s", ossl_reason());
			goto out;
		}
		break;
	case NID_certBag: {
		X509 *x;

		if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
			break;
		x = PKCS12_SAFEBAG_get1_cert(bag);
		if (x == NULL || !sk_X509_push(p->others, x)) {
			X509_free(x);
			*error = g_strdup_printf("PKCS#12 certificate: %s", ossl_reason());
			goto out;
		}
		break;
	}
	default:
		break; /* CRLs, secrets, nested safes: nothing the site puts there */
	}
	ok = TRUE;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	return ok;
}

/* The bags of one safe: in clear, or encrypted with the PIN (RC2-40 or
 * 3DES: decrypted in our library context). */
static STACK_OF(PKCS12_SAFEBAG) *safe_bags(fetch_trust *t, PKCS7 *p7, const char *pin)
{
	int nid = OBJ_obj2nid(p7->type);

	if (nid == NID_pkcs7_data)
		return PKCS12_unpack_p7data(p7);
	if (nid != NID_pkcs7_encrypted || p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL ||
	    p7->d.encrypted->enc_data->enc_data == NULL)
		return NULL;
	return PKCS12_item_decrypt_d2i_ex(p7->d.encrypted->enc_data->algorithm, ASN1_ITEM_rptr(PKCS12_SAFEBAGS),
					  pin, (int)strlen(pin), p7->d.encrypted->enc_data->enc_data, 1, t->lib,
					  NULL);
}

static gboolean take_safes(fetch_trust *t, PKCS12 *p12, const char *pin, fetch_p12 *p, char **error)
{
	STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
	gboolean ok = FALSE;

	if (safes == NULL) {
		*error = g_strdup_printf("PKCS#12 contents: %s", ossl_reason());
		goto out;
	}
	for (int i = 0; i < sk_PKCS7_num(safes); i++) {
		STACK_OF(PKCS12_SAFEBAG) *bags = safe_bags(t, sk_PKCS7_value(safes, i), pin);
		gboolean bag_ok = TRUE;

		if (bags == NULL) {
			*error = g_strdup_printf("PKCS#12 safe %d: %s", i + 1, ossl_reason());
			goto out;
		}
		for (int b = 0; b < sk_PKCS12_SAFEBAG_num(bags) && bag_ok; b++)
			bag_ok = take_bag(t, sk_PKCS12_SAFEBAG_value(bags, b), pin, p, error);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
		if (!bag_ok)
			goto out;
	}
	ok = TRUE;
out:
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return ok;
}

/* The certificate the key belongs to leaves the others' stack. */
static gboolean pick_cert(fetch_p12 *p, char **error)
{
	if (p->key == NULL) {
		*error = g_strdup("PKCS#12 holds no key");
		return FALSE;
	}
	for (int i = 0; i < sk_X509_num(p->others); i++) {
		X509 *x = sk_X509_value(p->others, i);

		if (X509_check_private_key(x, p->key) == 1) {
			p->cert = sk_X509_delete(p->others, i);
			ERR_clear_error();
			return TRUE;
		}
	}
	*error = g_strdup("PKCS#12 key matches none of its certificates");
	return FALSE;
}

fetch_p12_result fetch_p12_open(fetch_trust *t, GBytes *der, const char *pin, fetch_p12 **out, char **error)
{
	gsize len = 0;
	const unsigned char *data = g_bytes_get_data(der, &len);
	PKCS12 *p12 = NULL;
	fetch_p12 *p = g_new0(fetch_p12, 1);
	fetch_p12_result r = FETCH_P12_BAD;

	ERR_clear_error();
	p->others = sk_X509_new_null();
	if (len > G_MAXINT32 || (p12 = d2i_PKCS12(NULL, &data, (long)len)) == NULL) {
		*error = g_strdup_printf("not a PKCS#12 file: %s", ossl_reason());
		goto out;
	}
	/* The MAC tells a wrong PIN from a damaged file (SHA-1/SHA-256
	 * HMAC, which the default context has). */
	if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pin, -1)) {
		r = FETCH_P12_WRONG_PIN;
		goto out;
	}
	if (!take_safes(t, p12, pin, p, error) || !pick_cert(p, error))
		goto out;
	*out = g_steal_pointer(&p);
	r = FETCH_P12_OK;
out:
	ERR_clear_error();
	PKCS12_free(p12);
	fetch_p12_free(p);
	return r;
}

/* client.txt's serial: decimal, as the notices print serials; hex (with
 * or without colons and leading zeros) only when it cannot be decimal,
 * so that "18" never names 0x18. */
static gboolean serial_matches(X509 *x, const char *want)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	GString *w = g_string_new(NULL);
	gboolean is_hex = FALSE, hit = FALSE;

	for (const char *c = want; *c; c++) {
		if (*c == ':' || g_ascii_isalpha(*c))
			is_hex = TRUE;
		if (*c != ':')
			g_string_append_c(w, g_ascii_toupper(*c));
	}
	while (w->len > 1 && w->str[0] == '0')
		g_string_erase(w, 0, 1);
	if (dec != NULL && hex != NULL)
		hit = strcmp(w->str, is_hex ? hex : dec) == 0;
	OPENSSL_free(dec);
	OPENSSL_free(hex);
	BN_free(bn);
	g_string_free(w, TRUE);
	return hit;
}

static char *utf8_of(const ASN1_STRING *s)
{
	unsigned char *u = NULL;
	int n = ASN1_STRING_to_UTF8(&u, s);
	char *copy = n >= 0 ? g_strndup((const char *)u, (gsize)n) : NULL;

	OPENSSL_free(u);
	return copy;
}

/* The email in subjectAltName (rfc822Name) or in the subject. */
static gboolean email_matches(X509 *x, const char *want)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	X509_NAME *subj = X509_get_subject_name(x);
	gboolean hit = FALSE;

	for (int i = 0; i < sk_GENERAL_NAME_num(names) && !hit; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char *v = g->type == GEN_EMAIL ? utf8_of(g->d.rfc822Name) : NULL;

		hit = v != NULL && g_ascii_strcasecmp(v, want) == 0;
		g_free(v);
	}
	GENERAL_NAMES_free(names);
	for (int i = -1; !hit && (i = X509_NAME_get_index_by_NID(subj, NID_pkcs9_emailAddress, i)) >= 0;) {
		char *v = utf8_of(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));

		hit = v != NULL && g_ascii_strcasecmp(v, want) == 0;
		g_free(v);
	}
	return hit;
}

/* client.txt's DN as (nid, value) pairs: "CN=a,O=b,C=JP" (RFC 2253
 * order, "\," escapes) or "/C=JP/O=b/CN=a" (OpenSSL's one-line form). */
static GPtrArray *dn_parts(const char *dn)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	char sep = dn[0] == '/' ? '/' : ',';
	GString *cur = g_string_new(NULL);

	for (const char *c = dn[0] == '/' ? dn + 1 : dn;; c++) {
		if (*c == '\\' && c[1] != '\0') {
			g_string_append_c(cur, *++c);
			continue;
		}
		if (*c != sep && *c != '\0') {
			g_string_append_c(cur, *c);
			continue;
		}
		g_ptr_array_add(parts, g_strdup(g_strstrip(cur->str)));
		g_string_truncate(cur, 0);
		if (*c == '\0')
			break;
	}
	g_string_free(cur, TRUE);
	return parts;
}

static int attr_nid(const char *type)
{
	if (g_ascii_strcasecmp(type, "E") == 0 || g_ascii_strcasecmp(type, "EMAIL") == 0)
		return NID_pkcs9_emailAddress;
	if (g_ascii_strcasecmp(type, "S") == 0)
		return NID_stateOrProvinceName;
	return OBJ_txt2nid(type);
}

static gboolean part_matches(const char *part, X509_NAME_ENTRY *e)
{
	const char *eq = strchr(part, '=');
	char *type, *want, *value;
	gboolean hit;

	if (eq == NULL)
		return FALSE;
	type = g_strstrip(g_strndup(part, (gsize)(eq - part)));
	want = g_strstrip(g_strdup(eq + 1));
	value = utf8_of(X509_NAME_ENTRY_get_data(e));
	hit = value != NULL && attr_nid(type) == OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) &&
	      strcmp(want, value) == 0;
	g_free(type);
	g_free(want);
	g_free(value);
	return hit;
}

static gboolean dn_matches(X509 *x, const char *want)
{
	X509_NAME *subj = X509_get_subject_name(x);
	GPtrArray *parts = dn_parts(want);
	int n = X509_NAME_entry_count(subj);
	gboolean fwd = (int)parts->len == n, rev = fwd;

	for (int i = 0; i < n && (fwd || rev); i++) {
		fwd = fwd && part_matches(parts->pdata[i], X509_NAME_get_entry(subj, i));
		rev = rev && part_matches(parts->pdata[n - 1 - i], X509_NAME_get_entry(subj, i));
	}
	g_ptr_array_unref(parts);
	return fwd || rev;
}

static gboolean chain_ok(fetch_trust *t, fetch_p12 *p, gint64 now, char **error)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new_ex(t->lib, NULL);
	gboolean ok = FALSE;

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, t->store, p->cert, p->others)) {
		*error = g_strdup_printf("certificate check: %s", ossl_reason());
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (X509_verify_cert(ctx) != 1) {
		*error = g_strdup_printf("certificate does not chain to CertCAFile at the given time: %s",
					 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	ok = TRUE;
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

gboolean fetch_p12_check(fetch_trust *t, fetch_p12 *p, const char *serial, const char *email, const char *dn,
			 gint64 now, char **error)
{
	time_t when = (time_t)(now ? now : time(NULL));

	if (!serial_matches(p->cert, serial))
		*error = g_strdup_printf("certificate serial is not client.txt's %s", serial);
	else if (!email_matches(p->cert, email))
		*error = g_strdup_printf("certificate is not for %s (client.txt)", email);
	else if (!dn_matches(p->cert, dn))
		*error = g_strdup_printf("certificate subject is not client.txt's DN %s", dn);
	else if (X509_cmp_time(X509_get0_notAfter(p->cert), &when) < 0)
		*error = g_strdup_printf("certificate %s has expired", serial);
	else if (X509_cmp_time(X509_get0_notBefore(p->cert), &when) > 0)
		*error = g_strdup_printf("certificate %s is not valid yet", serial);
	else
		return chain_ok(t, p, (gint64)when, error);
	return FALSE;
}

static char *name_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	char *copy;

	/* RFC 2253, UTF-8 kept as is */
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &data);
	copy = g_strndup(data, len > 0 ? (gsize)len : 0);
	BIO_free(b);
	return copy;
}

void fetch_p12_describe(fetch_p12 *p, fetch_installed *i)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(p->cert), NULL);
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	struct tm tm;
	char buf[32] = "";

	i->serial = g_strdup(dec ? dec : "0");
	i->subject = name_text(X509_get_subject_name(p->cert));
	i->issuer = name_text(X509_get_issuer_name(p->cert));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(p->cert), &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	i->not_after = g_strdup(buf);
	OPENSSL_free(dec);
	BN_free(bn);
}
