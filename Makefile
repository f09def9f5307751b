# upki-notice - see README.md.  `make demo` and `make check` are the two
# commands a fresh Debian 12 machine needs; both install missing packages
# first when run as root (demo: the build's; check: the test tools too).

PREFIX  ?= /usr/local
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# The user and the directories the units need (systemd reads both from
# /usr/lib and /usr/local/lib): see `make install`'s last lines.
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DESTDIR ?=
SANITIZE ?=
# Annotate wrap's instruction templates (TemplateDir's default); the build
# and test tree point TemplateDir at templates/ instead.
TEMPLATEDIR ?= $(PREFIX)/share/upki-notice/templates
# The system config every program reads by default: SYSCONFDIR/upki-milter.conf
# (and upki-fetch's own SYSCONFDIR/upki-fetch.conf); /etc whatever PREFIX is.
SYSCONFDIR ?= /etc

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS =
endif

PKGS    = gmime-3.0 glib-2.0 openssl json-glib-1.0
# Loaded on first use (parser/lazylib-private.h): headers only at build time,
# and the SONAME the headers belong to.
LAZY_PKGS = libcurl libxml-2.0
soname = $(shell objdump -p "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/$(2).so" 2>/dev/null | awk '/SONAME/ {print $$2}')
CURL_SONAME := $(call soname,libcurl,libcurl)
XML2_SONAME := $(call soname,libxml-2.0,libxml2)
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
           -Wstrict-prototypes -Wmissing-prototypes -Iinclude $(SANFLAGS) \
           $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) $(FETCH_PKGS) 2>/dev/null) \
           $(if $(CURL_SONAME),-DUPKI_CURL_SONAME='"$(CURL_SONAME)"') \
           $(if $(XML2_SONAME),-DUPKI_XML2_SONAME='"$(XML2_SONAME)"') \
           -DUPKI_TEMPLATE_DIR='"$(TEMPLATEDIR)"' -DUPKI_SYSCONFDIR='"$(SYSCONFDIR)"'
# Header dependencies come from the compiler (-MMD -MP): touching a header
# rebuilds only the files that include it.
DEPFLAGS = -MMD -MP
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDFLAGS += $(SANFLAGS)

# The programs, one line each: name, source folder, extra libraries.  A
# front end sees include/ only (docs/architecture.md); the library and its
# unit tests also see the private headers beside the sources in parser/.
PROGRAMS        = upki-scan upki-milter upki-fetch
upki-scan_DIR   = scan
# --ledger (parser/ledger*.c): the SQLite file upki-milter and upki-fetch share.
LEDGER_LIBS     = $(shell pkg-config --libs sqlite3 2>/dev/null)
upki-scan_LIBS  = $(LEDGER_LIBS)
upki-milter_DIR = milter
# libsystemd for sd_notify (Type=notify): READY=1 once the socket listens.
upki-milter_LIBS = -lmilter -lsystemd $(LEDGER_LIBS)
# upki-fetch links libcurl and libxml2 the usual way: a daemon, not a
# program started per message.
FETCH_PKGS      = libcurl libxml-2.0 libzip sqlite3
upki-fetch_DIR  = fetch
upki-fetch_LIBS = $(shell pkg-config --libs $(FETCH_PKGS) 2>/dev/null)

LIB_SRCS  = $(wildcard parser/*.c)
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS = $(wildcard tests/unit/test-*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS = $(wildcard tests/tools/*.c)
TOOL_BINS = $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
prog_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard $($(1)_DIR)/*.c))
PROGS     = $(PROGRAMS:%=$(BUILD)/%)
# upki-fetch's retrieve action, tested on its own (tests/fetch/) against a
# local imitation of the site.
RETRIEVE_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(wildcard fetch/retrieve*.c))
RETRIEVE_TEST = $(BUILD)/tests/test-retrieve
RETRIEVE_TEST_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fetch/*.c))
# upki-fetch's queue, state and actions linked with a stand-in for the
# retrieve action (tests/fetch-queue/retrieve-fake.c): tests of the state
# around retrieve without the site.  Never installed.  test-fetch: unit
# tests of the fetch modules.
FETCH_CORE = $(filter-out fetch/retrieve% fetch/upki-fetch.c,$(wildcard fetch/*.c))
FETCH_CORE_OBJS = $(FETCH_CORE:%.c=$(BUILD)/%.o)
FETCH_TEST_BINS = $(BUILD)/tests/fetch-queue/upki-fetch-fake $(BUILD)/tests/test-fetch
ALL_OBJS  = $(LIB_OBJS) $(foreach p,$(PROGRAMS),$(call prog_objs,$(p))) \
            $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fetch-queue/*.c)) \
            $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(TOOL_SRCS:%.c=$(BUILD)/%.o) \
            $(RETRIEVE_TEST_OBJS)

.PHONY: all deps check demo install uninstall clean samples deb
# Keep object files of tests and tools between runs.
.SECONDARY:

# `make V=1` shows the full compiler command lines.
ifeq ($(V),1)
Q =
else
Q = @
endif

all: $(BUILD)/libupki.a $(PROGS)

# deps: what the build and `make demo` need; deps-check adds the test
# tools (Postfix among them, never over another MTA: scripts/install-deps.sh).
.PHONY: deps-check
deps:
	@scripts/install-deps.sh build
deps-check:
	@scripts/install-deps.sh check

$(BUILD)/parser/%.o $(BUILD)/tests/unit/%.o: PRIVATE = -Iparser
$(BUILD)/tests/fetch/%.o: PRIVATE = -Ifetch
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(PRIVATE) $(DEPFLAGS) -c -o $@ $<

# TemplateDir's default and SYSCONFDIR are compiled in: a new PREFIX or
# SYSCONFDIR rebuilds config.o.
$(BUILD)/parser/config.o: $(BUILD)/templatedir.stamp
.PHONY: FORCE
$(BUILD)/templatedir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TEMPLATEDIR) $(SYSCONFDIR)' | cmp -s - $@ || echo '$(TEMPLATEDIR) $(SYSCONFDIR)' >$@

$(BUILD)/libupki.a: $(LIB_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

define program_rule
$(BUILD)/$(1): $(call prog_objs,$(1)) $(BUILD)/libupki.a
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$($(1)_LIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libupki.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The ledger's unit tests link SQLite, as upki-scan does.
$(BUILD)/tests/test-ledger $(BUILD)/tests/test-ledger-state $(BUILD)/tests/test-ledger-report \
	$(BUILD)/tests/test-ledger-html: LDLIBS += $(LEDGER_LIBS)

$(BUILD)/tests/test-retrieve: $(RETRIEVE_TEST_OBJS) $(RETRIEVE_OBJS) $(BUILD)/libupki.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(upki-fetch_LIBS)

$(BUILD)/tests/fetch-queue/%.o: PRIVATE = -Ifetch
$(BUILD)/tests/fetch-queue/upki-fetch-fake: $(FETCH_CORE_OBJS) $(BUILD)/fetch/upki-fetch.o \
		$(BUILD)/tests/fetch-queue/retrieve-fake.o $(BUILD)/libupki.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(upki-fetch_LIBS)
$(BUILD)/tests/test-fetch: $(BUILD)/tests/fetch-queue/test-fetch.o $(FETCH_CORE_OBJS) \
		$(BUILD)/tests/fetch-queue/retrieve-fake.o $(BUILD)/libupki.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(upki-fetch_LIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/libupki.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(ALL_OBJS:.o=.d)

# The build needs the -dev packages: install them first (root) or say which.
check: deps-check
	@$(MAKE) --no-print-directory all-tests
	@BUILD=$(BUILD) tests/run-tests.sh

.PHONY: all-tests
all-tests: all $(UNIT_BINS) $(TOOL_BINS) $(RETRIEVE_TEST) $(FETCH_TEST_BINS)

demo: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tools/upki-unwrap
	@BUILD=$(BUILD) scripts/demo.sh

# libFuzzer over the whole pipeline (clang), seeded with samples/.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz SANFLAGS="$(FUZZ_FLAGS)" build/fuzz/libupki.a
	clang $(CFLAGS) -fsanitize=fuzzer,address,undefined -o build/fuzz/fuzz-notice \
	    tests/fuzz/fuzz-notice.c build/fuzz/libupki.a $(LDLIBS)
	@mkdir -p build/fuzz/corpus && cp samples/*.eml build/fuzz/corpus/
	build/fuzz/fuzz-notice -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 build/fuzz/corpus

# Throughput and peak memory of upki-scan on a synthetic mbox, next to grep
# and cat (not a test; BENCH_MB=256, BENCH_BIG=1 adds 1 GiB; docs/performance.md).
.PHONY: bench
bench: deps-check
	@$(MAKE) --no-print-directory all-tests
	@BUILD=$(BUILD) sh tests/bench/bench-scan.sh
	@BUILD=$(BUILD) sh tests/bench/bench-notices.sh
	@BUILD=$(BUILD) sh tests/bench/bench-milter.sh

# Messages/s through a throwaway Postfix with and without upki-milter, and
# the milter's time per notice (root; BENCH_SESSIONS, BENCH_MESSAGES,
# BENCH_NOTICES, BENCH_ROUNDS; docs/performance.md).
.PHONY: bench-milter
bench-milter: deps-check
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tests/bench/bench-milter.sh

# Regenerates samples/ (new test CA, new keys, new signatures).
samples: $(TOOL_BINS)
	BUILD=$(BUILD) samples/make-samples.sh samples

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/doc/upki-notice
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/upki-scan.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/upki-milter.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 etc/upki-milter.conf.example README.md docs/*.md \
	           $(DESTDIR)$(PREFIX)/share/doc/upki-notice/
	install -d $(DESTDIR)$(TEMPLATEDIR)
	install -m 644 templates/*.txt templates/*.html $(DESTDIR)$(TEMPLATEDIR)/
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 644 man/upki-milter.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed 's#/usr/bin/upki-milter#$(PREFIX)/bin/upki-milter#g' etc/upki-milter.service \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/upki-milter.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/upki-milter.service
	install -m 644 man/upki-fetch.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/upki-fetch.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 etc/upki-fetch.conf.example $(DESTDIR)$(PREFIX)/share/doc/upki-notice/
	sed 's#/usr/bin/upki-fetch#$(PREFIX)/bin/upki-fetch#g' etc/upki-fetch.service \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/upki-fetch.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/upki-fetch.service
	install -d $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 644 etc/upki-notice.sysusers $(DESTDIR)$(SYSUSERSDIR)/upki-notice.conf
	install -m 644 etc/upki-notice.tmpfiles $(DESTDIR)$(TMPFILESDIR)/upki-notice.conf
	install -m 644 etc/upki-header_checks $(DESTDIR)$(PREFIX)/share/doc/upki-notice/
	@echo "upki-notice: installed.  Before the units can start (as root): systemd-sysusers upki-notice.conf;"
	@echo "  systemd-tmpfiles --create upki-notice.conf; a config in /etc (README: Postfix on Debian)."

# Removes exactly what install puts there (tests/integration/install.sh
# checks that nothing else goes and nothing stays); shared directories
# (bin, man1, ...) stay, the project's own go when empty.
.PHONY: uninstall
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(PROGRAMS))
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/upki-scan.1 \
	      $(DESTDIR)$(PREFIX)/share/man/man5/upki-milter.conf.5 \
	      $(DESTDIR)$(PREFIX)/share/man/man8/upki-milter.8 \
	      $(DESTDIR)$(PREFIX)/share/man/man5/upki-fetch.conf.5 \
	      $(DESTDIR)$(PREFIX)/share/man/man8/upki-fetch.8
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/doc/upki-notice/,upki-milter.conf.example \
	      upki-fetch.conf.example upki-header_checks \
	      README.md $(notdir $(wildcard docs/*.md)))
	rm -f $(addprefix $(DESTDIR)$(TEMPLATEDIR)/,$(notdir $(wildcard templates/*.txt templates/*.html)))
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/upki-milter.service $(DESTDIR)$(SYSTEMDUNITDIR)/upki-fetch.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/upki-notice.conf $(DESTDIR)$(TMPFILESDIR)/upki-notice.conf
	-rmdir $(DESTDIR)$(PREFIX)/share/doc/upki-notice $(DESTDIR)$(TEMPLATEDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(PREFIX)/share/upki-notice 2>/dev/null

# The Debian package (debian/; README.Debian): dpkg-buildpackage -us -uc -b
# in a copy of the tree under $(DEB_DIR), so that debian/rules clean never
# touches this tree; the .deb (and .buildinfo, .changes) land in $(DEB_DIR).
# Needs debhelper and the build's -dev packages (scripts/install-deps.sh check).
DEB_DIR ?= build/deb
.PHONY: deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	    { echo "make deb: needs dpkg-dev and debhelper (scripts/install-deps.sh check)" >&2; exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/upki-notice
	tar -cf - --exclude=./build --exclude=./.git --exclude='./debian/obj' --exclude='./debian/upki-notice' . | \
	    tar -xf - -C $(DEB_DIR)/upki-notice
	cd $(DEB_DIR)/upki-notice && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
	    { tail -40 ../build.log >&2; exit 1; }
	rm -rf $(DEB_DIR)/upki-notice
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf build
