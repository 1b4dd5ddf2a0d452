# Thin wrapper so the README commands stay short; meson/ninja do the work.
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all build asan unit format format-check clean

all: build

build:
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --werror
	ninja -C $(BUILD)

asan:
	@test -f $(ASAN_BUILD)/build.ninja || meson setup $(ASAN_BUILD) --werror \
		-Db_sanitize=address,undefined -Dbuildtype=debugoptimized
	ninja -C $(ASAN_BUILD)

unit: build
	meson test -C $(BUILD) --print-errorlogs

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
