# bpfnet: non-recursive build. `make help` lists the targets.
PREFIX   ?= /usr/local
DESTDIR  ?=
OUTPUT   ?= .output
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

PKGS     := libbpf libmnl libcjson
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-format-truncation \
	    -D_GNU_SOURCE -Iinclude -Iuser -I$(OUTPUT) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lmnl -lcjson) -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I. -Ibpf \
	    -Wall -Werror -Wno-unused-function

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
OBJIDS    := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.objid.h,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS)) $(OBJIDS)
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.PHONY: all deps test test-long mutants check unit demo bench profile install uninstall clean vmlinux help fuzz fuzz-smoke asan-unit man
.DEFAULT_GOAL := all

all: bpfnet

deps:
	$(Q)bash tools/install-deps.sh --bench

bpfnet: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

.SECONDARY: $(BPF_OBJS) $(OBJIDS)

# Which build of the programs: pins of another build are replaced, not reused.
$(OUTPUT)/%.objid.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-ID,$@)
	$(Q)printf '/* the first 32 bits of the SHA-256 of %s */\n#define BPFNET_OBJ_ID 0x%su\n' \
		$*.bpf.o $$(sha256sum $< | cut -c1-8) > $@.tmp && mv $@.tmp $@

$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The test build: the same sources with fault injection compiled in.
TESTING_OBJS := $(patsubst user/%.c,$(OUTPUT)/testing/%.o,$(USER_SRCS))

$(OUTPUT)/bpfnet-testing: $(TESTING_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/testing/%.o: user/%.c $(SKELS) | $(OUTPUT)/testing
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -DBPFNET_TESTING -MMD -MP -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/testing:
	$(Q)mkdir -p $@

unit: $(UNIT_BINS) $(OUTPUT)/bpfnet-testing $(OUTPUT)/rawsend

# Raw Ethernet frames from a test container (t_edges.sh).
$(OUTPUT)/rawsend: tests/rawsend.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Every test: unit, BPF packet tests, namespaces, containers. Needs root.
test: deps
	$(Q)$(MAKE) --no-print-directory all unit $(OUTPUT)/connbench \
		$(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZERS))
	$(Q)$(MAKE) --no-print-directory asan-unit
	$(Q)FUZZ_SECS=$(TEST_FUZZ_SECS) bash tests/run.sh

check: test

# Every mutant (make test runs a fixed subset), and longer fuzzing.
mutants: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)bash tools/mutants.sh

test-long: deps
	$(Q)BPFNET_SKIP_MUTANTS=1 $(MAKE) --no-print-directory test TEST_FUZZ_SECS=120
	$(Q)bash tools/mutants.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tools/demo.sh

BENCH_TOOLS := $(OUTPUT)/connbench $(OUTPUT)/hopctl $(OUTPUT)/xdp_pass.bpf.o

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	$(Q)bash tools/bench/run.sh $(if $(QUICK),--quick) $(BENCH)

# Where a packet's time goes in the TC programs (perf, one container).
profile: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tools/bench/profile.sh

$(OUTPUT)/connbench: tools/bench/connbench.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The hop experiments of make bench BENCH=hops (tools/bench/hops.sh).
$(OUTPUT)/hopctl: tools/bench/hopctl.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(OUTPUT)/xdp_pass.bpf.o: tools/bench/xdp_pass.bpf.c vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# libFuzzer targets (clang, Debian's libclang-rt): parsers of untrusted input.
FUZZ_SECS ?= 15
TEST_FUZZ_SECS ?= 10	# each fuzz target's share of make test
FUZZERS   := oci config portspec
FUZZ_SRCS := user/oci.c user/config.c user/config_set.c user/addr6.c user/portspec.c user/fsutil.c user/log.c
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	      -D_GNU_SOURCE -Iinclude -Iuser

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) | $(OUTPUT)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(OUTPUT)/fuzz
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS) $(LDLIBS)

# Each target for FUZZ_SECS seconds on a copy of the committed corpus.
fuzz: $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZERS))
	$(Q)for f in $(FUZZERS); do \
		rm -rf $(OUTPUT)/fuzz/work-$$f; cp -r tests/fuzz/corpus/$$f $(OUTPUT)/fuzz/work-$$f; \
		$(OUTPUT)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECS) -max_len=4096 \
			-artifact_prefix=$(OUTPUT)/fuzz/ $(OUTPUT)/fuzz/work-$$f 2>$(OUTPUT)/fuzz/$$f.log || \
			{ tail -30 $(OUTPUT)/fuzz/$$f.log; exit 1; }; \
		echo "fuzz $$f: $$(grep -o 'Done [0-9]* runs' $(OUTPUT)/fuzz/$$f.log)"; \
	done

# The unit tests again under AddressSanitizer and UBSan.
ASAN_OUT := $(OUTPUT)/asan
asan-unit:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(ASAN_OUT) CC=gcc \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize=alignment -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined -fno-sanitize=alignment" unit

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

# The man pages and the bash completion are written by the binary from its
# option and command tables; the committed copies must match it
# (t_project/man_page_matches_tables, t_install/completion_matches_tables).
# A command added to the table gets its page here, with no other change.
COMPLETION := docs/bash-completion/bpfnet
man: bpfnet
	$(call msg,GEN,docs/bpfnet.8)
	$(Q)./bpfnet help --man > docs/bpfnet.8.tmp && mv docs/bpfnet.8.tmp docs/bpfnet.8
	$(call msg,GEN,docs/man/)
	$(Q)rm -rf docs/man.tmp && mkdir -p docs/man.tmp && \
		for t in $$(./bpfnet help --topics); do \
			./bpfnet help --man "$$t" > "docs/man.tmp/bpfnet-$$t.8" || exit 1; \
		done && rm -rf docs/man && mv docs/man.tmp docs/man
	$(call msg,GEN,$(COMPLETION))
	$(Q)mkdir -p $(dir $(COMPLETION)) && ./bpfnet help --completion > $(COMPLETION).tmp && \
		mv $(COMPLETION).tmp $(COMPLETION)

# Where make install lays things out (the README's "Install" lists each file).
BINDIR        ?= $(PREFIX)/bin
MANDIR        ?= $(PREFIX)/share/man/man8
UNITDIR       ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
HOOKSDIR      ?= $(PREFIX)/share/containers/oci/hooks.d
DOCDIR        ?= $(PREFIX)/share/doc/bpfnet
MAN_PAGES     := docs/bpfnet.8 $(sort $(wildcard docs/man/bpfnet-*.8))
EXAMPLES      := docs/examples/bpfnet.conflist

install: bpfnet
	install -D -m 0755 bpfnet $(DESTDIR)$(BINDIR)/bpfnet
	install -d $(DESTDIR)$(MANDIR)
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/
	install -D -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/bpfnet
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(HOOKSDIR)
	sed 's|@BINDIR@|$(BINDIR)|' tools/bpfnet-watch.service.in >$(DESTDIR)$(UNITDIR)/bpfnet-watch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/bpfnet-watch.service
	sed 's|@BINDIR@|$(BINDIR)|' tools/bpfnet-hooks.json.in >$(DESTDIR)$(HOOKSDIR)/bpfnet.json
	chmod 0644 $(DESTDIR)$(HOOKSDIR)/bpfnet.json

# What install laid out, and the directories only bpfnet uses (when empty).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bpfnet $(addprefix $(DESTDIR)$(MANDIR)/,$(notdir $(MAN_PAGES))) \
		$(DESTDIR)$(COMPLETIONDIR)/bpfnet $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES))) \
		$(DESTDIR)$(UNITDIR)/bpfnet-watch.service $(DESTDIR)$(HOOKSDIR)/bpfnet.json
	for d in $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR); do \
		if [ -d "$$d" ]; then rmdir --ignore-fail-on-non-empty "$$d"; fi; \
	done

clean:
	rm -rf $(OUTPUT) bpfnet

help:
	@echo "Targets:"
	@echo "  all        build ./bpfnet (default)"
	@echo "  test       install missing dependencies, build, run every test (root)"
	@echo "  test-long  make test with longer fuzzing, then every mutant"
	@echo "  mutants    apply each tests/mutants/*.patch, run its test: all must be killed"
	@echo "  demo       install missing dependencies, build, run the demo (root)"
	@echo "  bench      benchmarks side by side (QUICK=1 for a smoke run; BENCH=monitor, hops or ipv6: that section alone)"
	@echo "  install    install to \$$(DESTDIR)\$$(PREFIX): the binary, man pages, bash completion, hooks.d file,"
	@echo "             CNI example, systemd unit (PREFIX=$(PREFIX)); uninstall removes them"
	@echo "  man        regenerate docs/bpfnet.8, docs/man/ and the bash completion from the binary's tables"
	@echo "  vmlinux    regenerate vmlinux.h from /sys/kernel/btf/vmlinux"
	@echo "  clean      remove build output"
	@echo "  V=1        show commands"

-include $(USER_OBJS:.o=.d) $(TESTING_OBJS:.o=.d)
