/* classify.h - which notice a message claims to be, from its headers.
 *
 * Works on decoded text only (mime.c decodes encoded-words).  A subject
 * names a kind when, after whitespace is collapsed, it holds a tag
 * ("[UPKI]") followed by a kind's title; text before the tag (a mailing
 * list's "[ml:123]", a gateway's "[External]") is allowed, a reply or
 * forward marker there ("Re:", "Fwd:", "転送:") makes it no notice.  A
 * subject that names a kind only once width and case are folded, or
 * without the tag, is a look-alike.
 */
#ifndef UPKI_CLASSIFY_H
#define UPKI_CLASSIFY_H

#include <glib.h>
#include "upki/profile.h"

typedef struct upki_subject_match {
	upki_kind kind;      /* UPKI_KIND_NONE when no title was found */
	gboolean lookalike;  /* matched only after folding, or without the tag */
	gboolean reply;      /* a reply or forward of a notice: never a notice */
} upki_subject_match;

/* Classifies a decoded subject (NULL allowed: no match). */
upki_subject_match upki_classify_subject(const char *subject, const upki_profile *p);

/* TRUE when addr (an addr-spec) is the profile's sender (case-insensitive). */
gboolean upki_classify_is_sender(const char *addr, const upki_profile *p);

/* From a raw (undecoded, maybe folded) From value: FALSE only when no
 * reading of it can give the profile's sender, i.e. with comments,
 * quotes, backslashes and white space dropped and letters in lower case
 * it holds neither the sender's local part nor its domain, and no
 * encoded-word right before an '@' (a lenient parser might decode it
 * into the local part).  For deciding cheaply, before any parsing, that
 * a message is no notice. */
gboolean upki_classify_from_may_be_sender(const char *raw, gsize len, const upki_profile *p);

#endif
