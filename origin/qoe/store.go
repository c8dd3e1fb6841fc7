package qoe

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Session is what the origin knows of a playback session, from its lease.
type Session struct {
	AccountID   string
	TitleID     string
	DeviceClass string
}

// ErrNotYours means the session exists but belongs to another account.
var ErrNotYours = errors.New("playback session of another account")

// Store keeps reports in MySQL.
type Store struct{ db *sql.DB }

// NewStore returns a Store over the migrated db.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// Owner returns the account of a recorded session; ok is false if none.
func (s *Store) Owner(ctx context.Context, sid string) (accountID string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT account_id FROM qoe_sessions WHERE session_id = ?", sid).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("qoe: owner: %w", err)
	}
	return accountID, true, nil
}

// Record stores r for session sid at now: the first report creates the
// row from sess; a later one replaces the figures if its Seq is higher and
// the final report has not arrived yet (else it is a retry or late, and
// ignored). The row's owner never changes: ErrNotYours if sess names
// another account.
func (s *Store) Record(ctx context.Context, sid string, sess Session, r Report, now time.Time) error {
	var startup sql.NullInt64
	if r.StartupMS != nil {
		startup = sql.NullInt64{Int64: int64(*r.StartupMS), Valid: true}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("qoe: record: %w", err)
	}
	defer tx.Rollback()
	var owner string
	var seq int
	var final bool
	err = tx.QueryRowContext(ctx, "SELECT account_id, seq, final FROM qoe_sessions WHERE session_id = ? FOR UPDATE", sid).
		Scan(&owner, &seq, &final)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO qoe_sessions
			(session_id, account_id, title_id, device_class, fn_version, seq, final, startup_ms, exit_before_start, start_failed,
			 watch_ms, rebuffer_count, rebuffer_ms, avg_bitrate_kbps, switches, dropped_frames, errors, last_error, started_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sid, sess.AccountID, sess.TitleID, sess.DeviceClass, r.FnVersion, r.Seq, r.Final, startup, r.ExitBeforeStart, r.StartFailed,
			r.WatchMS, r.RebufferCount, r.RebufferMS, r.AvgBitrateKbps, r.Switches, r.DroppedFrames, r.Errors, r.LastError, now.UTC(), now.UTC())
	case err != nil:
	case owner != sess.AccountID:
		return ErrNotYours
	case r.Seq <= seq || final:
		return nil // a retry or a late report: the stored one is newer
	default:
		_, err = tx.ExecContext(ctx, `UPDATE qoe_sessions SET
			fn_version = IF(? = '', fn_version, ?), seq = ?, final = ?, startup_ms = ?, exit_before_start = ?, start_failed = ?,
			watch_ms = ?, rebuffer_count = ?, rebuffer_ms = ?, avg_bitrate_kbps = ?, switches = ?, dropped_frames = ?,
			errors = ?, last_error = ?, updated_at = ?
			WHERE session_id = ?`,
			r.FnVersion, r.FnVersion, r.Seq, r.Final, startup, r.ExitBeforeStart, r.StartFailed,
			r.WatchMS, r.RebufferCount, r.RebufferMS, r.AvgBitrateKbps, r.Switches, r.DroppedFrames,
			r.Errors, r.LastError, now.UTC(), sid)
	}
	if err != nil {
		return fmt.Errorf("qoe: record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("qoe: record: %w", err)
	}
	return nil
}

// Group is the QoE of the sessions of one edge function version and
// device class.
type Group struct {
	FnVersion   string `json:"fn_version"`
	DeviceClass string `json:"device_class"`
	// Sessions counts the sessions (attempts) reported.
	Sessions int `json:"sessions"`
	// Started counts the sessions that showed a first frame.
	Started int `json:"started"`
	// StartupP50MS and StartupP95MS are percentiles of video startup time
	// over the started sessions (nearest rank); 0 when none started.
	StartupP50MS int `json:"startup_p50_ms"`
	StartupP95MS int `json:"startup_p95_ms"`
	// RebufferRatio is total stall time / (stall + watch time).
	RebufferRatio float64 `json:"rebuffer_ratio"`
	// RebuffersPerHour is stalls per hour of watch time.
	RebuffersPerHour float64 `json:"rebuffers_per_hour"`
	// AvgBitrateKbps is the bitrate weighted by watch time.
	AvgBitrateKbps int `json:"avg_bitrate_kbps"`
	// EBVSRate and VSFRate are exits before video start and video start
	// failures per session.
	EBVSRate float64 `json:"ebvs_rate"`
	VSFRate  float64 `json:"vsf_rate"`
	// Errors is the sum of errors; ErrorSessionRate the share of sessions
	// with at least one.
	Errors           int     `json:"errors"`
	ErrorSessionRate float64 `json:"error_session_rate"`
	// WatchHours is the total watch time.
	WatchHours float64 `json:"watch_hours"`
}

// MaxSummaryRows bounds the sessions one summary reads.
const MaxSummaryRows = 200_000

// Summary returns the QoE of sessions updated since, grouped by function
// version and device class, sorted by them.
func (s *Store) Summary(ctx context.Context, since time.Time) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT fn_version, device_class, startup_ms, exit_before_start, start_failed,
		watch_ms, rebuffer_count, rebuffer_ms, avg_bitrate_kbps, errors
		FROM qoe_sessions WHERE updated_at >= ? ORDER BY updated_at DESC LIMIT ?`, since.UTC(), MaxSummaryRows)
	if err != nil {
		return nil, fmt.Errorf("qoe: summary: %w", err)
	}
	defer rows.Close()
	type acc struct {
		g                         Group
		startups                  []int
		watch, stall, bitrateTime float64
		rebuffers, withErrors     int
		ebvs, vsf                 int
	}
	groups := map[[2]string]*acc{}
	for rows.Next() {
		var fn, class string
		var startup sql.NullInt64
		var ebvs, vsf bool
		var watch, stall int64
		var rebuffers, bitrate, errs int
		if err := rows.Scan(&fn, &class, &startup, &ebvs, &vsf, &watch, &rebuffers, &stall, &bitrate, &errs); err != nil {
			return nil, fmt.Errorf("qoe: summary: %w", err)
		}
		a := groups[[2]string{fn, class}]
		if a == nil {
			a = &acc{g: Group{FnVersion: fn, DeviceClass: class}}
			groups[[2]string{fn, class}] = a
		}
		a.g.Sessions++
		if startup.Valid {
			a.startups = append(a.startups, int(startup.Int64))
		}
		if ebvs {
			a.ebvs++
		}
		if vsf {
			a.vsf++
		}
		a.watch += float64(watch)
		a.stall += float64(stall)
		a.bitrateTime += float64(bitrate) * float64(watch)
		a.rebuffers += rebuffers
		a.g.Errors += errs
		if errs > 0 {
			a.withErrors++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("qoe: summary: %w", err)
	}
	out := make([]Group, 0, len(groups))
	for _, a := range groups {
		g := a.g
		g.Started = len(a.startups)
		slices.Sort(a.startups)
		g.StartupP50MS, g.StartupP95MS = percentile(a.startups, 50), percentile(a.startups, 95)
		if a.watch+a.stall > 0 {
			g.RebufferRatio = round4(a.stall / (a.stall + a.watch))
		}
		if a.watch > 0 {
			g.AvgBitrateKbps = int(math.Round(a.bitrateTime / a.watch))
			g.RebuffersPerHour = round4(float64(a.rebuffers) / (a.watch / 3.6e6))
		}
		n := float64(g.Sessions)
		g.EBVSRate, g.VSFRate, g.ErrorSessionRate = round4(float64(a.ebvs)/n), round4(float64(a.vsf)/n), round4(float64(a.withErrors)/n)
		g.WatchHours = round4(a.watch / 3.6e6)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if a.FnVersion != b.FnVersion {
			return strings.Compare(a.FnVersion, b.FnVersion)
		}
		return strings.Compare(a.DeviceClass, b.DeviceClass)
	})
	return out, nil
}

// percentile returns the nearest-rank p-th percentile of sorted values.
func percentile(sorted []int, p int) int {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }
