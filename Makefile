# nicconform: a conformance suite for detaching a NIC from a server.
# `make conformance` is the main job; `make test` the tests.

GINKGO      := go run github.com/onsi/ginkgo/v2/ginkgo
REPORT_DIR  ?= $(or $(NICCONFORM_REPORT_DIR),reports)
# Against the embedded mock every parallel process has its own mock; against
# a configured target the specs are serial anyway.
PROCS       ?= $(if $(NICCONFORM_COMPUTE_URL)$(HW_REGION_NAME)$(OS_REGION_NAME),1,2)

.PHONY: conformance test mock bench fidelity fuzz soak build lint clean

conformance: ## run the suite (embedded mock unless NICCONFORM_COMPUTE_URL is set); reports in $(REPORT_DIR)
	@NICCONFORM_REPORT_DIR=$(abspath $(REPORT_DIR)) $(GINKGO) --procs=$(PROCS) --randomize-all --no-color ./suites/detach; \
	  rc=$$?; echo; [ -f $(REPORT_DIR)/conformance.md ] && cat $(REPORT_DIR)/conformance.md; \
	  echo; echo "reports: $(abspath $(REPORT_DIR))/{conformance.md,conformance.json,junit.xml,exchanges.har}"; exit $$rc

test: ## vet, unit and race tests, kill matrix, suite in both profiles, suite against an external mock
	@scripts/test.sh

mock: ## serve the reference mock on 127.0.0.1:8774
	go run ./cmd/nicconform mock $(MOCK_FLAGS)

fidelity: ## the kill matrix: the suite against the faithful mock and every deviation
	@mkdir -p $(REPORT_DIR)
	NICCONFORM_FIDELITY_OUT=$(abspath $(REPORT_DIR))/fidelity.md go test -count=1 -v -run TestEveryRuleCanFail ./internal/fidelity | grep -v '^=== RUN'
	@echo "matrix: $(abspath $(REPORT_DIR))/fidelity.md"

bench: ## Go benchmarks, the suite's wall time and cost, then the mock under wrk (BENCH_PRISM=1 adds Prism)
	go test -run '^$$' -bench . -benchmem ./internal/client ./internal/mock ./internal/aksk
	scripts/bench-suite.sh
	scripts/bench-mock.sh

FUZZTIME ?= 30s
fuzz: ## run each fuzz target for FUZZTIME (their seed corpora run in make test)
	go test -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) ./internal/mock
	go test -run '^$$' -fuzz '^FuzzCanonicalRequest$$' -fuzztime $(FUZZTIME) ./internal/aksk
	go test -run '^$$' -fuzz '^FuzzSegments$$' -fuzztime $(FUZZTIME) ./internal/client

SOAK ?= 50
soak: ## the suite SOAK times with -p --randomize-all against the embedded mock; stops at the first failure
	@. scripts/hermetic.sh; NICCONFORM_REPORT_DIR=$(abspath $(REPORT_DIR))/soak $$GINKGO -p --randomize-all --no-color --succinct --repeat=$$(($(SOAK)-1)) ./suites/detach

build: ## bin/nicconform
	go build -o bin/nicconform ./cmd/nicconform

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

clean:
	rm -rf bin reports
