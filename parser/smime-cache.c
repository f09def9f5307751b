/* smime-cache.c - decoded certificates and chain answers kept per
 * verifier (why and what exactly: smime-cache-private.h).
 *
 * The one rule: an answer from the cache is the answer OpenSSL gives for
 * the same question.  Certificates are found by their exact DER bytes;
 * a signature is decoded through the cache only when smime-der.c can
 * split it exactly, else whole as before.  A chain answer is reused only
 * for the same certificate objects and a time on the same side of every
 * notBefore and notAfter of the certificates the answer involved.  The
 * anchors of the store are the verifier's and never change, and purpose
 * and flags are fixed by smime.c; time is the only input that varies.
 * What is left open: a second anchor with the same name and key as the
 * one used, whose dates differ, could be chosen at another time in the
 * same interval; both are anchors of the same store.
 */
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "smime-cache-private.h"
#include "smime-der-private.h"

/* A mailbox of notices needs a handful: the bounds only stop an attacker
 * from growing a long-running milter's memory. */
#define MAX_CERTS 128
#define MAX_CHAINS 256
#define MAX_BOUNDS 32   /* of each kind per chain: the answers' key is 64 bits */
#define MAX_ANSWERS 64  /* time intervals per chain */

typedef struct chain_entry {
	GArray *not_before; /* gint64, sorted, unique */
	GArray *not_after;
	GHashTable *answers; /* guint64 position -> int err + 1 */
} chain_entry;

struct upki_smime_cache {
	GMutex lock;
	GHashTable *certs;  /* GBytes DER -> X509* (one reference) */
	GHashTable *chains; /* GBytes key -> chain_entry* */
	GHashTable *descs;  /* X509* (one of certs) -> upki_smime_signer_desc* */
	upki_smime_cache_stats stats;
};

static void chain_entry_free(gpointer p)
{
	chain_entry *e = p;

	g_array_unref(e->not_before);
	g_array_unref(e->not_after);
	g_hash_table_unref(e->answers);
	g_free(e);
}

static void desc_clear(upki_smime_signer_desc *d)
{
	g_free(d->subject);
	g_free(d->issuer);
	g_free(d->serial);
	if (d->emails)
		g_ptr_array_unref(d->emails);
}

static void desc_free(gpointer p)
{
	desc_clear(p);
	g_free(p);
}

/* Hashes the length and at most the last 64 bytes: a certificate ends
 * in its signature, so that tells certificates apart, and g_bytes_hash
 * over every byte of every certificate of every notice was 1% of the
 * time.  Equality stays exact (g_bytes_equal); a forged collision costs
 * only a longer chain in a table of at most MAX_CERTS. */
static guint tail_hash(gconstpointer key)
{
	gsize len = 0;
	const guchar *p = g_bytes_get_data((GBytes *)key, &len);
	gsize from = len > 64 ? len - 64 : 0;
	guint h = 5381u ^ (guint)len;

	for (gsize i = from; i < len; i++)
		h = h * 33u + p[i];
	return h;
}

upki_smime_cache *upki_smime_cache_new(void)
{
	upki_smime_cache *c = g_new0(upki_smime_cache, 1);

	g_mutex_init(&c->lock);
	c->certs = g_hash_table_new_full(tail_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
					 (GDestroyNotify)X509_free);
	c->chains = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
					  chain_entry_free);
	c->descs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, desc_free);
	return c;
}

void upki_smime_cache_free(upki_smime_cache *c)
{
	if (!c)
		return;
	g_hash_table_unref(c->descs);
	g_hash_table_unref(c->chains);
	g_hash_table_unref(c->certs);
	g_mutex_clear(&c->lock);
	g_free(c);
}

upki_smime_cache_stats upki_smime_cache_get_stats(upki_smime_cache *c)
{
	upki_smime_cache_stats s = { 0 };

	if (!c)
		return s;
	g_mutex_lock(&c->lock);
	s = c->stats;
	g_mutex_unlock(&c->lock);
	return s;
}

/* ---- certificates ------------------------------------------------------ */

static X509 *decode_cert(const guint8 *der, gsize len)
{
	const unsigned char *p = der;
	X509 *x = len <= G_MAXLONG ? d2i_X509(NULL, &p, (long)len) : NULL;

	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* One reference for the caller; *own TRUE when the cache holds it too.
 * The lookup key points into the caller's bytes (no copy: a copy of every
 * certificate of every notice cost more than the lookup); only a key that
 * goes into the table is copied. */
static X509 *cert_get(upki_smime_cache *c, const guint8 *der, gsize len, gboolean *own)
{
	GBytes *key = g_bytes_new_static(der, len);
	X509 *x = NULL;

	*own = FALSE;
	g_mutex_lock(&c->lock);
	x = g_hash_table_lookup(c->certs, key);
	if (x) {
		X509_up_ref(x);
		*own = TRUE;
	}
	g_mutex_unlock(&c->lock);
	if (x)
		goto out;
	x = decode_cert(der, len);
	if (!x)
		goto out;
	g_mutex_lock(&c->lock);
	c->stats.certs_decoded++;
	if (g_hash_table_size(c->certs) < MAX_CERTS && !g_hash_table_contains(c->certs, key)) {
		X509_up_ref(x);
		g_hash_table_insert(c->certs, g_bytes_new(der, len), x);
		*own = TRUE;
	}
	g_mutex_unlock(&c->lock);
out:
	g_bytes_unref(key);
	return x;
}

/* Certificate DER this process has seen decode (d2i_X509 to its last
 * byte), for upki_smime_cache_content(), which has no verifier: decoding
 * is deterministic, so a DER that decoded once decodes again. */
static GMutex good_lock;
static GHashTable *good_certs; /* GBytes -> itself, at most MAX_CERTS */

static gboolean cert_decodes(const guint8 *der, gsize len)
{
	GBytes *key = g_bytes_new_static(der, len);
	gboolean known = FALSE;
	X509 *x = NULL;

	g_mutex_lock(&good_lock);
	known = good_certs && g_hash_table_contains(good_certs, key);
	g_mutex_unlock(&good_lock);
	if (known || !(x = decode_cert(der, len)))
		goto out;
	X509_free(x);
	known = TRUE;
	g_mutex_lock(&good_lock);
	if (!good_certs)
		good_certs = g_hash_table_new_full(tail_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	if (g_hash_table_size(good_certs) < MAX_CERTS)
		g_hash_table_add(good_certs, g_bytes_new(der, len));
	g_mutex_unlock(&good_lock);
out:
	g_bytes_unref(key);
	return known;
}

static CMS_ContentInfo *decode_signed(const guint8 *der, gsize len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;

	if (!der || len == 0 || len > G_MAXLONG)
		return NULL;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

static CMS_ContentInfo *read_whole(const guint8 *der, gsize len, STACK_OF(X509) **certs)
{
	CMS_ContentInfo *cms = decode_signed(der, len);

	if (cms)
		*certs = CMS_get1_certs(cms);
	return cms;
}

/* The split signature: the rest decoded by OpenSSL, the certificates
 * through the cache.  NULL when any piece does not decode: the whole
 * is then decoded as one, which gives the answer of record. */
static CMS_ContentInfo *read_split(upki_smime_cache *c, const guint8 *der, const upki_der_split *sp,
				   STACK_OF(X509) **certs, gboolean *shared)
{
	gsize len = 0;
	const guint8 *rest = g_bytes_get_data(sp->rest, &len);
	CMS_ContentInfo *cms = decode_signed(rest, len);
	STACK_OF(X509) *stack = cms ? sk_X509_new_null() : NULL;
	gboolean all = TRUE;

	for (guint i = 0; stack && i < sp->certs->len; i++) {
		const upki_der_span *span = &g_array_index(sp->certs, upki_der_span, i);
		gboolean own = FALSE;
		X509 *x = cert_get(c, der + span->off, span->len, &own);
		if (!x || !sk_X509_push(stack, x)) {
			X509_free(x);
			goto fail;
		}
		all &= own;
	}
	if (!stack)
		goto fail;
	*certs = stack;
	*shared = all;
	return cms;
fail:
	sk_X509_pop_free(stack, X509_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return NULL;
}

CMS_ContentInfo *upki_smime_cache_read(upki_smime_cache *c, GBytes *der, STACK_OF(X509) **certs,
				       gboolean *shared)
{
	gsize len = 0;
	const guint8 *data = der ? g_bytes_get_data(der, &len) : NULL;
	upki_der_split sp = { 0 };
	CMS_ContentInfo *cms = NULL;

	*certs = NULL;
	*shared = FALSE;
	if (c && data && upki_der_split_signed_data(data, len, &sp))
		cms = read_split(c, data, &sp, certs, shared);
	upki_der_split_clear(&sp);
	if (!cms)
		cms = read_whole(data, len, certs);
	return cms;
}

static void desc_copy(const upki_smime_signer_desc *from, upki_smime_signer_desc *to)
{
	to->subject = g_strdup(from->subject);
	to->issuer = g_strdup(from->issuer);
	to->serial = g_strdup(from->serial);
	to->emails = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < from->emails->len; i++)
		g_ptr_array_add(to->emails, g_strdup(g_ptr_array_index(from->emails, i)));
}

gboolean upki_smime_cache_describe(upki_smime_cache *c, X509 *x, upki_smime_describe_fn describe,
				   upki_smime_signer_desc *out)
{
	upki_smime_signer_desc *d = NULL;

	if (!c)
		return FALSE;
	g_mutex_lock(&c->lock);
	d = g_hash_table_lookup(c->descs, x);
	if (d)
		desc_copy(d, out);
	g_mutex_unlock(&c->lock);
	if (d)
		return TRUE;
	d = g_new0(upki_smime_signer_desc, 1);
	describe(x, d);
	desc_copy(d, out);
	g_mutex_lock(&c->lock);
	if (!g_hash_table_contains(c->descs, x) && g_hash_table_size(c->descs) < MAX_CERTS) {
		g_hash_table_insert(c->descs, x, d);
		d = NULL;
	}
	g_mutex_unlock(&c->lock);
	if (d)
		desc_free(d);
	return TRUE;
}

/* ---- chains ------------------------------------------------------------ */

static GBytes *chain_key(X509 *signer, STACK_OF(X509) *certs, gboolean no_time)
{
	int n = certs ? sk_X509_num(certs) : 0;
	GByteArray *k = g_byte_array_sized_new((guint)((n + 1) * sizeof(void *) + 1));
	guint8 flag = no_time ? 1 : 0;

	g_byte_array_append(k, (const guint8 *)&signer, sizeof signer);
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(certs, i);
		g_byte_array_append(k, (const guint8 *)&x, sizeof x);
	}
	g_byte_array_append(k, &flag, 1);
	return g_byte_array_free_to_bytes(k);
}

static gboolean asn1_to_unix(const ASN1_TIME *t, gint64 *out)
{
	struct tm tm = { 0 };

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return FALSE;
	*out = (gint64)timegm(&tm);
	return TRUE;
}

static void add_bound(GArray *a, gint64 v)
{
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, gint64, i) == v)
			return;
	g_array_append_val(a, v);
}

static gboolean add_cert_bounds(X509 *x, GArray *nb, GArray *na)
{
	gint64 b = 0, a = 0;

	if (!asn1_to_unix(X509_get0_notBefore(x), &b) || !asn1_to_unix(X509_get0_notAfter(x), &a))
		return FALSE;
	add_bound(nb, b);
	add_bound(na, a);
	return nb->len <= MAX_BOUNDS && na->len <= MAX_BOUNDS;
}

static gboolean add_stack_bounds(STACK_OF(X509) *s, GArray *nb, GArray *na)
{
	for (int i = 0; s && i < sk_X509_num(s); i++)
		if (!add_cert_bounds(sk_X509_value(s, i), nb, na))
			return FALSE;
	return TRUE;
}

/* Where at lies: bit i says at >= notBefore[i], bit 32 + j at < notAfter[j]
 * (X509_cmp_time: valid from notBefore on, expired at notAfter). */
static guint64 position(const chain_entry *e, gint64 at, gboolean no_time)
{
	guint64 bits = 0;

	if (no_time)
		return 0;
	for (guint i = 0; i < e->not_before->len; i++)
		if (at >= g_array_index(e->not_before, gint64, i))
			bits |= G_GUINT64_CONSTANT(1) << i;
	for (guint j = 0; j < e->not_after->len; j++)
		if (at < g_array_index(e->not_after, gint64, j))
			bits |= G_GUINT64_CONSTANT(1) << (32 + j);
	return bits;
}

gboolean upki_smime_cache_chain_get(upki_smime_cache *c, X509 *signer, STACK_OF(X509) *certs, gint64 at,
				    gboolean no_time, int *err)
{
	GBytes *key = NULL;
	chain_entry *e = NULL;
	gpointer v = NULL;
	gboolean found = FALSE;

	if (!c)
		return FALSE;
	key = chain_key(signer, certs, no_time);
	g_mutex_lock(&c->lock);
	e = g_hash_table_lookup(c->chains, key);
	if (e) {
		guint64 pos = position(e, at, no_time);
		found = g_hash_table_lookup_extended(e->answers, &pos, NULL, &v);
		if (found)
			*err = GPOINTER_TO_INT(v) - 1;
	}
	if (found)
		c->stats.chains_found++;
	g_mutex_unlock(&c->lock);
	g_bytes_unref(key);
	return found;
}

static gboolean same_bounds(GArray *a, GArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		gint64 v = g_array_index(a, gint64, i);
		gboolean in = FALSE;
		for (guint j = 0; !in && j < b->len; j++)
			in = g_array_index(b, gint64, j) == v;
		if (!in)
			return FALSE;
	}
	return TRUE;
}

static chain_entry *chain_entry_new(GArray *nb, GArray *na)
{
	chain_entry *e = g_new0(chain_entry, 1);

	e->not_before = g_array_ref(nb);
	e->not_after = g_array_ref(na);
	e->answers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return e;
}

/* The entry for key with bounds nb/na: a chain that brought dates not
 * seen before (another anchor) starts the entry afresh. */
static chain_entry *entry_for(upki_smime_cache *c, GBytes *key, GArray *nb, GArray *na)
{
	chain_entry *e = g_hash_table_lookup(c->chains, key);

	if (e) {
		for (guint i = 0; i < e->not_before->len; i++)
			add_bound(nb, g_array_index(e->not_before, gint64, i));
		for (guint i = 0; i < e->not_after->len; i++)
			add_bound(na, g_array_index(e->not_after, gint64, i));
		if (nb->len > MAX_BOUNDS || na->len > MAX_BOUNDS)
			return NULL;
		if (same_bounds(nb, e->not_before) && same_bounds(na, e->not_after))
			return e;
	} else if (g_hash_table_size(c->chains) >= MAX_CHAINS) {
		return NULL;
	}
	e = chain_entry_new(nb, na);
	g_hash_table_replace(c->chains, g_bytes_ref(key), e);
	return e;
}

void upki_smime_cache_chain_put(upki_smime_cache *c, X509 *signer, STACK_OF(X509) *certs, gint64 at,
				gboolean no_time, int err, STACK_OF(X509) *chain)
{
	GArray *nb = NULL, *na = NULL;
	GBytes *key = NULL;
	chain_entry *e = NULL;

	if (!c)
		return;
	nb = g_array_new(FALSE, FALSE, sizeof(gint64));
	na = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (!add_cert_bounds(signer, nb, na) || !add_stack_bounds(certs, nb, na) ||
	    !add_stack_bounds(chain, nb, na))
		goto out;
	key = chain_key(signer, certs, no_time);
	g_mutex_lock(&c->lock);
	c->stats.chains_computed++;
	e = entry_for(c, key, nb, na);
	if (e && g_hash_table_size(e->answers) < MAX_ANSWERS) {
		guint64 *pos = g_new(guint64, 1);
		*pos = position(e, at, no_time);
		g_hash_table_replace(e->answers, pos, GINT_TO_POINTER(err + 1));
	}
	g_mutex_unlock(&c->lock);
out:
	if (key)
		g_bytes_unref(key);
	g_array_unref(nb);
	g_array_unref(na);
}

gboolean upki_smime_cache_content(GBytes *der, GBytes **content)
{
	gsize len = 0;
	const guint8 *p = der ? g_bytes_get_data(der, &len) : NULL;
	upki_der_split split = { 0 };
	CMS_ContentInfo *cms = NULL;
	gboolean ok = FALSE;

	if (!p || !upki_der_split_signed_data(p, len, &split))
		return FALSE;
	for (guint i = 0; i < split.certs->len; i++) {
		const upki_der_span *c = &g_array_index(split.certs, upki_der_span, i);
		if (!cert_decodes(p + c->off, c->len))
			goto out;
	}
	gsize rest_len = 0;
	const guint8 *rest = g_bytes_get_data(split.rest, &rest_len);
	cms = decode_signed(rest, rest_len);
	if (!cms)
		goto out;
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	*content = pos && *pos ? g_bytes_new(ASN1_STRING_get0_data(*pos), (gsize)ASN1_STRING_length(*pos))
			       : NULL;
	ok = TRUE;
out:
	CMS_ContentInfo_free(cms);
	upki_der_split_clear(&split);
	ERR_clear_error();
	return ok;
}
