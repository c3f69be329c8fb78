package journal

import (
	"path/filepath"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, goos string
		env        map[string]string
		want       string // "" means an error
	}{
		{"xdg", "linux", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/op"}, "/x/state/drorch/journal.db"},
		{"home", "linux", map[string]string{"HOME": "/home/op"}, "/home/op/.local/state/drorch/journal.db"},
		{"relative xdg is ignored", "linux", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/op"}, "/home/op/.local/state/drorch/journal.db"},
		{"macos", "darwin", map[string]string{"HOME": "/Users/op"}, "/Users/op/Library/Application Support/drorch/journal.db"},
		{"macos with xdg", "darwin", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/Users/op"}, "/x/state/drorch/journal.db"},
		{"windows", "windows", map[string]string{"LocalAppData": "/appdata"}, filepath.Join("/appdata", "drorch", "journal.db")},
		{"windows without LocalAppData", "windows", map[string]string{}, ""},
		{"no home", "linux", map[string]string{}, ""},
		{"relative home", "linux", map[string]string{"HOME": "op"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := defaultPath(tc.goos, func(k string) string { return tc.env[k] })
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDefaultPathThisOS(t *testing.T) {
	t.Parallel()
	got, err := DefaultPath(func(k string) string { return map[string]string{"XDG_STATE_HOME": "/s"}[k] })
	if err != nil || got != filepath.Join("/s", "drorch", "journal.db") {
		t.Errorf("DefaultPath = %q, %v", got, err)
	}
}
