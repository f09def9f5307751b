/* profile.h - what a genuine UPKI notice looks like, as data.
 *
 * Kinds, subject titles, the sender, the retrieval host and the file each
 * kind may point at, and the labels of the body sections live in one table
 * so that no module tests kinds with if-chains, and so that the config file
 * can extend it when the service changes a wording.
 */
#ifndef UPKI_PROFILE_H
#define UPKI_PROFILE_H

#include <glib.h>

typedef enum {
	UPKI_KIND_NONE = 0,
	UPKI_KIND_CERT_ISSUE,
	UPKI_KIND_PIN_ISSUE,
	UPKI_KIND_CERT_RETRIEVED,
	UPKI_KIND_CERT_RENEWED,
	UPKI_KIND_CERT_REVOKED,
	UPKI_KIND_COUNT
} upki_kind;

/* "cert-issue" ... ; NULL for UPKI_KIND_NONE. Static storage. */
const char *upki_kind_to_string(upki_kind k);
/* UPKI_KIND_NONE when s names no kind. */
upki_kind upki_kind_from_string(const char *s);

typedef struct upki_profile {
	char *sender;          /* From address of genuine notices (lower case) */
	char *host;            /* the one retrieval host */
	char *path_prefix;     /* directory of the retrieval pages, ends in '/' */
	guint token_min;       /* bounds on the length of the p1 value as written */
	guint token_max;
	GPtrArray *tags;       /* char*: subject tags, "[UPKI]" */
	GPtrArray *reply_prefixes; /* char*: "re:", "fwd:", "転送:" ... (compared folded) */
	GPtrArray *subjects[UPKI_KIND_COUNT]; /* char*: titles after the tag */
	GPtrArray *files[UPKI_KIND_COUNT];    /* char*: page a kind's URL may name */
	GPtrArray *markers[UPKI_KIND_COUNT];  /* char*: text only a kind's signed body holds */
	GPtrArray *url_labels;    /* char*: text that introduces a retrieval URL */
	GPtrArray *dn_labels;     /* char*: section heads of the certificate DN */
	GPtrArray *serial_labels; /* char*: section heads of the (new) serial */
	GPtrArray *old_serial_labels; /* char*: section heads of the old serial */
} upki_profile;

/* The built-in profile (the service as of the real notices). Caller frees
 * with upki_profile_free(). */
upki_profile *upki_profile_new_default(void);
void upki_profile_free(upki_profile *p);

/* Adds a string to one of the profile's lists unless already there
 * (the config file's extension keys go through here). */
void upki_profile_add(GPtrArray *list, const char *value);

/* TRUE when kind k carries a retrieval URL (it has allowed files). */
gboolean upki_profile_kind_has_url(const upki_profile *p, upki_kind k);

/* TRUE when text (decoded signed body text) holds one of kind k's
 * markers: the Subject alone never decides a kind. */
gboolean upki_profile_text_confirms(const upki_profile *p, upki_kind k, const char *text);

#endif
