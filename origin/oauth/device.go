package oauth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// Device authorization grant parameters (RFC 8628).
const (
	// DeviceCodeLifetime is how long a device code can be approved and polled.
	DeviceCodeLifetime = 10 * time.Minute
	// DevicePollInterval is the minimum polling interval a client starts with.
	DevicePollInterval = 5 * time.Second
	// UserCodeAlphabet has no vowels (no words) and no look-alike
	// characters (RFC 8628 §6.1).
	UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	// UserCodeLen is the number of characters of a user code.
	UserCodeLen = 8
)

// ErrBadUserCode means a user code is malformed, unknown, expired or used.
var ErrBadUserCode = errors.New("invalid user code")

// DeviceAuthorization is the RFC 8628 §3.2 answer.
type DeviceAuthorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// deviceGrant is a pending device authorization, stored in Redis.
type deviceGrant struct {
	ClientID   string `json:"client_id"`
	Scope      string `json:"scope"`
	UserCode   string `json:"user_code"`
	Name       string `json:"name,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
	ExpiresAt  int64  `json:"expires_at"` // unix seconds
	Interval   int    `json:"interval"`   // seconds
	LastPollNs int64  `json:"last_poll_ns,omitempty"`
	Status     string `json:"status"` // pending, approved, denied
	AccountID  string `json:"account_id,omitempty"`
}

// NormalizeUserCode upper-cases a user code as typed, drops dashes and
// spaces, and checks it has UserCodeLen characters of UserCodeAlphabet.
func NormalizeUserCode(s string) (string, error) {
	if len(s) > 32 {
		return "", ErrBadUserCode
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case r < 128 && strings.IndexByte(UserCodeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", ErrBadUserCode
		}
	}
	if b.Len() != UserCodeLen {
		return "", ErrBadUserCode
	}
	return b.String(), nil
}

// FormatUserCode shows a normalised user code as XXXX-XXXX.
func FormatUserCode(c string) string {
	if len(c) != UserCodeLen {
		return c
	}
	return c[:4] + "-" + c[4:]
}

func newUserCode() string {
	b := make([]byte, UserCodeLen)
	rand.Read(b)
	out := make([]byte, UserCodeLen)
	for i, v := range b {
		// 256 % 20 = 16: reject-free modulo has a tiny bias; resample instead.
		for v >= 240 {
			var one [1]byte
			rand.Read(one[:])
			v = one[0]
		}
		out[i] = UserCodeAlphabet[int(v)%len(UserCodeAlphabet)]
	}
	return string(out)
}

func (s *Server) deviceKey(hash string) string { return s.cfg.RedisPrefix + "oauth:device:" + hash }
func (s *Server) userCodeKey(code string) string {
	return s.cfg.RedisPrefix + "oauth:user_code:" + code
}

// HandleDeviceAuthorization serves POST /oauth/device_authorization.
func (s *Server) HandleDeviceAuthorization(ctx *fasthttp.RequestCtx) {
	args, ok := s.tokenForm(ctx, "client_id", "scope", "device_name")
	if !ok {
		return
	}
	c, ok := s.clients[string(args.Peek("client_id"))]
	if !ok {
		s.writeTokenError(ctx, tokenErr("invalid_client", "unknown client"))
		return
	}
	if !c.DeviceGrant {
		s.writeTokenError(ctx, tokenErr("unauthorized_client", "this client may not use the device grant"))
		return
	}
	name := string(args.Peek("device_name"))
	if len(name) > 4*devices.MaxNameLen {
		s.writeTokenError(ctx, tokenErr("invalid_request", "device_name is too long"))
		return
	}
	deviceCode := tokens.RandomID(32)
	now := s.now()
	g := deviceGrant{ClientID: c.ID, Scope: grantScope(string(args.Peek("scope"))), Name: name,
		UserAgent: truncate(string(ctx.UserAgent()), 512), ExpiresAt: now.Add(DeviceCodeLifetime).Unix(),
		Interval: int(DevicePollInterval / time.Second), Status: "pending"}
	bg := background(ctx)
	var userCode string
	for range 5 {
		userCode = newUserCode()
		ok, err := s.cfg.Redis.SetNX(bg, s.userCodeKey(userCode), hashString(deviceCode), DeviceCodeLifetime).Result()
		if err != nil {
			s.cfg.Logger.Error("oauth: store user code", "err", err)
			s.writeTokenError(ctx, tokenErr("temporarily_unavailable", ""))
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
			return
		}
		if ok {
			break
		}
		userCode = ""
	}
	if userCode == "" {
		s.writeTokenError(ctx, tokenErr("temporarily_unavailable", "try again"))
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		return
	}
	g.UserCode = userCode
	b, _ := json.Marshal(g)
	// Redis keeps the grant a while past expiry so a late poll gets
	// expired_token rather than invalid_grant.
	if err := s.cfg.Redis.Set(bg, s.deviceKey(hashString(deviceCode)), b, DeviceCodeLifetime+5*time.Minute).Err(); err != nil {
		s.cfg.Logger.Error("oauth: store device code", "err", err)
		s.writeTokenError(ctx, tokenErr("temporarily_unavailable", ""))
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		return
	}
	verify := s.cfg.PublicURL + "/app/activate"
	out, _ := json.Marshal(DeviceAuthorization{
		DeviceCode: deviceCode, UserCode: FormatUserCode(userCode), VerificationURI: verify,
		VerificationURIComplete: verify + "?" + url.Values{"user_code": {FormatUserCode(userCode)}}.Encode(),
		ExpiresIn:               int(DeviceCodeLifetime / time.Second), Interval: g.Interval,
	})
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetBody(out)
}

// updateDevice applies fn to the device grant under key atomically
// (optimistic WATCH transaction, retried on conflict).
func (s *Server) updateDevice(ctx context.Context, key string, fn func(g *deviceGrant) (keep bool, err error)) error {
	for range 20 {
		err := s.cfg.Redis.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.Get(ctx, key).Bytes()
			if err != nil {
				return err
			}
			var g deviceGrant
			if err := json.Unmarshal(raw, &g); err != nil {
				return fmt.Errorf("oauth: decode device grant: %w", err)
			}
			keep, ferr := fn(&g)
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if !keep {
					p.Del(ctx, key)
					return nil
				}
				b, _ := json.Marshal(g)
				p.Set(ctx, key, b, redis.KeepTTL)
				return nil
			})
			if err != nil {
				return err
			}
			return ferr
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return err
	}
	return errors.New("oauth: device grant: too much contention")
}

// pollDevice answers a device_code grant poll (RFC 8628 §3.4, §3.5).
func (s *Server) pollDevice(ctx context.Context, clientID, deviceCode string) (*TokenResponse, error) {
	c, ok := s.clients[clientID]
	if !ok {
		return nil, tokenErr("invalid_client", "unknown client")
	}
	if !c.DeviceGrant {
		return nil, tokenErr("unauthorized_client", "this client may not use the device grant")
	}
	if deviceCode == "" || len(deviceCode) > 512 {
		return nil, tokenErr("invalid_request", "device_code is required")
	}
	ctx = background(ctx)
	now := s.now()
	var approved deviceGrant
	err := s.updateDevice(ctx, s.deviceKey(hashString(deviceCode)), func(g *deviceGrant) (bool, error) {
		if g.ClientID != clientID {
			return true, tokenErr("invalid_grant", "device code was issued to another client")
		}
		if now.Unix() >= g.ExpiresAt {
			return false, tokenErr("expired_token", "the device code expired; start again")
		}
		switch g.Status {
		case "denied":
			return false, tokenErr("access_denied", "the request was denied")
		case "approved":
			approved = *g
			return false, nil
		}
		last := g.LastPollNs
		g.LastPollNs = now.UnixNano()
		if last != 0 && now.Sub(time.Unix(0, last)) < time.Duration(g.Interval)*time.Second {
			g.Interval += 5
			return true, tokenErr("slow_down", fmt.Sprintf("poll at most every %d s", g.Interval))
		}
		return true, tokenErr("authorization_pending", "the user has not approved the request yet")
	})
	if errors.Is(err, redis.Nil) {
		return nil, tokenErr("invalid_grant", "device code is invalid or used")
	}
	if err != nil {
		return nil, err
	}
	resp, _, err := s.signIn(ctx, approved.AccountID, clientID, approved.Scope, devices.ClassTV, approved.Name, approved.UserAgent)
	return resp, err
}

// decideDevice approves (or denies) the pending device grant with user code
// for accountID.
func (s *Server) decideDevice(ctx context.Context, accountID, userCode string, approve bool) error {
	code, err := NormalizeUserCode(userCode)
	if err != nil {
		return err
	}
	ctx = background(ctx)
	hash, err := s.cfg.Redis.Get(ctx, s.userCodeKey(code)).Result()
	if errors.Is(err, redis.Nil) {
		return ErrBadUserCode
	}
	if err != nil {
		return err
	}
	now := s.now()
	err = s.updateDevice(ctx, s.deviceKey(hash), func(g *deviceGrant) (bool, error) {
		if g.Status != "pending" || now.Unix() >= g.ExpiresAt {
			return true, ErrBadUserCode
		}
		if approve {
			g.Status, g.AccountID = "approved", accountID
		} else {
			g.Status = "denied"
		}
		return true, nil
	})
	if errors.Is(err, redis.Nil) {
		return ErrBadUserCode
	}
	if err != nil {
		return err
	}
	// A user code works once.
	s.cfg.Redis.Del(ctx, s.userCodeKey(code))
	return nil
}

// DeviceDecision is the body of POST /v1/device/approve and /v1/device/deny.
type DeviceDecision struct {
	UserCode string `json:"user_code"`
}
