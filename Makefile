# emoc — build, test, install.  `make`, `make test`, `make test SANITIZE=1`, `make ISA=ref`.
# Sources are found by wildcard: adding a file under engine/, weights/, nets/, post/, tools/ or
# tests/ needs no Makefile edit.  ISA-specific files are named *_avx2.c, *_avx512.c, *_neon.c
# (kernels) and *_x86crypto.c, *_vpclmul.c, *_armcrypto.c (CRC-32 folding and SHA-256 with the
# CPU's carry-less multiply and SHA instructions: engine/base/) and are the only ones compiled
# with ISA flags (docs/architecture.md R2); the rest stays baseline.
# Products (docs/architecture.md): libemoc (engine/ nets/ post/: the inference library, exports
# only what include/ declares), libemoc_convert.a (weights/: the converters, static, linked into
# the CLI, never installed), the emoc CLI (tools/), and for the suite the test CLI
# emoc_test_cli (the CLI plus the test-only net of tests/core/tinynet_net.c).

CC       ?= cc
PYTHON   ?= /usr/bin/python3
ISA      ?= auto
SANITIZE ?= 0
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR   ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
VERSION  := 0.1.0

MACHINE  := $(shell $(CC) -dumpmachine)
OPT      ?= -O2
CFLAGS_COMMON := -std=c11 $(OPT) -g -Wall -Wextra -Werror -fPIC -pthread -ffp-contract=off \
                 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -I. \
                 -fvisibility=hidden -DEMOC_VERSION_STRING=\"$(VERSION)\"
LDLIBS   := -lm -pthread
# Reproducible builds (docs/builds.md): no absolute build path in debug info or __FILE__, and
# deterministic archives; sources are already listed sorted.
CFLAGS_COMMON += -ffile-prefix-map=$(CURDIR)=.
# 64-bit file offsets and inode numbers on 32-bit targets too (armhf): without them readdir() and
# stat() fail with EOVERFLOW on large file systems, and folders look empty.
CFLAGS_COMMON += -D_FILE_OFFSET_BITS=64
ARFLAGS_DET := rcsD
CRITERION_LIBS ?= -lcriterion

BUILD    := build
ifeq ($(SANITIZE),1)
  BUILD := build/san
  CFLAGS_COMMON += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(ISA),ref)
  BUILD := $(BUILD)/ref
  CFLAGS_COMMON += -DEMOC_ISA_REF_ONLY
endif

LIB_SRC := $(sort $(wildcard engine/*/*.c engine/kernels/*/*.c nets/*.c post/*.c))
X86_ONLY := %_avx2.c %_avx512.c %_x86crypto.c %_vpclmul.c
ARM_ONLY := %_neon.c %_armcrypto.c
ifeq ($(ISA),ref)
  LIB_SRC := $(filter-out $(X86_ONLY) $(ARM_ONLY),$(LIB_SRC))
else ifneq (,$(findstring x86_64,$(MACHINE)))
  LIB_SRC := $(filter-out $(ARM_ONLY),$(LIB_SRC))
else ifneq (,$(findstring aarch64,$(MACHINE)))
  LIB_SRC := $(filter-out $(X86_ONLY),$(LIB_SRC))
else ifneq (,$(findstring arm-linux-gnueabihf,$(MACHINE)))
  # 32-bit ARMv7 hard-float: NEON kernels built with -mfpu=neon, used when AT_HWCAP says so
  # (the ARMv8 crypto files are AArch64 only)
  LIB_SRC := $(filter-out $(X86_ONLY) %_armcrypto.c,$(LIB_SRC))
  ISA_NEON := -mfpu=neon
else
  LIB_SRC := $(filter-out $(X86_ONLY) $(ARM_ONLY),$(LIB_SRC))
  CFLAGS_COMMON += -DEMOC_ISA_REF_ONLY
endif
CONV_SRC := $(sort $(wildcard weights/*.c))
CLI_SRC  := $(sort $(wildcard tools/*.c tools/*/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c tests/*/*.c))
TEST_SRC := $(filter-out tests/fuzz/%,$(TEST_SRC))
TEST_NET_SRC := tests/core/tinynet_net.c

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CONV_OBJ := $(CONV_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_NET_OBJ := $(TEST_NET_SRC:%.c=$(BUILD)/obj/%.o)
CLI_MAIN_OBJ := $(BUILD)/obj/tools/emoc.o
APP_LIBS := $(BUILD)/libemoc_convert.a $(BUILD)/libemoc.a

ISA_AVX2   := -mavx2 -mfma -mf16c
ISA_AVX512 := -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c
ISA_X86CRYPTO := -msse4.1 -mpclmul -msha
ISA_VPCLMUL := -mavx512f -mvpclmulqdq -mpclmul -msse4.1
ISA_ARMCRYPTO := -march=armv8-a+crypto

all: $(BUILD)/libemoc.a $(BUILD)/libemoc.so $(BUILD)/libemoc_convert.a $(BUILD)/emoc

$(BUILD)/obj/%_avx2.o: %_avx2.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_AVX2) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%_avx512.o: %_avx512.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_AVX512) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%_neon.o: %_neon.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_NEON) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%_x86crypto.o: %_x86crypto.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_X86CRYPTO) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%_vpclmul.o: %_vpclmul.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_VPCLMUL) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%_armcrypto.o: %_armcrypto.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(ISA_ARMCRYPTO) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_COMMON) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libemoc.a: $(LIB_OBJ)
	@rm -f $@
	ar $(ARFLAGS_DET) $@ $^
$(BUILD)/libemoc.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libemoc.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/libemoc_convert.a: $(CONV_OBJ)
	@rm -f $@
	ar rcs $@ $^
# The CLI's commands and input iteration (tools/ but main), also linked by the suite.
$(BUILD)/libemoc_cli.a: $(filter-out $(CLI_MAIN_OBJ),$(CLI_OBJ))
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/emoc: $(CLI_MAIN_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_MAIN_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS) $(LDLIBS)
$(BUILD)/emoc_test_cli: $(CLI_MAIN_OBJ) $(TEST_NET_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_MAIN_OBJ) $(TEST_NET_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS) $(LDLIBS)
$(BUILD)/emoc_tests: $(TEST_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/libemoc_cli.a $(APP_LIBS) $(CRITERION_LIBS) $(LDLIBS)

# The whole Criterion suite.  Tests find fixtures relative to the repository root and the CLI at
# $(BUILD)/emoc_test_cli (EMOC_BIN: the CLI that also knows the test net "tinynet").
test: $(BUILD)/emoc_tests $(BUILD)/emoc_test_cli
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc_test_cli EMOC_ROOT=$(CURDIR) ./$(BUILD)/emoc_tests $(TEST_ARGS)

# The shared library exports exactly the functions include/ declares (EMOC_API), nothing else.
check-exports: $(BUILD)/libemoc.so $(BUILD)/libemoc.a
	bash tests/check_exports.sh $(BUILD)/libemoc.so $(BUILD)/libemoc.a

# Comments cite documents inside the repository only (docs/architecture.md).
check-citations:
	bash tests/check_citations.sh

# Conformance against PyTorch (needs Debian python3-torch, python3-onnx): tools/reference/;
# BlazeFace against the TFLite runtime on the real MediaPipe weights (needs nodejs, npm):
# tools/reference/blazeface/.
conformance: all
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc PYTHON=$(PYTHON) bash tools/reference/conformance.sh; a=$$?; \
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc PYTHON=$(PYTHON) bash tools/reference/mtcnn/conformance.sh; \
	b=$$?; EMOC_BIN=$(CURDIR)/$(BUILD)/emoc PYTHON=$(PYTHON) bash tools/reference/retinaface/conformance.sh; \
	c=$$?; exit $$((a | b | c))
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc EMOC_LIB=$(CURDIR)/$(BUILD)/libemoc.a PYTHON=$(PYTHON) \
	  bash tools/reference/blazeface/conformance.sh

# Fuzz targets (clang libFuzzer), FUZZ_SECONDS each; FUZZ_SEED fixes the seed (CI: 1), unset = random.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) bash tests/fuzz/run.sh

bench: all
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc PYTHON=$(PYTHON) bash bench/run.sh

models: all
	EMOC_BIN=$(CURDIR)/$(BUILD)/emoc bash tools/make_models.sh

# ARM64: cross-compile with Debian's aarch64 gcc and run the kernel tests under qemu-user, linked
# against the small Criterion shim in tests/kernels/shim/ (build/aarch64/kernel_tests).
# Loader and libc must come from one glibc build (see tests/qemu/emoc_qemu.sh): the cross ones,
# pinned by LD_LIBRARY_PATH because a multiarch libc6:arm64 would otherwise be found first.
# `make test-qemu-full` runs the WHOLE suite linked against Debian's real aarch64 Criterion
# (unpacked by tests/qemu/criterion_aarch64.sh into build/aarch64-criterion:
# libcriterion-dev:arm64 cannot be co-installed with the amd64 one) on Debian's arm64 libc6
# (multiarch, needed by Criterion's libgit2/libffi), with tests/qemu/preload/qemu_exec.c
# preloaded so that Criterion's per-test workers (fork + execve of itself) start under qemu too.
# CLI tests spawn $$EMOC_BIN = tests/qemu/emoc_qemu.sh.
A64_CRIT  := build/aarch64-criterion/root
A64_LIBS  := $(CURDIR)/$(A64_CRIT)/usr/lib/aarch64-linux-gnu
A64_PRELOAD := build/aarch64/qemu_exec.so
cross-aarch64:
	$(MAKE) CC=aarch64-linux-gnu-gcc BUILD=build/aarch64 all build/aarch64/kernel_tests
test-qemu: cross-aarch64
	EMOC_BIN=$(CURDIR)/build/aarch64/emoc EMOC_ROOT=$(CURDIR) QEMU_LD_PREFIX=/usr/aarch64-linux-gnu \
	  QEMU_SET_ENV=LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib qemu-aarch64 -cpu max ./build/aarch64/kernel_tests $(TEST_ARGS)
$(A64_CRIT)/usr/lib/aarch64-linux-gnu/libcriterion.so.3: tests/qemu/criterion_aarch64.sh
	bash tests/qemu/criterion_aarch64.sh build/aarch64-criterion
$(A64_PRELOAD): tests/qemu/preload/qemu_exec.c
	@mkdir -p $(dir $@)
	aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl
cross-aarch64-full: $(A64_CRIT)/usr/lib/aarch64-linux-gnu/libcriterion.so.3 $(A64_PRELOAD)
	$(MAKE) CC=aarch64-linux-gnu-gcc BUILD=build/aarch64 CFLAGS="$(CFLAGS) -isystem $(CURDIR)/$(A64_CRIT)/usr/include" \
	  CRITERION_LIBS="$(A64_LIBS)/libcriterion.so.3 -Wl,-rpath-link,$(A64_LIBS):/usr/lib/aarch64-linux-gnu" \
	  all build/aarch64/emoc_tests build/aarch64/emoc_test_cli
# qemu-user cannot install a guest's seccomp filter: these suites run the CLI with EMOC_SANDBOX=0
# (docs/sandbox.md); tests/tools/test_sandbox.c checks the fail-closed path there instead.
test-qemu-full: cross-aarch64-full
	@echo "test-qemu-full: EMOC_SANDBOX=0 (qemu-user cannot install seccomp filters; docs/sandbox.md)"
	EMOC_SANDBOX=0 EMOC_SOAK_EMULATED=1 EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu.sh EMOC_AARCH64_BIN=$(CURDIR)/build/aarch64/emoc_test_cli EMOC_ROOT=$(CURDIR) \
	  QEMU_SET_ENV=LD_LIBRARY_PATH=$(A64_LIBS),LD_PRELOAD=$(CURDIR)/$(A64_PRELOAD) \
	  qemu-aarch64 -L / ./build/aarch64/emoc_tests $(TEST_ARGS)
# Conformance of the aarch64 binary against PyTorch under qemu-user: every input at ISA neon, the
# face input at ref (each emulated forward pass takes 4-20 s).
conformance-aarch64: cross-aarch64
	@echo "conformance-aarch64: EMOC_SANDBOX=0 (qemu-user cannot install seccomp filters; docs/sandbox.md)"
	EMOC_SANDBOX=0 EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu.sh EMOC_CONF_ARCH=aarch64 EMOC_CONF_ISAS="$${EMOC_CONF_ISAS:-neon ref}" \
	  EMOC_CONF_INPUTS_ref="$${EMOC_CONF_INPUTS_ref-face}" EMOC_CONF_JOBS="$${EMOC_CONF_JOBS:-2}" \
	  PYTHON=$(PYTHON) bash tools/reference/conformance.sh
# The detectors' conformance of the aarch64 binary under qemu-user (docs/detectors.md), on a
# reduced input set: the references are computed natively once (reused from `make conformance`
# when their stamp matches the generators, else generated here); MTCNN and RetinaFace 0.25 on
# their `border` frame at neon and ref, the RetinaFace 1MB net at neon, BlazeFace's three models
# on `border` and `sizes` at neon and ref (TFLite natively). DET_A64_* override the sets.
DET_A64_QEMU := EMOC_SANDBOX=0 EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu.sh EMOC_DET_REUSE=1 PYTHON=$(PYTHON)
# $(call det_qemu_conformance,ARCH,QEMU_ENV,SET_PREFIX): the four detector checks on ARCH's binary.
define det_qemu_conformance
rc=0; run() { name=$$1; shift; t=$$(date +%s); env $(2) "$$@" || rc=1; \
  echo "conformance-detectors-$(1): $$name took $$(($$(date +%s) - t)) s"; }; \
run mtcnn EMOC_CONF_ISAS="neon ref" EMOC_MTCNN_IMAGES="$${$(3)_MTCNN-border}" \
  bash tools/reference/mtcnn/conformance.sh; \
run retinaface EMOC_CONF_ISAS="neon ref" EMOC_RETINAFACE_VARIANTS=0.25 EMOC_RETINAFACE_WORK=$(CURDIR)/build/retinaface-$(1) \
  EMOC_RETINAFACE_IMAGES="$${$(3)_RETINAFACE-border}" bash tools/reference/retinaface/conformance.sh; \
run retinaface_1mb EMOC_CONF_ISAS=neon EMOC_RETINAFACE_VARIANTS=1mb EMOC_RETINAFACE_WORK=$(CURDIR)/build/retinaface_1mb-$(1) \
  EMOC_RETINAFACE_IMAGES="$${$(3)_RETINAFACE-border}" bash tools/reference/retinaface/conformance.sh; \
run blazeface EMOC_CONF_ISAS="neon ref" EMOC_CONF_ARCH=$(1) EMOC_BLAZE_IMAGES="$${$(3)_BLAZEFACE-border,sizes}" \
  bash tools/reference/blazeface/conformance.sh; \
exit $$rc
endef
conformance-detectors-aarch64: all cross-aarch64
	@echo "conformance-detectors-aarch64: EMOC_SANDBOX=0 (qemu-user cannot install seccomp filters; docs/sandbox.md)"
	$(call det_qemu_conformance,aarch64,$(DET_A64_QEMU),DET_A64)

$(BUILD)/emoc.pc: tools/emoc.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: all $(BUILD)/emoc.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(BUILD)/libemoc.a $(DESTDIR)$(LIBDIR)/libemoc.a
	install -m 755 $(BUILD)/libemoc.so $(DESTDIR)$(LIBDIR)/libemoc.so.$(VERSION)
	ln -sf libemoc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libemoc.so.0
	ln -sf libemoc.so.0 $(DESTDIR)$(LIBDIR)/libemoc.so
	install -m 644 include/emoc.h include/emoc_abaw.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/emoc.pc $(DESTDIR)$(PKGCONFIGDIR)/emoc.pc
	install -m 755 $(BUILD)/emoc $(DESTDIR)$(BINDIR)/emoc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libemoc.a $(DESTDIR)$(LIBDIR)/libemoc.so* \
	      $(DESTDIR)$(INCLUDEDIR)/emoc.h $(DESTDIR)$(INCLUDEDIR)/emoc_abaw.h $(DESTDIR)$(PKGCONFIGDIR)/emoc.pc $(DESTDIR)$(BINDIR)/emoc

clean:
	rm -rf build

.PHONY: all test check-exports check-citations conformance fuzz bench models cross-aarch64 test-qemu cross-aarch64-full test-qemu-full conformance-aarch64 conformance-detectors-aarch64 install uninstall clean
-include $(LIB_OBJ:.o=.d) $(CONV_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)

# ---- micro-benchmarks (bench/bench_NAME.c, each linked against libemoc.a; not built by `all`) ---
#   make bench-kernels: median ns and GFLOP/s per kernel and ISA on EfficientNet-B0 shapes (CSV);
#   make bench-lp:      the bf16 / int8 GEMM passes (quant, GEMM) next to fp32 on B0's shapes;
#   make bench-pool:    the thread pool's own cost per fork-join round (CSV).
BENCH_TOOLS := kernels lp pool
$(BENCH_TOOLS:%=$(BUILD)/bench_%): $(BUILD)/bench_%: bench/bench_%.c $(BUILD)/libemoc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(CFLAGS) -o $@ $< $(BUILD)/libemoc.a $(LDLIBS)
$(BENCH_TOOLS:%=bench-%): bench-%: $(BUILD)/bench_%
	./$(BUILD)/bench_$* $(BENCH_ARGS)
.PHONY: $(BENCH_TOOLS:%=bench-%)
# Kernel tests linked with the Criterion shim (for `make test-qemu`; see the cross rules above).
KTEST_SRC := $(sort $(wildcard tests/kernels/*.c)) tests/kernels/shim/shim_main.c
$(BUILD)/kernel_tests: $(KTEST_SRC) $(wildcard tests/kernels/*.h tests/kernels/shim/*/*.h) $(BUILD)/libemoc.a
	$(CC) $(CFLAGS_COMMON) $(CFLAGS) -Itests/kernels/shim -o $@ $(KTEST_SRC) $(BUILD)/libemoc.a $(LDLIBS)

# ---- builds people can carry (docs/builds.md) --------------------------------------------------
# `emoc --license` prints LICENSE, which tools/license.c embeds with .incbin.
$(BUILD)/obj/tools/license.o: LICENSE
# `make static`: build/static/emoc, one fully static, stripped executable (musl libc from Debian's
# musl-tools; STATIC_CC=gcc gives a glibc static one) that runs with nothing installed.
# musl-gcc searches only musl's headers; the sandbox needs the kernel's UAPI headers (linux/,
# asm/, asm-generic/), which do not depend on the libc: they are linked into one folder for it.
STATIC_CC ?= musl-gcc
STATIC_KHDR := build/static/kernel-headers
static:
	mkdir -p $(STATIC_KHDR)
	ln -sfn /usr/include/linux $(STATIC_KHDR)/linux
	ln -sfn /usr/include/asm-generic $(STATIC_KHDR)/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(STATIC_KHDR)/asm
	$(MAKE) CC=$(STATIC_CC) BUILD=build/static CFLAGS="$(CFLAGS) -ffunction-sections -fdata-sections -isystem $(STATIC_KHDR)" \
	  LDFLAGS="$(LDFLAGS) -static -s -Wl,--gc-sections" build/static/emoc
	@ls -l build/static/emoc | awk '{print "static: build/static/emoc", $$5, "bytes"}'
# Two builds of this tree in different directories at different times: bit-identical outputs.
check-reproducible:
	bash tests/builds/reproducible.sh
.PHONY: static check-reproducible
# 32-bit ARM, armv7 hard-float (docs/builds.md): the whole suite under qemu-arm, once with the
# NEON kernels (picked at run time from AT_HWCAP; qemu-arm's default CPU has NEON) and once built
# with ISA=ref. Debian bookworm builds no armhf Criterion, so the suite is linked against the
# Criterion shim of tests/kernels/shim/ (each test forked, as Criterion does); CLI tests spawn
# tests/qemu/emoc_qemu_armhf.sh. AHF_JOBS tests run at once. As in test-qemu-full, /proc shows the
# emulator, so the soak test checks rows and descriptors but not resident memory (EMOC_SOAK_EMULATED).
AHF_CC := arm-linux-gnueabihf-gcc
AHF_JOBS ?= 2
AHF_QEMU = EMOC_SANDBOX=0 EMOC_SOAK_EMULATED=1 EMOC_ROOT=$(CURDIR) EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu_armhf.sh \
  qemu-arm -L /usr/arm-linux-gnueabihf -E LD_LIBRARY_PATH=/usr/arm-linux-gnueabihf/lib
cross-armhf:
	$(MAKE) CC=$(AHF_CC) BUILD=build/armhf all
cross-armhf-full:
	$(MAKE) CC=$(AHF_CC) BUILD=build/armhf CFLAGS="$(CFLAGS) -Itests/kernels/shim" \
	  CRITERION_LIBS=build/armhf/obj/tests/kernels/shim/shim_main.o all build/armhf/emoc_tests build/armhf/emoc_test_cli
	$(MAKE) CC=$(AHF_CC) BUILD=build/armhf/ref ISA=ref CFLAGS="$(CFLAGS) -Itests/kernels/shim" \
	  CRITERION_LIBS=build/armhf/ref/obj/tests/kernels/shim/shim_main.o all build/armhf/ref/emoc_tests build/armhf/ref/emoc_test_cli
$(BUILD)/emoc_tests: $(if $(findstring shim_main,$(CRITERION_LIBS)),$(CRITERION_LIBS))
AHF_TIMEOUT_SCALE ?= 10
test-qemu-armhf: cross-armhf-full
	@echo "test-qemu-armhf: EMOC_SANDBOX=0 (emoc has seccomp filters for x86-64 and ARM64 only; docs/sandbox.md)"
	$(AHF_QEMU) ./build/armhf/emoc --version | grep -qx 'isa: neon'
	$(AHF_QEMU) -cpu cortex-r5f ./build/armhf/emoc --version | grep -qx 'isa: ref'
	SHIM_TIMEOUT_SCALE=$(AHF_TIMEOUT_SCALE) EMOC_ARMHF_BIN=$(CURDIR)/build/armhf/emoc_test_cli \
	  $(AHF_QEMU) ./build/armhf/emoc_tests -j$(AHF_JOBS) $(TEST_ARGS)
	SHIM_TIMEOUT_SCALE=$(AHF_TIMEOUT_SCALE) EMOC_ARMHF_BIN=$(CURDIR)/build/armhf/ref/emoc_test_cli \
	  $(AHF_QEMU) ./build/armhf/ref/emoc_tests -j$(AHF_JOBS) $(TEST_ARGS)
# PyTorch conformance of the armhf binary under qemu-arm: one input per net, NEON and ref.
conformance-armhf: cross-armhf
	@echo "conformance-armhf: EMOC_SANDBOX=0 (emoc has seccomp filters for x86-64 and ARM64 only; docs/sandbox.md)"
	EMOC_SANDBOX=0 EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu_armhf.sh EMOC_CONF_ARCH=armhf EMOC_CONF_ISAS="$${EMOC_CONF_ISAS:-neon ref}" \
	  EMOC_CONF_INPUTS_neon="$${EMOC_CONF_INPUTS_neon-face}" EMOC_CONF_INPUTS_ref="$${EMOC_CONF_INPUTS_ref-face}" \
	  EMOC_CONF_JOBS="$${EMOC_CONF_JOBS:-2}" PYTHON=$(PYTHON) bash tools/reference/conformance.sh
# The detectors' conformance of the armhf binary under qemu-arm: the reduced input set of
# conformance-detectors-aarch64 (MTCNN, RetinaFace 0.25 and 1MB, BlazeFace), NEON and ref, the
# references reused from `make conformance` (docs/detectors.md, "Conformance at every ISA").
DET_AHF_QEMU := EMOC_SANDBOX=0 EMOC_BIN=$(CURDIR)/tests/qemu/emoc_qemu_armhf.sh EMOC_DET_REUSE=1 PYTHON=$(PYTHON)
conformance-detectors-armhf: all cross-armhf
	@echo "conformance-detectors-armhf: EMOC_SANDBOX=0 (emoc has seccomp filters for x86-64 and ARM64 only; docs/sandbox.md)"
	$(call det_qemu_conformance,armhf,$(DET_AHF_QEMU),DET_AHF)
.PHONY: cross-armhf cross-armhf-full test-qemu-armhf conformance-armhf conformance-detectors-armhf
