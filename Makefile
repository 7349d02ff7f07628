# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the Rust vDPA suite.
#
#   make                     build every module against the test kernel
#   make KDIR=/path/to/tree  build against your own Rust-enabled 6.12 tree
#   make clean
#   make modules_install     install into /lib/modules/<ver>/updates/
#   make -s kdir             print the test-kernel build directory
#   make check               run every test (tools/check)
#   make demo                the demo (tools/demo)


ifeq ($(origin KDIR),undefined)
KDIR := $(shell $(CURDIR)/tools/kernel/kdir)
endif
VDPA_RS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vdpa-rs

# The compiler and bindgen the kernel was built with. For your own tree,
# override them if it was built with others.
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(firstword $(wildcard $(VDPA_RS_CACHE)/tools/bin/bindgen) bindgen)

KBUILD_ARGS = -C $(KDIR) M=$(CURDIR) RUSTC=$(RUSTC) HOSTRUSTC=$(RUSTC) BINDGEN=$(BINDGEN)

all: modules

modules modules_install: check-kdir
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_DIR=updates $@

clean:
	@test ! -f $(KDIR)/Makefile || $(MAKE) $(KBUILD_ARGS) clean
	@find . -name bindings_generated.rs -delete

check-kdir:
	@test -f $(KDIR)/Module.symvers || { \
		echo "error: $(KDIR) is not a built kernel tree (no Module.symvers)."; \
		echo "hint:  run tools/setup to build the test kernel, or pass KDIR=<your 6.12 tree>."; \
		exit 1; }

kdir:
	@echo $(KDIR)

check:
	$(CURDIR)/tools/check

demo:
	$(CURDIR)/tools/demo

.PHONY: all modules modules_install clean check-kdir kdir check demo
