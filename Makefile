# Hypha: the targets a newcomer would guess. `make help` lists them.
SHELL := /bin/bash
GO ?= go
# Pinned tools (ocb, mdatagen, telemetrygen) run from the tools module.
TOOL := $(GO) tool -modfile=$(CURDIR)/tools/go.mod
# Test servers are built once from pinned versions and cached here.
CACHE := $(CURDIR)/.cache/bin
HYPHA := $(CURDIR)/bin/hypha
JAEGER := $(CACHE)/jaeger
VICTORIALOGS := $(CACHE)/victoria-logs
# The demo's Go service (demo/analysis), built once per run for the demo and the end-to-end tests.
ANALYSIS := $(CURDIR)/bin/hypha-analysis
# Kafka (franz-go's kfake) and S3 (gofakes3) for the exporter swaps' tests.
KAFKA := $(CACHE)/kafka
S3 := $(CACHE)/s3
# A real Kubernetes API server on etcd, for the Kubernetes agent's tests
# (about 6 minutes to build the first time).
KUBE_APISERVER := $(CACHE)/kube-apiserver
ETCD := $(CACHE)/etcd
# The repository's Go modules (CONTRIBUTING.md, Module layout). Each in-repo
# component and the provider are modules of their own, so that other builds
# can require them alone; bench holds the comparisons with the transform
# processor and the pipeline benchmark; instrumentation/go is what Go apps
# import, demo/analysis the demo's Go service; deploy/ecs keeps goformation
# (the ECS template's tests) out of the others; tools/logql is the LogQL
# grammar check the root module's and the UI extension's tests share.
COMPONENT_MODULES = $(patsubst %/go.mod,%,$(wildcard processor/*/go.mod extension/*/go.mod connector/*/go.mod receiver/*/go.mod))
MODULES = . $(COMPONENT_MODULES) provider/hyphaprovider bench instrumentation/go demo/analysis deploy/ecs tools/logql
# Every module, the generated one and the tool modules included: go mod tidy
# leaves each unchanged, and all declare the same go directive.
ALL_MODULES = $(patsubst %/,%,$(sort $(dir $(shell git ls-files '*go.mod'))))
# Packages of a module (run inside it) with unit tests: all but the end-to-end suite.
MODULE_PKGS = $(GO) list ./... | grep -v /e2e
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a target with "context deadline exceeded" at the deadline on a busy
# machine (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 300000x
E2E_ENV = HYPHA_BIN=$(HYPHA) JAEGER_BIN=$(JAEGER) VICTORIALOGS_BIN=$(VICTORIALOGS) ANALYSIS_BIN=$(ANALYSIS) KAFKA_BIN=$(KAFKA) S3_BIN=$(S3) KUBE_APISERVER_BIN=$(KUBE_APISERVER) ETCD_BIN=$(ETCD)

.PHONY: help build version-overlay dist image image-test generate web bench-ui check-generated test unit fuzz demo-test e2e e2e-kubernetes servers demo-deps logql-deps demo-analysis bench lint demo docker certs clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

# The release version lives in VERSION; builder-config.yaml's dist.version
# must match it (check-generated fails otherwise), so that components/main.go
# carries the same literal. The build stamps the commit into that literal
# through an overlay: components/main.go itself stays as ocb wrote it.
VERSION := $(shell cat $(CURDIR)/VERSION)
# COMMIT can be given when there is no .git, as in the image build.
COMMIT ?= $(shell git rev-parse --short=7 HEAD 2>/dev/null)
# Dirty: tracked files differ from the commit (untracked files do not count).
DIRTY := $(if $(COMMIT),$(shell git diff --quiet HEAD -- 2>/dev/null || echo ", dirty"))
FULL_VERSION := $(VERSION)$(if $(COMMIT), (commit $(COMMIT)$(DIRTY)))
OVERLAY := $(CURDIR)/.cache/version-overlay
# go build with the stamped version, run in components/; GOOS/GOARCH from the caller.
GO_BUILD = CGO_ENABLED=0 $(GO) build -trimpath -overlay $(OVERLAY)/overlay.json

# Always rewritten: the commit or the tree's state may have changed.
version-overlay:
	@mkdir -p $(OVERLAY)
	@grep -q '^[[:space:]]*Version: *"$(VERSION)",$$' components/main.go || { echo "components/main.go does not hold Version \"$(VERSION)\" (VERSION): set dist.version in builder-config.yaml and run make generate" >&2; exit 1; }
	@sed 's|^\([[:space:]]*Version: *\)"$(VERSION)",$$|\1"$(FULL_VERSION)",|' components/main.go > $(OVERLAY)/main.go
	@printf '{"Replace": {"%s": "%s"}}\n' $(CURDIR)/components/main.go $(OVERLAY)/main.go > $(OVERLAY)/overlay.json

build: version-overlay ## build bin/hypha from the generated distribution in components/, stamped with VERSION and the commit
	cd components && $(GO_BUILD) -o $(HYPHA) .

# Release artefacts. nfpm and cyclonedx-gomod are pinned in their own module,
# so that their dependencies stay out of tools/go.mod.
RELEASE_TOOL := $(GO) tool -modfile=$(CURDIR)/tools/release/go.mod
DIST := $(CURDIR)/dist
DIST_STAGE := $(CURDIR)/.cache/dist
DIST_ARCHES ?= amd64 arm64
# File times in the tarballs and packages: the commit's, so that a rebuild of
# the same commit gives the same bytes.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH

dist: version-overlay ## release artefacts in dist/: tarballs, .deb, .rpm and image for linux amd64 and arm64, SHA256SUMS, the SBOM
	@rm -rf $(DIST) $(DIST_STAGE) && mkdir -p $(DIST) $(DIST_STAGE)
	@for arch in $(DIST_ARCHES); do \
	  stage=$(DIST_STAGE)/$$arch; tardir=hypha_$(VERSION)_linux_$$arch; \
	  echo "dist: hypha for linux/$$arch"; \
	  (cd components && GOOS=linux GOARCH=$$arch $(GO_BUILD) -o $$stage/hypha .) || exit 1; \
	  sed -e 's|^ExecStart=.*|ExecStart=/usr/bin/hypha --config hypha:agent|' \
	      -e '1i # Installed by the hypha package. Layer your own config with a drop-in\n# (systemctl edit hypha-agent) that resets ExecStart= and adds\n# --config file:/etc/hypha/agent.yaml.' \
	      deploy/systemd/hypha-agent.service > $$stage/hypha-agent.service; \
	  mkdir -p $$stage/$$tardir/systemd $$stage/$$tardir/agent-config $$stage/$$tardir/gateway-config; \
	  cp $$stage/hypha LICENSE NOTICE README.md packaging/agent.env deploy/replay-dead-letters.sh $$stage/$$tardir/; \
	  cp deploy/systemd/hypha-agent.service $$stage/$$tardir/systemd/; \
	  cp provider/hyphaprovider/agent-config/*.yaml $$stage/$$tardir/agent-config/; \
	  cp provider/hyphaprovider/gateway-config/*.yaml $$stage/$$tardir/gateway-config/; \
	  tar -C $$stage --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$$SOURCE_DATE_EPOCH \
	      -czf $(DIST)/$$tardir.tar.gz $$tardir || exit 1; \
	  (cd tools/image && $(GO) run . -binary $$stage/hypha -arch $$arch -version $(VERSION) \
	      -out $(DIST)/hypha_$(VERSION)_image_linux_$$arch.tar) || exit 1; \
	  for fmt in deb rpm; do \
	    HYPHA_ARCH=$$arch HYPHA_VERSION=$(VERSION) HYPHA_STAGE=$$stage \
	      $(RELEASE_TOOL) nfpm package --config packaging/nfpm.yaml --packager $$fmt --target $(DIST)/ || exit 1; \
	  done; \
	done
	@echo "dist: SBOM of the components module"
	@cd components && GOOS=linux GOARCH=amd64 $(RELEASE_TOOL) cyclonedx-gomod app -json -licenses \
	    -output $(DIST)/hypha_$(VERSION)_sbom.cdx.json . 2>$(DIST_STAGE)/sbom.log || { cat $(DIST_STAGE)/sbom.log >&2; exit 1; }
	@cd $(DIST) && sha256sum -- * > SHA256SUMS
	@ls -l $(DIST)

# The in-repo components, each with mdatagen output of its own.
COMPONENT_DIRS = $(wildcard receiver/*receiver processor/*processor extension/*extension connector/*connector)

generate: ## regenerate components/ (ocb) and the components' mdatagen output
	$(TOOL) builder --config builder-config.yaml --skip-compilation
	@for d in $(COMPONENT_DIRS); do echo "mdatagen $$d"; (cd $$d && $(GO) generate ./...) || exit 1; done

# The UI's bundle: web/dist is committed and embedded, so go build needs no
# Node; check-generated rebuilds it with the locked esbuild and diffs it.
WEB := extension/hyphauiextension/web
web: ## rebuild the UI's bundle (web/dist) from web/src with the locked npm packages (needs Node; go build does not)
	cd $(WEB) && npm ci --no-audit --no-fund && npm run build

check-generated: generate web ## fail if generated files (the UI's bundle too) differ from the committed ones, dist.version from VERSION, or go mod tidy would change a module
	@grep -q '^  version: $(VERSION)$$' builder-config.yaml || { echo "builder-config.yaml's dist.version is not $(VERSION) (VERSION): set it and run make generate" >&2; exit 1; }
	@git diff --exit-code -- $(WEB)/dist || { echo "the UI's bundle is out of date: run make web and commit $(WEB)/dist" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- $(WEB)/dist)" || { git status --short -- $(WEB)/dist; echo "untracked files in the UI's bundle: run make web and commit $(WEB)/dist" >&2; exit 1; }
	@git diff --exit-code -- components $(COMPONENT_DIRS) || { echo "generated files are out of date: run make generate and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- components $(COMPONENT_DIRS))" || { git status --short -- components $(COMPONENT_DIRS); echo "untracked generated files: run make generate and commit" >&2; exit 1; }
	@test "$$(grep -h '^go ' $(addsuffix /go.mod,$(ALL_MODULES)) | sort -u | wc -l)" -eq 1 || { grep -H '^go ' $(addsuffix /go.mod,$(ALL_MODULES)); echo "the modules declare different go directives: use one" >&2; exit 1; }
	@for m in $(ALL_MODULES); do (cd $$m && $(GO) mod tidy) || exit 1; done
	@git diff --exit-code -- '*go.mod' '*go.sum' || { echo "go mod tidy changed the files above: run it in their module and commit" >&2; exit 1; }

# dist comes before unit: packaging/dist_test.go checks dist/ (and, as root
# in CI, installs the .deb). make test packages this machine's architecture
# only: cross-compiling arm64 is a full compile of the distribution, about 3
# minutes on 2 cores. make test DIST_ARCHES='amd64 arm64' checks both.
test: DIST_ARCHES = $(shell $(GO) env GOARCH)
test: build dist unit image-test fuzz demo-test e2e ## everything CI runs: build, release artefacts, unit tests (with dist/'s), a short fuzz pass, the demo services' own test, smoke and end-to-end tests

unit: logql-deps ## unit tests of every module (components, provider, deployment files, benchmarks' checks)
	@for m in $(MODULES); do echo "unit $$m"; (cd $$m && $(GO) test -race -count=1 $$($(MODULE_PKGS))) || exit 1; done

fuzz: ## a short pass of every fuzz target (FUZZTIME executions each)
	@for m in $(MODULES); do \
	  for pkg in $$(cd $$m && $(MODULE_PKGS)); do \
	    for target in $$(cd $$m && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	      echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
	      (cd $$m && $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg) || exit 1; \
	    done; \
	  done; \
	done

servers: $(JAEGER) $(VICTORIALOGS) $(KAFKA) $(S3) $(KUBE_APISERVER) $(ETCD) ## build the real test servers (Jaeger, VictoriaLogs, Kafka, S3, kube-apiserver, etcd) once

$(JAEGER): tools/jaeger/go.mod tools/jaeger/go.sum
	@echo "building Jaeger from tools/jaeger (first time: about 5 minutes)"
	cd tools/jaeger && $(GO) build -o $@ github.com/jaegertracing/jaeger/cmd/jaeger

$(VICTORIALOGS): tools/victorialogs/go.mod tools/victorialogs/go.sum
	@echo "building VictoriaLogs from tools/victorialogs"
	cd tools/victorialogs && $(GO) build -o $@ github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs

$(KAFKA): tools/testservers/go.mod tools/testservers/go.sum tools/testservers/kafka/main.go
	cd tools/testservers && $(GO) build -o $@ ./kafka

$(S3): tools/testservers/go.mod tools/testservers/go.sum tools/testservers/s3/main.go
	cd tools/testservers && $(GO) build -o $@ ./s3

demo-deps: demo/node_modules/.package-lock.json ## install the demo's Node packages from the lockfile

logql-deps: tools/logql/node_modules/.package-lock.json ## install Grafana's LogQL grammar (@grafana/lezer-logql) for the LogQL tests

tools/logql/node_modules/.package-lock.json: tools/logql/package-lock.json
	cd tools/logql && npm ci --no-audit --no-fund

demo/node_modules/.package-lock.json: demo/package-lock.json
	cd demo && npm ci --no-audit --no-fund

# bin/hypha's flags, so that the packages they share come from the build cache.
demo-analysis: ## build the demo's Go service (demo/analysis) into bin/hypha-analysis
	cd demo/analysis && CGO_ENABLED=0 $(GO) build -trimpath -o $(ANALYSIS) .

demo-test: demo-deps ## the demo services' and the instrumentation file's own test (node --test)
	cd demo && node --test test/

e2e: build servers demo-deps demo-analysis ## smoke and end-to-end tests against real Jaeger, VictoriaLogs and the Node and Go demo apps
	$(E2E_ENV) $(GO) test -count=1 -timeout 40m -v ./e2e/... 2>&1 | tee .cache/e2e.log; exit $${PIPESTATUS[0]}

e2e-kubernetes: build servers ## only the Kubernetes agent's tests (part of make e2e), pod metadata from a real kube-apiserver included
	$(E2E_ENV) $(GO) test -count=1 -timeout 10m -v -run 'TestKubernetes' ./e2e/

$(KUBE_APISERVER): tools/kubeapi/go.mod tools/kubeapi/go.sum
	@echo "building kube-apiserver from tools/kubeapi (first time: about 6 minutes)"
	cd tools/kubeapi && $(GO) build -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(ETCD): tools/kubeapi/go.mod tools/kubeapi/go.sum tools/kubeapi/etcd/main.go
	cd tools/kubeapi && $(GO) build -o $@ ./etcd

demo: build $(JAEGER) $(VICTORIALOGS) demo-deps demo-analysis ## run the Labra Cadabra demo: log -> trace -> logs in the terminal
	$(GO) build -o bin/hypha-demo ./e2e/cmd/demo
	$(E2E_ENV) bin/hypha-demo

# Extra flags for pipebench, e.g. BENCH_FLAGS='-rounds 5', '-pipelines raw,hypha -rounds 9', '-fsync -delays 1ms,20ms', '-cachegrind -pipelines raw,hypha -lines 120000' or '-compression-sweep'.
BENCH_FLAGS ?=
bench: build ## processor benchmarks, then agent pipelines on 1M lines (see docs/performance.md)
	cd processor/hyphacorrelationprocessor && $(GO) test -run '^$$' -bench . -benchmem -count 5 ./ ./internal/extract/
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 5 ./correlation/
	cd bench && HYPHA_BIN=$(HYPHA) $(GO) run ./cmd/pipebench $(BENCH_FLAGS)

bench-ui: build $(JAEGER) $(VICTORIALOGS) ## the UI's trace page: 2 000 spans and 20 000 lines from the real stores, in headless Chromium (see docs/ui.md)
	$(E2E_ENV) $(GO) test -count=1 -run '^$$' -bench BenchmarkUITrace -benchtime 5x ./e2e/

# components/ is ocb's output as generated; check-generated guards it.
GOFILES = $(shell git ls-files '*.go' | grep -v '^components/')
# Hand-written Go files carry the license header; ocb's and mdatagen's output does not.
LICENSED_GOFILES = $(shell git ls-files '*.go' | grep -v -E '^components/|(^|/)generated_[^/]*\.go$$|/internal/metadata[^/]*/')
# golangci-lint (.golangci.yml, pinned in tools/go.mod) runs in each module
# with code of Hypha's own (tools/kubeapi, which holds only a small etcd
# wrapper, is left out: type-checking it means type-checking Kubernetes); it
# includes go vet and the formatters.
LINT_MODULES = $(MODULES) tools/image tools/testservers
GOLANGCI_LINT = $(TOOL) golangci-lint
lint: ## golangci-lint (.golangci.yml) in every module, and the license header on hand-written Go files
	@test -z "$$(gofmt -l $(GOFILES))" || { gofmt -l $(GOFILES); exit 1; }
	@missing=$$(grep -L '^// SPDX-License-Identifier: Apache-2.0$$' $(LICENSED_GOFILES)); test -z "$$missing" || { echo "$$missing"; echo "these Go files lack the header '// Copyright The Hypha Authors' + '// SPDX-License-Identifier: Apache-2.0'" >&2; exit 1; }
	@for m in $(LINT_MODULES); do echo "lint $$m"; (cd $$m && $(GOLANGCI_LINT) run --config $(CURDIR)/.golangci.yml ./...) || exit 1; done

CERTS_DIR ?= certs
CERT_HOSTS ?= localhost,127.0.0.1,hypha-gateway
certs: ## make a CA, a gateway and an agent certificate in CERTS_DIR for CERT_HOSTS
	$(GO) run ./cmd/hypha-certs -out $(CERTS_DIR) -hosts $(CERT_HOSTS)

image: build ## the container image as a tarball (docker/podman load), assembled without a Docker engine
	@mkdir -p $(DIST)
	cd tools/image && $(GO) run . -binary $(HYPHA) -arch $$($(GO) env GOARCH) -version $(VERSION) -out $(DIST)/hypha_$(VERSION)_image_linux_$$($(GO) env GOARCH).tar

image-test: build ## the image's config and files, and both modes run inside it (as root: chroot as its user)
	cd tools/image && HYPHA_BIN=$(HYPHA) $(GO) test -count=1 ./...

docker: ## build the container image (needs a Docker engine)
	docker build -t hypha:dev .

clean: ## remove built binaries and dist/ (keeps the cached test servers)
	rm -rf bin dist $(DIST_STAGE)
