/* spool.c - the hand-off spool: one JSON job per genuine notice.
 *
 * The directory protocol is Maildir's (docs/spool.md): a job is written
 * under a unique name in tmp/, fsync'd, then link()ed into new/ under its
 * id.  link() never replaces an existing name, so when two writers (the
 * milter and a scan, or two procmail runs) meet the same notice, exactly
 * one job exists and the other learns that it "existed".  A job already
 * taken by upki-fetch (cur/), done (done/) or given up (failed/) is not
 * written again.
 * Files are 0600, directories 0700: a job holds a one-time URL.  Errors
 * name the spool and the job id (a hash), never the URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "upki/error.h"
#include "upki/report.h"
#include "upki/spool.h"

/* 2: adds "recipient"; readers of version 1 ignore keys they do not know */
#define JOB_VERSION 2

static const char *const subdirs[] = { "tmp", "new", "cur", "failed" };

static gboolean fail_errno(GError **error, int e, const char *dir, const char *what)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "spool %s: %s: %s", dir, what,
		    g_strerror(e));
	return FALSE;
}

static gboolean make_dir(const char *path, const char *spool, GError **error)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return TRUE;
	if (errno != EEXIST)
		return fail_errno(error, errno, spool, "cannot create directory");
	if (stat(path, &st) != 0)
		return fail_errno(error, errno, spool, "cannot stat directory");
	if (!S_ISDIR(st.st_mode))
		return fail_errno(error, ENOTDIR, spool, "not a directory");
	return TRUE;
}

gboolean upki_spool_prepare(const char *dir, GError **error)
{
	if (!make_dir(dir, dir, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(subdirs); i++) {
		char *path = g_build_filename(dir, subdirs[i], NULL);
		gboolean ok = make_dir(path, dir, error);
		g_free(path);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

char *upki_spool_job_id(const char *url)
{
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, url, -1);

	sum[32] = '\0';
	return sum;
}

gboolean upki_spool_eligible(const upki_notice *n)
{
	return n && n->verdict == UPKI_VERDICT_GENUINE && n->url &&
	       (n->kind == UPKI_KIND_CERT_ISSUE || n->kind == UPKI_KIND_PIN_ISSUE);
}

static void add_signer(JsonBuilder *b, const upki_smime_result *sig)
{
	char *when = sig ? upki_report_time_iso(sig->signing_time) : NULL;
	const char *email = sig && sig->signer_emails && sig->signer_emails->len
				    ? g_ptr_array_index(sig->signer_emails, 0) : NULL;

	upki_report_json_member(b, "signer", sig ? sig->signer_subject : NULL);
	upki_report_json_member(b, "signer_email", email);
	upki_report_json_member(b, "signing_time", when);
	g_free(when);
}

char *upki_spool_job_json(const upki_notice *n, const char *source)
{
	return upki_spool_job_json_for(n, source, NULL);
}

char *upki_spool_job_json_for(const upki_notice *n, const char *source, const char *recipient)
{
	JsonBuilder *b = upki_report_json_begin();
	char *id = upki_spool_job_id(n->url ? n->url : "");
	char *now = upki_report_time_iso(g_get_real_time() / G_USEC_PER_SEC), *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_int_value(b, JOB_VERSION);
	upki_report_json_member(b, "id", id);
	upki_report_json_member(b, "kind", upki_kind_to_string(n->kind));
	upki_report_json_member(b, "url", n->url);
	upki_report_json_member(b, "deadline", n->deadline);
	upki_report_json_member(b, "message_id", n->message_id);
	upki_report_json_member(b, "from", n->from);
	upki_report_json_member(b, "subject", n->subject);
	add_signer(b, n->sig);
	upki_report_json_member(b, "queued_at", now);
	upki_report_json_member(b, "source", source);
	upki_report_json_member(b, "recipient", recipient ? recipient : n->to);
	json_builder_end_object(b);
	text = upki_report_json_end();
	g_free(now);
	g_free(id);
	return text;
}

/* TRUE when name exists in any of the spool's job directories. */
static gboolean job_known(const char *dir, const char *name)
{
	static const char *const where[] = { "new", "cur", "done", "failed" };

	for (gsize i = 0; i < G_N_ELEMENTS(where); i++) {
		char *path = g_build_filename(dir, where[i], name, NULL);
		gboolean known = access(path, F_OK) == 0;
		g_free(path);
		if (known)
			return TRUE;
	}
	return FALSE;
}

static gboolean write_full(int fd, const char *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* Writes text to a fresh file at path, 0600 whatever the umask, and
 * syncs it.  On failure errno is set and no file is left. */
static gboolean write_tmp(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	gboolean ok = FALSE;
	int saved = 0;

	if (fd < 0)
		return FALSE;
	ok = fchmod(fd, 0600) == 0 && write_full(fd, text, strlen(text)) && write_full(fd, "\n", 1) &&
	     fsync(fd) == 0;
	saved = errno;
	if (close(fd) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	if (!ok) {
		unlink(path);
		errno = saved;
	}
	return ok;
}

/* Makes the directory entry durable; file systems that cannot sync a
 * directory (EINVAL) have nothing more to do. */
static gboolean sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gboolean ok = FALSE;

	if (fd < 0)
		return FALSE;
	ok = fsync(fd) == 0 || errno == EINVAL;
	close(fd);
	return ok;
}

/* tmp/ -> new/ without ever replacing a job; *existed when one was there. */
static gboolean publish(const char *dir, const char *tmp, const char *name, gboolean *existed,
			GError **error)
{
	char *new_dir = g_build_filename(dir, "new", NULL);
	char *target = g_build_filename(new_dir, name, NULL);
	gboolean ok = FALSE;
	int e = 0;

	if (link(tmp, target) != 0)
		e = errno;
	unlink(tmp);
	if (e && e != EEXIST) {
		fail_errno(error, e, dir, "cannot move the job into new/");
		goto out;
	}
	*existed = e == EEXIST;
	if (!*existed && !sync_dir(new_dir)) {
		fail_errno(error, errno, dir, "job written but new/ not synced");
		goto out;
	}
	ok = TRUE;
out:
	g_free(target);
	g_free(new_dir);
	return ok;
}

gboolean upki_spool_write(const char *dir, const upki_notice *n, const char *source,
			  char **job_id, gboolean *existed, GError **error)
{
	return upki_spool_write_for(dir, n, source, NULL, job_id, existed, error);
}

gboolean upki_spool_write_for(const char *dir, const upki_notice *n, const char *source,
			      const char *recipient, char **job_id, gboolean *existed, GError **error)
{
	char *id = NULL, *name = NULL, *tmp = NULL, *text = NULL, *tmp_name = NULL;
	gboolean ok = FALSE, seen = FALSE;

	if (!upki_spool_eligible(n)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL,
			    "spool %s: not a genuine cert-issue or pin-issue notice with one URL", dir);
		return FALSE;
	}
	if (!upki_spool_prepare(dir, error))
		return FALSE;
	id = upki_spool_job_id(n->url);
	name = g_strconcat(id, ".json", NULL);
	if (job_known(dir, name)) {
		seen = TRUE;
		ok = TRUE;
		goto out;
	}
	text = upki_spool_job_json_for(n, source, recipient);
	tmp_name = g_strdup_printf("%s.%ld.%08x", id, (long)getpid(), g_random_int());
	tmp = g_build_filename(dir, "tmp", tmp_name, NULL);
	if (!write_tmp(tmp, text)) {
		fail_errno(error, errno, dir, "cannot write the job in tmp/");
		goto out;
	}
	ok = publish(dir, tmp, name, &seen, error);
out:
	if (ok && job_id)
		*job_id = g_strdup(id);
	if (existed)
		*existed = seen;
	g_free(tmp);
	g_free(tmp_name);
	g_free(text);
	g_free(name);
	g_free(id);
	return ok;
}
