# A thin wrapper around CMakePresets.json (binary dirs: build/<preset>).
#   make run      build the release binary and start the quickstart pipeline
#   make test     build with ASan+UBSan (preset dev) and run every test
JOBS    ?= 2
PREFIX  ?= /usr/local
BIN     := build/release/cli/tributary
QS      := examples/quickstart

.PHONY: all run test test-release release install bench fuzz format clean deps

all: release

# Cheap when everything is present (one dpkg-query); installs only what is missing.
deps:
	@scripts/install-deps.sh --check 2>/dev/null || scripts/install-deps.sh

release: deps
	cmake --preset release
	cmake --build --preset release --target tributary -j $(JOBS)

run: release
	@echo
	@echo "Quickstart: DataGenSource -> topic 'pageviews' (embedded broker) -> FileStreamSink"
	@echo "  REST API:    http://localhost:8083/connectors"
	@echo "  output file: /tmp/tributary-quickstart-pageviews.jsonl   (tail -f it)"
	@echo "  stop:        Ctrl-C"
	@echo
	$(BIN) standalone $(QS)/worker.properties $(QS)/datagen-source.properties $(QS)/file-sink.properties

test: deps
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev -j $(JOBS) --output-on-failure

test-release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS) --output-on-failure

install: deps
	cmake --preset release -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build --preset release -j $(JOBS)
	cmake --install build/release

bench: release
	bench/run-all.sh

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)

format:
	find . -path ./build -prune -o -path ./node_modules -prune -o \
	  \( -name '*.cc' -o -name '*.h' \) -print0 | xargs -0 -r clang-format -i

clean:
	rm -rf build
