// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package followconverter makes every file_log receiver follow the files
// that log rotation makes of the files it names.
//
// A user names the live file (/var/log/app/*.log). Rotation moves its
// lines to siblings: logrotate's copytruncate copies the file to app.log.1
// and empties it, rename rotation renames it to app.log.1 or, with dateext,
// app.log-20261207, and kubelet renames 0.log to 0.log.20261207-101500.
// file_log matches files by their first bytes, not by name, so a renamed
// file it already read is continued where it stopped, but it only looks at
// paths its include globs match. Lines written after its last read of a
// copied file, or files rotated more than once while it waited for the
// gateway, were then never read. The converter adds, for each include
// glob, the globs of those siblings, and excludes their compressed forms
// (file_log would read them as text) unless the receiver reads compressed
// files itself (compression set). A path the user excluded stays excluded
// with its siblings. A user who does not want the siblings read excludes
// them (exclude: [/var/log/app/*.log.*]).
//
// A receiver that keeps its offsets in a hypha_ack_storage extension with a
// rescue_directory also follows that folder: the extension copies there,
// at shutdown, the files deleted before their lines were delivered. Its
// followed_files are set to the receiver's globs and fingerprint size, so
// that it can say which files file_log cannot tell apart.
package followconverter // import "github.com/hypha-obs/hypha/converter/followconverter"

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// siblingSuffixes are the globs rotation appends to a file's name: a
// number (logrotate's default, Python's RotatingFileHandler, and the
// dated names of kubelet and Python's TimedRotatingFileHandler, which start
// with a digit) after a dot, and logrotate's dateext after a dash.
var siblingSuffixes = []string{".[0-9]*", "-[0-9]*"}

// compressedSuffix matches the compressed forms of a sibling, which
// logrotate and kubelet make of older files.
const compressedSuffix = ".{gz,bz2,xz,zst,zip}"

// NewFactory returns the factory for the converter.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(confmap.ConverterSettings) confmap.Converter {
		return converter{}
	})
}

type converter struct{}

func (converter) Convert(_ context.Context, conf *confmap.Conf) error {
	receivers, _ := conf.Get("receivers").(map[string]any)
	for id, raw := range receivers {
		if t, _, _ := strings.Cut(id, "/"); t != "file_log" && t != "filelog" {
			continue
		}
		cfg, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		include, err := globs(cfg["include"])
		if err != nil {
			return fmt.Errorf("receivers::%s::include: %w", id, err)
		}
		if dir := rescueDirectory(conf, cfg["storage"]); dir != "" {
			include = append(include, filepath.Join(dir, "*"))
		}
		exclude, err := globs(cfg["exclude"])
		if err != nil {
			return fmt.Errorf("receivers::%s::exclude: %w", id, err)
		}
		compression, _ := cfg["compression"].(string)
		include, exclude = withSiblings(include, exclude, compression != "")
		update := map[string]any{"include": include}
		if len(exclude) > 0 {
			update["exclude"] = exclude
		}
		changes := map[string]any{"receivers": map[string]any{id: update}}
		// A size this does not read is file_log's to refuse or accept; the
		// files are then not compared.
		if ack, ok := ackStorage(cfg["storage"]); ok && conf.IsSet("extensions::"+ack) {
			if size, err := byteSize(cfg["fingerprint_size"]); err == nil {
				changes["extensions"] = map[string]any{ack: map[string]any{"followed_files": map[string]any{
					"include": include, "exclude": exclude, "fingerprint_size": size,
				}}}
			}
		}
		if err := conf.Merge(confmap.NewFromStringMap(changes)); err != nil {
			return err
		}
	}
	return nil
}

// ackStorage returns storage if it names a hypha_ack_storage extension.
func ackStorage(storage any) (string, bool) {
	id, _ := storage.(string)
	t, _, _ := strings.Cut(id, "/")
	return id, t == "hypha_ack_storage"
}

// defaultFingerprintSize is file_log's.
const defaultFingerprintSize = 1000

// byteSize reads a size the way file_log does: a number of bytes, or one
// with a unit (4KiB, 1kb).
func byteSize(v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return defaultFingerprintSize, nil
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case uint64:
		return int(v), nil
	case float64:
		return int(v), nil
	case string:
		s := strings.ToLower(strings.TrimSpace(v))
		for _, u := range []struct {
			suffix string
			mult   float64
		}{{"kib", 1024}, {"mib", 1 << 20}, {"kb", 1000}, {"mb", 1e6}, {"b", 1}, {"", 1}} {
			if num, ok := strings.CutSuffix(s, u.suffix); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
				if err != nil {
					return 0, fmt.Errorf("%q is not a size", v)
				}
				return int(f * u.mult), nil
			}
		}
	}
	return 0, fmt.Errorf("%v is not a size", v)
}

// rescueDirectory is the rescue_directory of the hypha_ack_storage
// extension named by storage, if it is one.
func rescueDirectory(conf *confmap.Conf, storage any) string {
	id, ok := ackStorage(storage)
	if !ok {
		return ""
	}
	ext, _ := conf.Get("extensions::" + id).(map[string]any)
	dir, _ := ext["rescue_directory"].(string)
	return dir
}

// globs reads an include or exclude value: one glob or a list of them.
func globs(v any) ([]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []any{v}, nil
	case []any:
		for _, g := range v {
			if _, ok := g.(string); !ok {
				return nil, fmt.Errorf("%v is not a glob", g)
			}
		}
		return v, nil
	case []string:
		out := make([]any, len(v))
		for i, g := range v {
			out[i] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("%v is neither a glob nor a list of globs", v)
}

// withSiblings returns the globs extended with rotation's siblings.
func withSiblings(include, exclude []any, readsCompressed bool) (inc, exc []any) {
	inc, exc = slices.Clone(include), slices.Clone(exclude)
	add := func(list []any, g string) []any {
		if slices.Contains(list, any(g)) {
			return list
		}
		return append(list, g)
	}
	for _, g := range include {
		glob := g.(string)
		if isCompressed(glob) || strings.HasSuffix(glob, "*") {
			// A glob that ends with * already matches every sibling.
			continue
		}
		for _, s := range siblingSuffixes {
			inc = add(inc, glob+s)
			if !readsCompressed {
				exc = add(exc, glob+s+compressedSuffix)
			}
		}
	}
	for _, g := range exclude {
		glob := g.(string)
		if strings.HasSuffix(glob, "*") {
			continue
		}
		for _, s := range siblingSuffixes {
			exc = add(exc, glob+s)
		}
	}
	return inc, exc
}

func isCompressed(glob string) bool {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".zip"} {
		if strings.HasSuffix(glob, ext) {
			return true
		}
	}
	return false
}
