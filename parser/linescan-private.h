/* linescan-private.h - finding the lines that start with given bytes, fast.
 *
 * Splitting an mbox looks for lines starting "From " or ">"; skipping a
 * MIME part looks for lines starting "--".  Both read every byte of an
 * archive, and almost no line qualifies, so the search is done on whole
 * vectors (AVX2 where the CPU has it, else SSE2; plain C elsewhere).
 */
#ifndef UPKI_LINESCAN_H
#define UPKI_LINESCAN_H

#include <glib.h>

/* The first i in [from, end) where b[i] is '\n' and b[i+1] is c1 or c2,
 * or where b[i] is a '\n' that ends the range (b[i+1] is not known yet:
 * the caller decides with more bytes); end when there is none.  Reads
 * b[from..end) only. */
gsize upki_linescan_find(const char *b, gsize from, gsize end, char c1, char c2);

#endif
