/* check.c - what `-n` checks beyond the file: what the daemon will use
 * at run time, as the user who will use it.
 *
 * A configuration can be right line by line and still fail at 3 a.m.:
 * the Spool directory is missing or belongs to someone else (every
 * one-time URL then goes nowhere), the socket's directory is not there,
 * the StatsFile's directory is not writable (the counters stop silently).
 * systemd runs `-n` as ExecStartPre, so these are found before the MTA
 * is told the milter is up.  The spool's user is UserID when set, else
 * whoever runs `-n` (under the unit that is User=, the same user the
 * daemon runs as); the socket's is whoever starts the daemon.  Permissions are judged from the mode bits and the user's
 * groups, not with access(2), which answers for the caller only.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/error.h"
#include "upki-milter.h"

#define MAX_GROUPS 256

typedef struct who {
	char *name;
	uid_t uid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
} who;

static gboolean who_of(const char *user_id, who *w)
{
	gchar **parts = NULL;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	gid_t gid = 0;
	gboolean ok = FALSE;

	if (!user_id) {
		pw = getpwuid(geteuid());
		w->name = g_strdup(pw ? pw->pw_name : "the current user");
		w->uid = geteuid();
		w->groups[0] = getegid();
		w->ngroups = getgroups(MAX_GROUPS - 1, w->groups + 1);
		w->ngroups = w->ngroups < 0 ? 1 : w->ngroups + 1;
		return TRUE;
	}
	parts = g_strsplit(user_id, ":", 2);
	pw = getpwnam(parts[0]);
	if (!pw)
		goto out;
	gid = pw->pw_gid;
	if (parts[1] && (gr = getgrnam(parts[1])) != NULL)
		gid = gr->gr_gid;
	w->name = g_strdup(parts[0]);
	w->uid = pw->pw_uid;
	/* what initgroups() will give the daemon */
	w->ngroups = MAX_GROUPS;
	if (getgrouplist(parts[0], gid, w->groups, &w->ngroups) < 0)
		w->ngroups = MAX_GROUPS;
	ok = TRUE;
out:
	g_strfreev(parts);
	return ok;
}

/* want: 07 bits (4 read, 2 write, 1 search) as w would be granted them. */
static gboolean may(const who *w, const struct stat *st, unsigned want)
{
	if (w->uid == 0)
		return TRUE;
	if (st->st_uid == w->uid)
		return ((st->st_mode >> 6) & want) == want;
	for (int i = 0; i < w->ngroups; i++)
		if (w->groups[i] == st->st_gid)
			return ((st->st_mode >> 3) & want) == want;
	return (st->st_mode & want) == want;
}

static const char *rights(unsigned want)
{
	return want == 1 ? "search" : want == 3 ? "write and search" : "read";
}

/* Every directory above path must let w through. */
static gboolean reachable(const who *w, const char *path, char **why)
{
	char *dir = g_path_get_dirname(path);
	gboolean ok = TRUE;
	struct stat st;

	while (ok && strcmp(dir, "/") != 0 && strcmp(dir, ".") != 0) {
		char *up = NULL;
		if (stat(dir, &st) == 0 && !may(w, &st, 1)) {
			*why = g_strdup_printf("%s cannot reach it: no search permission on %s",
					       w->name, dir);
			ok = FALSE;
		}
		up = g_path_get_dirname(dir);
		g_free(dir);
		dir = up;
	}
	g_free(dir);
	return ok;
}

/* path must be a directory w may use as want says. */
static gboolean dir_usable(const who *w, const char *path, unsigned want, char **why)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		*why = g_strdup_printf("%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = g_strdup_printf("%s is not a directory", path);
		return FALSE;
	}
	if (!may(w, &st, want)) {
		*why = g_strdup_printf("%s needs %s permission on %s (owner %u, group %u, mode %04o)",
				       w->name, rights(want), path, (unsigned)st.st_uid,
				       (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
		return FALSE;
	}
	return reachable(w, path, why);
}

/* The spool and the subdirectories the milter writes (tmp/, new/) or
 * looks into (cur/, failed/: a job upki-fetch took is not written again).
 * Anyone else able to write it could plant jobs for upki-fetch. */
static gboolean spool_usable(const who *w, const char *spool, char **why)
{
	static const struct { const char *name; unsigned want; } subs[] = {
		{ "tmp", 3 }, { "new", 3 }, { "cur", 1 }, { "failed", 1 },
	};
	struct stat st;

	if (!dir_usable(w, spool, 3, why))
		return FALSE;
	if (stat(spool, &st) == 0 && (st.st_mode & S_IWOTH)) {
		*why = g_strdup_printf("%s is writable by everyone (mode %04o): anyone could "
				       "plant a job", spool, (unsigned)(st.st_mode & 07777));
		return FALSE;
	}
	/* the spool is 0700 (docs/spool.md): a group that may write it could
	 * plant jobs as well, and hides that behind a group membership */
	if (stat(spool, &st) == 0 && (st.st_mode & S_IWGRP)) {
		*why = g_strdup_printf("%s is writable by its group %u (mode %04o): every member could "
				       "plant a job; make it 0700", spool, (unsigned)st.st_gid,
				       (unsigned)(st.st_mode & 07777));
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *sub = g_build_filename(spool, subs[i].name, NULL);
		/* absent: the daemon makes it */
		gboolean ok = !g_file_test(sub, G_FILE_TEST_EXISTS) ||
			      dir_usable(w, sub, subs[i].want, why);
		g_free(sub);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* The ledger is made (and its -wal and -shm beside it) in its
 * directory, by the run-as user; a file already there must be its own
 * to write. */
static gboolean ledger_usable(const who *w, const char *path, char **why)
{
	char *dir = g_path_get_dirname(path);
	struct stat st;
	gboolean ok = dir_usable(w, dir, 3, why);

	g_free(dir);
	if (ok && stat(path, &st) == 0 && !may(w, &st, 6)) {
		*why = g_strdup_printf("%s needs read and write permission on %s (owner %u, mode %04o)",
				       w->name, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		ok = FALSE;
	}
	return ok;
}

/* A unix-domain socket's directory: the socket is made there by whoever
 * starts the daemon - the user running -n, as systemd runs ExecStartPre
 * and ExecStart alike - before UserID is taken on.  (A run-as user that
 * cannot write there leaves the socket behind at the stop; the next
 * start replaces it.) */
static gboolean socket_dir_usable(const char *spec, char **why)
{
	const char *path = um_socket_path(spec);
	char *dir = NULL;
	who creator = { 0 };
	gboolean ok = TRUE;

	if (!path)
		return TRUE;
	who_of(NULL, &creator);
	dir = g_path_get_dirname(path);
	ok = dir_usable(&creator, dir, 3, why);
	g_free(dir);
	g_free(creator.name);
	return ok;
}

/* StatsFile: its directory must take the daemon's temp file and rename
 * (write and search), as the run-as user; the file itself, if there, is
 * replaced, so only its being a directory is wrong. */
static gboolean stats_usable(const who *w, const char *path, char **why)
{
	char *dir = g_path_get_dirname(path);
	gboolean ok = dir_usable(w, dir, 3, why);

	g_free(dir);
	if (ok && g_file_test(path, G_FILE_TEST_IS_DIR)) {
		*why = g_strdup_printf("%s is a directory", path);
		ok = FALSE;
	}
	return ok;
}

gboolean um_conf_check_runtime(const um_conf *c, GError **error)
{
	who w = { 0 };
	char *why = NULL;
	const char *key = NULL;

	if (!who_of(c->cfg->user_id, &w)) {
		key = "UserID";
		why = g_strdup_printf("no user '%s'", c->cfg->user_id);
	} else if (!socket_dir_usable(c->cfg->socket, &why)) {
		key = "Socket";
	} else if (c->cfg->spool && !spool_usable(&w, c->cfg->spool, &why)) {
		key = "Spool";
	} else if (c->cfg->stats_file && !stats_usable(&w, c->cfg->stats_file, &why)) {
		key = "StatsFile";
	} else if (c->cfg->ledger && !ledger_usable(&w, c->cfg->ledger, &why)) {
		key = "Ledger";
	}
	if (key)
		um_conf_fail_at(c->path, key, error, "%s: %s%s", key,
				g_str_equal(key, "Socket") ? "the socket's directory " : "", why);
	g_free(why);
	g_free(w.name);
	return key == NULL;
}
