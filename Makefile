# nicconform: a conformance suite for detaching a NIC from a server.
# `make conformance` is the main job; `make test` the tests.

GINKGO      := go run github.com/onsi/ginkgo/v2/ginkgo
REPORT_DIR  ?= $(or $(NICCONFORM_REPORT_DIR),reports)
# LABELS=PRIMARY-FORBIDDEN runs one rule (a Ginkgo label filter).
LABELS      ?=
# The version make build stamps into bin/ (nicconform version; the reports' tool field).
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
STAMP       := -ldflags '-X github.com/nicconform/nicconform/internal/version.stamp=$(VERSION)'

.PHONY: conformance conformance-openstack test mock explore explore-matrix bench fidelity fuzz soak build lint clean

conformance: build ## run the suite (embedded mock unless a target is configured); reports in $(REPORT_DIR); exit 0 / 1 (a rule failed) / 2 (could not judge)
	@exec bin/nicconform run -report-dir '$(abspath $(REPORT_DIR))' $(if $(LABELS),-label-filter='$(LABELS)')

conformance-openstack: build ## the suite against the real OpenStack of scripts/openstack/up.sh (nova profile), token and password auth, each run's verdicts checked against scripts/openstack/expected.json and the cloud checked for leftovers; exit 1 on a wrong verdict or a leftover (docs/openstack.md)
	@REPORT_DIR='$(abspath $(REPORT_DIR))' scripts/openstack/conformance.sh $(OPENSTACK_AUTH)

test: ## vet, unit and race tests, kill matrix, suite in both profiles, suite against an external mock
	@scripts/test.sh

mock: ## serve the reference mock on 127.0.0.1:8774
	go run ./cmd/nicconform mock $(MOCK_FLAGS)

fidelity: ## the kill matrix: the suite against the faithful mock and every deviation
	@mkdir -p $(REPORT_DIR)
	NICCONFORM_FIDELITY_OUT=$(abspath $(REPORT_DIR))/fidelity.md go test -count=1 -v -run TestEveryRuleCanFail ./internal/fidelity | grep -v '^=== RUN'
	@echo "matrix: $(abspath $(REPORT_DIR))/fidelity.md"

# EXPLORE_FLAGS=-seed 42 reproduces a run; -replay $(REPORT_DIR)/explore.json re-runs the recorded sequence.
EXPLORE_FLAGS ?=
explore: ## random call sequences against the target (embedded mock unless configured) and the reference model in lockstep; the shortest diverging one in $(REPORT_DIR)/explore.md; exit 0 / 1 (divergence) / 2
	@go run ./cmd/nicconform explore -report-dir '$(abspath $(REPORT_DIR))' $(EXPLORE_FLAGS)

explore-matrix: ## the explore kill matrix: explore against every mock deviation (shortest sequence, time to first find)
	@mkdir -p $(REPORT_DIR)
	NICCONFORM_EXPLORE_MATRIX_OUT=$(abspath $(REPORT_DIR))/explore-matrix.md go test -count=1 -v -run TestExploreKillMatrix ./internal/explore | grep -v '^=== RUN'
	@echo "matrix: $(abspath $(REPORT_DIR))/explore-matrix.md"

bench: ## Go benchmarks, the suite's wall time and cost, then the mock under wrk (BENCH_PRISM=1 adds Prism)
	go test -run '^$$' -bench . -benchmem ./internal/client ./internal/mock ./internal/aksk
	go test -run '^$$' -bench BenchmarkExplore -benchtime 400x ./internal/explore
	scripts/bench-suite.sh
	scripts/bench-mock.sh

FUZZTIME ?= 30s
fuzz: ## run each fuzz target for FUZZTIME (their seed corpora run in make test)
	go test -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) ./internal/mock
	go test -run '^$$' -fuzz '^FuzzCanonicalRequest$$' -fuzztime $(FUZZTIME) ./internal/aksk
	go test -run '^$$' -fuzz '^FuzzSegments$$' -fuzztime $(FUZZTIME) ./internal/client
	go test -run '^$$' -fuzz '^FuzzAnswer$$' -fuzztime $(FUZZTIME) ./internal/client

SOAK ?= 50
soak: ## the suite SOAK times with -p --randomize-all against the embedded mock; stops at the first failure
	@. scripts/hermetic.sh; NICCONFORM_REPORT_DIR=$(abspath $(REPORT_DIR))/soak $$GINKGO -p --randomize-all --no-color --succinct --repeat=$$(($(SOAK)-1)) ./suites/detach

# Static binaries without the build machine's paths (scripts/check-binaries.sh).
build: export CGO_ENABLED = 0
build: export GOFLAGS += -trimpath
build: ## bin/nicconform: one binary, the suite's specs run in its own process; all a runner needs, without Go
	@echo "building bin/nicconform…"
	@go build $(STAMP) -o bin/nicconform ./cmd/nicconform

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

clean:
	rm -rf bin reports
