/* annotate-private.h - what wrap.c shares with annotate.c: the one rule
 * for which header lines carry (or hide) a verdict of ours, so that the
 * wrapped message's header drops exactly what headers mode drops. */
#ifndef UPKI_ANNOTATE_PRIVATE_H
#define UPKI_ANNOTATE_PRIVATE_H

#include "upki/annotate.h"
#include "upki/rawheader.h"

/* TRUE when line l of h (a field or a line that is no field) is ours or
 * hides one of ours (see upki_annotate_edits()); authserv_id NULL: no
 * Authentication-Results is ours. */
gboolean upki_annotate_line_is_ours(const char *msg, const upki_raw_header *h,
				    const upki_raw_line *l, const char *authserv_id);

/* The Subject a suspicious notice gets (tag + decoded subject, RFC 2047
 * encoded), NULL when it already carries the tag.  Caller frees. */
char *upki_annotate_tagged_subject(const char *subject, const char *tag);

#endif
