/* test-stats.c - parser/stats.c: the Prometheus text format (HELP and
 * TYPE lines, label escaping, integer values, names) and the atomic
 * write (mode, no temp file left, a reader never sees a part). */
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "upki/stats.h"
#include "test-util.h"

typedef struct esc_row {
	const char *name, *in, *out;
} esc_row;

static const esc_row escapes[] = {
	{ "plain", "genuine", "genuine" },
	{ "backslash", "a\\b", "a\\\\b" },
	{ "quote", "say \"hi\"", "say \\\"hi\\\"" },
	{ "newline", "one\ntwo", "one\\ntwo" },
	{ "all", "\\\"\n", "\\\\\\\"\\n" },
	{ "utf8", "要注意", "要注意" },
	{ "empty", "", "" },
};

static void test_escape(gconstpointer data)
{
	const esc_row *r = data;
	GString *out = g_string_new(NULL);

	upki_stats_escape_label(out, r->in);
	g_assert_cmpstr(out->str, ==, r->out);
	g_string_free(out, TRUE);
}

static void test_names(void)
{
	g_assert_true(upki_stats_name_ok("upki_milter_messages_total"));
	g_assert_true(upki_stats_name_ok("a:b_c9"));
	g_assert_false(upki_stats_name_ok("9abc"));
	g_assert_false(upki_stats_name_ok("upki-milter"));
	g_assert_false(upki_stats_name_ok(""));
	g_assert_false(upki_stats_name_ok(NULL));
	g_assert_true(upki_stats_label_ok("verdict"));
	g_assert_false(upki_stats_label_ok("a:b"));
	g_assert_false(upki_stats_label_ok("__name__"));
	g_assert_false(upki_stats_label_ok("1x"));
}

static void test_format(void)
{
	GString *out = g_string_new(NULL);
	const char *const labels[] = { "verdict", "not-notice", "kind", "a\"b\\c\nd", NULL };
	const char *const one[] = { "stage", "no-marker", NULL };

	upki_stats_family(out, "upki_test_messages_total", UPKI_STATS_COUNTER, "Messages \\ by\nverdict \"x\".");
	upki_stats_sample(out, "upki_test_messages_total", labels, 12);
	upki_stats_sample(out, "upki_test_messages_total", one, G_MAXUINT64);
	upki_stats_family(out, "upki_test_start_time_seconds", UPKI_STATS_GAUGE, "Start.");
	upki_stats_sample(out, "upki_test_start_time_seconds", NULL, 1793581200);
	g_assert_cmpstr(out->str, ==,
			"# HELP upki_test_messages_total Messages \\\\ by\\nverdict \"x\".\n"
			"# TYPE upki_test_messages_total counter\n"
			"upki_test_messages_total{verdict=\"not-notice\",kind=\"a\\\"b\\\\c\\nd\"} 12\n"
			"upki_test_messages_total{stage=\"no-marker\"} 18446744073709551615\n"
			"# HELP upki_test_start_time_seconds Start.\n"
			"# TYPE upki_test_start_time_seconds gauge\n"
			"upki_test_start_time_seconds 1793581200\n");
	g_string_free(out, TRUE);
}

/* A counter without _total, a bad name: refused, nothing appended. */
static void test_refused(void)
{
	if (g_test_subprocess()) {
		GString *out = g_string_new(NULL);
		upki_stats_family(out, "upki_test_messages", UPKI_STATS_COUNTER, "x");
		g_assert_cmpuint(out->len, ==, 0);
		upki_stats_sample(out, "bad-name", NULL, 1);
		g_assert_cmpuint(out->len, ==, 0);
		g_string_free(out, TRUE);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_stderr("*CRITICAL*upki_stats_family*");
}

static guint count_entries(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	while (d && g_dir_read_name(d))
		n++;
	if (d)
		g_dir_close(d);
	return n;
}

static void test_write(void)
{
	char *dir = g_dir_make_tmp("test-stats-XXXXXX", NULL);
	char *path = g_build_filename(dir, "upki.prom", NULL);
	char *bad = g_build_filename(dir, "no-such-dir", "upki.prom", NULL);
	char *text = NULL;
	GError *err = NULL;
	struct stat st;
	mode_t old = umask(077);

	g_assert_true(upki_stats_write_file(path, "a 1\n", 4, &err));
	g_assert_no_error(err);
	g_assert_true(upki_stats_write_file(path, "a 2\n", 4, &err));
	umask(old);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "a 2\n");
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0644);
	g_assert_cmpuint(count_entries(dir), ==, 1);
	g_assert_false(upki_stats_write_file(bad, "a 1\n", 4, &err));
	g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(err->message, bad));
	g_clear_error(&err);
	g_unlink(path);
	g_rmdir(dir);
	g_free(text);
	g_free(bad);
	g_free(path);
	g_free(dir);
}

/* A reader in another process reads the file over and over while it is
 * replaced: every read is one whole version. */
static void test_atomic(void)
{
	char *dir = g_dir_make_tmp("test-stats-XXXXXX", NULL);
	char *path = g_build_filename(dir, "upki.prom", NULL);
	GString *big[2] = { g_string_new(NULL), g_string_new(NULL) };
	pid_t pid = 0;
	int status = 0;

	for (int v = 0; v < 2; v++) {
		for (int i = 0; i < 4000; i++)
			g_string_append_printf(big[v], "upki_test_line_%d %d\n", i, v);
		g_string_append(big[v], "# END\n");
	}
	g_assert_true(upki_stats_write_file(path, big[0]->str, big[0]->len, NULL));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		for (int i = 0; i < 300; i++) {
			char *text = NULL;
			gsize len = 0;
			if (!g_file_get_contents(path, &text, &len, NULL))
				_exit(2);
			if (!(len == big[0]->len && memcmp(text, big[0]->str, len) == 0) &&
			    !(len == big[1]->len && memcmp(text, big[1]->str, len) == 0))
				_exit(3);
			g_free(text);
		}
		_exit(0);
	}
	for (int i = 0; i < 300; i++)
		g_assert_true(upki_stats_write_file(path, big[i % 2]->str, big[i % 2]->len, NULL));
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_assert_cmpuint(count_entries(dir), ==, 1);
	g_unlink(path);
	g_rmdir(dir);
	g_string_free(big[0], TRUE);
	g_string_free(big[1], TRUE);
	g_free(path);
	g_free(dir);
}

/* A file that keeps failing is said once an hour of the caller's clock,
 * and its return once; a good file is never said. */
static void test_writer(void)
{
	char *dir = g_dir_make_tmp("test-stats-XXXXXX", NULL);
	char *good = g_build_filename(dir, "upki.prom", NULL);
	char *bad = g_build_filename(dir, "gone", "upki.prom", NULL);
	upki_stats_writer w = { 0 };
	static const struct {
		gboolean ok;
		gint64 now;
		upki_stats_note want;
	} steps[] = {
		{ TRUE, 0, UPKI_STATS_QUIET },
		{ FALSE, 60, UPKI_STATS_FAILED },
		{ FALSE, 120, UPKI_STATS_QUIET },
		{ FALSE, 60 + UPKI_STATS_FAIL_SECONDS - 1, UPKI_STATS_QUIET },
		{ FALSE, 60 + UPKI_STATS_FAIL_SECONDS, UPKI_STATS_FAILED },
		{ TRUE, 7300, UPKI_STATS_RECOVERED },
		{ TRUE, 7360, UPKI_STATS_QUIET },
		{ FALSE, 7420, UPKI_STATS_FAILED },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
		GError *err = NULL;
		upki_stats_note got = upki_stats_writer_put(&w, steps[i].ok ? good : bad, "x 1\n", 4,
							    steps[i].now, &err);
		if (got != steps[i].want)
			g_error("step %" G_GSIZE_FORMAT ": got %d, want %d", i, got, steps[i].want);
		g_assert_true((got == UPKI_STATS_FAILED) == (err != NULL));
		g_clear_error(&err);
	}
	g_unlink(good);
	g_rmdir(dir);
	g_free(good);
	g_free(bad);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/stats/escape", escapes, name, test_escape);
	g_test_add_func("/stats/names", test_names);
	g_test_add_func("/stats/format", test_format);
	g_test_add_func("/stats/refused", test_refused);
	g_test_add_func("/stats/write", test_write);
	g_test_add_func("/stats/atomic", test_atomic);
	g_test_add_func("/stats/writer", test_writer);
	return g_test_run();
}
