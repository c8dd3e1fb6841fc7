# edgeflix — `make run` starts the whole service, `make test` runs every test.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOIMPORTS   := golang.org/x/tools/cmd/goimports@v0.52.0
DIST        := dist
# The browser player is built without inlining, the runtime's included: 27 KB
# less gzipped for an engine that runs a few times a second (RATIONALE.md).
# internal/wasmbuild builds the tests' player the same way.
PLAYER_FLAGS := -trimpath -gcflags=all=-l

.PHONY: run test check check-infra setup build wasm fmt lambda bench-wasm bench-wasm-instr bench-edge bench-origin bench-auth bench-player size-player

run: setup wasm ## start origin, edge and web app with a demo catalog
	$(GO) run ./cmd/edgeflix up

test: setup ## run every test against real MariaDB, Redis, S3 protocol and Chromium
	$(GO) test -race -count=1 -timeout 40m ./...
	@# Restarts MariaDB, so it runs alone after the main run (origin/durability_test.go).
	$(GO) test -race -count=1 -timeout 10m -tags durability -run '^TestDurability' ./origin/

setup: ## install or start what edgeflix needs (MariaDB, Redis, ffmpeg, Chromium, Node.js)
	@scripts/setup.sh

build: wasm ## build the operator binary into dist/
	$(GO) build -o $(DIST)/edgeflix ./cmd/edgeflix

wasm: ## build the edge module and the browser player
	@mkdir -p $(DIST)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags=-s -o $(DIST)/edge.wasm ./wasm/module
	@mkdir -p $(DIST)/web
	GOOS=js GOARCH=wasm $(GO) build $(PLAYER_FLAGS) -ldflags=-s -o $(DIST)/web/player.wasm ./player/app
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(DIST)/web/wasm_exec.js
	$(GO) run ./cmd/precompress $(DIST)/web

check: ## gofmt, goimports -local, vet, staticcheck, tidy, cross-builds
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	@out="$$($(GO) run $(GOIMPORTS) -local github.com/edgeflix/edgeflix -l .)"; test -z "$$out" || { echo "$$out"; echo "goimports: files above need their imports grouped (make fmt)"; exit 1; }
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasm/...
	GOOS=js GOARCH=wasm $(GO) vet ./player/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	GOOS=wasip1 GOARCH=wasm $(GO) build -o /dev/null ./wasm/...
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./player/...
	@if command -v terraform >/dev/null; then echo "terraform fmt -check -recursive infrastructure"; TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive infrastructure; \
	else echo "check: terraform not installed; skipping terraform fmt (go test ./infrastructure still checks the policies)"; fi

check-infra: ## Terraform: fmt, user_data render, policy + provider-schema tests, trivy scan (0 HIGH/CRITICAL)
	infrastructure/check.sh

JWKS ?= $(or $(EDGEFLIX_ORIGIN_URL),http://127.0.0.1:8080)/.well-known/jwks.json

lambda: ## Lambda@Edge zips (viewer-request, origin-request): JWKS=URL|FILE ISS= AUD=; env EDGEFLIX_EDGE_PROOF_KEYS bakes the proof key
	@mkdir -p $(DIST)/lambda/bundle
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags=-s -o $(DIST)/edge.wasm ./wasm/module
	$(GO) run ./cmd/edgeflix fn bundle --jwks "$(JWKS)" $(if $(ISS),--iss "$(ISS)") $(if $(AUD),--aud "$(AUD)") --out $(DIST)/lambda/bundle
	cp wasm/lambda/index.mjs $(DIST)/edge.wasm $(DIST)/lambda/bundle/
	rm -f $(DIST)/lambda/viewer-request.zip $(DIST)/lambda/origin-request.zip
	cd $(DIST)/lambda/bundle && zip -X -9 -q ../viewer-request.zip index.mjs edge.wasm config.json $$(test -f proof.json && echo proof.json) && zip -X -9 -q ../origin-request.zip index.mjs edge.wasm config.json
	@ls -l $(DIST)/lambda/*.zip
	@test $$(stat -c %s $(DIST)/lambda/viewer-request.zip) -le 1048576 || { echo "viewer-request.zip is over Lambda@Edge's 1 MB viewer limit"; exit 1; }

bench-wasm: ## edge module: native vs wazero vs Node (gate, rewrite), memory over 10^6 calls, zip sizes; BASELINE=old.wasm adds a side-by-side
	-@test -f $(DIST)/lambda/viewer-request.zip || echo "bench-wasm: no dist/lambda zips yet (run make lambda for their sizes)"
	$(GO) test -count=1 -run '^TestBenchWasm$$' -v ./internal/cloudfront -args -bench-wasm -memory-calls 1000000 $(if $(BASELINE),-baseline $(abspath $(BASELINE)))

bench-wasm-instr: ## instructions per rewrite in wazero, counted by callgrind (load-independent); BASELINE=old.wasm counts another build too
	scripts/wasm-instr.sh $(BASELINE)

fmt: ## gofmt and group imports (standard library, others, edgeflix)
	gofmt -w .
	$(GO) run $(GOIMPORTS) -local github.com/edgeflix/edgeflix -w .

bench-ingest: ## encode speed (x real time: H.264 ladder, HEVC, AV1) and upload MB/s to the local S3
	$(GO) test -run '^$$' -bench BenchmarkIngestPipeline -benchtime 1x -timeout 20m ./origin/ingest/

bench-auth: ## access tokens issued and verified per second (EdDSA, golang-jwt), logins/s at the Argon2id cost, 1 core and 2
	$(GO) test -count=1 -run '^$$' -bench 'IssueAccess|VerifyAccess|Login' -benchmem -cpu 1,2 ./origin/tokens/ ./origin/accounts/

bench-origin: ## home rows, title detail and playback heartbeats p50/p99 at 50 and 200 connections (heartbeats: viewers per origin) beside Redis GET and MySQL point-select p99; media RSS
	$(GO) run ./cmd/bench-origin

bench-player: wasm ## edgeflix's player vs hls.js vs Shaka in Chromium under CDP network traces (TRACES=, PLAYERS= filter; ROUNDS=n)
	$(GO) run ./cmd/bench-player -libs "$$(scripts/bench-player-deps.sh)" $(if $(ROUNDS),-rounds $(ROUNDS))

comma := ,
size-player: ## player.wasm raw, gzip and brotli size, code bytes per Go package, who imports the heavy packages (BR11=1 adds brotli -11, slow)
	@mkdir -p $(DIST)
	GOOS=js GOARCH=wasm $(GO) build $(PLAYER_FLAGS) -o $(DIST)/player-names.wasm ./player/app
	$(GO) run ./cmd/wasmsize -top 40 -why fmt,encoding/json,reflect,net/url,net/http,crypto/rand,crypto/sha256,time,os -pkg ./player/app $(DIST)/player-names.wasm
	@echo "== as served (make wasm builds with $(PLAYER_FLAGS) -ldflags=-s; the origin compresses with brotli -6):"
	@GOOS=js GOARCH=wasm $(GO) build $(PLAYER_FLAGS) -ldflags=-s -o $(DIST)/player-stripped.wasm ./player/app
	$(GO) run ./cmd/wasmsize -top 0 -br 6$(if $(BR11),$(comma)11) -pkg ./player/app $(DIST)/player-stripped.wasm

bench-edge: wasm ## wrk against edgeflix's edge and Debian's nginx (proxy_cache + secure_link) over one loopback origin: 1 KB / 1 MB, hits and cold misses
	@EDGEFLIX_BENCH_EDGE=1 scripts/setup.sh
	$(GO) run ./cmd/bench-edge $(if $(DURATION),-duration $(DURATION))
