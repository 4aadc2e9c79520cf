// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// browser is a headless Chromium driven by chromedp, with a fresh profile.
// It records every JavaScript dialog (and dismisses it) and every uncaught
// exception, so that a test can show that nothing ran that should not.
type browser struct {
	t     testing.TB
	ctx   context.Context
	shots string // where screenshots go

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
}

// newBrowser starts chromium-headless-shell. Outside CI a missing browser
// skips the test, as a missing server binary does; in CI it fails.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	path, err := harness.Chromium()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1440, 1000),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: ctx, shots: screenshotDir(t)}
	// The first run starts the browser, for as long as ctx lives: no
	// timeout on it (see chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v", path, err)
	}
	t.Cleanup(func() {
		cancel() // closes the browser
		cancelAlloc()
	})
	// Every page records what its Content-Security-Policy blocked: a
	// violation means the UI tried inline script or style, or another
	// origin. DevTools adds this script, so the policy does not apply to it.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(e.Type)+": "+e.Message)
			b.mu.Unlock()
			// A dialog blocks the page: close it from another goroutine.
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.exceptions = append(b.exceptions, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber))
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// screenshotDir is HYPHA_UI_SCREENS, or e2e/.work/ui-screens.
func screenshotDir(t testing.TB) string {
	dir := os.Getenv("HYPHA_UI_SCREENS")
	if dir == "" {
		dir = filepath.Join(".work", "ui-screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// do runs actions with a bound, so that a page that never shows what a
// test waits for fails the test instead of hanging it.
func (b *browser) do(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// must is do that fails the test, with a screenshot of what was shown.
func (b *browser) must(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.do(45*time.Second, actions...); err != nil {
		b.fail(what, err)
	}
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	b.shot("failed-" + strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' {
			return '-'
		}
		return r
	}, what))
	text, _ := evalIn[string](b, 5*time.Second, `document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`)
	b.t.Fatalf("%s: %v\npage at %s shows:\n%s", what, err, b.location(), text)
}

// evalIn evaluates a JavaScript expression and decodes its value.
func evalIn[T any](b *browser, timeout time.Duration, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// eval is evalIn that fails the test on an error.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := evalIn[T](b, 20*time.Second, expr)
	if err != nil {
		b.fail("evaluating "+expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ok, err := evalIn[bool](b, 10*time.Second, "!!("+cond+")")
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still false after 45 s: %s", cond)
			}
			b.fail(what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot writes a PNG of the viewport.
func (b *browser) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Error(err)
		return
	}
	b.t.Logf("screenshot: %s", path)
}

// ran reports the dialogs opened and exceptions thrown so far.
func (b *browser) ran() (dialogs, exceptions []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...), append([]string(nil), b.exceptions...)
}

// cspViolations lists what the current page's policy blocked.
func (b *browser) cspViolations() []string {
	b.t.Helper()
	return eval[[]string](b, `window.__csp || []`)
}

// location is the page's path and query.
func (b *browser) location() string {
	loc, err := evalIn[string](b, 5*time.Second, `location.pathname + location.search`)
	if err != nil {
		return "?"
	}
	return loc
}
