/* smime-cache-private.h - what a verifier remembers between signatures.
 *
 * A mailbox of notices repeats the same few certificates and the same
 * chain in every message; decoding those certificates and building that
 * chain again is nearly all of what a signature check costs.  A cache
 * belongs to one upki_smime_verifier (one trust store, never changed:
 * a new store is a new verifier and a new cache) and is shared by the
 * threads using it (a mutex guards it).  It is bounded: once full it
 * stops remembering, and every answer is then computed as without it.
 *
 * Certificates are kept by their DER bytes, so a certificate object
 * handed out stands for exactly those bytes.  Chain results are kept by
 * the identity of those objects (which the cache keeps alive) and by the
 * position of the verification time among the validity boundaries of
 * every certificate involved: within one such interval X509_verify_cert
 * compares the time with nothing else, so its answer cannot change.
 */
#ifndef UPKI_SMIME_CACHE_PRIVATE_H
#define UPKI_SMIME_CACHE_PRIVATE_H

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

typedef struct upki_smime_cache upki_smime_cache;

upki_smime_cache *upki_smime_cache_new(void);
void upki_smime_cache_free(upki_smime_cache *c);

/* Decodes the signature der: the SignedData, and its certificates (from
 * the cache when seen before).  Returns the CMS object (caller frees) or
 * NULL when der is not CMS signed data; *certs gets the certificates
 * (caller frees with sk_X509_pop_free(..., X509_free); NULL when there
 * are none); *shared is TRUE when every one of them is the cache's own,
 * which is what upki_smime_cache_chain_*() need.  c NULL: no cache. */
CMS_ContentInfo *upki_smime_cache_read(upki_smime_cache *c, GBytes *der, STACK_OF(X509) **certs,
				       gboolean *shared);

/* The X509_V_ERR_* code remembered for this chain question, if any.
 * Only for certificates from upki_smime_cache_read() with *shared. */
gboolean upki_smime_cache_chain_get(upki_smime_cache *c, X509 *signer, STACK_OF(X509) *certs, gint64 at,
				    gboolean no_time, int *err);
/* Remembers the answer err to the question, with chain the certificates
 * X509_verify_cert built (its anchor's dates count too). */
void upki_smime_cache_chain_put(upki_smime_cache *c, X509 *signer, STACK_OF(X509) *certs, gint64 at,
				gboolean no_time, int err, STACK_OF(X509) *chain);

/* What smime.c reports of a signer certificate.  Strings and emails
 * (char*) owned by the struct. */
typedef struct upki_smime_signer_desc {
	char *subject;
	char *issuer;
	char *serial;
	GPtrArray *emails;
} upki_smime_signer_desc;

typedef void (*upki_smime_describe_fn)(X509 *x, upki_smime_signer_desc *d);

/* Fills *out (caller frees its members) with a copy of the description
 * of x, made by describe the first time x is asked about.  Only for a
 * certificate that is the cache's own (upki_smime_cache_read() with
 * *shared).  FALSE when c is NULL. */
gboolean upki_smime_cache_describe(upki_smime_cache *c, X509 *x, upki_smime_describe_fn describe,
				   upki_smime_signer_desc *out);

/* Counts, for tests and the bench: certificates decoded, chain answers
 * computed and found. */
typedef struct upki_smime_cache_stats {
	guint certs_decoded;
	guint chains_computed;
	guint chains_found;
} upki_smime_cache_stats;

upki_smime_cache_stats upki_smime_cache_get_stats(upki_smime_cache *c);

/* The eContent of opaque signed data der, as decoding der whole gives
 * it (*content NULL when it has none), without decoding again the
 * certificates this process has decoded before: TRUE when der splits
 * (smime-der-private.h), every certificate decodes and the rest does.
 * FALSE: the caller decodes der whole, as before (no verifier needed;
 * caller unrefs *content). */
gboolean upki_smime_cache_content(GBytes *der, GBytes **content);

/* The cache of a verifier (smime.c), NULL when caching is off. */
struct upki_smime_verifier;
upki_smime_cache *upki_smime_verifier_cache(const struct upki_smime_verifier *v);

#endif
