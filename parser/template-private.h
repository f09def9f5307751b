/* template-private.h - the recipient's instructions as data files.
 *
 * A template directory holds one file per notice template and part
 * (TEMPLATE.txt, TEMPLATE.html; see upki_template_names) plus the plain
 * words of every reason token (reasons-ja.txt, reasons-en.txt) and the
 * advice for a forgery of each kind (advice-ja.txt, advice-en.txt).  A
 * template is text with placeholders {name}; "{{" is a literal "{".  A
 * line that names a list placeholder ({reasons_ja}, {reasons_en},
 * {links}) is repeated once per item, and dropped when the list is
 * empty.  Every file is read and checked when the set is loaded: a file
 * missing, not UTF-8, naming an unknown placeholder, or one its template
 * may not use (a suspicious notice has no {url}), fails then, with the
 * file and line.  Rendering escapes every value for its part (HTML) and
 * fails when a value the template names is missing: no half-filled
 * instruction is ever sent.
 */
#ifndef UPKI_TEMPLATE_PRIVATE_H
#define UPKI_TEMPLATE_PRIVATE_H

#include <glib.h>

#include "upki/profile.h"
#include "upki/reason.h"

typedef enum {
	UPKI_TPL_CERT_ISSUE = 0, /* genuine-cert-issue */
	UPKI_TPL_PIN_ISSUE,      /* genuine-pin-issue */
	UPKI_TPL_RETRIEVED,      /* genuine-cert-retrieved */
	UPKI_TPL_RENEWED,        /* genuine-cert-renewed */
	UPKI_TPL_REVOKED,        /* genuine-cert-revoked */
	UPKI_TPL_SUSPICIOUS,     /* suspicious, with the advice of the kind it claims */
	UPKI_TPL_COUNT
} upki_tpl_id;

typedef enum { UPKI_PART_TEXT = 0, UPKI_PART_HTML, UPKI_PART_COUNT } upki_tpl_part;

typedef enum {
	UPKI_PH_AUTHSERV_ID = 0,
	UPKI_PH_KIND,
	UPKI_PH_CONTACT,
	UPKI_PH_SIGNER,
	UPKI_PH_SIGNER_EMAIL,
	UPKI_PH_ISSUER,
	UPKI_PH_SIGNING_TIME,
	UPKI_PH_URL,
	UPKI_PH_DEADLINE,
	UPKI_PH_DN,
	UPKI_PH_SERIAL,
	UPKI_PH_OLD_SERIAL,
	UPKI_PH_REASONS,     /* the tokens, comma-separated */
	UPKI_PH_REASONS_JA,  /* list: plain words of each failed check */
	UPKI_PH_REASONS_EN,  /* list */
	UPKI_PH_LINKS,       /* list: each retrieval candidate, defanged */
	UPKI_PH_ADVICE_JA,   /* list: lines of the claimed kind's advice (none: no kind) */
	UPKI_PH_ADVICE_EN,   /* list */
	UPKI_PH_COUNT
} upki_placeholder;

/* The values of one rendering.  value[p] NULL: missing (rendering a
 * template that names it fails); lists[p] for list placeholders (NULL:
 * empty).  Nothing here is escaped yet. */
typedef struct upki_tpl_values {
	const char *value[UPKI_PH_COUNT];
	const GPtrArray *lists[UPKI_PH_COUNT]; /* char* */
} upki_tpl_values;

typedef struct upki_templates upki_templates;

/* "genuine-cert-issue", ... "suspicious".  Static storage. */
const char *upki_template_name(upki_tpl_id id);

/* Loads and checks every file of dir.  NULL with UPKI_ERROR_CONFIG
 * naming the file (and line).  Free with upki_templates_free(). */
upki_templates *upki_templates_load(const char *dir, GError **error);
void upki_templates_free(upki_templates *t);

/* The plain words for reason r in the Japanese (ja TRUE) or English
 * list; NULL for informative reasons.  Owned by t. */
const char *upki_templates_reason(const upki_templates *t, upki_reason r, gboolean ja);

/* The lines of advice for a forgery of kind k in Japanese (ja TRUE) or
 * English; NULL for UPKI_KIND_NONE.  Owned by t. */
const GPtrArray *upki_templates_advice(const upki_templates *t, upki_kind k, gboolean ja);

/* Renders template id, part, with v; lines end in CRLF (MIME's
 * canonical form of text).  NULL with UPKI_ERROR_INTERNAL naming the
 * missing value.  Caller frees. */
char *upki_template_render(const upki_templates *t, upki_tpl_id id, upki_tpl_part part,
			   const upki_tpl_values *v, GError **error);

/* url made harmless to show: the scheme hxxp(s), every dot (ASCII and
 * full-width) "[.]", '@' "[@]", controls and invisible format
 * characters as "[U+XXXX]", cut 200 characters after the scheme with "…".  No mail
 * program turns the result into a link.  Caller frees. */
char *upki_template_defang(const char *url);

/* s escaped for HTML text and attribute values (& < > " ').  Caller frees. */
char *upki_template_html_escape(const char *s);

#endif
