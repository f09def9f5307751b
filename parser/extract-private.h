/* extract-private.h - finding URLs and certificate facts in decoded text.
 *
 * Input is always UTF-8 text with '\n' line ends (mime.c decodes).  The
 * extractor is generous about what may be a URL (full-width schemes and
 * dots, confusable letters in the host, a URL folded over two lines), so
 * that look-alikes are seen and then judged by url.c, never silently
 * ignored.  Every budget that can stop the reading of a part is reported
 * through a limit_hit out-parameter: what lies beyond it was not judged.
 *
 * Not a public interface: notice.c, classify.c, certinfo.c and url.c call
 * the first half; extract.c and extract-html*.c share the second.
 */
#ifndef UPKI_EXTRACT_PRIVATE_H
#define UPKI_EXTRACT_PRIVATE_H

#include <glib.h>
#include "upki/profile.h"

typedef struct upki_link {
	char *url;       /* URL as found, trimmed of surrounding punctuation, spaces and <>;
	                  * HTML: a relative href resolved against <base href> */
	char *shown;     /* HTML: what the link shows (trimmed): its text with the alt
	                  * text of its images, then its title when that holds a URL;
	                  * <area>: its alt; NULL for plain text, bare URLs, forms, refreshes */
	gboolean labelled; /* introduced by one of p->url_labels on the same or the previous line */
	gboolean from_html;
	gboolean hidden_controls; /* url or shown holds a hidden control (text.h: bidi,
	                           * zero-width, format characters), or a bidi control or
	                           * reordering markup (dir=rtl, <bdo>, CSS bidi-override)
	                           * stands before it on its line or around it */
} upki_link;

void upki_link_free(upki_link *l);

/* Returns a GPtrArray of upki_link* (free func set; caller unrefs) for
 * every URL in a text part: http(s) in ASCII or full-width, including
 * ones whose host holds non-ASCII letters or hidden controls (one link,
 * flagged hidden_controls, never cut at the control).  *limit_hit (unless
 * NULL; only ever set to TRUE, never cleared) is set when more than 4096
 * links were found (the rest are not returned) or when a label was looked
 * for further back than the 1 KiB budget allows. */
GPtrArray *upki_extract_text_links(const char *text, const upki_profile *p, gboolean *limit_hit);

/* upki_extract_text_links() without the limit report. */
GPtrArray *upki_extract_text_urls(const char *text, const upki_profile *p);

/* Returns a GPtrArray of upki_link* for an HTML part, read as a mail
 * program shows it (extract-html.c lists what that covers): each <a href>,
 * <area href>, xlink:href, <form action>, formaction and refresh target
 * (from_html TRUE, in document order, also inside conditional comments),
 * then the URLs written in the visible text outside links, then those in
 * style sheets.  Parsed with libxml2's HTML parser; never fails (junk gives
 * an empty array).  *limit_hit (unless NULL; only set to TRUE) is set when
 * the tree is deeper than 200, a part is over 8 MiB, there are more than
 * 4096 links, conditional comments nest or number over 1024, libxml2
 * returns no tree, or a
 * label budget ran out. */
GPtrArray *upki_extract_html_links_full(const char *html, gsize len, const upki_profile *p,
                                        gboolean *limit_hit);

/* upki_extract_html_links_full() without the limit report. */
GPtrArray *upki_extract_html_links(const char *html, gsize len, const upki_profile *p);

/* Visible text of an HTML part (for section parsing), conditional
 * comments' content included.  *limit_hit as for the links (the depth,
 * size and nesting bounds).  Caller frees. */
char *upki_extract_html_text_full(const char *html, gsize len, gboolean *limit_hit);

/* upki_extract_html_text_full() without the limit report. */
char *upki_extract_html_text(const char *html, gsize len);

/* TRUE when shown (an HTML link's visible text) presents a URL other than
 * href: a different string once both are trimmed, scheme and host
 * compared without case; also when shown holds more URLs than are read. */
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


/* ---- shared by extract.c and extract-html*.c ---- */

/* Links kept from one part (text, or an HTML part's hrefs): memory stays
 * bounded; the next one sets limit_hit. */
#define UPKI_EXTRACT_MAX_LINKS 4096

/* A new link owning url (labelled as given, everything else FALSE/NULL).
 * Free with upki_link_free(). */
upki_link *upki_extract_link_new(char *url, gboolean labelled);

/* TRUE when one of p's URL labels introduces the URL starting at url
 * inside text (same line, or the previous non-empty line).  Sets
 * *limit_hit (unless NULL) when the bounded look-back ended before the
 * answer was known. */
gboolean upki_extract_labelled_at(const char *text, const char *url, const upki_profile *p,
                                  gboolean *limit_hit);

/* Every URL in text (see upki_extract_text_links); join: read a URL folded
 * over two lines as one (plain text only: in HTML a line break is markup).
 * Returns a GPtrArray of upki_link* (free func set; caller unrefs). */
GPtrArray *upki_extract_urls(const char *text, const upki_profile *p, gboolean join, gboolean *limit_hit);

#endif
