/* conf.h - the config files of a run, one over the other (conf.c).
 *
 * The driver's helper: calls msg.c only.  upki-scan(1) FILES is the
 * user's side of the same rules.
 */
#ifndef UPKI_SCAN_CONF_H
#define UPKI_SCAN_CONF_H

#include "scan.h"

/* The config of a run: the files of --config in order, or else the
 * system file and then the user's file, each when present (in a batch
 * scan their Spool is dropped: an archive scan hands off only with
 * --spool or a --config file's Spool).  The path of every file read is
 * added to read (g_free'd strings).  NULL after a line on stderr
 * naming the file and line at fault.  Caller frees with
 * upki_config_free(). */
upki_config *scan_conf_load(const scan_args *a, GPtrArray *read);

/* The value the files of the run give key (the last one that sets it),
 * without judging any other line: for the filter whose config failed to
 * load.  NULL when none does.  Caller frees. */
char *scan_conf_peek(const scan_args *a, const char *key);

/* The system file (UPKI_SYSTEM_CONFIG, else upki_config_system_file()). */
const char *scan_conf_system_file(void);
/* The user's file: $XDG_CONFIG_HOME/upki-notice/upki.conf, by default
 * ~/.config/upki-notice/upki.conf.  Caller frees. */
char *scan_conf_user_file(void);

#endif
