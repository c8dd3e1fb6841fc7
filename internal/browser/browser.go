// Package browser starts Debian's headless Chromium for tests, with the
// flags this machine needs (no sandbox as root, no GPU, no background
// networking) and a fresh profile per test.
package browser

import (
	"context"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path is the Chromium binary tests drive; scripts/setup.sh installs it.
const Path = "/usr/bin/chromium"

// Options are the allocator options of the repository's Chromium: the
// binary at Path, a profile in userDataDir, headless with no sandbox, no
// GPU and no background networking, and autoplay without a gesture.
// Benchmarks (cmd/bench-player) start the browser with them too.
func Options(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path),
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
}

// New starts a headless Chromium for the test and returns a tab context,
// closed when the test ends. A missing browser fails the test: a skipped
// browser test would look like a passing one.
func New(tb testing.TB) context.Context {
	tb.Helper()
	if _, err := exec.LookPath(Path); err != nil {
		tb.Fatalf("browser: %s not found (scripts/setup.sh installs it): %v", Path, err)
	}
	opts := Options(tb.TempDir())
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		tb.Fatalf("browser: starting %s: %v", Path, err)
	}
	return ctx
}

// Step is one named action of a browser script; a failing step's name
// says where the script stopped.
type Step struct {
	Name string
	Do   chromedp.Action[chromedp.Void]
}

// loginForm is the origin's sign-in form (served at /oauth/authorize).
const loginForm = `form[action="/oauth/authorize"]`

// SignUpSteps opens the web app at appURL, signs a new viewer up with email
// and password and signs in through the origin's login form, as a person
// does. It ends when the signed-in app shows its browse view (one profile
// without a PIN is chosen without asking). It is driven by the app's DOM
// ids (#signup-email, #signup-password, #signup-submit, #signup-message,
// #signin, #view-browse), which the app keeps whatever renders its views.
func SignUpSteps(appURL, email, password string) []Step {
	return []Step{
		{"open the app", chromedp.Navigate(appURL)},
		{"fill sign-up email", chromedp.SendKeys("#signup-email", email)},
		{"fill sign-up password", chromedp.SendKeys("#signup-password", password)},
		{"sign up", chromedp.Click("#signup-submit")},
		// #signin is always shown: wait for the sign-up's answer, or the
		// click below races the account's creation (Argon2id is slow
		// under -race) and the login form finds no account.
		{"sign-up answered", chromedp.WaitVisible("#signup-message")},
		{"sign in", chromedp.Click("#signin")},
		{"login page", chromedp.WaitVisible(loginForm + ` input[name="email"]`)},
		{"login email", chromedp.SendKeys(loginForm+` input[name="email"]`, email)},
		{"login password", chromedp.SendKeys(loginForm+` input[name="password"]`, password)},
		{"submit login", chromedp.Click(loginForm + ` button[type="submit"]`)},
		{"signed in", chromedp.WaitVisible("#view-browse")},
	}
}

// Actions returns the actions of steps, for callers that run a list.
func Actions(steps []Step) []chromedp.Action[chromedp.Void] {
	out := make([]chromedp.Action[chromedp.Void], len(steps))
	for i, s := range steps {
		out[i] = s.Do
	}
	return out
}
