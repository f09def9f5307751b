/* socket.c - a unix-domain socket is this process's only while it is.
 *
 * Two instances on one path must not take turns stealing it: libmilter
 * removes whatever socket sits at the path before it binds (rmsocket),
 * so a second start would silently cut the running one off.  A socket
 * that answers a connect is live: the second instance refuses instead.
 * And an orphan (an instance whose path was taken over since) must not
 * remove the live socket when it stops: libmilter, when not root,
 * unlinks any socket at its path on close (listener.c, mi_closener: its
 * fstat of a socket never matches the file, so it accepts any socket
 * file there).  We remember the file we bound (device and inode) and,
 * when the path holds another one at the stop, give libmilter a
 * descriptor that is no socket in place of its listener, so its test
 * fails and nothing is unlinked; our own removal checks the inode too.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "upki-milter.h"

static struct {
	char *path;
	dev_t dev;
	ino_t ino;
	int listen_fd; /* libmilter's listener, -1 when not found */
} ours = { NULL, 0, 0, -1 };

static gboolean fill_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path)
		return FALSE;
	strcpy(sun->sun_path, path);
	return TRUE;
}

gboolean um_socket_live(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd = -1;
	gboolean live = FALSE;

	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) || !fill_addr(path, &sun))
		return FALSE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* ECONNREFUSED: nobody listens, a leftover libmilter may replace */
	live = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	if (fd >= 0)
		close(fd);
	return live;
}

/* The descriptor of the listening socket bound to path, -1 if none. */
static int find_listener(const char *path)
{
	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_un sun;
		socklen_t len = sizeof sun;
		int on = 0;
		socklen_t olen = sizeof on;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) != 0 || !on)
			continue;
		memset(&sun, 0, sizeof sun);
		if (getsockname(fd, (struct sockaddr *)&sun, &len) == 0 && sun.sun_family == AF_UNIX &&
		    strncmp(sun.sun_path, path, sizeof sun.sun_path) == 0)
			return fd;
	}
	return -1;
}

void um_socket_claim(const char *path)
{
	struct stat st;

	if (!path || lstat(path, &st) != 0)
		return;
	g_free(ours.path);
	ours.path = g_strdup(path);
	ours.dev = st.st_dev;
	ours.ino = st.st_ino;
	ours.listen_fd = find_listener(path);
}

gboolean um_socket_ours(void)
{
	struct stat st;

	return ours.path && lstat(ours.path, &st) == 0 && st.st_dev == ours.dev &&
	       st.st_ino == ours.ino;
}

void um_socket_before_stop(void)
{
	int null_fd = -1;

	if (!ours.path || um_socket_ours() || ours.listen_fd < 0)
		return;
	um_log(LOG_WARNING, NULL, "%s is no longer this process's socket: leaving it in place",
	       ours.path);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd >= 0 && dup2(null_fd, ours.listen_fd) < 0)
		um_log(LOG_ERR, NULL, "dup2: %s", g_strerror(errno));
	if (null_fd >= 0)
		close(null_fd);
}

void um_socket_remove(void)
{
	if (um_socket_ours())
		unlink(ours.path);
	g_free(ours.path);
	ours.path = NULL;
}
