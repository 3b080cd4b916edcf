package cli

import (
	"encoding/json"
	"io"
	"text/tabwriter"
)

// newTable returns a writer that aligns tab-separated columns two spaces
// apart. Flush it when done.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// jsonFlag is the --json flag of the read commands.
const jsonFlag = "json"
