# nicconform: a conformance suite for detaching a NIC from a server.
# `make conformance` is the main job; `make test` the tests.

GINKGO      := go run github.com/onsi/ginkgo/v2/ginkgo
REPORT_DIR  ?= $(or $(NICCONFORM_REPORT_DIR),reports)
# Against the embedded mock every parallel process has its own mock; against
# a configured target the specs are serial anyway.
PROCS       ?= $(if $(NICCONFORM_COMPUTE_URL),1,2)

.PHONY: conformance test mock bench fidelity build lint clean

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

bench: ## Go benchmarks, then the mock against a bare net/http ceiling (BENCH_PRISM=1 adds Prism)
	go test -run '^$$' -bench . -benchmem ./internal/client ./internal/mock
	scripts/bench-mock.sh

build: ## bin/nicconform
	go build -o bin/nicconform ./cmd/nicconform

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

clean:
	rm -rf bin reports
