package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// TokenResponse is the RFC 6749 §5.1 success answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// TokenError is the RFC 6749 §5.2 error answer.
type TokenError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// Error implements error.
func (e *TokenError) Error() string { return e.Code + ": " + e.Description }

func tokenErr(code, desc string) *TokenError { return &TokenError{Code: code, Description: desc} }

// HandleToken serves POST /oauth/token.
func (s *Server) HandleToken(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Pragma", "no-cache")
	// RFC 6749 §3.2: parameters must not repeat.
	args, ok := s.tokenForm(ctx, "grant_type", "code", "redirect_uri", "client_id", "code_verifier", "refresh_token", "scope", "device_code")
	if !ok {
		return
	}
	var resp *TokenResponse
	var err error
	switch gt := string(args.Peek("grant_type")); gt {
	case "authorization_code":
		resp, err = s.exchangeCode(ctx, string(args.Peek("client_id")), string(args.Peek("code")),
			string(args.Peek("redirect_uri")), string(args.Peek("code_verifier")))
	case "refresh_token":
		resp, err = s.refresh(ctx, string(args.Peek("client_id")), string(args.Peek("refresh_token")))
	case DeviceCodeGrantType:
		resp, err = s.pollDevice(ctx, string(args.Peek("client_id")), string(args.Peek("device_code")))
	case "":
		err = tokenErr("invalid_request", "grant_type is required")
	default:
		err = tokenErr("unsupported_grant_type", "grant_type "+strconv.Quote(gt)+" is not supported")
	}
	var te *TokenError
	switch {
	case err == nil:
		b, _ := json.Marshal(resp)
		ctx.SetContentType("application/json")
		ctx.SetStatusCode(fasthttp.StatusOK)
		ctx.SetBody(b)
	case errors.As(err, &te):
		s.writeTokenError(ctx, te)
	default:
		s.cfg.Logger.Error("oauth: token", "err", err)
		s.writeTokenError(ctx, tokenErr("server_error", ""))
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
	}
}

func (s *Server) writeTokenError(ctx *fasthttp.RequestCtx, te *TokenError) {
	status := fasthttp.StatusBadRequest
	if te.Code == "invalid_client" {
		status = fasthttp.StatusUnauthorized
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="edgeflix"`)
	}
	b, _ := json.Marshal(te)
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(status)
	ctx.SetBody(b)
}

// S256 returns the PKCE S256 code challenge of verifier.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// usedCode is what a spent authorization code remembers, so that a replay
// revokes what it issued (RFC 9700 §4.2.4, RFC 6749 §4.1.2).
type usedCode struct {
	AccountID string `json:"account_id"`
	DeviceID  string `json:"device_id"`
}

// UsedCodeMemory is how long a spent code is remembered for replay
// detection.
const UsedCodeMemory = 10 * time.Minute

func (s *Server) exchangeCode(ctx context.Context, clientID, code, redirectURI, verifier string) (*TokenResponse, error) {
	if _, ok := s.clients[clientID]; !ok {
		return nil, tokenErr("invalid_client", "unknown client")
	}
	if code == "" || redirectURI == "" || verifier == "" {
		return nil, tokenErr("invalid_request", "code, redirect_uri and code_verifier are required")
	}
	ctx = background(ctx)
	codeHash := hashString(code)
	raw, err := s.cfg.Redis.GetDel(ctx, s.codeKey(codeHash)).Bytes()
	if errors.Is(err, redis.Nil) {
		if used, err := s.cfg.Redis.GetDel(ctx, s.usedCodeKey(codeHash)).Bytes(); err == nil {
			var u usedCode
			if json.Unmarshal(used, &u) == nil && u.DeviceID != "" {
				if err := s.RevokeDevice(ctx, u.AccountID, u.DeviceID); err != nil && !errors.Is(err, devices.ErrNotFound) {
					s.cfg.Logger.Error("oauth: revoke after code replay", "err", err)
				}
				s.cfg.Logger.Warn("oauth: authorization code replayed; its tokens are revoked", "account", u.AccountID, "device", u.DeviceID)
			}
		}
		return nil, tokenErr("invalid_grant", "code is invalid, expired or used")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: read code: %w", err)
	}
	var g codeGrant
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("oauth: decode code: %w", err)
	}
	if g.ClientID != clientID || g.RedirectURI != redirectURI {
		return nil, tokenErr("invalid_grant", "code was issued to another client or redirect_uri")
	}
	if !validChallenge(verifier) || subtle.ConstantTimeCompare([]byte(S256(verifier)), []byte(g.Challenge)) != 1 {
		return nil, tokenErr("invalid_grant", "code_verifier does not match the code_challenge")
	}
	resp, deviceID, err := s.signIn(ctx, g.AccountID, clientID, g.Scope, g.DeviceClass, g.DeviceName, g.UserAgent)
	if err != nil {
		return nil, err
	}
	if b, err := json.Marshal(usedCode{AccountID: g.AccountID, DeviceID: deviceID}); err == nil {
		if err := s.cfg.Redis.Set(ctx, s.usedCodeKey(codeHash), b, UsedCodeMemory).Err(); err != nil {
			s.cfg.Logger.Warn("oauth: remember used code", "err", err)
		}
	}
	return resp, nil
}

// signIn registers a device for a completed sign-in and starts its refresh
// token family, in one transaction, and returns the tokens and the device id.
func (s *Server) signIn(ctx context.Context, accountID, clientID, scope, class, name, userAgent string) (*TokenResponse, string, error) {
	if !devices.ValidClass(class) {
		class = devices.ClassFromUserAgent(userAgent)
	}
	tx, err := s.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, "", fmt.Errorf("oauth: begin: %w", err)
	}
	defer tx.Rollback()
	dev, err := s.cfg.Devices.Register(ctx, tx, accountID, clientID, class, name, userAgent)
	if err != nil {
		return nil, "", err
	}
	family := make([]byte, 16)
	rand.Read(family)
	refresh, err := s.insertRefresh(ctx, tx, family, accountID, clientID, dev.ID, scope)
	if err != nil {
		return nil, "", err
	}
	if err := tx.Commit(); err != nil {
		return nil, "", fmt.Errorf("oauth: sign in: %w", err)
	}
	resp, err := s.respond(tokens.Grant{Subject: accountID, ClientID: clientID, Scope: scope, DeviceID: dev.ID}, refresh)
	return resp, dev.ID, err
}

func (s *Server) respond(g tokens.Grant, refresh string) (*TokenResponse, error) {
	at, ttl, err := s.cfg.Tokens.Issue(g)
	if err != nil {
		return nil, err
	}
	return &TokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int(ttl.Seconds()), RefreshToken: refresh, Scope: g.Scope}, nil
}

func refreshHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertRefresh stores a new refresh token of family and returns it.
func (s *Server) insertRefresh(ctx context.Context, db execer, family []byte, accountID, clientID, deviceID, scope string) (string, error) {
	token := tokens.RandomID(32)
	now := s.now().UTC()
	var dev any
	if deviceID != "" {
		dev = deviceID
	}
	if _, err := db.ExecContext(ctx,
		"INSERT INTO refresh_tokens (token_hash, family_id, account_id, client_id, device_id, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		refreshHash(token), family, accountID, clientID, dev, scope, now, now.Add(RefreshTokenLifetime)); err != nil {
		return "", fmt.Errorf("oauth: store refresh token: %w", err)
	}
	return token, nil
}

// refresh rotates a refresh token: the presented one is marked used and a
// new one of the same family is issued. Presenting a used token revokes the
// family.
func (s *Server) refresh(ctx context.Context, clientID, token string) (*TokenResponse, error) {
	if _, ok := s.clients[clientID]; !ok {
		return nil, tokenErr("invalid_client", "unknown client")
	}
	if token == "" {
		return nil, tokenErr("invalid_request", "refresh_token is required")
	}
	ctx = background(ctx)
	tx, err := s.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth: begin: %w", err)
	}
	defer tx.Rollback()
	var (
		family       []byte
		accountID    uint64
		owner, scope string
		deviceID     sql.NullString
		expiresAt    sql.NullTime
		usedAt       sql.NullTime
	)
	if len(token) > 512 {
		return nil, tokenErr("invalid_grant", "refresh token is invalid")
	}
	err = tx.QueryRowContext(ctx,
		"SELECT family_id, account_id, client_id, device_id, scope, expires_at, used_at FROM refresh_tokens WHERE token_hash = ? FOR UPDATE",
		refreshHash(token)).Scan(&family, &accountID, &owner, &deviceID, &scope, &expiresAt, &usedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokenErr("invalid_grant", "refresh token is invalid")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: read refresh token: %w", err)
	}
	if owner != clientID {
		return nil, tokenErr("invalid_grant", "refresh token was issued to another client")
	}
	if usedAt.Valid {
		if _, err := tx.ExecContext(ctx, "DELETE FROM refresh_tokens WHERE family_id = ?", family); err != nil {
			return nil, fmt.Errorf("oauth: revoke family: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("oauth: revoke family: %w", err)
		}
		s.cfg.Logger.Warn("oauth: refresh token reused; family revoked", "account", accountID, "client", clientID)
		if deviceID.Valid {
			sub := strconv.FormatUint(accountID, 10)
			if err := s.RevokeDevice(ctx, sub, deviceID.String); err != nil && !errors.Is(err, devices.ErrNotFound) {
				s.cfg.Logger.Error("oauth: revoke device after refresh reuse", "err", err)
			}
		}
		return nil, tokenErr("invalid_grant", "refresh token is invalid")
	}
	now := s.now().UTC()
	if !expiresAt.Valid || !now.Before(expiresAt.Time) {
		return nil, tokenErr("invalid_grant", "refresh token expired")
	}
	if _, err := tx.ExecContext(ctx, "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", now, refreshHash(token)); err != nil {
		return nil, fmt.Errorf("oauth: rotate: %w", err)
	}
	sub := strconv.FormatUint(accountID, 10)
	var profileID string
	if deviceID.Valid {
		profileID, err = s.cfg.Devices.Touch(ctx, tx, sub, deviceID.String)
		if errors.Is(err, devices.ErrNotFound) {
			return nil, tokenErr("invalid_grant", "the device was signed out")
		}
		if err != nil {
			return nil, err
		}
	}
	next, err := s.insertRefresh(ctx, tx, family, sub, clientID, deviceID.String, scope)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("oauth: rotate: %w", err)
	}
	return s.respond(tokens.Grant{Subject: sub, ClientID: clientID, Scope: scope, DeviceID: deviceID.String, ProfileID: profileID}, next)
}
