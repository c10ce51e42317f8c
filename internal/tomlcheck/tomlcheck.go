// Package tomlcheck decodes a TOML document into a struct and reports every problem with it at
// once, as sentences naming the dotted key: unknown keys (with the closest known one) and values of
// the wrong type. BurntSushi/toml stops at the first wrong type; this package checks types first,
// leaves out the values it complained about, and lets the library decode the rest and name the
// keys it did not use (MetaData.Undecoded).
//
//	md, problems, err := tomlcheck.Decode(text, &cfg)
//	// err: not TOML at all; problems: "slack.tokne is not a key ftpbot knows (did you mean ...?)."
//	// md.IsDefined("slack", "mode"): whether the file wrote the key, even with a wrong type.
//
// When the document is not TOML at all, SyntaxProblem(text, err) says where, without quoting any
// part of a value that may be a secret.
package tomlcheck

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Decode decodes data into v, a pointer to a struct whose fields carry `toml` tags. err is a syntax
// error (a toml.ParseError): then nothing is decoded. Otherwise problems lists every unknown key and
// every value of the wrong type, sorted by key; the rest of the document is decoded into v. md is
// the document's own metadata, so IsDefined is true for every key the document writes.
func Decode(data string, v any) (md toml.MetaData, problems []string, err error) {
	md, err = toml.Decode(data, &map[string]any{})
	if err != nil {
		return md, nil, err
	}
	// A second copy to edit: md shares its tables with the map it decoded into.
	var raw map[string]any
	toml.Decode(data, &raw)
	t := reflect.TypeOf(v).Elem()
	var found []problem
	checkTypes(raw, t, nil, &found)
	if len(found) > 0 {
		// Leave out what checkTypes complained about, so the well-formed values are still decoded
		// (and validated by the caller) in this same run.
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(raw); err == nil {
			data = buf.String()
		}
	}
	decoded, err := toml.Decode(data, v)
	for _, k := range decoded.Undecoded() {
		if !reported(found, k) {
			found = append(found, problem{k, fmt.Sprintf("%s is not a key ftpbot knows%s.", k, suggestKey(k[len(k)-1], fieldsAt(t, k[:len(k)-1])))})
		}
	}
	slices.SortStableFunc(found, func(a, b problem) int { return slices.Compare(a.key, b.key) })
	for _, p := range found {
		problems = append(problems, p.text)
	}
	if err != nil {
		problems = append(problems, err.Error())
	}
	return md, problems, nil
}

type problem struct {
	key  toml.Key
	text string
}

// reported reports whether k or a table it is in already has a problem: an unknown table is one
// problem, not one per key in it.
func reported(ps []problem, k toml.Key) bool {
	for _, p := range ps {
		if len(p.key) <= len(k) && slices.Equal(p.key, k[:len(p.key)]) {
			return true
		}
	}
	return false
}

// textType is a struct decoded from a string by its UnmarshalText (ftpbot has one: a duration
// written "20s").
func textType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(reflect.TypeOf((*interface{ UnmarshalText([]byte) error })(nil)).Elem())
}

// fields maps the toml tags of struct type t to their field types.
func fields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag != "" && tag != "-" {
			out[tag] = t.Field(i).Type
		}
	}
	return out
}

// fieldsAt returns the fields of the table at key (a struct field, or a value of a map of tables).
func fieldsAt(t reflect.Type, key toml.Key) map[string]reflect.Type {
	for _, k := range key {
		switch t.Kind() {
		case reflect.Struct:
			t = fields(t)[k]
		case reflect.Map:
			t = t.Elem()
		}
		if t == nil {
			return nil
		}
	}
	return fields(t)
}

// checkTypes walks the decoded document against the struct type t and records every value of the
// wrong type, deleting it from raw. Unknown keys are left for the decoder to name.
func checkTypes(raw map[string]any, t reflect.Type, prefix toml.Key, out *[]problem) {
	known := fields(t)
	for k, v := range raw {
		ft, ok := known[k]
		if !ok {
			continue
		}
		key := append(slices.Clone(prefix), k)
		if want, ok := typeProblem(ft, v); !ok {
			*out = append(*out, problem{key, fmt.Sprintf("%s must be %s, not %s.", key, want, describe(v))})
			delete(raw, k)
			continue
		}
		switch {
		case ft.Kind() == reflect.Struct && !textType(ft):
			checkTypes(v.(map[string]any), ft, key, out)
		case ft.Kind() == reflect.Map:
			for pk, pv := range v.(map[string]any) {
				pm, ok := pv.(map[string]any)
				pkey := append(slices.Clone(key), pk)
				if !ok {
					*out = append(*out, problem{pkey, fmt.Sprintf("%s must be a table.", pkey)})
					delete(v.(map[string]any), pk)
					continue
				}
				checkTypes(pm, ft.Elem(), pkey, out)
			}
		}
	}
}

// typeProblem reports whether v fits type t, and a description of what t wants.
func typeProblem(t reflect.Type, v any) (string, bool) {
	if textType(t) {
		s, ok := v.(string)
		if !ok {
			return `a duration in quotes, like "20s"`, false
		}
		if err := reflect.New(t).Interface().(interface{ UnmarshalText([]byte) error }).UnmarshalText([]byte(s)); err != nil {
			return `a duration like "20s"`, false
		}
		return "", true
	}
	switch t.Kind() {
	case reflect.String:
		_, ok := v.(string)
		return "a string in quotes", ok
	case reflect.Bool:
		_, ok := v.(bool)
		return "true or false", ok
	case reflect.Int:
		_, ok := v.(int64)
		return "a whole number", ok
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return "a list like [" + map[reflect.Kind]string{reflect.Int: "21, 990", reflect.String: `"a", "b"`}[t.Elem().Kind()] + "]", false
		}
		for _, el := range arr {
			if want, ok := typeProblem(t.Elem(), el); !ok {
				return "a list of " + want + "s", false
			}
		}
		return "", true
	case reflect.Struct, reflect.Map:
		_, ok := v.(map[string]any)
		return "a table", ok
	}
	return t.String(), false
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64:
		return "a number"
	case float64:
		return "a decimal number"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func suggestKey(k string, fields map[string]reflect.Type) string {
	best, bestD := "", 4
	for f := range fields {
		if d := levenshtein(k, f); d < bestD || d == bestD && best != "" && f < best {
			best, bestD = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
