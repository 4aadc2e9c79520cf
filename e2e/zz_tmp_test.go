package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestTmpFake(t *testing.T) {
	b := newBrowser(t)
	for _, p := range []string{"/", "/trace/0af7651916cd43dd8448eb211c80319c?span=0000000000000005"} {
		b.must("nav", chromedp.Navigate("http://127.0.0.1:18777"+p))
		b.waitFor("loaded", `!document.querySelector('.loading') && document.querySelector('main').children.length > 1`)
		eval[bool](b, `document.body.insertAdjacentHTML("beforeend", "<div style=\"color:red\">x</div>") || true`); time.Sleep(300 * time.Millisecond); t.Log(p, b.cspViolations())
		b.shot("man" + map[string]string{"/": "home", "/logs?service=cart": "logs", "/health": "health", "/traces": "traces", "/trace/0af7651916cd43dd8448eb211c80319c": "trace"}[p])
	}
	d, e := b.ran()
	t.Log(d, e)
}
