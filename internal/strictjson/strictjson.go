// Package strictjson reads JSON objects the way a token verifier must: one
// pass, no reflection, and no leniency. Input must be a single JSON object
// that is valid UTF-8, has no duplicate member names at any depth, nests no
// deeper than MaxDepth and carries nothing after the closing brace.
//
// The reader hands out member names and raw values; callers decode the values
// they care about with the Value methods and leave the rest untouched. Values
// that are skipped are still validated in full.
package strictjson

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects a document may have.
const MaxDepth = 32

// Errors returned by the reader. Every error it returns wraps ErrSyntax.
var (
	ErrSyntax    = errors.New("strictjson: invalid JSON")
	ErrDuplicate = errors.New("strictjson: duplicate member name")
	ErrDepth     = errors.New("strictjson: nesting too deep")
	ErrNotObject = errors.New("strictjson: not a JSON object")
	ErrUTF8      = errors.New("strictjson: invalid UTF-8")
	ErrType      = errors.New("strictjson: value has the wrong type")
)

type syntaxError struct {
	kind error
	off  int
}

func (e *syntaxError) Error() string {
	return e.kind.Error() + " at offset " + strconv.Itoa(e.off)
}

func (e *syntaxError) Is(target error) bool { return target == ErrSyntax || target == e.kind }
func (e *syntaxError) Unwrap() error        { return e.kind }

func fail(kind error, off int) error { return &syntaxError{kind: kind, off: off} }

// Kind is the JSON type of a value.
type Kind uint8

// Value kinds.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

// Value is one raw JSON value inside a document being read.
type Value struct {
	Kind Kind
	// Raw is the value's text exactly as it appears in the document.
	Raw []byte
	// escaped reports whether a String value contains backslash escapes.
	escaped bool
}

// Reader iterates the members of one JSON object.
//
// The zero Reader is not usable; call Reset first. A Reader holds no
// references beyond the document passed to Reset.
type Reader struct {
	data []byte
	pos  int
	err  error
	done bool
	n    int // members returned so far

	key      []byte
	val      Value
	keyAlloc []byte
	seen     [16][]byte
	seenMore map[string]struct{}
}

// Reset starts reading the object in data.
func (r *Reader) Reset(data []byte) {
	*r = Reader{data: data}
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != '{' {
		r.err = fail(ErrNotObject, r.pos)
		return
	}
	r.pos++
}

// Next advances to the next member and reports whether there is one. After it
// returns false, Err reports whether the whole object was well formed.
func (r *Reader) Next() bool {
	if r.err != nil || r.done {
		return false
	}
	r.skipSpace()
	if r.pos >= len(r.data) {
		r.err = fail(ErrSyntax, r.pos)
		return false
	}
	if r.n == 0 && r.data[r.pos] == '}' {
		return r.finish()
	}
	if r.n > 0 {
		switch r.data[r.pos] {
		case '}':
			return r.finish()
		case ',':
			r.pos++
			r.skipSpace()
		default:
			r.err = fail(ErrSyntax, r.pos)
			return false
		}
	}
	key, err := r.readKey()
	if err != nil {
		r.err = err
		return false
	}
	if r.isDuplicate(key) {
		r.err = fail(ErrDuplicate, r.pos)
		return false
	}
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != ':' {
		r.err = fail(ErrSyntax, r.pos)
		return false
	}
	r.pos++
	r.skipSpace()
	v, err := r.readValue(1)
	if err != nil {
		r.err = err
		return false
	}
	r.key, r.val = key, v
	r.n++
	return true
}

func (r *Reader) finish() bool {
	r.pos++
	r.skipSpace()
	if r.pos != len(r.data) {
		r.err = fail(ErrSyntax, r.pos)
	}
	r.done = true
	return false
}

// Key returns the current member's name, unescaped. The slice is valid until
// the next call to Next.
func (r *Reader) Key() []byte { return r.key }

// Value returns the current member's value.
func (r *Reader) Value() Value { return r.val }

// Err returns the first error met, or nil when the object was read to its end
// without fault.
func (r *Reader) Err() error {
	if r.err == nil && !r.done {
		return fail(ErrSyntax, r.pos)
	}
	return r.err
}

func (r *Reader) isDuplicate(key []byte) bool {
	n := r.n
	limit := min(n, len(r.seen))
	for i := 0; i < limit; i++ {
		if string(r.seen[i]) == string(key) {
			return true
		}
	}
	if r.seenMore != nil {
		if _, ok := r.seenMore[string(key)]; ok {
			return true
		}
	}
	// Keys that were unescaped live in keyAlloc, which is reused; keep a copy.
	stored := key
	if len(key) > 0 && len(r.keyAlloc) > 0 && &key[0] == &r.keyAlloc[0] {
		stored = append([]byte(nil), key...)
	}
	if n < len(r.seen) {
		r.seen[n] = stored
	} else {
		if r.seenMore == nil {
			r.seenMore = make(map[string]struct{})
		}
		r.seenMore[string(stored)] = struct{}{}
	}
	return false
}

func (r *Reader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *Reader) readKey() ([]byte, error) {
	if r.pos >= len(r.data) || r.data[r.pos] != '"' {
		return nil, fail(ErrSyntax, r.pos)
	}
	start := r.pos
	end, escaped, err := scanString(r.data, r.pos)
	if err != nil {
		return nil, err
	}
	r.pos = end
	raw := r.data[start+1 : end-1]
	if !escaped {
		return raw, nil
	}
	r.keyAlloc = appendUnescaped(r.keyAlloc[:0], raw)
	return r.keyAlloc, nil
}

// readValue reads one value starting at r.pos. depth counts the containers
// that enclose it, the top-level object included.
func (r *Reader) readValue(depth int) (Value, error) {
	if r.pos >= len(r.data) {
		return Value{}, fail(ErrSyntax, r.pos)
	}
	start := r.pos
	switch c := r.data[r.pos]; {
	case c == '"':
		end, escaped, err := scanString(r.data, r.pos)
		if err != nil {
			return Value{}, err
		}
		r.pos = end
		return Value{Kind: String, Raw: r.data[start:end], escaped: escaped}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := scanNumber(r.data, r.pos)
		if err != nil {
			return Value{}, err
		}
		r.pos = end
		return Value{Kind: Number, Raw: r.data[start:end]}, nil
	case c == 't':
		return r.literal("true", Bool)
	case c == 'f':
		return r.literal("false", Bool)
	case c == 'n':
		return r.literal("null", Null)
	case c == '[':
		if depth+1 > MaxDepth {
			return Value{}, fail(ErrDepth, r.pos)
		}
		if err := r.skipArray(depth + 1); err != nil {
			return Value{}, err
		}
		return Value{Kind: Array, Raw: r.data[start:r.pos]}, nil
	case c == '{':
		if depth+1 > MaxDepth {
			return Value{}, fail(ErrDepth, r.pos)
		}
		if err := r.skipObject(depth + 1); err != nil {
			return Value{}, err
		}
		return Value{Kind: Object, Raw: r.data[start:r.pos]}, nil
	default:
		return Value{}, fail(ErrSyntax, r.pos)
	}
}

func (r *Reader) literal(word string, k Kind) (Value, error) {
	start := r.pos
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return Value{}, fail(ErrSyntax, r.pos)
	}
	r.pos += len(word)
	return Value{Kind: k, Raw: r.data[start:r.pos]}, nil
}

func (r *Reader) skipArray(depth int) error {
	r.pos++ // '['
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return nil
	}
	for {
		r.skipSpace()
		if _, err := r.readValue(depth); err != nil {
			return err
		}
		if done, err := r.afterElement(']'); done || err != nil {
			return err
		}
	}
}

// afterElement consumes what follows an element of a container: a comma,
// or the closing byte, in which case done is true.
func (r *Reader) afterElement(closing byte) (done bool, err error) {
	r.skipSpace()
	if r.pos >= len(r.data) {
		return false, fail(ErrSyntax, r.pos)
	}
	switch r.data[r.pos] {
	case ',':
		r.pos++
		return false, nil
	case closing:
		r.pos++
		return true, nil
	}
	return false, fail(ErrSyntax, r.pos)
}

// skipObject validates a nested object, duplicate names included.
func (r *Reader) skipObject(depth int) error {
	r.pos++ // '{'
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return nil
	}
	var (
		names []string
		seen  map[string]struct{}
	)
	for {
		r.skipSpace()
		start := r.pos
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return fail(ErrSyntax, r.pos)
		}
		end, escaped, err := scanString(r.data, r.pos)
		if err != nil {
			return err
		}
		r.pos = end
		raw := r.data[start+1 : end-1]
		name := string(raw)
		if escaped {
			name = string(appendUnescaped(nil, raw))
		}
		if seen != nil {
			if _, dup := seen[name]; dup {
				return fail(ErrDuplicate, start)
			}
			seen[name] = struct{}{}
		} else {
			for _, n := range names {
				if n == name {
					return fail(ErrDuplicate, start)
				}
			}
			names = append(names, name)
			// Past a few names a set keeps the check linear.
			if len(names) > 16 {
				seen = make(map[string]struct{}, 2*len(names))
				for _, n := range names {
					seen[n] = struct{}{}
				}
			}
		}
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return fail(ErrSyntax, r.pos)
		}
		r.pos++
		r.skipSpace()
		if _, err := r.readValue(depth); err != nil {
			return err
		}
		if done, err := r.afterElement('}'); done || err != nil {
			return err
		}
	}
}

// scanString validates the string starting at data[i] == '"' and returns the
// offset just past its closing quote.
func scanString(data []byte, i int) (end int, escaped bool, err error) {
	i++
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(data) {
				return 0, false, fail(ErrSyntax, i)
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				_, n, ok := readEscapedRune(data, i)
				if !ok {
					return 0, false, fail(ErrUTF8, i)
				}
				i += n
			default:
				return 0, false, fail(ErrSyntax, i)
			}
		case c < 0x20:
			return 0, false, fail(ErrSyntax, i)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return 0, false, fail(ErrUTF8, i)
			}
			i += size
		}
	}
	return 0, false, fail(ErrSyntax, i)
}

// readEscapedRune decodes a \uXXXX escape at data[i], joining a surrogate
// pair when one follows. Lone surrogates are refused.
func readEscapedRune(data []byte, i int) (rune, int, bool) {
	r1, ok := hex4(data, i+2)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6, true
	}
	if r1 >= 0xDC00 || i+12 > len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
		return 0, 0, false
	}
	r2, ok := hex4(data, i+8)
	if !ok {
		return 0, 0, false
	}
	r := utf16.DecodeRune(r1, r2)
	if r == utf8.RuneError {
		return 0, 0, false
	}
	return r, 12, true
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendUnescaped appends the unescaped form of raw, the inside of a string
// already validated by scanString.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			dst = append(dst, raw[i+1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n, _ := readEscapedRune(raw, i)
			dst = utf8.AppendRune(dst, r)
			i += n
			continue
		}
		i += 2
	}
	return dst
}

// scanNumber validates the number grammar of RFC 8259 starting at data[i].
func scanNumber(data []byte, i int) (int, error) {
	start := i
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return 0, fail(ErrSyntax, start)
	}
	switch {
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return 0, fail(ErrSyntax, i)
	}
	if i < len(data) && data[i] == '.' {
		i++
		d := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == d {
			return 0, fail(ErrSyntax, i)
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		d := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == d {
			return 0, fail(ErrSyntax, i)
		}
	}
	return i, nil
}

// String decodes a String value.
func (v Value) String() (string, error) {
	if v.Kind != String {
		return "", ErrType
	}
	inner := v.Raw[1 : len(v.Raw)-1]
	if !v.escaped {
		return string(inner), nil
	}
	return string(appendUnescaped(nil, inner)), nil
}

// Equal reports whether v is a String equal to s, without allocating when v
// has no escapes.
func (v Value) Equal(s string) bool {
	if v.Kind != String {
		return false
	}
	inner := v.Raw[1 : len(v.Raw)-1]
	if !v.escaped {
		return string(inner) == s
	}
	return string(appendUnescaped(nil, inner)) == s
}

// IsInteger reports whether v is a Number written without fraction or
// exponent.
func (v Value) IsInteger() bool {
	if v.Kind != Number {
		return false
	}
	for _, c := range v.Raw {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// Float decodes a Number value. It refuses values that do not fit a finite
// float64.
func (v Value) Float() (float64, error) {
	if v.Kind != Number {
		return 0, ErrType
	}
	if v.IsInteger() && len(v.Raw) <= 18 {
		n, err := strconv.ParseInt(string(v.Raw), 10, 64)
		if err == nil {
			return float64(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(v.Raw), 64)
	if err != nil {
		return 0, ErrType
	}
	return f, nil
}

// Strings decodes a String value, or an Array holding only strings, into a
// list of strings.
func (v Value) Strings() ([]string, error) {
	switch v.Kind {
	case String:
		s, err := v.String()
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	case Array:
		var out []string
		r := Reader{data: v.Raw, pos: 1}
		r.skipSpace()
		if r.pos < len(r.data) && r.data[r.pos] == ']' {
			return []string{}, nil
		}
		for {
			r.skipSpace()
			item, err := r.readValue(1)
			if err != nil {
				return nil, err
			}
			s, err := item.String()
			if err != nil {
				return nil, ErrType
			}
			out = append(out, s)
			r.skipSpace()
			if r.pos >= len(r.data) {
				return nil, ErrSyntax
			}
			if r.data[r.pos] == ']' {
				return out, nil
			}
			r.pos++ // ','
		}
	default:
		return nil, ErrType
	}
}

// Validate reports whether data is one strictly valid JSON object.
func Validate(data []byte) error {
	var r Reader
	r.Reset(data)
	for r.Next() {
	}
	return r.Err()
}

// ValidateValue reports whether data is one strictly valid JSON value of any
// kind.
func ValidateValue(data []byte) error {
	r := Reader{data: data}
	r.skipSpace()
	if _, err := r.readValue(0); err != nil {
		return err
	}
	r.skipSpace()
	if r.pos != len(r.data) {
		return fail(ErrSyntax, r.pos)
	}
	return nil
}
