/* mbox-private.h - knobs of mbox.c that only tests turn. */
#ifndef UPKI_MBOX_PRIVATE_H
#define UPKI_MBOX_PRIVATE_H

#include "upki/mbox.h"

/* As upki_mbox_reader_new(), reading at most chunk bytes at a time
 * (0: the default), so that tests can put chunk ends anywhere. */
upki_mbox_reader *upki_mbox_reader_new_chunked(GInputStream *in, gsize max_message, gsize chunk);

#endif
