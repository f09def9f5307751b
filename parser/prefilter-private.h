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
	GArray *chars;        /* gunichar: every character the markers hold */
	guint gen;            /* tells the per-thread fold tables which prefilter made them */
};

/* prefilter-fold.c: skeletons (prefilter.c says what they are).  The
 * GString returned is the calling thread's, valid until its next call. */
void upki_prefilter_skeleton_exact(GString *sk, const char *s, gsize n);
void upki_prefilter_marker_chars(upki_prefilter *pf, const char *skeleton);
/* s: valid UTF-8. */
GString *upki_prefilter_skeleton_utf8(const upki_prefilter *pf, const char *s, gsize n);
/* The bytes of a text part as upki_mime_to_utf8(b, n, charset) would
 * read them, or NULL when they must be converted first. */
GString *upki_prefilter_skeleton_bytes(const upki_prefilter *pf, const char *b, gsize n,
				       const char *charset);

/* One transfer-decoded text part: UPKI_PF_NO_MARKER when it cannot give
 * the pipeline a candidate or labelled link, else MARKER or HTML_LINK. */
upki_prefilter_why upki_prefilter_text(const upki_prefilter *pf, const char *bytes, gsize n,
				       const char *charset, gboolean html);

/* The body stage: walks msg (a whole message) and judges its text parts. */
upki_prefilter_result upki_prefilter_walk(const upki_prefilter *pf, const char *msg, gsize len);

#endif
