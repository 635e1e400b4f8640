# smarthost: build, check, run, install, bench.
# Objects and programs go to $(BUILD) (default build/), so that several
# builds (plain, sanitizers, fuzzing) can live side by side.

BUILD ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
override CFLAGS := -std=c99 -Wall -Wextra -Wshadow -Wmissing-prototypes \
  -Werror=implicit-function-declaration $(CFLAGS)
override CPPFLAGS += -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Ilib -Iqueue

# skalibs is linked statically everywhere (process creation is on the hot
# path: doc/design.md, performance budget). libtls and OpenSSL are linked
# statically too, and only into the programs that speak TLS.
BDYNAMIC = -Wl,-Bdynamic
SKALIBS = -Wl,-Bstatic -lskarnet $(BDYNAMIC)
TLSLIBS = -Wl,-Bstatic -ltls -lssl -lcrypto $(BDYNAMIC) -lpthread
LDLIBS_smarthost-smtpd = $(TLSLIBS) -lcrypt
LDLIBS_smarthost-remote = $(TLSLIBS)
LDLIBS_smarthost-authuser = -lcrypt
# The token program alone speaks HTTPS and JSON (the hot path stays free
# of them); it runs once per access token, so dynamic linking costs little.
LDLIBS_smarthost-oauth2 = -lcurl -ljson-c -lcrypto

# The accept path starts one smtpd per connection, and sendmail or a
# filter chain one injector per message, so exec is on their hot path. Both are linked without PIE: with
# OpenSSL inside, the smtpd as a PIE has some 18,000 relative relocations
# to apply, and their copy-on-write pages, at every start (measured: 1.30
# ms of CPU per exec as a PIE, 0.95 ms without). NOPIE=0 links them as PIEs.
#
# STATIC=1 (the default) also links libc and libcrypt into them: no dynamic
# loader, no shared objects to map and relocate at every start (`make
# bench-starts`, the smtpd answering QUIT: 1.09 ms of CPU per start with
# libc shared, 0.60 ms static). The linker warns that OpenSSL's BIO and DSO
# code and libtls's tls_connect() call getaddrinfo, gethostbyname and
# dlopen, which need glibc's shared NSS modules at run time: neither
# program reaches them (they resolve no names; OpenSSL would dlopen only a
# provider module named in openssl.cnf, and Debian's names none; inbound
# AUTH uses crypt_r, which is in libcrypt.a). Sanitizers cannot link
# statically, so a build with -fsanitize in CFLAGS or LDFLAGS, and STATIC=0,
# link libc shared. Tests that inject faults use the variants in
# $(BUILD)/test/, linked with -Wl,--wrap (below), not LD_PRELOAD.
NOPIE ?= 1
ifneq ($(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),)
STATIC ?= 0
endif
STATIC ?= 1
HOTLINK = $(if $(filter 1,$(NOPIE)),-no-pie) \
  $(if $(filter 1,$(STATIC)),$(if $(filter 1,$(NOPIE)),-static,-static-pie))
LINK_smarthost-smtpd = $(HOTLINK)
LINK_smarthost-queue = $(HOTLINK)

PROGS := $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
SCRIPTS := $(wildcard service/smarthost-*)
LIBSRC := $(wildcard lib/*.c queue/*.c)
LIBOBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIBSRC))
UNITSRC := $(wildcard tests/unit/*.c)
UNITS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNITSRC))
MANS := $(wildcard man/*.[1-8])
# Run-script templates, found by smarthost-setup next to itself (build) or
# in $(SHAREDIR)/service (installed): smtpd/run, send/run, and log/run for
# both services' loggers.
TEMPLATES := $(wildcard service/*/run)
SHAREDIR ?= $(PREFIX)/share/smarthost
HEADERS := $(wildcard lib/*.h queue/*.h)

# Debian packages: to build, to test (independent peers), to run. Each is
# here because something names a program or module of it (a package that
# is on every Debian system, coreutils, sed, grep, diffutils, is not):
#   build: cc, ar (gcc, binutils), skalibs, libtls, OpenSSL, libcrypt;
#     libcurl and json-c (smarthost-oauth2)
#   check: prove (perl); swaks, and its STARTTLS (libnet-ssleay-perl);
#     aiosmtpd; openssl; strace; tcpserver; s6 and execline; setsid and
#     unshare (util-linux), mount; pgrep, ps (procps); man --warnings
#     (man-db, test 0004); useradd (passwd); the programs of DEBS_RUN;
#     tests/peers/tokenserver.py's JWT check (python3-jwt,
#     python3-cryptography); the real upstream and LAN client of the
#     053x tests (postfix, dovecot-core: Dovecot SASL)
#   run (smarthost-setup, smarthost-run, the run scripts): s6-*, fdmove
#     (execline), tcpserver and tcprules, openssl (-t), useradd and
#     groupadd (passwd), setsid (util-linux), CA certificates;
#     smarthost-oauth2's libcurl and json-c
DEBS_BUILD = gcc binutils make libc6-dev skalibs-dev libtls-dev libssl-dev libcrypt-dev \
  libcurl4-openssl-dev libjson-c-dev
DEBS_CHECK = perl swaks libnet-ssleay-perl python3 python3-aiosmtpd python3-jwt python3-cryptography openssl strace \
  ucspi-tcp-ipv6 s6 execline util-linux mount procps man-db passwd ca-certificates \
  postfix dovecot-core
DEBS_RUN = s6 execline ucspi-tcp-ipv6 openssl ca-certificates passwd util-linux libcurl4 libjson-c5
DEBS_BENCH = postfix procps

.PHONY: all check check-asan unit deps deps-check deps-run clean install run bench
.PHONY: install-service deb deps-deb
.DELETE_ON_ERROR:

all: $(addprefix $(BUILD)/,$(PROGS)) $(addprefix $(BUILD)/,$(notdir $(SCRIPTS)))

$(BUILD)/lib $(BUILD)/queue $(BUILD)/cmd $(BUILD)/unit:
	mkdir -p $@

$(BUILD)/%.o: %.c $(HEADERS) | $(BUILD)/lib $(BUILD)/queue $(BUILD)/cmd
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsmarthost.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(addprefix $(BUILD)/,$(PROGS)): $(BUILD)/%: $(BUILD)/cmd/%.o $(BUILD)/libsmarthost.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_$*) -o $@ $^ $(LDLIBS_$*) $(SKALIBS) $(LDLIBS)

# Test variants of the programs, for the tests that inject faults: the same
# objects, linked with -Wl,--wrap so that some calls go through
# tests/fault/ first (the library does nothing unless its FAULT_* variable
# is set: tests/fault/fault.h). They live in $(BUILD)/test/ under their
# real names; a test puts that directory first in its PATH.
FAULTSRC := $(wildcard tests/fault/*.c)
FAULTOBJ := $(patsubst tests/fault/%.c,$(BUILD)/test/%.o,$(FAULTSRC))
FAULT_WRAP_OPEN = -Wl,--wrap=open,--wrap=open64,--wrap=openat,--wrap=openat64
FAULT_WRAP_smarthost-queue = $(FAULT_WRAP_OPEN)
FAULT_WRAP_smarthost-smtpd = $(FAULT_WRAP_OPEN) -Wl,--wrap=crypt_r
TESTPROGS := $(addprefix $(BUILD)/test/,smarthost-queue smarthost-smtpd)
ifeq ($(STATIC),1)
# no switch back to shared libraries after skalibs and OpenSSL
$(BUILD)/smarthost-smtpd $(BUILD)/smarthost-queue $(TESTPROGS): BDYNAMIC =
endif

$(BUILD)/test:
	mkdir -p $@

$(BUILD)/test/%.o: tests/fault/%.c tests/fault/fault.h | $(BUILD)/test
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/test/libfault.a: $(FAULTOBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(TESTPROGS): $(BUILD)/test/%: $(BUILD)/cmd/%.o $(BUILD)/libsmarthost.a $(BUILD)/test/libfault.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(LINK_$*) $(FAULT_WRAP_$*) -o $@ $(BUILD)/cmd/$*.o \
	  $(BUILD)/libsmarthost.a $(BUILD)/test/libfault.a $(LDLIBS_$*) $(SKALIBS) $(LDLIBS)

# A preload that moves the clock forward, for tests of what happens only
# once something is old (tests/shim/clockshift.c).
$(BUILD)/test/clockshift.so: tests/shim/clockshift.c | $(BUILD)/test
	$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/smarthost-%: service/smarthost-%
	mkdir -p $(@D) && cp $< $@ && chmod 755 $@

all: $(addprefix $(BUILD)/,$(TEMPLATES))
$(BUILD)/service/%: service/%
	mkdir -p $(@D) && cp $< $@ && chmod 755 $@

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libsmarthost.a | $(BUILD)/unit
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsmarthost.a $(TLSLIBS) -lcrypt $(SKALIBS) $(LDLIBS)

# The unit tests, and the fault-injecting variants the shell tests use.
unit: $(UNITS) $(TESTPROGS) $(BUILD)/test/clockshift.so

# Tests find the programs through $BUILD (tests/lib.sh puts it first in PATH).
check: deps-check all unit
	BUILD=$(abspath $(BUILD)) STATIC=$(STATIC) prove $(PROVEFLAGS) tests/

# Leaks are not errors for short-lived programs (they exit without freeing);
# the long-lived ones are checked under valgrind. The sanitized run repeats
# the load loops fewer times (SMARTHOST_QUICK): it looks for memory errors.
check-asan:
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 SMARTHOST_QUICK=1 \
	$(MAKE) BUILD=build-asan \
	  CFLAGS='-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
	  LDFLAGS='-fsanitize=address,undefined' check

deps:
	@tests/need-debs $(DEBS_BUILD)
deps-check: deps
	@tests/need-debs $(DEBS_CHECK)
deps-run: deps
	@tests/need-debs $(DEBS_RUN)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	for p in $(PROGS) $(notdir $(SCRIPTS)); do install -m 755 $(BUILD)/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MANS); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

install: install-service
install-service: all
	for t in $(TEMPLATES); do install -D -m 755 $$t $(DESTDIR)$(SHAREDIR)/$$t; done

# make run: an instance in ./run (made once, completed every time; values in
# run/conf are never overwritten), relaying on 127.0.0.1:2525, in the
# foreground. Ctrl-C stops it (see service/smarthost-run).
RUNDIR ?= run
RUNLISTEN ?= 127.0.0.1:2525
run: deps-run all
	@$(BUILD)/smarthost-setup -t -l $(RUNLISTEN) -b $(abspath $(BUILD)) $(RUNDIR)
	@exec $(BUILD)/smarthost-run $(abspath $(RUNDIR))

clean:
	rm -rf build build-asan build-fuzz build-deb build-walk build-rev

# ---- The Debian package (debian/) -------------------------------------------
# `make deb` builds smarthost_*.deb and smarthost-mta_*.deb in $(DEBDIR),
# from a copy of the tree (dpkg-buildpackage writes its results next to
# the source, and the build directories here are not part of it). The
# test of the package (tests/08xx) installs what it runs: the runtime
# packages, systemd-analyze and man (its check of Documentation=).
DEBDIR ?= build-deb
DEBS_DEB = build-essential debhelper dpkg-dev lintian $(DEBS_RUN) systemd man-db

deps-deb: deps
	@tests/need-debs $(DEBS_DEB)

deb: deps-deb
	rm -rf $(DEBDIR)/src && mkdir -p $(DEBDIR)/src
	tar -cf - --exclude=./.git --exclude='./build*' --exclude=./run --exclude='./$(DEBDIR)' . | tar -C $(DEBDIR)/src -xf -
	cd $(DEBDIR)/src && dpkg-buildpackage -us -uc -b
	@ls $(DEBDIR)/*.deb

# ---- Proof: benchmark, fuzzing, valgrind (tests/bench, tests/fuzz) ----------
.PHONY: bench bench-rcpt bench-scale bench-profile bench-starts deps-bench fuzz fuzz-build deps-fuzz check-valgrind
.PHONY: bench-compare walk
# The benchmark: smtp-source and a Postfix (postfix, libsasl2-modules),
# tcpserver, s6 and execline (the instance), strace (bench-profile),
# musl-gcc (bench-starts); git (bench-compare and walk export an older
# revision), addr2line, nm and objdump (walk: binutils, in DEBS_BUILD);
# BENCH_PERF=1 also needs linux-perf.
DEBS_BENCH += libsasl2-modules openssl python3 ucspi-tcp-ipv6 s6 execline strace musl-tools git
DEBS_FUZZ = clang libfuzzer-14-dev libclang-rt-14-dev
DEBS_VALGRIND = valgrind

# The benchmark (tests/bench/run): Postfix's smtp-source as the client, a
# private Postfix instance as the peer, tests/bench/sink as the upstream.
# Not part of check. Postfix is installed unconfigured ("No configuration"),
# so the system's own Postfix is never set up or started by this.
BENCHTOOLS := $(addprefix $(BUILD)/bench/,sink fsyncprobe pss spawn cpuidcount)

$(BUILD)/bench:
	mkdir -p $@

$(BUILD)/bench/%: tests/bench/%.c | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TLSLIBS) $(LDLIBS)

# The fault tests (tests/06xx) use the sink as their upstream.
check: $(BUILD)/bench/sink

deps-bench: deps
	@tests/need-debs $(DEBS_BENCH)

# BENCH_MODE=instance (default): smarthost as users run it, an instance
# made by smarthost-setup under s6-svscan and s6-log (as root: each service
# under its own user). BENCH_MODE=bare: the programs alone, a diagnostic.
BENCH_MODE ?= instance
bench: deps-bench all $(BENCHTOOLS)
	BUILD=$(abspath $(BUILD)) BENCH_MODE=$(BENCH_MODE) tests/bench/run relay
	BUILD=$(abspath $(BUILD)) tests/bench/rcpt

# sendmail -t's CPU time for 80,000 names against 20,000 (tests/bench/rcpt),
# also the last part of `make bench`.
bench-rcpt: all
	BUILD=$(abspath $(BUILD)) tests/bench/rcpt

bench-scale: deps-bench all $(BENCHTOOLS)
	BUILD=$(abspath $(BUILD)) tests/bench/run scale

# What one process start costs: empty programs linked each way (glibc,
# musl, no libc), and the smtpd answering QUIT (tests/bench/starts).
bench-starts: deps-bench all $(BENCHTOOLS)
	BUILD=$(abspath $(BUILD)) tests/bench/starts

# Per message: fsyncs, processes started, execs under strace -f -c; CPU by
# process; then the wall time of each SMTP step of one message (phases).
bench-profile: deps-bench all $(BENCHTOOLS)
	BUILD=$(abspath $(BUILD)) BENCH_MODE=$(BENCH_MODE) tests/bench/run profile
	BUILD=$(abspath $(BUILD)) BENCH_MODE=$(BENCH_MODE) tests/bench/run phases

# Before and after a change (doc/measurements.md). bench-compare: the
# relay benchmark of the revision BENCH_OLD (or a directory of its built
# programs) and of this build, taking turns BENCH_PAIRS times each, with
# the smarthost/Postfix ratios compared row by row. walk: the walk of one
# message through the programs (files visited, stays, returns per
# process, raw and with leaf functions collapsed), for this tree or, with
# WALK_REV, a revision.
BENCH_OLD ?= e3d06f3
BENCH_PAIRS ?= 3
WALK_REV ?=
bench-compare: deps-bench all $(BENCHTOOLS)
	BUILD=$(abspath $(BUILD)) BENCH_MODE=$(BENCH_MODE) tests/bench/compare $(BENCH_OLD) $(BENCH_PAIRS)

walk: deps-bench $(BUILD)/bench/sink
	BUILD=$(abspath $(BUILD)) tests/bench/walk $(WALK_REV)

# Fuzzing (tests/fuzz/NAME.c, seeds in tests/fuzz/NAME/): libFuzzer with
# ASan and UBSan, built into build-fuzz. `make fuzz FUZZTIME=30` in CI.
# New inputs go to build-fuzz/corpus/NAME, crashes to build-fuzz/crash-NAME-*;
# a crash found is fixed and its input added to tests/fuzz/NAME/.
FUZZTIME ?= 180
FUZZCC ?= clang
FUZZERS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
  -fno-sanitize-recover=undefined

deps-fuzz: deps
	@tests/need-debs $(DEBS_FUZZ)

build-fuzz/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h build-fuzz/libsmarthost.a
	@mkdir -p build-fuzz/fuzz
	$(FUZZCC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_LDFLAGS_$*) build-fuzz/libsmarthost.a $(TLSLIBS) -lcrypt $(SKALIBS) $(LDLIBS)

# The upstream session: socket() and connect() give a socketpair fed with the input.
FUZZ_LDFLAGS_remote_session = -Wl,--wrap=socket,--wrap=connect

fuzz-build: deps-fuzz
	$(MAKE) BUILD=build-fuzz CC=$(FUZZCC) CFLAGS='$(FUZZ_CFLAGS)' build-fuzz/libsmarthost.a \
	  $(addprefix build-fuzz/fuzz/,$(FUZZERS))

fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p build-fuzz/corpus/$$f; \
	  echo "fuzz: $$f for $(FUZZTIME) s"; \
	  build-fuzz/fuzz/$$f -max_total_time=$(FUZZTIME) -print_final_stats=1 $$(cat tests/fuzz/$$f.flags 2>/dev/null) \
	    -artifact_prefix=build-fuzz/crash-$$f- build-fuzz/corpus/$$f tests/fuzz/$$f \
	    2>build-fuzz/$$f.log || { tail -60 build-fuzz/$$f.log; exit 1; }; \
	  grep -E '^stat::(number_of_executed_units|new_units_added)|not built yet' build-fuzz/$$f.log | tr '\n' ' '; echo; \
	done

# The tests that run smarthost-send and smarthost-remote, with both under
# valgrind (tests/check-valgrind).
# (Not 0620: killing valgrind at random moments proves nothing about memory;
# not 0413: it finds smarthost-send by name, which valgrind replaces.)
VALGRIND_TESTS ?= $(filter-out tests/0413%,$(wildcard tests/03*.t tests/04*.t tests/05*.t tests/0610*.t))
check-valgrind: deps-check all unit $(BUILD)/bench/sink
	@tests/need-debs $(DEBS_VALGRIND)
	tests/check-valgrind $(BUILD) $(VALGRIND_TESTS)
