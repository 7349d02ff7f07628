# SPDX-License-Identifier: GPL-2.0
#
# Shared kbuild fragment for every Rust module of the suite. A module's
# Kbuild includes it and then:
#
#   obj-m        += foo.o
#   foo-y        := foo_main.o $(vdpa_rs_helpers)
#   $(obj)/foo_main.o: $(obj)/bindings_generated.rs
#
# It provides:
#  - $(obj)/bindings_generated.rs: bindgen run over include/vdpa_rs/bindings_helper.h
#    with the kernel's own bindgen flags (the C flags of this build minus
#    the ones rust/Makefile lists as unknown to libclang). The Rust side
#    includes it through vdpa_core/abi/bindings.rs; the path reaches rustc in
#    the VDPA_RS_BINDINGS environment variable.
#  - $(vdpa_rs_helpers): C glue for static inline functions and macros,
#    compiled once per module from include/vdpa_rs/helpers.c. The symbols
#    are not exported, so every module carries its own copy.

VDPA_RS_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)

ccflags-y += -I$(VDPA_RS_TOP)/include

# Rust warnings that the kernel's own Rust code is built with.
rustflags-y += -Dunsafe_op_in_unsafe_fn -Wmissing_docs

# The kernel's list of GCC-only flags that bindgen must not see, read from
# the tree we build against so it always matches that kernel version.
vdpa_rs_bindgen_skip := $(shell sed -n '/^bindgen_skip_c_flags :=/,/[^\\]$$/p' \
	$(srctree)/rust/Makefile | sed -e 's/^bindgen_skip_c_flags :=//' -e 's/\\$$//')

vdpa_rs_bindgen_cflags = $(filter-out $(vdpa_rs_bindgen_skip), $(c_flags)) \
	-w --target=x86_64-linux-gnu -fno-builtin -D__BINDGEN__ -DMODULE \
	$(if $(CONFIG_INIT_STACK_ALL_ZERO),-enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang)

quiet_cmd_vdpa_rs_bindgen = BINDGEN $@
      cmd_vdpa_rs_bindgen = \
	$(BINDGEN) $< --rust-target 1.68 --use-core --with-derive-default \
		--ctypes-prefix ffi --no-layout-tests --no-debug '.*' \
		--enable-function-attribute-detection \
		$(shell grep -Ev '^\#|^$$' $(srctree)/rust/bindgen_parameters) \
		$(shell grep -Ev '^\#|^$$' $(VDPA_RS_TOP)/include/vdpa_rs/bindgen_parameters) \
		-o $@ -- $(vdpa_rs_bindgen_cflags)

$(obj)/bindings_generated.rs: $(VDPA_RS_TOP)/include/vdpa_rs/bindings_helper.h \
		$(VDPA_RS_TOP)/include/vdpa_rs/bindgen_parameters FORCE
	$(call if_changed_dep,vdpa_rs_bindgen)

targets += bindings_generated.rs

export VDPA_RS_BINDINGS := $(abspath $(obj)/bindings_generated.rs)

$(obj)/vdpa_rs_helpers.o: $(VDPA_RS_TOP)/include/vdpa_rs/helpers.c FORCE
	$(call if_changed_rule,cc_o_c)

vdpa_rs_helpers := vdpa_rs_helpers.o
