# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# kflow - one Makefile in the libbpf-bootstrap style:
#   clang -target bpf -> bpftool gen object -> bpftool gen skeleton -> agent.
# `make V=1` shows the commands, `make help` lists the targets.

OUTPUT := .output
BUILD := build
CLANG ?= clang-19
LLVM_STRIP ?= llvm-strip-19
BPFTOOL ?= bpftool
CC ?= cc
PKG_CONFIG ?= pkg-config
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/' \
			 | sed 's/arm.*/arm/' \
			 | sed 's/aarch64/arm64/' \
			 | sed 's/ppc64le/powerpc/' \
			 | sed 's/mips.*/mips/' \
			 | sed 's/riscv64/riscv/' \
			 | sed 's/loongarch64/loongarch/')

# The release is the VERSION file's; the ABI is headers/kflow.h's.
# ABI_OVERRIDE=N builds an agent that claims ABI N (upgrade tests): give it
# its own OUTPUT and BUILD, objects are not rebuilt when it changes.
VERSION := $(shell cat VERSION)
KF_ABI := $(or $(ABI_OVERRIDE),$(shell sed -n 's/^\#define KF_ABI_VERSION \([0-9]*\)/\1/p' headers/kflow.h))

PKGS := libbpf libelf zlib libmnl libmicrohttpd jansson sqlite3 libcurl
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# BPF programs see the system's uapi headers (asm/types.h lives in the
# multiarch directory): take clang's own search list, as libbpf-bootstrap does.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# The agent is grouped by the stage a record passes (README, Layout).
USER_DIRS := user $(patsubst %/,%,$(sort $(dir $(wildcard user/*/*.c))))
INCLUDES := -I$(OUTPUT) -Iheaders $(addprefix -I,$(USER_DIRS))
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE $(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS) -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror
ifneq ($(ABI_OVERRIDE),)
CFLAGS += -DKF_ABI_VERSION=$(ABI_OVERRIDE)
BPF_CFLAGS += -DKF_ABI_VERSION=$(ABI_OVERRIDE)
endif

BPF_APPS := kflow identity bench_empty bench_floor test_stamp
AGENT_SRCS := $(filter-out user/main.c,$(wildcard $(addsuffix /*.c,$(USER_DIRS))))
AGENT_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(AGENT_SRCS))
TEST_SRCS := $(wildcard selftests/prog_tests/*.c)
TEST_OBJS := $(patsubst selftests/prog_tests/%.c,$(OUTPUT)/tests/%.o,$(TEST_SRCS))
HDRS := $(wildcard headers/*.h $(addsuffix /*.h,$(USER_DIRS)))
BPF_HDRS := $(wildcard bpf/*.bpf.h) headers/kflow.h
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_APPS))
# The database tables: tools/sql/*.sql are the one source; the C header with
# both engines' DDL and the column lists is generated from them.
SQL_FILES := $(addprefix tools/sql/,l4_flow_log.sql RPT_TRANSACTION_NF.sql RPT_USAGE_NF.sql \
	RPT_GLB_USAGE_NF.sql CONF_TZ_OFFSET_NF.sql NF_INI_VALUES.sql)
GEN_HDRS := $(SKELS) $(OUTPUT)/sqlschema_gen.h

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s%s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(2))" \
		"$(if $(3), $(3))";
	MAKEFLAGS += --no-print-directory
endif

.PHONY: all
all: check-deps $(BUILD)/kflow

.PHONY: help
help:
	@echo 'kflow targets:'
	@echo '  all        build the agent as build/kflow (default)'
	@echo '  test       every test: unit (prog_tests) then network (needs root)'
	@echo '  test-unit  BPF_PROG_TEST_RUN packet tables, no network'
	@echo '  test-net   end-to-end tests in network namespaces (root)'
	@echo '  bench      per-packet cost beside empty and floor programs, drain cost;'
	@echo '             then live traffic (iperf3, veth, namespaces) beside an empty program;'
	@echo '             then --stream end to end (events/s, SYN to flow_start latency)'
	@echo '  deps       install the Debian packages the build and tests need'
	@echo '  vmlinux    regenerate headers/vmlinux.h from the running kernel'
	@echo '  install    install build/kflow to $$(PREFIX)/sbin'
	@echo '  image      OCI image $$(IMAGE):$$(VERSION) (podman, FROM scratch, offline)'
	@echo '  clean      remove build output'
	@echo 'Variables: V=1 (show commands), CLANG, BPFTOOL, CROSS_COMPILE, PREFIX,'
	@echo '           IMAGE, IMAGE_TAG, PODMAN, ABI_OVERRIDE (test builds)'

.PHONY: check-deps
check-deps:
	@command -v $(CLANG) >/dev/null || { echo "missing $(CLANG): run 'make deps' (needs clang-19)" >&2; exit 1; }
	@command -v $(BPFTOOL) >/dev/null || { echo "missing bpftool: run 'make deps'" >&2; exit 1; }
	@$(PKG_CONFIG) --exists $(PKGS) || { echo "missing pkg-config or one of: $(PKGS) (-dev packages): run 'make deps'" >&2; exit 1; }

.PHONY: deps
deps:
	$(Q)tools/install-deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(BUILD):
	$(call msg,MKDIR,$@)
	$(Q)mkdir -p $@

# BPF object: compile, then link through bpftool (it strips DWARF, keeps BTF).
$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Iheaders -Ibpf $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(OUTPUT)/sqlschema_gen.h: tools/sql/gen-schema.awk $(SQL_FILES) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)awk -f tools/sql/gen-schema.awk $(SQL_FILES) > $@

$(OUTPUT)/user/%.o: user/%.c $(HDRS) $(GEN_HDRS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CROSS_COMPILE)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

# Only version.o sees the version; the stamp changes (and rebuilds it) when
# the version does, from the VERSION file or make VERSION=.
$(OUTPUT)/user/version.o: CFLAGS += -DKF_VERSION='"$(VERSION)"'
$(OUTPUT)/user/version.o: $(OUTPUT)/version.stamp
$(OUTPUT)/version.stamp: FORCE | $(OUTPUT)
	$(Q)echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

.PHONY: FORCE
FORCE:

$(BUILD)/kflow: $(OUTPUT)/user/main.o $(AGENT_OBJS) | $(BUILD)
	$(call msg,BINARY,$@)
	$(Q)$(CROSS_COMPILE)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# Unit tests: every selftests/prog_tests/*.c defines test_<file>(); the list
# is generated, as in the kernel selftests.
$(OUTPUT)/tests/tests.h: $(TEST_SRCS) | $(OUTPUT)/tests
	$(call msg,GEN,$@)
	$(Q)for f in $(notdir $(basename $(TEST_SRCS))); do echo "DEFINE_TEST($$f)"; done > $@

$(OUTPUT)/tests/%.o: selftests/prog_tests/%.c selftests/test_progs.h $(HDRS) $(GEN_HDRS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Iselftests -c $< -o $@

$(OUTPUT)/tests/test_progs.o: selftests/test_progs.c selftests/test_progs.h $(OUTPUT)/tests/tests.h $(HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Iselftests -I$(OUTPUT)/tests -c $< -o $@

$(BUILD)/test_progs: $(OUTPUT)/tests/test_progs.o $(TEST_OBJS) $(AGENT_OBJS) | $(BUILD)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/bench.o: selftests/bench/bench.c $(HDRS) $(GEN_HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/kflow-bench: $(OUTPUT)/bench.o $(AGENT_OBJS) | $(BUILD)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

.PHONY: test test-unit test-net
test: test-unit test-net
	@echo "all tests passed"

test-unit: all $(BUILD)/test_progs
	$(Q)$(BUILD)/test_progs

test-net: all
	$(Q)selftests/net/test_runner.sh

# The microbenchmark (BPF_PROG_TEST_RUN), then the live bench: kflow as
# users run it, on veth traffic between namespaces (root).
.PHONY: bench
bench: all $(BUILD)/kflow-bench $(OUTPUT)/bench_empty.bpf.o
	$(Q)$(BUILD)/kflow-bench
	$(Q)selftests/bench/live.sh
	$(Q)selftests/bench/stream.sh

.PHONY: vmlinux
vmlinux:
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > headers/vmlinux.h

PREFIX ?= /usr/local
.PHONY: install
install: $(BUILD)/kflow
	install -D -m 0755 $(BUILD)/kflow $(DESTDIR)$(PREFIX)/sbin/kflow

# The image holds build/kflow, the libraries ldd names and the loader,
# nothing pulled (tools/image.sh). PODMAN may carry global options
# (--root ...) to build into another store.
IMAGE ?= kflow
IMAGE_TAG ?= $(VERSION)
PODMAN ?= podman
.PHONY: image
image: all
	$(call msg,IMAGE,$(IMAGE):$(IMAGE_TAG))
	$(Q)KF_VERSION=$(VERSION) KF_ABI=$(KF_ABI) PODMAN="$(PODMAN)" \
		tools/image.sh $(BUILD)/kflow $(OUTPUT)/image $(IMAGE):$(IMAGE_TAG)

.PHONY: clean
clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) $(BUILD)

.DELETE_ON_ERROR:
.SECONDARY:
