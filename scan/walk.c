/* walk.c - PATH arguments turned into a list of inputs (batch.h): the
 * input side, called by the runner; it calls nothing else of scan/.
 *
 * The order is part of the output's contract (-j N writes what -j 1
 * writes): command-line order, then directory entries sorted by name
 * (byte order, not the locale's), depth first.  A Maildir (a directory
 * with cur/ or new/) gives the files of cur/ then new/, each sorted;
 * its tmp/ holds mail still being delivered and is left alone, and so
 * are the files in its top directory (dovecot-uidlist ...).  Names
 * starting with '.' are skipped, except Maildir++ folders (".Sent" with
 * their own cur/ and new/) inside a Maildir.  Symbolic links are
 * followed, but a directory already on the walk is not entered again,
 * so a link loop ends.  Only names are kept here; files are opened by
 * source.c when their turn comes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"

#define MAX_DEPTH 64

typedef struct walker {
	GPtrArray *out;
	GHashTable *seen; /* "dev:ino" of directories entered for this PATH */
} walker;

static void walk(walker *w, const char *path, gboolean top, guint depth);

static void input_free(gpointer data)
{
	scan_input *in = data;

	g_free(in->path);
	g_free(in->error);
	g_free(in);
}

static void add_input(walker *w, input_type type, const char *path, guint64 size, const char *error)
{
	scan_input *in = g_new0(scan_input, 1);

	in->type = type;
	in->path = g_strdup(path);
	in->size = size;
	in->error = g_strdup(error);
	g_ptr_array_add(w->out, in);
}

static gboolean is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static gboolean is_maildir(const char *path)
{
	char *cur = g_build_filename(path, "cur", NULL);
	char *new = g_build_filename(path, "new", NULL);
	gboolean yes = is_dir(cur) || is_dir(new);

	g_free(new);
	g_free(cur);
	return yes;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entry names of dir, sorted, without "." files.  NULL with *why set
 * when the directory cannot be read. */
static GPtrArray *sorted_entries(const char *dir, char **why)
{
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	GPtrArray *names = NULL;
	const char *name;

	if (!d) {
		*why = g_strdup(err->message);
		g_error_free(err);
		return NULL;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	return names;
}

/* FALSE when the directory was entered before on this walk (a link loop
 * or two links to one place). */
static gboolean first_visit(walker *w, const struct stat *st)
{
	char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);

	if (g_hash_table_contains(w->seen, key)) {
		g_free(key);
		return FALSE;
	}
	g_hash_table_add(w->seen, key);
	return TRUE;
}

static void walk_maildir_sub(walker *w, const char *maildir, const char *sub)
{
	char *dir = g_build_filename(maildir, sub, NULL);
	char *why = NULL;
	GPtrArray *names = is_dir(dir) ? sorted_entries(dir, &why) : NULL;

	if (why)
		add_input(w, INPUT_ERROR, dir, 0, why);
	for (guint i = 0; names && i < names->len; i++) {
		char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			add_input(w, INPUT_MAILDIR, path, (guint64)st.st_size, NULL);
		g_free(path);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(why);
	g_free(dir);
}

/* Maildir++ folders: ".Name" directories that are Maildirs themselves. */
static void walk_maildir_folders(walker *w, const char *maildir, guint depth)
{
	GDir *d = g_dir_open(maildir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	while (d && (name = g_dir_read_name(d)))
		if (name[0] == '.' && name[1] && strcmp(name, "..") != 0)
			g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(maildir, g_ptr_array_index(names, i), NULL);
		if (is_dir(path) && is_maildir(path))
			walk(w, path, FALSE, depth + 1);
		g_free(path);
	}
	g_ptr_array_unref(names);
}

static void walk_dir(walker *w, const char *dir, guint depth)
{
	gboolean maildir = is_maildir(dir);
	char *why = NULL;
	GPtrArray *names = NULL;

	if (maildir) {
		walk_maildir_sub(w, dir, "cur");
		walk_maildir_sub(w, dir, "new");
	}
	names = sorted_entries(dir, &why);
	if (!names) {
		add_input(w, INPUT_ERROR, dir, 0, why);
		g_free(why);
		return;
	}
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		if (maildir && (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 ||
				strcmp(name, "tmp") == 0))
			continue;
		char *path = g_build_filename(dir, name, NULL);
		/* A Maildir's own files (dovecot-uidlist, subscriptions) are not mail. */
		if (!maildir || is_dir(path))
			walk(w, path, FALSE, depth + 1);
		g_free(path);
	}
	g_ptr_array_unref(names);
	if (maildir)
		walk_maildir_folders(w, dir, depth);
}

static void walk(walker *w, const char *path, gboolean top, guint depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		/* A dangling link inside a directory is not worth an error. */
		if (top || errno != ENOENT)
			add_input(w, INPUT_ERROR, path, 0, g_strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		add_input(w, INPUT_FILE, path, (guint64)st.st_size, NULL);
		((scan_input *)g_ptr_array_index(w->out, w->out->len - 1))->named = top;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (top)
			add_input(w, INPUT_ERROR, path, 0, "not a file or directory");
		return;
	}
	if (depth > MAX_DEPTH) {
		add_input(w, INPUT_ERROR, path, 0, "directories nested too deep");
		return;
	}
	if (first_visit(w, &st))
		walk_dir(w, path, depth);
}

GPtrArray *walk_paths(char **paths)
{
	walker w = { .out = g_ptr_array_new_with_free_func(input_free) };

	char *stdin_only[] = { "-", NULL };

	for (char **p = paths && paths[0] ? paths : stdin_only; *p; p++) {
		if (strcmp(*p, "-") == 0) {
			add_input(&w, INPUT_STDIN, "-", 0, NULL);
			((scan_input *)g_ptr_array_index(w.out, w.out->len - 1))->named = TRUE;
			continue;
		}
		w.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		walk(&w, *p, TRUE, 0);
		g_hash_table_unref(w.seen);
	}
	return w.out;
}
