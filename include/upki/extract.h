/* extract.h - finding URLs and certificate facts in decoded text.
 *
 * Input is always UTF-8 text with '\n' line ends (mime.c decodes).  The
 * extractor is generous about what may be a URL (full-width schemes and
 * dots, confusable letters in the host, a URL folded over two lines), so
 * that look-alikes are seen and then judged by url.c, never silently
 * ignored.
 */
#ifndef UPKI_EXTRACT_H
#define UPKI_EXTRACT_H

#include <glib.h>
#include "upki/profile.h"

typedef struct upki_link {
	char *url;       /* URL as found, trimmed of surrounding punctuation, spaces and <> */
	char *shown;     /* HTML: the link's visible text (trimmed); NULL for plain text */
	gboolean labelled; /* introduced by one of p->url_labels on the same or the previous line */
	gboolean from_html;
} upki_link;

void upki_link_free(upki_link *l);

/* Returns a GPtrArray of upki_link* (free func set; caller unrefs) for
 * every URL in a text part: http(s) in ASCII or full-width, including
 * ones whose host holds non-ASCII letters. */
GPtrArray *upki_extract_text_urls(const char *text, const upki_profile *p);

/* Returns a GPtrArray of upki_link* for an HTML part: each <a href>/<area
 * href> with its shown text (from_html TRUE), plus URLs written in the
 * visible text.  Parsed with libxml2's HTML parser; never fails (junk
 * gives an empty array). */
GPtrArray *upki_extract_html_links(const char *html, gsize len, const upki_profile *p);

/* Visible text of an HTML part (for section parsing).  Caller frees. */
char *upki_extract_html_text(const char *html, gsize len);

/* TRUE when shown (an HTML link's visible text) presents a URL other than
 * href: a different string once both are trimmed, scheme and host
 * compared without case. */
gboolean upki_extract_link_mismatch(const char *href, const char *shown);

typedef struct upki_certinfo {
	char *dn;          /* RDNs as printed, joined with ",", NULL if absent */
	char *serial;      /* decimal, NULL if absent */
	char *old_serial;  /* renewal: the replaced certificate, decimal */
} upki_certinfo;

/* Fills info from the sections of a retrieval/renewal/revocation notice
 * (labels in p->dn_labels, p->serial_labels, p->old_serial_labels; the DN
 * between lines of dashes, one RDN a line indented with U+3000 or spaces;
 * each number on its own indented line; a hex serial is turned into
 * decimal).  The first section found wins.  Returns TRUE if anything was
 * found.  Caller frees the strings (upki_certinfo_clear). */
gboolean upki_extract_certinfo(const char *text, const upki_profile *p, upki_certinfo *info);
void upki_certinfo_clear(upki_certinfo *info);

#endif
