package nut

import (
	"sort"
	"strings"
)

// FormatOptions writes driver options sorted by name, each "name" + eq +
// "value", or the name alone for a flag (empty value), joined by sep: the
// wizard's text field uses (" = ", "\n"), `nutmeg probe` ("=", " ").
func FormatOptions(opts map[string]string, eq, sep string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if v := opts[k]; v != "" {
			parts[i] += eq + v
		}
	}
	return strings.Join(parts, sep)
}
