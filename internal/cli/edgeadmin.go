package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/edgeflix/edgeflix/edge"
	"github.com/edgeflix/edgeflix/edge/admin"
)

// serveAdmin starts the edge's admin API (function versions and /metrics)
// on addr, which must not be the public address. Without an admin token in
// the environment only /metrics is served. It returns the API's URL ("" if
// addr is empty) and the stop function.
func serveAdmin(srv *edge.Server, addr, publicAddr string, stdout io.Writer, logger *slog.Logger) (string, func(), error) {
	if addr == "" {
		return "", func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("admin listener: %w", err)
	}
	if ln.Addr().String() == publicAddr {
		ln.Close()
		return "", nil, errors.New("the admin API may not share the public port")
	}
	var h http.Handler
	token := os.Getenv(admin.TokenEnv) // never a flag: flags show in ps
	switch {
	case srv.Versions() != nil && token != "":
		if h, err = admin.Handler(srv.Versions(), token, srv.MetricsHandler(), logger); err != nil {
			ln.Close()
			return "", nil, err
		}
	default:
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		h = mux
		logger.Info("edge: admin API serves /metrics only (function versions need --versions-dir and " + admin.TokenEnv + ")")
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "edge admin API on %s\n", url)
	return url, func() { _ = hs.Close() }, nil
}
