/* retrieve-private.h - what the parts of the retrieve action share:
 * the URL kinds and their expected form actions, the host policy, the
 * form finder, the ZIP reader, the TSV reader and the durable write.
 * Only fetch/retrieve*.c and their test include this. */
#ifndef UPKI_FETCH_RETRIEVE_PRIVATE_H
#define UPKI_FETCH_RETRIEVE_PRIVATE_H

#include <glib.h>

#include "retrieve.h"

/* Every path the flow may touch lies under this prefix. */
#define FETCH_PATH_PREFIX "/upki-odcert/"
#define FETCH_DOWNLOAD_DIR "/upki-odcert/download/"

/* The entrance pages the notices link to, and the two form actions each
 * one's flow must go through, in order (shared/upki-samples/README.md). */
typedef enum { FETCH_KIND_NONE, FETCH_KIND_PIN, FETCH_KIND_ALL_PIN, FETCH_KIND_CERT } fetch_kind;

typedef struct fetch_kind_info {
	fetch_kind kind;
	const char *entrance; /* file name under view/jsp/ */
	const char *actions[2]; /* file names under FETCH_DOWNLOAD_DIR */
} fetch_kind_info;

/* The kind of an entrance URL that passed fetch_url_check(), or NULL. */
const fetch_kind_info *fetch_kind_of_url(const char *url);

/* Host policy: https, host equal to service_host, port 443, no user
 * part, path under FETCH_PATH_PREFIX without dot segments.  When
 * exact_path is set the path must be that (a ";jsessionid=" path
 * parameter allowed after it).  FALSE with *error (never the query). */
gboolean fetch_url_check(const char *url, const char *service_host, const char *exact_path, char **error);

/* The path of url for error texts (no query, no fragment), or a fixed
 * placeholder; caller frees. */
char *fetch_url_path(const char *url);

/* One form to submit: absolute URL and urlencoded fields. */
typedef struct fetch_form {
	char *url;    /* for GET forms the fields are already in its query */
	char *fields; /* urlencoded body for POST, NULL for GET */
} fetch_form;

void fetch_form_clear(fetch_form *f);

typedef enum {
	FETCH_FORM_FOUND,
	FETCH_FORM_NONE,    /* the page has no form at all */
	FETCH_FORM_REFUSED, /* forms, but none passes the policy: *error says why */
} fetch_form_result;

/* Looks through an HTML page for the form whose action, resolved against
 * base_url, is exactly FETCH_DOWNLOAD_DIR + action on service_host. */
fetch_form_result fetch_form_find(const char *html, gsize len, const char *base_url, const char *service_host,
				  const char *action, fetch_form *out, char **error);

/* The visible text of an HTML page, UTF-8 (for recognising refusal
 * pages); caller frees. */
char *fetch_html_text(const char *html, gsize len);

/* One entry read from a ZIP. */
typedef struct fetch_zip_entry {
	char *name;
	GBytes *data;
} fetch_zip_entry;

/* Reads every file entry of the ZIP in data, counting entries and the
 * bytes actually inflated against the limits while reading (the sizes in
 * the ZIP's directory are not trusted).  FETCH_OK with *entries
 * (fetch_zip_entry*, the array frees them); FETCH_FAIL with *error. */
fetch_outcome fetch_zip_read(GBytes *data, guint max_entries, gsize max_uncompressed, GPtrArray **entries,
			     char **error);
fetch_outcome fetch_zip_read_file(const char *path, guint max_entries, gsize max_uncompressed,
				  GPtrArray **entries, char **error);

/* Splits a TSV (UTF-8 or Shift_JIS/CP932, CRLF or LF, optional BOM) into
 * rows of at least min_fields fields, header line dropped.  Each row is
 * a GStrv; NULL with *error when the text is not such a table. */
GPtrArray *fetch_tsv_rows(const char *text, gsize len, guint min_fields, char **error);

/* The PIN records of a PIN ZIP's entries. */
fetch_outcome fetch_pin_records_from_zip(GPtrArray *entries, GPtrArray **records, char **error);

/* Writes data to path durably: path.tmp created 0600, written, fsync'd,
 * renamed over path, directory fsync'd.  FALSE with *error. */
gboolean fetch_write_durably(const char *path, const void *data, gsize len, char **error);

/* The trust install checks against: an OpenSSL library context of our
 * own with the default and legacy providers (RC2-40 PKCS#12 files need
 * the latter; the process-wide context stays as it was) and the CAs of
 * CertCAFile or the system's default paths. */
typedef struct fetch_trust fetch_trust;

fetch_trust *fetch_trust_new(const char *ca_file, char **error);
void fetch_trust_free(fetch_trust *t);

/* An opened PKCS#12: its key, the certificate that key belongs to, the
 * other certificates it carries. */
typedef struct fetch_p12 fetch_p12;

typedef enum { FETCH_P12_OK, FETCH_P12_WRONG_PIN, FETCH_P12_BAD } fetch_p12_result;

/* Opens der with pin.  WRONG_PIN when the MAC does not verify with it;
 * BAD (with *error) when it is no PKCS#12 we can use. */
fetch_p12_result fetch_p12_open(fetch_trust *t, GBytes *der, const char *pin, fetch_p12 **out, char **error);
void fetch_p12_free(fetch_p12 *p);

/* The certificate is client.txt's line (serial, email, DN), chains to the
 * trust's CAs and is valid at now.  FALSE with *error. */
gboolean fetch_p12_check(fetch_trust *t, fetch_p12 *p, const char *serial, const char *email, const char *dn,
			 gint64 now, char **error);

/* Fills serial (decimal), subject, issuer (RFC 2253) and not_after. */
void fetch_p12_describe(fetch_p12 *p, fetch_installed *i);

#endif
