/* smime.h - S/MIME signature verification with OpenSSL.
 *
 * Verification runs on the exact signed bytes (mime.c finds them), never
 * through GMime (whose S/MIME goes through gpgsm).  A verifier holds the
 * trust store, loaded once and shared read-only: it is safe to use one
 * upki_smime_verifier from several threads.
 */
#ifndef UPKI_SMIME_H
#define UPKI_SMIME_H

#include <glib.h>
#include "upki/mime.h"

typedef enum {
	UPKI_VERIFY_AT_SIGNING = 0, /* archived mail: at the signingTime attribute */
	UPKI_VERIFY_AT_NOW          /* mail being delivered: at the current time */
} upki_verify_time;

/* The status of a signature with several signers is that of the first
 * signer that does not pass; signer_* describe the first signer. */
typedef enum {
	UPKI_SIG_NONE = 0,   /* no signature */
	UPKI_SIG_PASS,       /* digest good, chain to a trusted root at the chosen time */
	UPKI_SIG_BAD,        /* digest/signature does not verify (tampered) */
	UPKI_SIG_UNTRUSTED,  /* good digest, chain not trusted */
	UPKI_SIG_EXPIRED,    /* good digest, trusted chain, not valid at the chosen time */
	UPKI_SIG_ERROR       /* signature unreadable (not CMS, no signer) */
} upki_sig_status;

typedef struct upki_smime_result {
	upki_sig_status status;
	char *signer_subject; /* RFC 2253-ish one line ("CN=..,OU=..,O=.."), NULL if unknown */
	char *signer_issuer;
	char *signer_serial;  /* decimal */
	GPtrArray *signer_emails; /* char*: rfc822Name SANs, then emailAddress of the subject; lower case;
	                             with several signers only the addresses all of them carry */
	guint signer_count;   /* SignerInfos in the signature; each must verify and chain */
	gint64 signing_time;  /* signingTime attribute, unix time; -1 if absent */
	gboolean expired_now; /* valid when checked at signing time, but not at now */
	char *detail;         /* OpenSSL's reason for a failure (no secrets), or NULL */
} upki_smime_result;

typedef struct upki_smime_verifier upki_smime_verifier;

/* Loads the trust store: ca_file and/or ca_dir, or the system default
 * store when both are NULL.  Returns NULL with UPKI_ERROR_TRUST when it
 * cannot be loaded or holds no certificate.  Free with
 * upki_smime_verifier_free(). */
upki_smime_verifier *upki_smime_verifier_new(const char *ca_file, const char *ca_dir, GError **error);
void upki_smime_verifier_free(upki_smime_verifier *v);

/* A verifier remembers decoded certificates and chain answers (exactly
 * what OpenSSL would answer again; parser/smime-cache-private.h says why
 * that holds).  On by default; off, every signature is decoded whole and
 * every chain built afresh, which tests and benchmarks compare with.
 * Call before the verifier is shared between threads. */
void upki_smime_verifier_set_caching(upki_smime_verifier *v, gboolean on);

/* Verifies one signature.  when chooses the time the chain is checked
 * at; now is the current unix time (tests pass a fixed one).  With
 * UPKI_VERIFY_AT_SIGNING and no signingTime attribute, now is used.
 * Never returns NULL; caller frees with upki_smime_result_free(). */
upki_smime_result *upki_smime_verify(const upki_smime_verifier *v, const upki_signed *s,
				     upki_verify_time when, gint64 now);
void upki_smime_result_free(upki_smime_result *r);

/* The encapsulated content of opaque signed data (without verifying).
 * Returns NULL when der is not CMS signed data with content.  Caller
 * unrefs. */
GBytes *upki_smime_get_content(GBytes *der);

/* Frees what OpenSSL keeps for the calling thread (error queue, random
 * state).  A worker thread that verified signatures calls it when its
 * work is done: GLib parks pool threads instead of ending them, so
 * OpenSSL's own clean-up at thread exit may never run. */
void upki_smime_thread_stop(void);

/* Stable token of a status: "pass", "fail", "untrusted", "expired",
 * "none", "error".  Static storage. */
const char *upki_smime_status_token(upki_sig_status s);

#endif
