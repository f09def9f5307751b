/* spool.c - upki-fetch's side of the spool directories (docs/spool.md).
 *
 * Writers put complete jobs in new/; upki-fetch renames them into cur/
 * while it works on them and into done/ or failed/ at the end, always
 * keeping the name <id>.json (writers look for it in new/, cur/ and
 * failed/ so that a notice seen twice is one job; done/ is upki-fetch's
 * own and kept beside them).  Every rename is followed by an fsync of the
 * directories involved, so after a crash a job is in exactly one place.
 * A pass holds an flock on the spool directory: two upki-fetch processes
 * (a daemon and a --once run) take turns instead of racing for a job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/error.h"
#include "upki/spool.h"
#include "upki-fetch.h"

gboolean uf_spool_prepare(const char *dir, GError **error)
{
	char *done = NULL;
	gboolean ok = FALSE;

	if (!upki_spool_prepare(dir, error))
		return FALSE;
	done = g_build_filename(dir, "done", NULL);
	ok = mkdir(done, 0700) == 0 || errno == EEXIST;
	if (!ok)
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "spool %s: cannot create done/: %s", dir, g_strerror(errno));
	g_free(done);
	return ok;
}

gboolean uf_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gboolean ok = FALSE;

	if (fd < 0)
		return FALSE;
	ok = fsync(fd) == 0 || errno == EINVAL;
	close(fd);
	return ok;
}

/* <32 hex>.json: the only names writers give jobs. */
static gboolean job_name(const char *name)
{
	gsize len = strlen(name);

	if (len != 37 || strcmp(name + 32, ".json") != 0)
		return FALSE;
	for (int i = 0; i < 32; i++)
		if (!g_ascii_isxdigit(name[i]) || g_ascii_isupper(name[i]))
			return FALSE;
	return TRUE;
}

static GPtrArray *list_jobs(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir);
	struct dirent *e = NULL;

	if (!d)
		return names;
	while ((e = readdir(d)))
		if (job_name(e->d_name))
			g_ptr_array_add(names, g_strdup(e->d_name));
	closedir(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	return names;
}

static gboolean move(const char *spool, const char *from, const char *to, const char *name)
{
	char *fdir = g_build_filename(spool, from, NULL), *tdir = g_build_filename(spool, to, NULL);
	char *src = g_build_filename(fdir, name, NULL), *dst = g_build_filename(tdir, name, NULL);
	gboolean ok = rename(src, dst) == 0 && uf_sync_dir(tdir) && uf_sync_dir(fdir);
	int e = errno;

	g_free(src);
	g_free(dst);
	g_free(fdir);
	g_free(tdir);
	errno = e;
	return ok;
}

void uf_spool_take_new(const char *dir, uf_spool_pass *p)
{
	char *new_dir = g_build_filename(dir, "new", NULL);
	GPtrArray *names = list_jobs(new_dir);

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char id[33];
		g_strlcpy(id, name, sizeof id);
		if (move(dir, "new", "cur", name)) {
			p->taken++;
			continue;
		}
		uf_log(LOG_ERR, id, "cannot move the job from new/ to cur/: %s", g_strerror(errno));
		p->errors++;
	}
	g_ptr_array_unref(names);
	g_free(new_dir);
}

GPtrArray *uf_spool_list_cur(const char *dir)
{
	char *cur = g_build_filename(dir, "cur", NULL);
	GPtrArray *names = list_jobs(cur);

	g_free(cur);
	return names;
}

gboolean uf_spool_finish(const char *dir, const char *name, gboolean done, GError **error)
{
	if (move(dir, "cur", done ? "done" : "failed", name))
		return TRUE;
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "spool %s: cannot move %s to %s/: %s", dir, name, done ? "done" : "failed",
		    g_strerror(errno));
	return FALSE;
}

/* A writer killed between writing tmp/ and linking into new/ leaves a
 * file nobody will ever link; a day is far longer than any write takes. */
void uf_spool_clean_tmp(const char *dir, gint64 now, gint64 max_age)
{
	char *tmp = g_build_filename(dir, "tmp", NULL);
	DIR *d = opendir(tmp);
	struct dirent *e = NULL;
	struct stat st;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (now - (gint64)st.st_mtime < max_age)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			uf_log(LOG_NOTICE, NULL, "removed stale tmp/%s", e->d_name);
	}
	if (d)
		closedir(d);
	g_free(tmp);
}

int uf_spool_lock(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "spool %s: cannot lock: %s", dir, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void uf_spool_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static gboolean write_all(int fd, const char *data, gsize len)
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

gboolean uf_write_durable(const char *path, const char *data, gsize len)
{
	char *tmp = g_strconcat(path, ".tmp", NULL), *dir = g_path_get_dirname(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	gboolean ok = FALSE;
	int e = 0;

	if (fd < 0)
		goto out;
	ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
	e = errno;
	if (close(fd) != 0 && ok) {
		ok = FALSE;
		e = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = FALSE;
		e = errno;
	}
	if (!ok)
		unlink(tmp);
	if (ok && !uf_sync_dir(dir)) {
		ok = FALSE;
		e = errno;
	}
	errno = e;
out:
	g_free(tmp);
	g_free(dir);
	return ok;
}
