# vnetgw build. Everything is discovered from the tree:
#   src/**/*.c but the two main.c files     -> $(BUILD)/libvnetgw.a
#   src/daemon/main.c                      -> $(BUILD)/vnetgwd
#   src/cli/main.c                         -> $(BUILD)/vnetgw
#   tests/{unit,vectors,exchange,api,cli,system}/*.c -> a Criterion binary per folder, + tests/support
#   tests/fuzz/*.c                         -> a libFuzzer target each (make fuzz, clang) and a
#                                             corpus replayer each (make check, any compiler)
#   tests/bench/<name>/*.c                 -> $(BUILD)/bench/<name>
#
# make            build daemon, CLI, tests, benchmarks
# make bench-ikelive  IKE liveness latency with and without an API PUT storm (root)
# make bench-storeput  latency of a PUT through the API on SQLite and on etcd
# make bench-reconcile a reconcile pass's reads on SQLite and on etcd
# make check      install missing packages, build, run every test (unit, vectors, exchange,
#                 fuzz corpora, lab) -- the README's test command
# make asan       the same unit-level tests built and run under ASan+UBSan
# make fuzz       libFuzzer targets with clang; make fuzz-run FUZZ_SECONDS=60 runs each
# make bench      build benchmarks; make bench-esp runs the ESP one
# make demo       the main job (see README)

BUILD    ?= build
CC       ?= gcc
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 60

PKGS     := libcrypto libevent jansson sqlite3 libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -levent -ljansson -lsqlite3 -lcurl)

OPT      ?= -O2 -g
SANFLAGS ?=
CPPFLAGS += -Isrc -D_GNU_SOURCE
WFLAGS   := -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wno-unused-parameter
SRC_WFLAGS := -Wmissing-prototypes -Wstrict-prototypes
CFLAGS_ALL = $(WFLAGS) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lpthread -lm
TEST_LIBS := -lcriterion

rwildcard = $(foreach d,$(wildcard $(1:=/*)),$(call rwildcard,$d,$2) $(filter $(subst *,%,$2),$d))

LIB_SRCS := $(sort $(filter-out src/daemon/main.c src/cli/main.c,$(call rwildcard,src,*.c)))
DAEMON_SRCS := src/daemon/main.c
CLI_SRCS := src/cli/main.c
SUPPORT_SRCS := $(sort $(wildcard tests/support/*.c))
TEST_DIRS := $(foreach d,unit vectors exchange api cli system,$(if $(wildcard tests/$d/*.c),$d))
FUZZ_NAMES := $(basename $(notdir $(wildcard tests/fuzz/*.c)))
BENCH_NAMES := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/bench/*/*.c))))
BENCH_NAMES := $(sort $(BENCH_NAMES))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB      := $(BUILD)/libvnetgw.a
DAEMON   := $(BUILD)/vnetgwd
CLI      := $(BUILD)/vnetgw
TESTS    := $(foreach d,$(TEST_DIRS),$(BUILD)/tests/$d)
REPLAYS  := $(foreach f,$(FUZZ_NAMES),$(BUILD)/replay/$f)
BENCHES  := $(foreach b,$(BENCH_NAMES),$(BUILD)/bench/$b)

.PHONY: all check test deps asan fuzz fuzz-run bench bench-esp bench-bgp bench-tunnel bench-ikelive bench-storeput bench-reconcile demo demo-down clean format tests-build install deb
.DEFAULT_GOAL := all

all: $(DAEMON) $(CLI) tests-build $(BENCHES)

tests-build: $(TESTS) $(REPLAYS)

$(BUILD)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(SRC_WFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(DAEMON): $(call obj,$(DAEMON_SRCS)) $(LIB)
	$(CC) $(SANFLAGS) -o $@ $^ $(LDLIBS)

$(CLI): $(call obj,$(CLI_SRCS)) $(LIB)
	$(CC) $(SANFLAGS) -o $@ $^ $(LDLIBS)

define test_rule
$(BUILD)/tests/$(1): $(call obj,$(sort $(wildcard tests/$(1)/*.c)) $(SUPPORT_SRCS)) $(LIB)
	@mkdir -p $$(@D)
	$(CC) $(SANFLAGS) -o $$@ $$^ $(TEST_LIBS) $(LDLIBS)
endef
$(foreach d,$(TEST_DIRS),$(eval $(call test_rule,$d)))

define replay_rule
$(BUILD)/replay/$(1): $(call obj,tests/fuzz/$(1).c tests/fuzz/driver/replay.c $(SUPPORT_SRCS)) $(LIB)
	@mkdir -p $$(@D)
	$(CC) $(SANFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call replay_rule,$f)))

define bench_rule
$(BUILD)/bench/$(1): $(call obj,$(sort $(wildcard tests/bench/$(1)/*.c)) $(SUPPORT_SRCS)) $(LIB)
	@mkdir -p $$(@D)
	$(CC) $(SANFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach b,$(BENCH_NAMES),$(eval $(call bench_rule,$b)))

# Lab tools (tests/tools/<name>/*.c -> $(BUILD)/tools/<name>), built by `all` for tests/lab.
TOOL_NAMES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tests/tools/*/*.c)))))
TOOLS := $(foreach t,$(TOOL_NAMES),$(BUILD)/tools/$t)
define tool_rule
$(BUILD)/tools/$(1): $(call obj,$(sort $(wildcard tests/tools/$(1)/*.c)))
	@mkdir -p $$(@D)
	$(CC) $(SANFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach t,$(TOOL_NAMES),$(eval $(call tool_rule,$t)))
# bgpspeak runs the speaker of src/bgp: it links the library.
$(BUILD)/tools/bgpspeak: $(LIB)
all: $(TOOLS)

# ---- the README's commands -------------------------------------------------------------------

deps:
	@scripts/install-deps

check: deps
	$(MAKE) all
	tests/run $(BUILD) all

test: all
	tests/run $(BUILD) all

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" SANFLAGS="$(ASAN_FLAGS)" tests-build build/asan/vnetgwd \
		build/asan/vnetgw
	tests/run build/asan unit asan

# ---- fuzzing (clang + libFuzzer) ---------------------------------------------------------------

FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
ifeq ($(FUZZING),1)
define fuzz_rule
$(BUILD)/fuzz/$(1): $(call obj,tests/fuzz/$(1).c $(SUPPORT_SRCS)) $(LIB)
	@mkdir -p $$(@D)
	$(CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $(LDLIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$f)))
fuzz-targets: $(foreach f,$(FUZZ_NAMES),$(BUILD)/fuzz/$f)
endif

fuzz:
	$(MAKE) BUILD=build/fuzz CC=$(FUZZ_CC) OPT="-O1 -g" SANFLAGS="$(FUZZ_SAN)" FUZZING=1 fuzz-targets

# Each target for FUZZ_SECONDS on a scratch copy of its seed corpus; a finding fails the run.
fuzz-run: fuzz
	@set -e; for f in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/work/$$f; \
		cp -n tests/fuzz/corpus/$$f/* build/fuzz/work/$$f/ 2>/dev/null || true; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build/fuzz/ build/fuzz/work/$$f 2>&1 | tail -n 12; \
	done

# ---- benchmarks --------------------------------------------------------------------------------

bench: $(BENCHES)

bench-esp: $(BUILD)/bench/esp
	$<

# Time and memory to learn 4000 prefixes, routes/s (figures, no pass/fail).
bench-bgp: $(BUILD)/bench/bgp
	$<

# Real namespaces and peers (root): plain path, strongSwan and vnetgwd tunnels side by side.
bench-tunnel: all
	VNETGW_BUILD=$(BUILD) tests/bench/tunnel/run.sh

# Root: IKE liveness answer latency, idle and under a 50-client PUT storm on the API (issue 15).
bench-ikelive: all
	VNETGW_BUILD=$(BUILD) tests/bench/ikelive/run.sh

# A reconcile pass's reads of 10-250 connections, on SQLite and on a real etcd (figures only).
bench-reconcile: $(BUILD)/bench/reconcile
	$<

# A PUT through the API, on the SQLite store and on a real etcd (figures only).
bench-storeput: all
	VNETGW_BUILD=$(BUILD) tests/bench/storeput/run.sh

# ---- the main job ------------------------------------------------------------------------------

# The main job (README): a gateway, a tenant's resources through the CLI and a real strongSwan
# site in namespaces, traffic across, status shown. It stays up; demo-down removes it.
demo:
	@scripts/demo up

demo-down:
	@scripts/demo down

# ---- install and package -------------------------------------------------------------------------

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, man pages, the systemd unit and its
# defaults file. make deb: a Debian package of PREFIX=/usr in build/ (scripts/mkdeb).
PREFIX  ?= /usr/local
DESTDIR ?=
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

install: $(DAEMON) $(CLI)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/doc/vnetgw $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 755 $(DAEMON) $(DESTDIR)$(PREFIX)/sbin/vnetgwd
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/vnetgw
	install -m 644 man/vnetgwd.8 $(DESTDIR)$(PREFIX)/share/man/man8/vnetgwd.8
	install -m 644 man/vnetgw.1 $(DESTDIR)$(PREFIX)/share/man/man1/vnetgw.1
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/vnetgw/
	sed 's|/usr/sbin/vnetgwd|$(PREFIX)/sbin/vnetgwd|' packaging/vnetgwd.service \
		>$(DESTDIR)$(UNITDIR)/vnetgwd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/vnetgwd.service
	install -m 644 packaging/vnetgwd.default $(DESTDIR)$(SYSCONFDIR)/default/vnetgwd

deb: $(DAEMON) $(CLI)
	scripts/mkdeb $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(call rwildcard,$(BUILD)/obj,*.d)
