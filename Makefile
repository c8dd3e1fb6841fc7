# edgeflix — `make run` starts the whole service, `make test` runs every test.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DIST        := dist

.PHONY: run test check setup build wasm fmt

run: setup wasm ## start origin, edge and web app with a demo catalog
	$(GO) run ./cmd/edgeflix up

test: setup ## run every test against real MariaDB, Redis, S3 protocol and Chromium
	$(GO) test -race -count=1 -timeout 40m ./...

setup: ## install or start what edgeflix needs (MariaDB, Redis, ffmpeg, Chromium, Node.js)
	@scripts/setup.sh

build: wasm ## build the operator binary into dist/
	$(GO) build -o $(DIST)/edgeflix ./cmd/edgeflix

wasm: ## build the edge module and the browser player
	@mkdir -p $(DIST)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags=-s -o $(DIST)/edge.wasm ./wasm/module
	@mkdir -p $(DIST)/web
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-s -o $(DIST)/web/player.wasm ./player/app
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(DIST)/web/wasm_exec.js

check: ## gofmt, vet, staticcheck, tidy, cross-builds
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasm/...
	GOOS=js GOARCH=wasm $(GO) vet ./player/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	GOOS=wasip1 GOARCH=wasm $(GO) build -o /dev/null ./wasm/...
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./player/...

fmt:
	gofmt -w .
