/* retrieve.h - the `retrieve` action of upki-fetch: the service's web
 * flow, the ZIPs it returns and the PKCS#12 files inside them.
 *
 * This is the boundary between the queue (upki-fetch.c, queue, state:
 * which job, when, how often) and the retrieval (retrieve*.c: what one
 * attempt does on the network and on disk).  Nothing here touches the
 * state database or the spool: results come back as data, and the
 * caller records them.  Nothing here logs: errors come back as text that
 * never holds a token, a PIN or a password (host, path, HTTP status,
 * libcurl's or libzip's reason).
 *
 * Facts of the site's flow: ../shared/upki-samples/README.md.
 */
#ifndef UPKI_FETCH_RETRIEVE_H
#define UPKI_FETCH_RETRIEVE_H

#include <glib.h>

/* What one attempt came to.  RETRY: worth trying again later (network
 * error, timeout, 429/5xx, the site refusing a certificate download until
 * the matching PIN notice was fetched, no PIN recorded yet).  FAIL: will
 * never work (policy refused a form or redirect, the site says the URL is
 * used up or unknown, a ZIP or PKCS#12 that is not what was announced). */
typedef enum { FETCH_OK, FETCH_RETRY, FETCH_FAIL } fetch_outcome;

/* Limits and trust for talking to the service.  Strings are borrowed. */
typedef struct fetch_http_opts {
	const char *service_host;    /* ServiceHost: the only host ever contacted */
	const char *service_ca_file; /* ServiceCAFile; NULL: the system store */
	const char *connect_to;      /* ServiceConnectTo (curl CONNECT_TO form) or NULL */
	long connect_timeout;        /* seconds */
	long total_timeout;          /* seconds, per request */
	gsize max_body;              /* bytes of any one response body */
	guint max_zip_entries;
	gsize max_zip_uncompressed;  /* bytes, all entries together */
} fetch_http_opts;

/* One line of the PIN ZIP's TSV.  All strings owned by the record. */
typedef struct fetch_pin_record {
	char *name;
	char *email;
	char *pin;   /* secret: never logged */
	char *dn;
} fetch_pin_record;

void fetch_pin_record_free(fetch_pin_record *r);

/* pin-issue: runs the flow for url (entrance form, download form, ZIP),
 * writes the ZIP to zip_path as fetch_retrieve_cert_zip() does (0600,
 * fsync'd, renamed, directory fsync'd: the download is single-use, and a
 * crash before the caller recorded the PINs must not lose them), then
 * reads the TSV from that file.  When zip_path already exists (an
 * earlier attempt downloaded it and did not get to record the PINs) it
 * is read again and the site is not contacted.  FETCH_OK with *records
 * (fetch_pin_record*, free with g_ptr_array_unref: the array frees its
 * records); otherwise *error (caller frees) says why.  The file holds
 * the PINs: removing it once they are recorded is the caller's part. */
fetch_outcome fetch_retrieve_pin(const fetch_http_opts *o, const char *url, const char *zip_path,
				 GPtrArray **records, char **error);

/* cert-issue: runs the flow for url and writes the ZIP to zip_path (0600,
 * fsync'd file and directory, written to zip_path.tmp then renamed: the
 * download is single-use and must survive a crash).  FETCH_RETRY when the
 * site refuses because the PIN notice was not fetched yet. */
fetch_outcome fetch_retrieve_cert_zip(const fetch_http_opts *o, const char *url, const char *zip_path,
				      char **error);

/* Where and against what downloaded certificates are installed. */
typedef struct fetch_install_opts {
	const char *output_dir;   /* OutputDir */
	const char *cert_ca_file; /* CertCAFile; NULL: the system store */
	const char *job_id;       /* names the receipts: installing twice is harmless */
	gint64 now;               /* validity is checked at this time; 0: time(NULL) */
	guint max_zip_entries;
	gsize max_zip_uncompressed;
} fetch_install_opts;

/* The PIN recorded for (email, dn), or NULL when none is known yet.  The
 * string stays the caller's. */
typedef const char *(*fetch_pin_lookup)(void *ctx, const char *email, const char *dn);

/* One certificate written to output_dir.  Strings owned by the record. */
typedef struct fetch_installed {
	char *serial;
	char *subject;
	char *issuer;
	char *not_after;  /* ISO 8601, UTC */
	char *p12_path;   /* the PKCS#12 file written, 0600 */
	char *receipt_path;
} fetch_installed;

void fetch_installed_free(fetch_installed *i);

/* Opens the certificate ZIP at zip_path: client.txt and each PKCS#12 file,
 * opened with the PIN lookup() gives for the email and DN client.txt
 * names (OpenSSL's legacy provider loaded beside the default one for
 * RC2-40 files), key matching the certificate, email/DN matching
 * client.txt, chain to cert_ca_file, valid at now; each written
 * atomically 0600 into output_dir with a JSON receipt (serial, subject,
 * issuer, not_after, job_id).  FETCH_RETRY when a PIN is not known yet
 * (the ZIP stays; call again when the PIN arrives).  FETCH_OK with
 * *installed (fetch_installed*, the array frees its records). */
fetch_outcome fetch_certs_install(const char *zip_path, const fetch_install_opts *o, fetch_pin_lookup lookup,
				  void *ctx, GPtrArray **installed, char **error);

#endif
