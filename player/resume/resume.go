// Package resume holds the player's rules for where playback starts and
// when it counts as finished: resume a saved position unless it is too
// close to the start or the end, back up a few seconds for context, and
// offer the next episode once the credits roll.
package resume

import "math"

// Rules tunes the decisions. Zero fields take the defaults shown.
type Rules struct {
	// MinPosition is the position under which playback starts from the
	// beginning. Default 10 s.
	MinPosition float64
	// FinishedTail is the time before the end after which a title counts
	// as watched; the larger of it and FinishedShare of the duration is
	// used. Default 30 s.
	FinishedTail float64
	// FinishedShare is the share of the duration that counts as the end.
	// Default 0.05.
	FinishedShare float64
	// Rewind is how far before the saved position playback resumes.
	// Default 3 s.
	Rewind float64
	// NextEpisodeLead is how long before the end the next-episode prompt
	// appears. Default 20 s (at most a tenth of the duration).
	NextEpisodeLead float64
}

func (r Rules) withDefaults() Rules {
	if r.MinPosition <= 0 {
		r.MinPosition = 10
	}
	if r.FinishedTail <= 0 {
		r.FinishedTail = 30
	}
	if r.FinishedShare <= 0 {
		r.FinishedShare = 0.05
	}
	if r.Rewind <= 0 {
		r.Rewind = 3
	}
	if r.NextEpisodeLead <= 0 {
		r.NextEpisodeLead = 20
	}
	return r
}

func valid(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0 }

// Finished reports whether position (seconds) into a title of duration
// seconds counts as watched to the end. An unknown duration (0) never
// counts as finished.
func (r Rules) Finished(position, duration float64) bool {
	r = r.withDefaults()
	if !valid(position) || !valid(duration) || duration == 0 {
		return false
	}
	tail := math.Max(r.FinishedTail, r.FinishedShare*duration)
	tail = math.Min(tail, duration/2)
	return position >= duration-tail
}

// Start returns where playback of a title with a saved position starts:
// 0 for no useful position (too early, finished, or invalid), else the
// position less Rewind, within the duration when it is known.
func (r Rules) Start(position, duration float64) float64 {
	r = r.withDefaults()
	if !valid(position) || position < r.MinPosition || r.Finished(position, duration) {
		return 0
	}
	if valid(duration) && duration > 0 && position > duration {
		return 0
	}
	return math.Max(0, position-r.Rewind)
}

// OfferNext reports whether the next-episode prompt shows at position of
// an episode of duration: within NextEpisodeLead (at most a tenth of the
// duration) of the end, when there is a next episode.
func (r Rules) OfferNext(position, duration float64, hasNext bool) bool {
	r = r.withDefaults()
	if !hasNext || !valid(position) || !valid(duration) || duration == 0 {
		return false
	}
	lead := math.Min(r.NextEpisodeLead, duration/10)
	return position >= duration-lead
}

// Fraction is the progress bar's fill, position/duration within [0, 1];
// 0 for an unknown duration.
func Fraction(position, duration float64) float64 {
	if !valid(position) || !valid(duration) || duration == 0 {
		return 0
	}
	return math.Min(1, position/duration)
}
