package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search bounds.
const (
	MaxQueryLen   = 100
	MaxSearchSkip = 500
	// MinTokenLen is InnoDB's innodb_ft_min_token_size default: shorter
	// words are not in the full-text index.
	MinTokenLen = 3
)

// stopwords is InnoDB's default full-text stopword list
// (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD): words never indexed.
var stopwords = map[string]bool{
	"a": true, "about": true, "an": true, "are": true, "as": true, "at": true, "be": true, "by": true,
	"com": true, "de": true, "en": true, "for": true, "from": true, "how": true, "i": true, "in": true,
	"is": true, "it": true, "la": true, "of": true, "on": true, "or": true, "that": true, "the": true,
	"this": true, "to": true, "was": true, "what": true, "when": true, "where": true, "who": true,
	"will": true, "with": true, "und": true, "www": true,
}

// ErrBadQuery means a search query is empty or too long.
var ErrBadQuery = errors.New("invalid search query")

// Query is a parsed search query.
type Query struct {
	// Normalized is the query lower-cased with runs of non-word characters
	// collapsed to one space (the cache key).
	Normalized string
	// Boolean is the MySQL BOOLEAN MODE expression: every indexable word
	// required, each as a prefix (`+word*`); empty when no word is
	// indexable and the prefix fallback applies.
	Boolean string
	// Prefix is the LIKE pattern of the fallback (`normalized%`, escaped).
	Prefix string
}

// ParseQuery parses a search query: words are runs of letters and digits
// (so full-text operators in the input are dropped), words shorter than
// MinTokenLen and stopwords are left to the prefix fallback.
func ParseQuery(q string) (Query, error) {
	if !utf8.ValidString(q) || len(q) > MaxQueryLen {
		return Query{}, ErrBadQuery
	}
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return Query{}, ErrBadQuery
	}
	var out Query
	out.Normalized = strings.Join(words, " ")
	var terms []string
	for _, w := range words {
		if utf8.RuneCountInString(w) >= MinTokenLen && !stopwords[w] {
			terms = append(terms, "+"+w+"*")
		}
	}
	out.Boolean = strings.Join(terms, " ")
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(strings.ToLower(q)))
	out.Prefix = esc + "%"
	return out, nil
}

// searchCursor is the opaque position of a search page: relevance has no
// stable key, so it is an offset, bounded by MaxSearchSkip.
type searchCursor struct {
	Skip int `json:"s"`
}

func encodeSearchCursor(skip int) string {
	b, _ := json.Marshal(searchCursor{Skip: skip})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeSearchCursor parses a search cursor, returning the rows to skip.
func DecodeSearchCursor(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) > 64 {
		return 0, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, ErrBadCursor
	}
	var c searchCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Skip <= 0 || c.Skip > MaxSearchSkip {
		return 0, ErrBadCursor
	}
	return c.Skip, nil
}

// SearchPage is the body of GET /v1/search.
type SearchPage struct {
	Items []Summary `json:"items"`
	Next  *string   `json:"next"`
}

// Search finds browsable titles within ceiling matching q: full text in
// BOOLEAN MODE ranking a match in the name ten times a match in synopsis
// or cast, or, for queries without indexable words, names starting with
// the query (index titles_name). Results are cached per ceiling, query and
// page.
func (s *Store) Search(ctx context.Context, ceiling int, q Query, limit, skip int) ([]byte, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	key := "search:m" + strconv.Itoa(ceiling) + ":" + strconv.Itoa(limit) + ":" + strconv.Itoa(skip) + ":" + q.Normalized
	return s.cached(ctx, key, SearchTTL, func(ctx context.Context) ([]byte, error) {
		items, err := s.search(ctx, ceiling, q, limit+1, skip)
		if err != nil {
			return nil, err
		}
		page := SearchPage{Items: items}
		if len(items) > limit {
			page.Items = items[:limit]
			if skip+limit <= MaxSearchSkip {
				n := encodeSearchCursor(skip + limit)
				page.Next = &n
			}
		}
		return json.Marshal(page)
	})
}

func (s *Store) search(ctx context.Context, ceiling int, q Query, n, skip int) ([]Summary, error) {
	now := s.now().UTC()
	if q.Boolean != "" {
		items, err := s.summaries(ctx, "SELECT "+summaryColumns+" FROM titles t WHERE MATCH(t.name, t.synopsis, t.cast_names) AGAINST (? IN BOOLEAN MODE) AND "+browsable+
			" AND t.maturity_level <= ? ORDER BY MATCH(t.name) AGAINST (? IN BOOLEAN MODE) * 10 + MATCH(t.name, t.synopsis, t.cast_names) AGAINST (? IN BOOLEAN MODE) DESC, t.id LIMIT ? OFFSET ?",
			q.Boolean, now, ceiling, q.Boolean, q.Boolean, n, skip)
		if err != nil || len(items) > 0 || skip > 0 {
			return items, err
		}
	}
	return s.summaries(ctx, "SELECT "+summaryColumns+" FROM titles t WHERE t.name LIKE ? AND "+browsable+" AND t.maturity_level <= ? ORDER BY t.name, t.id LIMIT ? OFFSET ?",
		q.Prefix, now, ceiling, n, skip)
}
