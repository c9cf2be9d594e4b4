package strictjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		err  error // nil: valid
	}{
		{"empty object", `{}`, nil},
		{"members", `{"a":1,"b":"x","c":[1,{"d":null}],"e":true,"f":-0.5e+3}`, nil},
		{"whitespace", " \t\r\n{ \"a\" : 1 } \n", nil},
		{"escapes", `{"a\u00e9\n":"\ud83d\ude00\"\\\/"}`, nil},
		{"duplicate", `{"a":1,"a":2}`, ErrDuplicate},
		{"duplicate after escape", `{"a":1,"\u0061":2}`, ErrDuplicate},
		{"duplicate nested", `{"a":{"b":1,"b":2}}`, ErrDuplicate},
		{"duplicate in array object", `{"a":[{"b":1,"b":2}]}`, ErrDuplicate},
		{"many members, duplicate late", `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":0}`, ErrDuplicate},
		{"many members, duplicate in the overflow", `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k17":0}`, ErrDuplicate},
		{"array", `[1]`, ErrNotObject},
		{"string", `"a"`, ErrNotObject},
		{"empty", ``, ErrNotObject},
		{"trailing garbage", `{"a":1}x`, ErrSyntax},
		{"two objects", `{}{}`, ErrSyntax},
		{"trailing comma", `{"a":1,}`, ErrSyntax},
		{"missing colon", `{"a" 1}`, ErrSyntax},
		{"single quotes", `{'a':1}`, ErrSyntax},
		{"leading zero", `{"a":01}`, ErrSyntax},
		{"bare dot", `{"a":1.}`, ErrSyntax},
		{"plus sign", `{"a":+1}`, ErrSyntax},
		{"NaN", `{"a":NaN}`, ErrSyntax},
		{"control char", "{\"a\":\"\x01\"}", ErrSyntax},
		{"bad escape", `{"a":"\x"}`, ErrSyntax},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", ErrUTF8},
		{"overlong UTF-8", "{\"a\":\"\xc0\xaf\"}", ErrUTF8},
		{"lone high surrogate", `{"a":"\ud800"}`, ErrUTF8},
		{"lone low surrogate", `{"a":"\udc00x"}`, ErrUTF8},
		{"unterminated", `{"a":"b`, ErrSyntax},
		{"BOM", "\ufeff{}", ErrNotObject},
		{"deep", `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ErrDepth},
		{"just deep enough", `{"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate([]byte(tc.doc))
			if tc.err == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				var v map[string]any
				if err := json.Unmarshal([]byte(tc.doc), &v); err != nil {
					t.Fatalf("accepted a document encoding/json refuses: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.err) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Validate = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestReaderValues(t *testing.T) {
	var r Reader
	r.Reset([]byte(`{"s":"a\u00e9","n":12,"f":1.5,"aud":["x","y"],"one":"z","esc\u0041":1}`))
	got := map[string]Value{}
	for r.Next() {
		got[string(r.Key())] = r.Value()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if s, err := got["s"].String(); err != nil || s != "aé" || !got["s"].Equal("aé") {
		t.Errorf("s = %q, %v", s, err)
	}
	if f, err := got["n"].Float(); err != nil || f != 12 || !got["n"].IsInteger() {
		t.Errorf("n = %v, %v", f, err)
	}
	if f, err := got["f"].Float(); err != nil || f != 1.5 || got["f"].IsInteger() {
		t.Errorf("f = %v, %v", f, err)
	}
	if l, err := got["aud"].Strings(); err != nil || strings.Join(l, ",") != "x,y" {
		t.Errorf("aud = %v, %v", l, err)
	}
	if l, err := got["one"].Strings(); err != nil || strings.Join(l, ",") != "z" {
		t.Errorf("one = %v, %v", l, err)
	}
	if _, ok := got["escA"]; !ok {
		t.Errorf("escaped key not unescaped: %v", got)
	}
	if _, err := got["n"].String(); !errors.Is(err, ErrType) {
		t.Errorf("String of a number: %v", err)
	}
	if _, err := (Value{Kind: Number, Raw: []byte("1e400")}).Float(); err == nil {
		t.Error("1e400 decoded")
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":"c"}]}`, `{"a":"\ud83d\ude00"}`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data)
		if err == nil {
			var v map[string]any
			if jerr := json.Unmarshal(data, &v); jerr != nil {
				t.Fatalf("strict reader accepted %q, encoding/json refuses: %v", data, jerr)
			}
		} else if !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v does not match ErrSyntax", err)
		}
	})
}
