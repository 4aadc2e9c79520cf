// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension // import "github.com/hypha-obs/hypha/extension/hyphajsonlimitextension"

import (
	"errors"
	"fmt"
)

// MaxValueDepth is how deep, in OTLP messages, a body or attribute value may
// nest: the recursion limit of pdata's protobuf decoder, which refuses a
// value message at this depth or deeper. Every value message counts, so a
// map level (AnyValue, KeyValueList, KeyValue) takes three and an array
// level (AnyValue, ArrayValue) two: a body may hold 33 levels of maps.
const MaxValueDepth = 100

// maxNesting bounds brackets of either kind anywhere in the document, inside
// or outside a value. A valid OTLP/JSON document needs at most two brackets
// per value message plus a few for the envelope; the bound keeps a document
// of nothing but brackets from driving the decoder's recursion.
const maxNesting = 2*MaxValueDepth + 32

// errTooDeep is wrapped by every refusal.
var errTooDeep = errors.New("OTLP/JSON request nests too deep")

// The keys whose value is a value tree: an AnyValue (body) or a list of
// KeyValue (attributes). Every object below them is a value message.
var valueRootKeys = []string{"body", "attributes", "filteredAttributes", "filtered_attributes"}

// keyCap is longer than every key in valueRootKeys; a longer key is not one.
const keyCap = 24

// depthScanner follows the structure of a JSON document fed to it in pieces
// and fails once a value nests deeper than protobuf decoding allows. It does
// not validate the JSON: the receiver's decoder does that.
type depthScanner struct {
	open    [maxNesting]bool // per open bracket: true for an object
	depth   int              // open brackets
	objects int              // open objects

	inString, escaped bool
	expectKey         bool // a string here would be an object key
	readingKey        bool // the string being read is a key
	key               [keyCap]byte
	keyLen            int
	keyOdd            bool // the key has escapes or is too long to compare
	rootNext          bool // the next value opened is a value tree

	// Objects open outside the value tree being read, or -1 outside one,
	// and the bracket depth at which that tree closes.
	rootObjects, rootDepth int
}

func newDepthScanner() *depthScanner { return &depthScanner{rootObjects: -1} }

func (s *depthScanner) scan(p []byte) error {
	for _, c := range p {
		if s.inString {
			s.stringByte(c)
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			s.inString = true
			s.readingKey = s.expectKey
			s.keyLen, s.keyOdd = 0, false
			if !s.readingKey {
				s.rootNext = false
			}
		case ':':
			s.expectKey = false
		case ',':
			s.expectKey = s.depth > 0 && s.open[s.depth-1]
			s.rootNext = false
		case '{', '[':
			if err := s.push(c == '{'); err != nil {
				return err
			}
		case '}', ']':
			s.pop()
		default: // numbers, true, false, null
			s.rootNext = false
		}
	}
	return nil
}

func (s *depthScanner) stringByte(c byte) {
	switch {
	case s.escaped:
		s.escaped = false
		s.addKeyByte(c)
	case c == '\\':
		s.escaped = true
		s.keyOdd = true
	case c == '"':
		s.inString = false
		if s.readingKey {
			s.readingKey = false
			s.rootNext = s.isRootKey()
		}
	default:
		s.addKeyByte(c)
	}
}

func (s *depthScanner) addKeyByte(c byte) {
	if !s.readingKey {
		return
	}
	if s.keyLen == keyCap {
		s.keyOdd = true
		return
	}
	s.key[s.keyLen] = c
	s.keyLen++
}

// isRootKey reports whether the key just read names a value tree. A key
// with escapes is taken as one: decoded, it might be.
func (s *depthScanner) isRootKey() bool {
	if s.keyOdd {
		return s.keyLen < keyCap
	}
	key := string(s.key[:s.keyLen]) // no allocation: compared, not kept
	for _, k := range valueRootKeys {
		if key == k {
			return true
		}
	}
	return false
}

func (s *depthScanner) push(object bool) error {
	if s.depth == maxNesting {
		return fmt.Errorf("%w: more than %d nested objects and arrays", errTooDeep, maxNesting)
	}
	if s.rootNext && s.rootObjects < 0 {
		s.rootObjects, s.rootDepth = s.objects, s.depth
	}
	s.rootNext = false
	s.open[s.depth] = object
	s.depth++
	s.expectKey = object
	if !object {
		return nil
	}
	s.objects++
	if s.rootObjects >= 0 && s.objects-s.rootObjects-1 >= MaxValueDepth {
		return fmt.Errorf("%w: a body or attribute value nests %d messages deep or more, the limit of protobuf decoding", errTooDeep, MaxValueDepth)
	}
	return nil
}

func (s *depthScanner) pop() {
	s.expectKey, s.rootNext = false, false
	if s.depth == 0 { // malformed; the decoder will say so
		return
	}
	s.depth--
	if s.open[s.depth] {
		s.objects--
	}
	if s.depth == s.rootDepth {
		s.rootObjects = -1
	}
}
