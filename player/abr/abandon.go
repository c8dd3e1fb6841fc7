package abr

// ReasonAbandon is the reason of a Decision by Abandon: the segment in
// flight is dropped and the same segment fetched from a lower variant.
const ReasonAbandon Reason = "abandon"

// Download is a segment download in flight, as Abandon sees it.
type Download struct {
	// Current is the index of the variant being fetched.
	Current int
	// Segment is the segment's media duration in seconds; 0 means
	// Config.Segment.
	Segment float64
	// Elapsed is the time in seconds since the request was sent.
	Elapsed float64
	// Loaded is how many bytes have arrived; Total is the body's size
	// (Content-Length), 0 if unknown: then the variant's bandwidth times
	// Segment.
	Loaded, Total int64
	// Recent is the rate in bits/s over the last second or so of the
	// download, 0 if unknown.
	Recent float64
	// Estimate is the throughput estimate in bits/s (Estimator.Estimate),
	// the rate assumed until the first bytes arrive.
	Estimate float64
	// Buffer is the forward buffer: how many seconds playback lasts
	// without this segment.
	Buffer float64
}

// Rate is the download's rate in bits/s as Abandon judges it: the lower
// of its average and its Recent rate, or Estimate before any byte came.
// A link that collapses halfway through a download shows in the recent
// rate at once, while the average still carries the fast first half.
func (d Download) Rate() float64 {
	if d.Loaded <= 0 || d.Elapsed <= 0 {
		return d.Estimate
	}
	r := float64(d.Loaded) * 8 / d.Elapsed
	if d.Recent > 0 && d.Recent < r {
		r = d.Recent
	}
	return r
}

// Abandon reports whether to drop the download d in flight and fetch its
// segment from a lower variant instead (hls.js's emergency abandon rule):
// once half the segment's duration has passed, when the rest of d would
// take longer at d.Rate than the buffer lasts and a lower variant's whole
// segment would arrive sooner than that rest. The Decision is the highest
// lower variant whose segment arrives before the buffer runs out, else
// the lowest.
func (c *Controller) Abandon(d Download) (Decision, bool) {
	if d.Current < 0 || d.Current >= len(c.variants) || c.rank[d.Current] <= 0 {
		return Decision{}, false
	}
	seg := d.Segment
	if seg <= 0 {
		seg = c.cfg.Segment
	}
	rate := d.Rate()
	if d.Elapsed < seg/2 || rate <= 0 {
		return Decision{}, false
	}
	total := d.Total
	if total <= 0 {
		total = int64(float64(c.variants[d.Current].Bandwidth) * seg / 8)
	}
	left := float64(max(total-d.Loaded, 0)) * 8 / rate
	if left <= d.Buffer {
		return Decision{}, false
	}
	// fetch is how many seconds a whole segment of variant rank r takes
	// at rate.
	fetch := func(r int) float64 {
		return float64(c.variants[c.allowed[r]].Bandwidth) * seg / rate
	}
	r := c.rank[d.Current] - 1
	for r > 0 && fetch(r) >= d.Buffer {
		r--
	}
	if fetch(r) >= left {
		return Decision{}, false
	}
	return Decision{Index: c.allowed[r], Reason: ReasonAbandon}, true
}

// RecentRate follows a download's progress and gives its rate over about
// the last Window, for Download.Recent. The zero value uses a 1 s window.
type RecentRate struct {
	// Window is the span in seconds the rate is taken over; 0 means 1 s.
	Window float64
	points []progressPoint
}

type progressPoint struct {
	at     float64 // seconds
	loaded int64
}

// Add records that loaded bytes had arrived elapsed seconds after the request
// and returns the rate in bits/s since the newest earlier record at least
// Window old, or 0 while the download is younger than Window.
func (m *RecentRate) Add(elapsed float64, loaded int64) float64 {
	w := m.Window
	if w <= 0 {
		w = 1
	}
	if len(m.points) == 0 {
		m.points = append(m.points, progressPoint{})
	}
	m.points = append(m.points, progressPoint{elapsed, loaded})
	for len(m.points) > 2 && m.points[1].at <= elapsed-w {
		m.points = m.points[1:]
	}
	base := m.points[0]
	if span := elapsed - base.at; span >= w {
		return float64(loaded-base.loaded) * 8 / span
	}
	return 0
}
