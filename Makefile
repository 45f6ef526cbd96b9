# moat: the commands a newcomer types.
#   make demo   set up, build, and watch moat block planted artifacts in a throwaway repository
#   make test   set up and run the whole test suite (what CI runs)
#   make fuzz   long deterministic mutation-fuzz runs: detection core, git readers, config and rule files (docs/fuzzing.md)
SHELL := /bin/bash
SWIFT ?= swift
RELEASE_FLAGS := -c release --static-swift-stdlib
BIN_DEBUG := .build/debug/moat
BIN_RELEASE := .build/release/moat

.PHONY: setup build release test gate fuzz demo bench fixtures clean

## Install the system libraries moat links against (Debian/Ubuntu; needs root or sudo).
setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build $(RELEASE_FLAGS)

test: setup
	$(SWIFT) build --build-tests
	MOAT_FIXTURE_PYTHON=$(CURDIR)/.build/fixture-python/bin/python $(SWIFT) test --skip-build --disable-swift-testing

## moat gates its own repository: every blob of its history, with the project's .moat.yaml.
gate: build
	$(BIN_DEBUG) history --no-progress

## Mutation fuzzing (docs/fuzzing.md): every sniffer and the content scanner, seeded with
## Tests/Fixtures; then moat's git readers (seeds written by git at test time), `.moat.yaml` and rule
## files. `make test` runs a short pass of each; this one runs the long passes, one after the other.
FUZZ_ITERATIONS ?= 200000
FUZZ_GIT_FAST_ITERATIONS ?= 500000
FUZZ_GIT_ITERATIONS ?= 20000
FUZZ_TEXT_ITERATIONS ?= 20000
FUZZ_RUN = $(SWIFT) test --skip-build --disable-swift-testing --filter
fuzz: setup
	$(SWIFT) build --build-tests
	MOAT_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) $(FUZZ_RUN) MutationFuzzTests.testMutantsNeverTrapHangOrLeakControlCharacters
	for t in testIndexFileMutants testPackIndexMutants testTreeMutants; do \
		MOAT_FUZZ_ITERATIONS=$(FUZZ_GIT_FAST_ITERATIONS) $(FUZZ_RUN) GitReaderFuzzTests.$$t || exit 1; done
	for t in testLooseObjectMutants testPackMutants testPackMutantsReadThroughLibgit2; do \
		MOAT_FUZZ_ITERATIONS=$(FUZZ_GIT_ITERATIONS) $(FUZZ_RUN) "GitReaderFuzzTests/$$t$$" || exit 1; done
	for t in GitReaderFuzzTests.testPrePushInputMutants GitReaderFuzzTests.testRefFileMutants ConfigFuzzTests.testConfigAndRuleFileMutants; do \
		MOAT_FUZZ_ITERATIONS=$(FUZZ_TEXT_ITERATIONS) $(FUZZ_RUN) $$t || exit 1; done

demo: release
	@scripts/demo.sh $(BIN_RELEASE)

## Benchmarks (downloads peer tools from PyPI into bench/tools; never committed).
bench: release
	@bench/run.sh $(BIN_RELEASE)

## Regenerate Tests/Fixtures with the real ML libraries (needs Python; see scripts/fixtures/README.md).
fixtures:
	python3 scripts/fixtures/generate.py

clean:
	rm -rf .build
