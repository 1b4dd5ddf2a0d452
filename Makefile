# Thin wrapper so the README commands stay short; meson/ninja do the work.
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all build asan unit check check-headers demo bench format format-check clean

all: build

build:
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --werror
	ninja -C $(BUILD)

# ASan+UBSan: the test suite also runs against this build.
asan:
	@test -f $(ASAN_BUILD)/build.ninja || meson setup $(ASAN_BUILD) --werror \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
	ninja -C $(ASAN_BUILD)

unit: build
	meson test -C $(BUILD) --print-errorlogs

# Everything, as CI runs it; ends with "N passed, M failed".
check:
	@scripts/install-deps --test
	@tests/engines/setup
	@tests/run-all

# tong's main job: build, make a busybox bundle, run an isolated, limited container.
demo:
	@scripts/demo

bench: build
	/usr/bin/python3 bench/bench.py

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Headers under src/lib/ are found through -Isrc/lib: none may shadow a system header
# (<linux/mount.h> is included by <sys/mount.h>, <linux/seccomp.h> by <seccomp.h>).
check-headers:
	@bad=$$(for f in src/lib/*/*.h; do d=$$(basename $$(dirname $$f)); \
		[ -e /usr/include/$$d/$$(basename $$f) ] && echo $$f; done); \
	if [ -n "$$bad" ]; then echo "headers shadowing system headers: $$bad"; exit 1; fi
