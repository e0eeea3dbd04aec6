# regie's front door. `make demo` and `make check` are the two commands a newcomer needs.
BUILD  ?= build
SAN    ?= build-san
FUZZ   ?= build-fuzz
JOBS   ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build check demo bench fuzz format style clean

all: build

deps:
	@scripts/deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@BUILD=$(BUILD) scripts/build-web

# Everything: style gate, the optimised build's full suite, then unit, fuzz-seed and scenario tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer.
check: build
	@scripts/check-style
	@cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DREGIE_SANITIZE=ON >/dev/null
	@cmake --build $(SAN) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 ctest --test-dir $(SAN) -L san -j $(JOBS) --output-on-failure
	@ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

demo: build
	@scripts/demo

bench: build
	@bench/run

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ) -DREGIE_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)
	@echo "fuzz drivers in $(FUZZ)/tests/fuzz; e.g. $(FUZZ)/tests/fuzz/fuzz_json tests/fuzz/corpus/json"

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

style:
	@scripts/check-style

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
