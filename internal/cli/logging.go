package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// logFormat is the --log-format flag: "text" (the default, for people) or
// "json" (one object a line, for log pipelines).
type logFormat string

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("want text or json, not %q", v)
	}
	*f = logFormat(v)
	return nil
}

// registerLogFormat adds --log-format (env EDGEFLIX_LOG_FORMAT) to fs.
func registerLogFormat(fs *flag.FlagSet) *logFormat {
	f := logFormat("text")
	if env := envOr("EDGEFLIX_LOG_FORMAT", ""); env != "" {
		_ = f.Set(env)
	}
	fs.Var(&f, "log-format", "log format: text or json (env EDGEFLIX_LOG_FORMAT)")
	return &f
}

// logger returns a slog logger writing w in format f.
func (f logFormat) logger(w io.Writer) *slog.Logger {
	if f == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

var _ flag.Value = (*logFormat)(nil)
