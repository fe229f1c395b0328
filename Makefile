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
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-format-truncation \
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
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.PHONY: all deps test check unit demo bench install uninstall clean vmlinux help fuzz
.DEFAULT_GOAL := all

all: bpfnet

deps:
	$(Q)bash tools/install-deps.sh

bpfnet: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/bpfnet_shared.h vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

unit: $(UNIT_BINS)

# Every test: unit, BPF packet tests, namespaces, containers. Needs root.
test: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)bash tests/run.sh

check: test

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tools/demo.sh

bench:
	$(Q)bash tools/install-deps.sh --bench
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/connbench
	$(Q)bash tools/bench/run.sh $(if $(QUICK),--quick)

$(OUTPUT)/connbench: tools/bench/connbench.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

install: bpfnet
	install -D -m 0755 bpfnet $(DESTDIR)$(PREFIX)/bin/bpfnet

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/bpfnet

clean:
	rm -rf $(OUTPUT) bpfnet

help:
	@echo "Targets:"
	@echo "  all        build ./bpfnet (default)"
	@echo "  test       install missing dependencies, build, run every test (root)"
	@echo "  demo       install missing dependencies, build, run the demo (root)"
	@echo "  bench      benchmarks side by side (QUICK=1 for a smoke run)"
	@echo "  install    install to \$$(DESTDIR)\$$(PREFIX)/bin (PREFIX=$(PREFIX))"
	@echo "  vmlinux    regenerate vmlinux.h from /sys/kernel/btf/vmlinux"
	@echo "  clean      remove build output"
	@echo "  V=1        show commands"

-include $(USER_OBJS:.o=.d)
