/* annotate.h - what a verdict changes in a message's header.
 *
 * One list of header edits serves both front ends: the milter turns each
 * edit into smfi_chgheader/smfi_insheader, `upki-scan --filter` applies
 * them to the raw header block.  The body is never touched, so a genuine
 * notice's signature still verifies after annotation.
 */
#ifndef UPKI_ANNOTATE_H
#define UPKI_ANNOTATE_H

#include <glib.h>
#include "upki/notice.h"

typedef enum {
	UPKI_EDIT_DELETE,  /* delete the index-th field of that name */
	UPKI_EDIT_CHANGE,  /* replace the value of the index-th field of that name */
	UPKI_EDIT_INSERT,  /* insert a new field at the top of the header */
	/* delete the index-th (1-based) line of the header block that is no
	 * field (name NULL).  Only raw input has such lines: an MTA hands a
	 * milter fields, so the milter never gets this edit. */
	UPKI_EDIT_DELETE_LINE
} upki_edit_op;

typedef struct upki_header_edit {
	upki_edit_op op;
	char *name;    /* field name as it should be written; NULL for DELETE_LINE */
	guint index;   /* DELETE/CHANGE: 1-based among fields of that name, case-insensitive (milter semantics) */
	char *value;   /* CHANGE/INSERT: unfolded value, ASCII (RFC 2047 encoded where needed) */
} upki_header_edit;

typedef struct upki_annotate_options {
	const char *authserv_id;  /* required: our Authentication-Results authserv-id */
	const char *subject_tag;  /* prefix for suspicious notices' Subject; NULL or "": none */
} upki_annotate_options;

/* The edits for message msg (len bytes; only the header block, to its
 * first empty line, is read) given its verdict n (NULL: analysis failed;
 * then only forged X-UPKI-Notice and our own Authentication-Results are
 * removed).  Removed is every field of the block by those names, in any
 * case, with or without white space before the colon, wherever it
 * stands, and every field or other line that hides one where some mail
 * program would see it (upki_raw_find_hidden()).  In the order they must
 * be applied: deletions from the last line of the block up (so each
 * name's indices go down), then the Subject change, then insertions.
 * Returns a GPtrArray of upki_header_edit* (free func set). */
GPtrArray *upki_annotate_edits(const char *msg, gsize len, const upki_notice *n,
			       const upki_annotate_options *o);

/* TRUE when id can be an authserv-id as it is (an RFC 2045 token: a host
 * name is).  With any other id no Authentication-Results is added or
 * removed. */
gboolean upki_annotate_authserv_id_ok(const char *id);

/* The X-UPKI-Notice value: "<verdict>; kind=<kind>[; reasons=<r1,r2>]".
 * Caller frees. */
char *upki_annotate_notice_value(const upki_notice *n);

/* The Authentication-Results value (RFC 7601 / RFC 7281 method smime):
 * "<authserv-id>; smime=<pass|fail|policy|none|permerror> ...".  NULL
 * when n is NULL or authserv_id is not a valid one.  Caller frees. */
char *upki_annotate_auth_results_value(const upki_notice *n, const char *authserv_id);

/* Applies edits to msg and returns the new message: header fields
 * changed textually (the message's own line ending, CRLF or LF, kept;
 * long values folded), every byte after the header block unchanged.
 * Caller frees with g_string_free(). */
GString *upki_annotate_apply(const char *msg, gsize len, const GPtrArray *edits);

#endif
