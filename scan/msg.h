/* msg.h - upki-scan's lines on standard error, in the spirit of
 * Postfix's msg_warn().
 *
 * Every message starts with "upki-scan: " and is one whole line.  A
 * status line (the progress line of a batch, drawn only on a terminal)
 * may stand at the bottom of stderr: a message erases it first, so that
 * a message never tears it; the next progress tick draws it again.  One
 * lock for all of stderr: safe from any thread.  The bottom of scan/:
 * this file calls nothing else of upki-scan.
 */
#ifndef UPKI_SCAN_MSG_H
#define UPKI_SCAN_MSG_H

#include <glib.h>

/* "upki-scan: " fmt "\n" on stderr. */
void scan_msg(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The same line as a string, to be written later with scan_msg_text()
 * (a part of a split mbox keeps its lines until its turn).  g_free() it. */
char *scan_msg_line(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Lines made by scan_msg_line(), as they are. */
void scan_msg_text(const char *text);

/* stderr to the caller alone, the status line erased, until
 * scan_msg_end() (for a writer that copies kept lines to stderr itself;
 * scan_msg() may still be called in between). */
void scan_msg_begin(void);
void scan_msg_end(void);

/* Draws line as the status line ("\r", line, erase to the end of the
 * terminal's line); scan_msg_status(NULL) erases it for good. */
void scan_msg_status(const char *line);

#endif
