/* spool.h - the hand-off of genuine notices to upki-fetch.
 *
 * A Maildir-like directory (tmp/, new/, cur/, done/, failed/), one JSON job per
 * notice (docs/spool.md has the schema).  A job is written to tmp/,
 * fsync'd, linked into new/ and the directory fsync'd, so a reader never
 * sees half a job and a crash never leaves a job that looks complete but
 * is not.  Files are 0600 in 0700 directories: a job holds a one-time
 * retrieval URL.  The job id is derived from the URL, so a notice seen
 * twice (by the milter and by a later scan) is one job.  Every front end
 * writes jobs through this module only.
 */
#ifndef UPKI_SPOOL_H
#define UPKI_SPOOL_H

#include <glib.h>
#include "upki/notice.h"

/* Creates dir and its subdirectories (0700) when missing; FALSE with a
 * G_FILE_ERROR naming the path when that fails. */
gboolean upki_spool_prepare(const char *dir, GError **error);

/* The job id of a retrieval URL: 32 lower-case hex digits of a SHA-256
 * of the URL.  Caller frees. */
char *upki_spool_job_id(const char *url);

/* The job JSON for a notice (one line).  source says which front end and
 * where ("milter:<queue-id>", "scan:<file>#<index>").  Caller frees. */
char *upki_spool_job_json(const upki_notice *n, const char *source);
/* The same with the job's "recipient": recipient when given (the milter's
 * envelope recipient), else the notice's To address, else null. */
char *upki_spool_job_json_for(const upki_notice *n, const char *source, const char *recipient);

/* TRUE when n is a notice to hand off: genuine, cert-issue or
 * pin-issue, with exactly one retrieval URL. */
gboolean upki_spool_eligible(const upki_notice *n);

/* Writes the job of a genuine cert-issue or pin-issue notice.  Returns
 * TRUE and sets *job_id (caller frees) when the job is in the spool,
 * whether written now or already there (*existed tells).  FALSE with a
 * GError (G_FILE_ERROR: read-only, full disk, permissions; UPKI_ERROR
 * when the notice is not one to hand off), and no file left in tmp/. */
gboolean upki_spool_write(const char *dir, const upki_notice *n, const char *source,
			  char **job_id, gboolean *existed, GError **error);
/* The same, naming the recipient (see upki_spool_job_json_for). */
gboolean upki_spool_write_for(const char *dir, const upki_notice *n, const char *source,
			      const char *recipient, char **job_id, gboolean *existed, GError **error);

#endif
