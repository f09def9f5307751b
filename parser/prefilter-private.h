/* prefilter-private.h - shared by prefilter.c (the rules) and
 * prefilter-walk.c (the MIME walk over raw bytes). */
#ifndef UPKI_PREFILTER_PRIVATE_H
#define UPKI_PREFILTER_PRIVATE_H

#include "upki/prefilter.h"

struct upki_prefilter {
	const upki_profile *p;
	GPtrArray *markers; /* char*: skeleton forms of the candidate markers and labels */
	GArray *lengths;    /* gsize: strlen of each marker */
	guint8 first2[65536]; /* 1 where a marker starts with these two bytes */
};

/* One transfer-decoded text part: UPKI_PF_NO_MARKER when it cannot give
 * the pipeline a candidate or labelled link, else MARKER or HTML_LINK. */
upki_prefilter_why upki_prefilter_text(const upki_prefilter *pf, const char *bytes, gsize n,
				       const char *charset, gboolean html);

/* The body stage: walks msg (a whole message) and judges its text parts. */
upki_prefilter_result upki_prefilter_walk(const upki_prefilter *pf, const char *msg, gsize len);

#endif
