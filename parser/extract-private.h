/* extract-private.h - what extract.c (plain text) and extract-html.c
 * (HTML) share inside libupki; not a public interface. */
#ifndef UPKI_EXTRACT_PRIVATE_H
#define UPKI_EXTRACT_PRIVATE_H

#include <glib.h>
#include "upki/extract.h"

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
