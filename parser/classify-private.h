/* classify-private.h - the two halves of classify.c's folding, for tests. */
#ifndef UPKI_CLASSIFY_PRIVATE_H
#define UPKI_CLASSIFY_PRIVATE_H

#include <glib.h>

/* NFKC, case fold, no white space or format characters: the reference. */
char *upki_classify_fold_slow(const char *s);

/* The same result appended to out, without normalising, for text that
 * needs none (ASCII, kana, CJK punctuation and ideographs); FALSE for
 * any other text (out then holds a partial result). */
gboolean upki_classify_fold_fast(const char *s, GString *out);

#endif
